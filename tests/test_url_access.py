"""Access checks for every URL at once, and the access tests some URLs did not have.

Who must not get in, refused before any record is looked up (so the ids in the
paths need not exist): an anonymous visitor is sent to sign in from every page
that needs an account; a patient account and another clinic's staff get 404
anywhere under a clinic's staff area; an account with no patient record gets 403
anywhere in the portal. Then the records of another clinic asked for by id under
one's own clinic, and, URL by URL where nothing tested it: the start pages, the
portal's lists, the cart and checkout, the test payment page and the health check.
tests/test_every_url_has_an_access_test.py names these tests for each URL.
"""

import pytest
from django.test import Client

from patientportal.documents.services import document_upload
from patientportal.orders.cart import cart_add_item
from patientportal.orders.models import CartItem, Order
from patientportal.scheduling.choices import AppointmentRequestStatus
from patientportal.scheduling.models import AppointmentRequest
from tests.conftest import client_for
from tests.documents.helpers import pdf_bytes
from tests.factories import (
    AppointmentFactory,
    AppointmentRequestFactory,
    ClinicFactory,
    MembershipFactory,
    ProductFactory,
    ProviderFactory,
)
from tests.orders.helpers import place_order, start_payment

pytestmark = pytest.mark.django_db

# (method, path) of every page of the patient portal; POST where the view takes only POST.
PORTAL_PATHS = [
    ("get", "/portal/"),
    ("post", "/portal/switch/"),
    ("get", "/portal/appointments/"),
    ("post", "/portal/appointments/reminders/"),
    ("get", "/portal/appointments/1/calendar.ics"),
    ("get", "/portal/appointments/1/cancel/"),
    ("post", "/portal/appointments/1/cancel/"),
    ("get", "/portal/appointments/1/reschedule/"),
    ("get", "/portal/appointments/requests/new/"),
    ("post", "/portal/appointments/requests/new/"),
    ("post", "/portal/appointments/requests/1/withdraw/"),
    ("get", "/portal/appointments/book/"),
    ("get", "/portal/appointments/book/1/"),
    ("post", "/portal/appointments/book/1/"),
    ("get", "/portal/shop/"),
    ("get", "/portal/shop/1/"),
    ("get", "/portal/shop/1/image/thumbnail/"),
    ("get", "/portal/cart/"),
    ("get", "/portal/cart/drawer/"),
    ("post", "/portal/cart/add/"),
    ("post", "/portal/cart/items/1/"),
    ("post", "/portal/cart/items/1/remove/"),
    ("post", "/portal/cart/clear/"),
    ("get", "/portal/checkout/"),
    ("post", "/portal/checkout/"),
    ("get", "/portal/documents/"),
    ("get", "/portal/documents/1/"),
    ("get", "/portal/documents/1/file/"),
    ("get", "/portal/documents/1/pages/1.png"),
    ("get", "/portal/documents/1/signed-copy.pdf"),
    ("get", "/portal/documents/1/sign/"),
    ("post", "/portal/documents/1/sign/"),
    ("get", "/portal/orders/"),
    ("get", "/portal/orders/1/"),
    ("post", "/portal/orders/1/pay/"),
    ("get", "/portal/orders/1/confirmation/"),
    ("get", "/portal/orders/1/receipt/"),
    ("get", "/portal/orders/1/receipt.pdf"),
    ("get", "/portal/orders/1/refunds/1/receipt/"),
    ("get", "/portal/orders/1/refunds/1/receipt.pdf"),
    ("get", "/portal/who-viewed-my-record/"),
    ("get", "/portal/account/"),
    ("post", "/portal/account/"),
]

