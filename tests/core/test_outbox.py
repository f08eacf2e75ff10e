import pytest
from django.test import Client

from patientportal.core.models import OutboxMessage
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox_message():
    return OutboxMessage.objects.create(
        subject="Verify your address",
        from_email="a@b",
        to="paula@example.com",
        body_text="Open http://127.0.0.1:8000/accounts/confirm-email/abc/",
    )


def test_staff_open_the_outbox_in_development(world, settings, outbox_message):
    settings.DEBUG = True
    client = client_for(world.staff_a)
    assert "Verify your address" in client.get("/dev/outbox/").text
    detail = client.get(f"/dev/outbox/{outbox_message.pk}/")
    assert '<a href="http://127.0.0.1:8000/accounts/confirm-email/abc/"' in detail.text


def test_the_outbox_does_not_exist_in_production(world, settings, outbox_message):
    settings.DEBUG = False
    assert client_for(world.staff_a).get("/dev/outbox/").status_code == 404
    assert client_for(world.staff_a).get(f"/dev/outbox/{outbox_message.pk}/").status_code == 404


def test_patients_and_anonymous_visitors_cannot_open_the_outbox(world, settings, outbox_message):
    settings.DEBUG = True
    assert client_for(world.patient_user_1).get("/dev/outbox/").status_code == 404
    assert Client().get(f"/dev/outbox/{outbox_message.pk}/").status_code == 404


def test_the_development_email_backend_keeps_a_copy(settings):
    from django.core.mail import EmailMultiAlternatives

    settings.EMAIL_BACKEND = "patientportal.core.outbox.OutboxEmailBackend"
    message = EmailMultiAlternatives("Hi", "plain body", "from@example.com", ["to@example.com"])
    message.attach_alternative("<p>html body</p>", "text/html")
    message.send()
    stored = OutboxMessage.objects.get()
    assert (stored.subject, stored.to, stored.body_text, stored.body_html) == (
        "Hi",
        "to@example.com",
        "plain body",
        "<p>html body</p>",
    )
