"""A proxy's access level holds on every portal URL (issue 16, part 3). The URL list is walked from
the portal's URLconf, so a new portal URL fails here until it is put on one side or the other: what
a proxy with "appointments and documents only" may open (the same answer as a full proxy), and what
is a 404 for them (the shop, cart, checkout, orders, receipts and the record's history)."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern
from PIL import Image

from patientportal.catalog.models import Product
from patientportal.catalog.services import product_save
from patientportal.documents.services import document_upload
from patientportal.orders.cart import cart_add_item
from patientportal.patients.choices import AccessLevel, Relationship
from patientportal.payments.models import Refund
from patientportal.payments.refunds import order_refund
from patientportal.portal import urls as portal_urls
from tests.conftest import client_for
from tests.documents.helpers import pdf_bytes
from tests.factories import (
    AppointmentFactory,
    AppointmentRequestFactory,
    AppointmentTypeFactory,
    PatientFactory,
    PortalAccessFactory,
)
from tests.orders.helpers import pay, place_order

pytestmark = pytest.mark.django_db

# Open to a proxy with appointments and documents only: they get what a full proxy gets.
LIMITED_MAY_OPEN = {
    "dashboard",
    "switch_record",
    "appointments",
    "appointment_reminders",
    "appointment_calendar_file",
    "appointment_cancel",
    "appointment_reschedule",
    "appointment_request_new",
    "appointment_request_withdraw",
    "account",
    # Booking an open time is an appointment like the others.
    "appointment_book_start",
    "appointment_slots",
    "document_list",
    "document_detail",
    "document_file",
    "document_page",
    "signed_copy",
    "document_sign",
}
# A 404 for them, as if it did not exist.
FULL_ACCESS_ONLY = {
    "shop",
    "product_detail",
    "product_image",
    "cart",
    "cart_drawer",
    "cart_add",
    "cart_update",
    "cart_remove",
    "cart_clear",
    "checkout",
    "order_list",
    "order_detail",
    "order_pay",
    "order_confirmation",
    "payment_receipt",
    "payment_receipt_pdf",
    "refund_receipt",
    "refund_receipt_pdf",
    "access_history",
}


@pytest.fixture
def family(world):
    """Leo's record with everything a portal URL can name, a full proxy and a documents-only proxy."""
    leo = PatientFactory(
        clinic=world.clinic_a, first_name="Leo", last_name="Garcia", date_of_birth=datetime.date(2015, 7, 8)
    )
    full = PortalAccessFactory(
        patient=leo, relationship=Relationship.PARENT_GUARDIAN, proxy_name="Maria Garcia", user__first_name="Maria"
    )
    limited = PortalAccessFactory(
        patient=leo,
        relationship=Relationship.PARENT_GUARDIAN,
        level=AccessLevel.APPOINTMENTS_DOCUMENTS,
        proxy_name="Daniel Garcia",
        user__first_name="Daniel",
        user__last_name="Garcia",
    )
    picture = io.BytesIO()
    Image.new("RGB", (60, 60), "orange").save(picture, format="PNG")
    product = product_save(
        product=Product(clinic=world.clinic_a),
        values={"name": "Sunscreen", "category": "other", "price_cents": 1500, "visible_in_portal": True},
        actor=world.staff_a,
        image=SimpleUploadedFile("p.png", picture.getvalue()),
        initial_stock=10,
    )
    order = place_order(world, patient=leo, products=[(product, 1)])
    pay(order)  # paid, then refunded: its receipts open for a full proxy
    order_refund(order=order, actor=world.owner_a, reason="Returned")
    world.clinic_a.accepts_appointment_requests = True
    world.clinic_a.save()
    item = cart_add_item(patient=leo, product=product, quantity=1)
    document = document_upload(
        patient=leo,
        data=pdf_bytes("Consent"),
        filename="consent.pdf",
        doc_type="consent_form",
        title="Consent",
        visible_in_portal=True,
        signature_due_days=7,
        actor=world.staff_a,
    )
    # Self-booking on, with a bookable type.
    world.clinic_a.patients_may_book_online = True
    world.clinic_a.save()
    bookable = AppointmentTypeFactory(clinic=world.clinic_a, bookable_online=True)
    values = {
        "appointment_id": AppointmentFactory(patient=leo).pk,
        "request_id": AppointmentRequestFactory(patient=leo).pk,
        "type_id": bookable.pk,
        "product_id": product.pk,
        "size": "thumbnail",
        "item_id": item.pk,
        "document_id": document.pk,
        "page": 1,
        "order_id": order.pk,
        "refund_id": Refund.objects.get(payment__order=order).pk,
    }
    return full.user, limited.user, values