# (method, path) of every page of Alpha Clinic's staff area.
STAFF_PATHS = [
    ("get", "/staff/alpha/"),
    ("get", "/staff/alpha/account/"),
    ("post", "/staff/alpha/account/"),
    ("get", "/staff/alpha/patients/"),
    ("get", "/staff/alpha/patients/new/"),
    ("get", "/staff/alpha/patients/1/"),
    ("get", "/staff/alpha/patients/1/edit/"),
    ("post", "/staff/alpha/patients/1/portal/enable/"),
    ("get", "/staff/alpha/patients/1/portal/disable/"),
    ("post", "/staff/alpha/patients/1/portal/disable/"),
    ("post", "/staff/alpha/patients/1/invitations/"),
    ("post", "/staff/alpha/patients/1/invitations/1/revoke/"),
    ("post", "/staff/alpha/patients/1/proxies/"),
    ("post", "/staff/alpha/patients/1/proxies/1/revoke/"),
    ("get", "/staff/alpha/schedule/"),
    ("get", "/staff/alpha/schedule/week/"),
    ("get", "/staff/alpha/schedule/print/"),
    ("get", "/staff/alpha/schedule/book/"),
    ("get", "/staff/alpha/schedule/book/1/"),
    ("post", "/staff/alpha/schedule/book/1/"),
    ("get", "/staff/alpha/patients/1/appointments/"),
    ("get", "/staff/alpha/patients/1/appointments/new/"),
    ("get", "/staff/alpha/appointments/1/edit/"),
    ("post", "/staff/alpha/appointments/1/status/"),
    ("post", "/staff/alpha/appointments/1/desk/"),
    ("get", "/staff/alpha/appointments/1/cancel/"),
    ("get", "/staff/alpha/appointments/requests/"),
    ("get", "/staff/alpha/appointments/requests/1/book/"),
    ("post", "/staff/alpha/appointments/requests/1/book/"),
    ("get", "/staff/alpha/appointments/requests/1/decline/"),
    ("post", "/staff/alpha/appointments/requests/1/decline/"),
    ("get", "/staff/alpha/setup/providers/"),
    ("get", "/staff/alpha/setup/providers/new/"),
    ("get", "/staff/alpha/setup/providers/1/"),
    ("get", "/staff/alpha/setup/providers/1/hours/"),
    ("post", "/staff/alpha/setup/providers/1/hours/"),
    ("get", "/staff/alpha/products/"),
    ("get", "/staff/alpha/products/new/"),
    ("get", "/staff/alpha/products/1/"),
    ("post", "/staff/alpha/products/1/stock/"),
    ("get", "/staff/alpha/products/1/image/thumbnail/"),
    ("get", "/staff/alpha/orders/"),
    ("get", "/staff/alpha/orders/1/"),
    ("post", "/staff/alpha/orders/1/approve/"),
    ("get", "/staff/alpha/orders/1/refunds/new/"),
    ("get", "/staff/alpha/orders/1/receipt/"),
    ("get", "/staff/alpha/orders/1/receipt.pdf"),
    ("get", "/staff/alpha/orders/1/refunds/1/receipt/"),
    ("get", "/staff/alpha/orders/1/refunds/1/receipt.pdf"),
    ("get", "/staff/alpha/payments/attention/"),
    ("post", "/staff/alpha/payments/attention/1/resolve/"),
    ("get", "/staff/alpha/patients/1/documents/"),
    ("get", "/staff/alpha/patients/1/documents/new/"),
    ("get", "/staff/alpha/documents/1/"),
    ("get", "/staff/alpha/documents/1/file/"),
    ("get", "/staff/alpha/documents/1/pages/1.png"),
    ("get", "/staff/alpha/documents/1/signed-copy.pdf"),
    ("get", "/staff/alpha/documents/1/signature.png"),
    ("post", "/staff/alpha/documents/1/withdraw/"),
    ("post", "/staff/alpha/documents/1/request-signature/"),
    ("get", "/staff/alpha/signed-copies/verify/"),
    ("post", "/staff/alpha/signed-copies/verify/"),
    ("get", "/staff/alpha/team/"),
    ("post", "/staff/alpha/team/1/remove/"),
    ("get", "/staff/alpha/settings/"),
    ("post", "/staff/alpha/settings/"),
    ("get", "/staff/alpha/audit/"),
    ("get", "/staff/alpha/audit/export.csv"),
    ("get", "/staff/alpha/notifications/"),
    ("get", "/staff/alpha/notifications/1/"),
    ("post", "/staff/alpha/notifications/read-all/"),
    ("get", "/staff/alpha/notifications/settings/"),
    ("post", "/staff/alpha/notifications/settings/"),
]

