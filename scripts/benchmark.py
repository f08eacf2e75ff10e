"""Measure the hot pages: time per request and queries per request, at a
realistic data size. Prints a table; nothing is asserted (tests pin the query
counts; this reports figures).

    .venv/bin/python scripts/benchmark.py                 # temporary SQLite database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python scripts/benchmark.py

Data: the demo clinics plus 2,000 patients, 300 appointments, 60 orders and 40
documents for one patient, and 500 products. Each page is requested 30 times
after 3 warm-ups, in one process with Django's test client (no network, no web
server), so the figures are the application's own time. Then making a signed
copy (the work done while a signature is recorded) is timed for a 10-page PDF
and for a photo.
"""

import datetime
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
_folder = tempfile.mkdtemp()
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_folder}/bench.sqlite3")
os.environ.setdefault("MEDIA_ROOT", f"{_folder}/media")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

REPEAT, WARM_UP = 30, 3


def build_data() -> dict:
    from patientportal.catalog.models import Product
    from patientportal.clinics.models import Clinic
    from patientportal.orders.models import Order, OrderItem
    from patientportal.patients.models import Patient
    from patientportal.scheduling.models import Appointment, AppointmentType, Provider

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", stdout=quiet)
    harbor = Clinic.objects.get(slug="harbor")
    olivia = Patient.objects.get(clinic=harbor, first_name="Olivia")
    Patient.objects.bulk_create(
        [
            Patient(
                clinic=harbor,
                first_name=f"Bench{index}",
                last_name=f"Patient{index:04d}",
                date_of_birth=datetime.date(1970, 1, 1) + datetime.timedelta(days=index),
            )
            for index in range(2000)
        ]
    )
    provider, kind = (
        Provider.objects.filter(clinic=harbor).first(),
        AppointmentType.objects.filter(clinic=harbor).first(),
    )
    now = timezone.now()
    Appointment.objects.bulk_create(
        [
            Appointment(
                clinic=harbor,
                patient=olivia,
                provider=provider,
                appointment_type=kind,
                duration_minutes=15,
                starts_at=now + datetime.timedelta(hours=3 * index - 450),
                ends_at=now + datetime.timedelta(hours=3 * index - 450, minutes=15),
                created_by=provider.clinic.staff_memberships.first().user,
            )
            for index in range(300)
        ]
    )
    Product.objects.bulk_create(
        [
            Product(clinic=harbor, name=f"Bench product {index:03d}", price_cents=500 + index, stock=20)
            for index in range(500)
        ]
    )
    template = Order.objects.filter(patient=olivia).first()
    for index in range(60):
        order = Order.objects.create(
            clinic=harbor,
            patient=olivia,
            number=str(5000 + index),
            currency="USD",
            tax_rate_bp=725,
            subtotal_cents=1000,
            taxable_subtotal_cents=1000,
            tax_cents=73,
            total_cents=1073,
            placed_by=template.placed_by,
        )
        OrderItem.objects.create(order=order, name="Bench item", unit_price_cents=1000, quantity=1, taxable=True)
    from patientportal.demo.files import demo_pdf
    from patientportal.documents.services import document_upload

    nurse = harbor.staff_memberships.get(user__email="nurse@harbor.example").user
    for index in range(40):
        document_upload(
            patient=olivia,
            data=demo_pdf(f"Lab result {index}", ["Result line. " * 30] * 6) if index % 4 == 0 else b"a,b\n1,2\n",
            filename="result.pdf" if index % 4 == 0 else "result.csv",
            doc_type="lab_result",
            title=f"Lab result {index:02d}",
            visible_in_portal=True,
            actor=nurse,
        )
    return {
        "olivia": olivia.portal_accesses.first().user,
        "staff": harbor.staff_memberships.get(user__email="nurse@harbor.example").user,
    }


def measure(client: Client, url: str) -> tuple[float, float, int, int]:
    for _ in range(WARM_UP):
        client.get(url)
    timings, queries, status = [], 0, 0
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        queries, status = len(captured), response.status_code
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], queries, status


def signed_copy_timings() -> list[tuple[str, float]]:
    import io

    from PIL import Image

    from patientportal.demo.files import demo_pdf
    from patientportal.documents.signature_input import typed_signature_png
    from patientportal.documents.signed_copy import build_signed_copy

    pdf = demo_pdf("Ten pages", ["Paragraph of a consent form. " * 40] * 27)
    photo = io.BytesIO()
    Image.effect_noise((3000, 2000), 40).convert("RGB").save(photo, format="JPEG", quality=85)
    signature = typed_signature_png("Olivia Brown")
    lines = [("Document", "x" * 80)] * 8
    results = []
    for label, data, kind in (("10-page PDF", pdf, "application/pdf"), ("6 MP photo", photo.getvalue(), "image/jpeg")):
        timings = []
        for _ in range(10):
            started = time.perf_counter()
            build_signed_copy(original=data, content_type=kind, title="Bench", lines=lines, signature_png=signature)
            timings.append((time.perf_counter() - started) * 1000)
        results.append((label, statistics.median(timings)))
    return results


def main() -> None:
    users = build_data()
    patient, staff = Client(), Client()
    patient.force_login(users["olivia"])
    staff.force_login(users["staff"])
    pages = [
        (patient, "/portal/"),
        (patient, "/portal/appointments/"),
        (patient, "/portal/appointments/?tab=past"),
        (patient, "/portal/shop/"),
        (patient, "/portal/shop/?q=bench+product&page=20"),
        (patient, "/portal/cart/"),
        (patient, "/portal/orders/"),
        (patient, "/portal/documents/"),
        (patient, "/portal/documents/{first_pdf}/pages/1.png"),
        (staff, "/staff/harbor/patients/"),
        (staff, "/staff/harbor/patients/?q=patient0"),
        (staff, "/staff/harbor/schedule/"),
        (staff, "/staff/harbor/orders/?queue=all"),
        (staff, "/staff/harbor/products/"),
    ]
    from patientportal.documents.models import Document

    first_pdf = Document.objects.filter(content_type="application/pdf", title__startswith="Lab result").first().pk
    pages = [(client, url.format(first_pdf=first_pdf)) for client, url in pages]
    print(f"Database: {connection.vendor}; {REPEAT} requests per page after {WARM_UP} warm-ups\n")
    print(f"{'page':<46} {'status':>6} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    for client, url in pages:
        median, p95, queries, status = measure(client, url)
        print(f"{url:<46} {status:>6} {median:>10.1f} {p95:>8.1f} {queries:>8}")
    print("\nMaking a signed copy (median of 10):")
    for label, median in signed_copy_timings():
        print(f"  {label:<14} {median:>8.1f} ms")


if __name__ == "__main__":
    main()