def portal_urls_with_values(values: dict) -> list[tuple[str, str]]:
    """(name, path) of every portal URL, each parameter filled with a real object of Leo's."""
    found = []
    for pattern in portal_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        route = str(pattern.pattern)
        for name in pattern.pattern.regex.groupindex:
            route = route.replace(f"<int:{name}>", str(values[name])).replace(f"<slug:{name}>", str(values[name]))
        found.append((pattern.name, "/portal/" + route))
    return found


def answer(client, path: str, values: dict):
    """GET, or POST where the view takes only POST (with what a form of the page would send)."""
    response = client.get(path)
    data = {"product": values["product_id"], "quantity": 1}
    return client.post(path, data) if response.status_code == 405 else response


def test_every_portal_url_is_on_one_side_or_the_other(family):
    names = {name for name, _path in portal_urls_with_values(family[2])}
    assert names == LIMITED_MAY_OPEN | FULL_ACCESS_ONLY
    assert not LIMITED_MAY_OPEN & FULL_ACCESS_ONLY


def test_a_documents_only_proxy_gets_404_on_the_shop_cart_checkout_orders_and_history(family):
    full, limited, values = family
    for name, path in portal_urls_with_values(values):
        if name not in FULL_ACCESS_ONLY:
            continue
        assert answer(client_for(limited), path, values).status_code == 404, (name, path)
        # Not a 404 by accident: a full proxy of the same record reaches it.
        assert answer(client_for(full), path, values).status_code != 404, (name, path)


def test_a_documents_only_proxy_opens_appointments_and_documents_like_a_full_proxy(family):
    full, limited, values = family
    for name, path in portal_urls_with_values(values):
        if name not in LIMITED_MAY_OPEN or name == "switch_record":
            continue
        limited_status = answer(client_for(limited), path, values).status_code
        assert limited_status == answer(client_for(full), path, values).status_code, (name, path)
        assert limited_status != 404 or name == "signed_copy", (name, path)  # nothing is signed yet


def test_a_documents_only_proxy_sees_no_shop_orders_cart_or_history_in_the_menu_and_home(family):
    _full, limited, _values = family
    page = client_for(limited).get("/portal/").text
    for hidden in (
        'href="/portal/shop/"',
        'href="/portal/orders/"',
        'href="/portal/cart/"',
        "/portal/who-viewed-my-record/",
    ):
        assert hidden not in page
    assert 'href="/portal/appointments/"' in page and 'href="/portal/documents/"' in page
    assert "/portal/who-viewed-my-record/" not in client_for(limited).get("/portal/documents/").text


def test_the_portal_greets_the_proxy_by_their_own_name_and_says_whose_record(family):
    _full, limited, _values = family
    page = client_for(limited).get("/portal/").text
    assert "Hello, Daniel" in page and "Hello, Leo" not in page
    assert "You are viewing Leo Garcia’s record at Alpha Clinic." in page
    assert "Your role: Parent or guardian · Appointments and documents only" in page
    # On every page, not only the home page.
    assert (
        "You are viewing <strong>Leo Garcia</strong>’s record, signed in as Daniel Garcia."
        in client_for(limited).get("/portal/documents/").text
    )


def test_the_patient_is_greeted_as_before_and_sees_no_proxy_note(world):
    page = client_for(world.patient_user_1).get("/portal/").text
    assert "Hello, Paula" in page and "Welcome to your portal at Alpha Clinic." in page
    assert 'id="proxy-note"' not in page


def test_a_parent_with_their_own_record_switches_to_the_childs_and_is_still_greeted_by_name(world, family):
    from patientportal.patients.models import PortalAccess

    maria = family[0]
    own = PortalAccessFactory(
        user=maria, patient=PatientFactory(clinic=world.clinic_a, first_name="Maria", last_name="Garcia")
    )
    client = client_for(maria)
    child_link = PortalAccess.objects.get(user=maria, patient__first_name="Leo")
    client.post("/portal/switch/", {"access": own.pk})
    assert "You are viewing your own record at Alpha Clinic." in client.get("/portal/").text
    client.post("/portal/switch/", {"access": child_link.pk})
    page = client.get("/portal/").text
    assert "Hello, Maria" in page and "You are viewing Leo Garcia’s record at Alpha Clinic." in page
    assert "Parent or guardian" in page  # also in the record switcher


def test_who_viewed_my_record_lists_proxies_by_name_and_relationship(world, family):
    full, limited, _values = family
    client_for(limited).get("/portal/documents/")
    page = client_for(full).get("/portal/who-viewed-my-record/?side=own").text
    assert "Daniel Garcia" in page
    assert (
        "Parent or guardian, on the patient&#x27;s behalf" in page
        or "Parent or guardian, on the patient's behalf" in page
    )