# Signed-in pages outside the two areas.
OTHER_SIGNED_IN_PATHS = [
    ("get", "/"),
    ("get", "/account/"),
    ("post", "/account/"),
    ("get", "/staff/"),
    ("get", "/payments/test/pay_test_1/"),
    ("post", "/payments/test/pay_test_1/"),
]


@pytest.mark.parametrize(("method", "path"), PORTAL_PATHS + STAFF_PATHS + OTHER_SIGNED_IN_PATHS)
def test_anonymous_visitors_are_sent_to_sign_in(method, path):
    response = getattr(Client(), method)(path)
    assert response.status_code == 302, (method, path)
    assert response["Location"].startswith("/accounts/login/?next="), (method, path)


@pytest.mark.parametrize(("method", "path"), STAFF_PATHS)
def test_a_patient_account_gets_404_in_the_staff_area(world, method, path):
    assert getattr(client_for(world.patient_user_1), method)(path).status_code == 404


@pytest.mark.parametrize(("method", "path"), STAFF_PATHS)
def test_another_clinics_staff_get_404_in_this_clinics_staff_area(world, method, path):
    assert getattr(client_for(world.owner_b), method)(path).status_code == 404


@pytest.mark.parametrize(("method", "path"), PORTAL_PATHS)
def test_an_account_with_no_patient_record_gets_403_in_the_portal(world, method, path):
    response = getattr(client_for(world.staff_a), method)(path)
    assert response.status_code == 403
    assert "No patient record is linked" in response.text


def test_another_clinics_records_are_404_under_the_staffs_own_clinic(world):
    """Alpha's owner (every role) asks for Beta's records by id under /staff/alpha/: never found."""
    pb = world.pb.pk
    appointment = AppointmentFactory(patient=world.pb).pk
    appointment_request = AppointmentRequestFactory(patient=world.pb).pk
    provider = ProviderFactory(clinic=world.clinic_b).pk
    product = ProductFactory(clinic=world.clinic_b).pk
    order = place_order(world, patient=world.pb).pk
    document = document_upload(
        patient=world.pb,
        data=pdf_bytes("Beta's form"),
        filename="f.pdf",
        doc_type="consent_form",
        title="Beta's form",
        visible_in_portal=True,
        signature_due_days=None,
        actor=world.owner_b,
    ).pk
    membership = world.owner_b.staff_memberships.get().pk
    before = (world.pb.portal_status, Order.objects.get(pk=order).status)
    client = client_for(world.owner_a)
    for method, path in [
        ("get", f"/staff/alpha/patients/{pb}/"),
        ("get", f"/staff/alpha/patients/{pb}/edit/"),
        ("post", f"/staff/alpha/patients/{pb}/portal/enable/"),
        ("get", f"/staff/alpha/patients/{pb}/portal/disable/"),
        ("post", f"/staff/alpha/patients/{pb}/portal/disable/"),
        ("post", f"/staff/alpha/patients/{pb}/invitations/"),
        ("post", f"/staff/alpha/patients/{pb}/proxies/"),
        ("get", f"/staff/alpha/patients/{pb}/appointments/"),
        ("get", f"/staff/alpha/patients/{pb}/appointments/new/"),
        ("get", f"/staff/alpha/patients/{pb}/documents/"),
        ("get", f"/staff/alpha/patients/{pb}/documents/new/"),
        ("get", f"/staff/alpha/appointments/{appointment}/edit/"),
        ("post", f"/staff/alpha/appointments/{appointment}/status/"),
        ("post", f"/staff/alpha/appointments/{appointment}/desk/"),
        ("get", f"/staff/alpha/schedule/book/{pb}/"),
        ("post", f"/staff/alpha/schedule/book/{pb}/"),
        ("get", f"/staff/alpha/schedule/week/?provider={provider}"),
        ("get", f"/staff/alpha/schedule/book/?provider={provider}"),
        ("post", f"/staff/alpha/appointments/{appointment}/cancel/"),
        ("get", f"/staff/alpha/appointments/requests/{appointment_request}/book/"),
        ("post", f"/staff/alpha/appointments/requests/{appointment_request}/book/"),
        ("get", f"/staff/alpha/appointments/requests/{appointment_request}/decline/"),
        ("post", f"/staff/alpha/appointments/requests/{appointment_request}/decline/"),
        ("get", f"/staff/alpha/setup/providers/{provider}/"),
        ("get", f"/staff/alpha/setup/providers/{provider}/hours/"),
        ("post", f"/staff/alpha/setup/providers/{provider}/hours/"),
        ("get", f"/staff/alpha/products/{product}/"),
        ("post", f"/staff/alpha/products/{product}/stock/"),
        ("get", f"/staff/alpha/products/{product}/image/thumbnail/"),
        ("get", f"/staff/alpha/orders/{order}/"),
        ("post", f"/staff/alpha/orders/{order}/cancel/"),
        ("get", f"/staff/alpha/orders/{order}/refunds/new/"),
        ("get", f"/staff/alpha/orders/{order}/receipt/"),
        ("get", f"/staff/alpha/orders/{order}/receipt.pdf"),
        ("get", f"/staff/alpha/orders/{order}/refunds/1/receipt/"),
        ("get", f"/staff/alpha/orders/{order}/refunds/1/receipt.pdf"),
        ("get", f"/staff/alpha/documents/{document}/"),
        ("get", f"/staff/alpha/documents/{document}/file/"),
        ("get", f"/staff/alpha/documents/{document}/pages/1.png"),
        ("get", f"/staff/alpha/documents/{document}/signed-copy.pdf"),
        ("get", f"/staff/alpha/documents/{document}/signature.png"),
        ("post", f"/staff/alpha/documents/{document}/withdraw/"),
        ("post", f"/staff/alpha/documents/{document}/request-signature/"),
        ("post", f"/staff/alpha/team/{membership}/remove/"),
    ]:
        assert getattr(client, method)(path).status_code == 404, (method, path)
    world.pb.refresh_from_db()
    assert (world.pb.portal_status, Order.objects.get(pk=order).status) == before
    assert world.owner_b.staff_memberships.filter(pk=membership).exists()
    assert AppointmentRequest.objects.get(pk=appointment_request).status == AppointmentRequestStatus.PENDING


