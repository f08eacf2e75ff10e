"""Wherever the portal or an email to a patient says "contact the clinic", it shows how: the
clinic's phone (a tel: link in HTML, so a phone dials it with a tap), email and address. A clinic
without contact details keeps the generic wording."""

import datetime

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from patientportal.documents.services import signature_requests_announce
from patientportal.orders.services import order_approve
from patientportal.patients.invitations import invitation_revoke
from tests.conftest import client_for
from tests.documents.helpers import upload
from tests.factories import AppointmentFactory, LocationFactory, PatientFactory, ProductFactory
from tests.orders.helpers import place_order
from tests.patients.helpers import enabled, send

pytestmark = pytest.mark.django_db

TEL_LINK = 'href="tel:+16175550142"'


@pytest.fixture
def alpha_contact(world):
    clinic = world.clinic_a
    clinic.phone, clinic.email = "+1 617-555-0142", "desk@alpha.example"
    clinic.street, clinic.city, clinic.region, clinic.postal_code = "1 Harbor Way", "Boston", "MA", "02110"
    clinic.save()
    return clinic


def assert_contact_block(html: str) -> None:
    assert TEL_LINK in html
    assert 'href="mailto:desk@alpha.example"' in html
    assert "1 Harbor Way" in html and "Boston, MA 02110" in html


def test_the_empty_appointments_page_shows_how_to_reach_the_clinic(world, alpha_contact):
    page = client_for(world.patient_user_1).get("/portal/appointments/")
    assert "Contact the clinic to book one." in page.text
    assert_contact_block(page.text)


def test_without_contact_details_the_generic_wording_stays_and_nothing_else(world):
    page = client_for(world.patient_user_1).get("/portal/appointments/")
    assert "Contact the clinic to book one." in page.text
    assert "tel:" not in page.text and "clinic-contact" not in page.text


def test_a_feature_outside_the_plan_shows_the_clinics_contact(world):
    beta = world.clinic_b
    beta.phone, beta.email = "(619) 555-0187", "hello@beta.example"
    beta.save()
    page = client_for(world.patient_user_b).get("/portal/shop/")
    assert page.status_code == 403
    assert "please contact the clinic directly" in page.text
    assert 'href="tel:6195550187"' in page.text and "hello@beta.example" in page.text


def test_a_revoked_invitation_shows_the_contact_of_the_clinic_that_sent_it(world, alpha_contact):
    patient = enabled(PatientFactory(clinic=world.clinic_a, email="iris@example.com"), world.staff_a)
    invitation, token = send(patient, world.staff_a)
    invitation_revoke(invitation=invitation, actor=world.staff_a)
    page = Client().get(f"/invite/{token}/")
    assert page.status_code == 410
    assert "Ask your clinic to send you a new one." in page.text
    assert_contact_block(page.text)
    unknown = Client().get("/invite/not-a-real-token/")
    assert unknown.status_code == 404 and "tel:" not in unknown.text  # no invitation, no clinic to name


def test_when_online_payment_is_off_the_message_gives_the_phone_and_email(world, alpha_contact, settings):
    settings.PAYMENT_PROVIDER = ""
    order = place_order(world)
    page = client_for(world.patient_user_1).post(f"/portal/orders/{order.pk}/pay/", follow=True)
    assert (
        "Online payment is not available yet. Please contact the clinic to pay. "
        "Phone: +1 617-555-0142 · Email: desk@alpha.example"
    ) in page.text


def sent_emails(django_capture_on_commit_callbacks, action) -> list:
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        action()
    return list(mail.outbox)


def test_every_email_to_a_patient_ends_with_the_clinics_contact(
    world, alpha_contact, django_capture_on_commit_callbacks
):
    patient = enabled(PatientFactory(clinic=world.clinic_a, email="iris@example.com"), world.staff_a)
    rx = ProductFactory(clinic=world.clinic_a, requires_prescription=True, stock=3)
    order = place_order(world, products=[(rx, 1)])
    document = upload(world, sign_days=14)
    messages = [
        *sent_emails(django_capture_on_commit_callbacks, lambda: send(patient, world.staff_a)),
        *sent_emails(django_capture_on_commit_callbacks, lambda: order_approve(order=order, actor=world.staff_a)),
        *sent_emails(django_capture_on_commit_callbacks, lambda: signature_requests_announce(documents=[document])),
    ]
    assert len(messages) == 3
    for message in messages:
        html = message.alternatives[0][0]
        assert "Questions? Contact the clinic:" in html
        assert_contact_block(html)
        # The text version: the number as typed, the email and the address, no markup.
        for line in ("Alpha Clinic", "Phone: +1 617-555-0142", "Email: desk@alpha.example", "Boston, MA 02110"):
            assert f"\n{line}" in message.body, (message.subject, line)
        assert "<" not in message.body.split("Questions? Contact the clinic:")[1]


def test_an_email_from_a_clinic_without_contact_details_has_no_empty_block(world, django_capture_on_commit_callbacks):
    patient = enabled(PatientFactory(clinic=world.clinic_a, email="iris@example.com"), world.staff_a)
    [message] = sent_emails(django_capture_on_commit_callbacks, lambda: send(patient, world.staff_a))
    assert "Questions? Contact the clinic" not in message.body
    assert "Questions? Contact the clinic" not in message.alternatives[0][0]
    assert message.body.endswith("it gives access to health information.")


def test_an_appointment_shows_its_locations_phone_as_a_tap_to_call_link(world):
    location = LocationFactory(clinic=world.clinic_a, name="Main Street", phone="+1 617-555-0143")
    AppointmentFactory(patient=world.p1, location=location, starts_at=timezone.now() + datetime.timedelta(days=2))
    page = client_for(world.patient_user_1).get("/portal/appointments/")
    assert '<a href="tel:+16175550143">+1 617-555-0143</a>' in page.text


def test_every_portal_page_ends_with_the_clinic_s_phone_and_email(world, alpha_contact):
    client = client_for(world.patient_user_1)
    for path in ("/portal/", "/portal/appointments/", "/portal/documents/", "/portal/orders/"):
        footer = client.get(path).text.split('<footer class="site-footer">')[1]
        assert "Questions? Alpha Clinic:" in footer, path
        assert TEL_LINK in footer and 'href="mailto:desk@alpha.example"' in footer, path


def test_a_clinic_without_phone_or_email_adds_no_footer_line(world):
    footer = client_for(world.patient_user_1).get("/portal/").text.split('<footer class="site-footer">')[1]
    assert "Questions?" not in footer