@pytest.fixture
def others_things(world):
    """An appointment, a document, an order and a cart line of another patient of the same clinic
    (P2) and of a patient of another clinic (PB), each named after its owner."""
    for patient, owner in ((world.p2, "Peter"), (world.pb, "Bella")):
        AppointmentFactory(patient=patient, appointment_type__name=f"{owner}'s visit")
        document_upload(
            patient=patient,
            data=pdf_bytes(f"{owner}'s results"),
            filename="r.pdf",
            doc_type="lab_result",
            title=f"{owner}'s results",
            visible_in_portal=True,
            signature_due_days=None,
            actor=world.staff_a if patient.clinic == world.clinic_a else world.owner_b,
        )
        place_order(
            world, patient=patient, products=[(ProductFactory(clinic=patient.clinic, name=f"{owner}'s order"), 1)]
        )
        cart_add_item(
            patient=patient, product=ProductFactory(clinic=patient.clinic, name=f"{owner}'s cart"), quantity=1
        )


@pytest.mark.parametrize(
    "path",
    [
        "/portal/",
        "/portal/appointments/",
        "/portal/appointments/?tab=past",
        "/portal/shop/",
        "/portal/cart/",
        "/portal/cart/drawer/",
        "/portal/checkout/",
        "/portal/documents/",
        "/portal/orders/",
        "/portal/who-viewed-my-record/",
    ],
)
def test_portal_pages_show_only_the_signed_in_patients_own_things(world, others_things, path):
    cart_add_item(patient=world.p1, product=ProductFactory(clinic=world.clinic_a, name="Paula's cart"), quantity=1)
    response = client_for(world.patient_user_1).get(path)
    assert response.status_code == 200
    # The shop lists all of Alpha's products, the ones Peter ordered too; never Beta's.
    for name in ["Bella"] if path == "/portal/shop/" else ["Peter", "Bella"]:
        assert name not in response.text, (path, name)
    # Bella, a patient of Beta Clinic only, sees nothing of Paula's on the same page.
    assert "Paula" not in client_for(world.patient_user_b).get(path).text


def test_clearing_the_cart_and_checking_out_touch_only_the_patients_own_cart(world):
    mine = ProductFactory(clinic=world.clinic_a, name="Mine", price_cents=1000)
    cart_add_item(patient=world.p1, product=mine, quantity=1)
    cart_add_item(patient=world.p2, product=ProductFactory(clinic=world.clinic_a, name="Peter's"), quantity=1)
    client = client_for(world.patient_user_1)
    shown = client.get("/portal/checkout/").context["form"].initial["shown_total_cents"]
    placed = client.post("/portal/checkout/", {"notes": "", "shown_total_cents": shown})
    assert placed.status_code == 302
    order = Order.objects.get()
    assert order.patient == world.p1 and [line.name for line in order.items.all()] == ["Mine"]
    cart_add_item(patient=world.p1, product=mine, quantity=1)
    assert client.post("/portal/cart/clear/").status_code == 302
    assert not CartItem.objects.filter(cart__patient=world.p1).exists()
    assert CartItem.objects.filter(cart__patient=world.p2).count() == 1
    assert Client().post("/portal/cart/clear/").status_code == 302  # to sign in
    assert CartItem.objects.filter(cart__patient=world.p2).count() == 1


def test_the_test_payment_page_is_404_for_anyone_but_the_orders_patient(world):
    order = place_order(world)
    reference = start_payment(order).reference
    path = f"/payments/test/{reference}/"
    for outsider in (world.patient_user_2, world.patient_user_b, world.staff_a, world.owner_b):
        client = client_for(outsider)
        assert client.get(path).status_code == 404
        assert client.post(path, {"action": "pay"}).status_code == 404
    assert Client().get(path)["Location"].startswith("/accounts/login/")
    order.refresh_from_db()
    assert order.payment_status == "unpaid"
    assert client_for(world.patient_user_1).get(path).status_code == 200


def test_the_start_page_sends_each_account_to_its_own_area_only(world):
    assert client_for(world.patient_user_1).get("/")["Location"] == "/portal/"
    assert client_for(world.staff_a).get("/")["Location"] == "/staff/alpha/"
    assert client_for(world.owner_b).get("/")["Location"] == "/staff/beta/"
    both = MembershipFactory(clinic=world.clinic_b, user=world.patient_user_1).user
    page = client_for(both).get("/")
    assert page.status_code == 200
    assert 'href="/portal/"' in page.text and 'href="/staff/beta/"' in page.text
    # Paula's record is at Alpha, which does not make her Alpha's staff.
    assert "/staff/alpha/" not in page.text and "Alpha Clinic" not in page.text
    assert Client().get("/").status_code == 302


def test_choosing_a_clinic_offers_only_the_accounts_own_clinics(world):
    third = ClinicFactory(name="Gamma Clinic", slug="gamma")
    MembershipFactory(clinic=world.clinic_b, user=world.staff_a)
    page = client_for(world.staff_a).get("/staff/")
    assert page.status_code == 200
    assert "Alpha Clinic" in page.text and "Beta Clinic" in page.text
    assert third.name not in page.text
    assert client_for(world.owner_b).get("/staff/")["Location"] == "/staff/beta/"
    patient_page = client_for(world.patient_user_1).get("/staff/")
    assert "Alpha Clinic" not in patient_page.text and "Beta Clinic" not in patient_page.text
    assert Client().get("/staff/").status_code == 302


def test_the_health_check_is_public_tells_only_the_status_and_answers_only_get(world):
    answers = [client.get("/healthz").json() for client in (Client(), client_for(world.patient_user_1))]
    assert answers == [{"status": "ok", "database": "ok"}] * 2
    assert Client().post("/healthz").status_code == 405
