"""No usable secret is stored in clear: after an invitation, a password reset and an
email confirmation go out through the production task path, neither the task table nor
the email delivery table (nor the logs of sending them) holds the invitation token, the
reset key or the confirmation key — before sending (the message is sealed) or after
(it is wiped)."""

import logging
import re

import pytest
from django.core import mail
from django.test import Client
from django_tasks_db.models import DBTaskResult

from patientportal.core.models import EmailDelivery
from tests.conftest import PASSWORD
from tests.core.faults import run_worker_once
from tests.factories import PatientFactory, UserFactory
from tests.patients.helpers import enabled, send

pytestmark = pytest.mark.django_db(transaction=True)


def stored_text() -> str:
    """Everything the task and delivery tables hold, as text."""
    rows = [*DBTaskResult.objects.values(), *EmailDelivery.objects.values()]
    return "\n".join(str(value) for row in rows for value in row.values())


def link_secret(pattern: str) -> str:
    [body] = [message.body for message in mail.outbox if re.search(pattern, message.body)]
    return re.search(pattern, body).group(1)


def test_no_token_or_key_is_stored_in_the_task_or_delivery_tables(world, database_tasks, caplog):
    caplog.set_level(logging.DEBUG)
    # An invitation.
    patient = enabled(PatientFactory(clinic=world.clinic_a, email="nora@example.com"), world.staff_a)
    _invitation, token = send(patient, world.staff_a)
    # A password reset.
    assert Client().post("/accounts/password/reset/", {"email": "paula@example.com"}).status_code == 302
    # An email confirmation (signing in with an address not yet confirmed sends one).
    UserFactory(email="unconfirmed@example.com", verified=False)
    signed_in = Client().post("/accounts/login/", {"login": "unconfirmed@example.com", "password": PASSWORD})
    assert signed_in["Location"] == "/accounts/confirm-email/"

    waiting = stored_text()
    assert DBTaskResult.objects.count() == 3 and EmailDelivery.objects.count() == 3
    assert token not in waiting

    run_worker_once()
    assert len(mail.outbox) == 3
    reset_key = link_secret(r"/accounts/password/reset/key/([^/\s]+)/")
    confirmation_key = link_secret(r"/accounts/confirm-email/([^/\s]+)/")
    assert token in "".join(message.body for message in mail.outbox)  # the secrets did go out, by email only

    for secret in (token, reset_key, confirmation_key):
        assert secret not in waiting
        assert secret not in stored_text()
        assert secret not in caplog.text
    # Sent: nothing of the message is kept, only the record of its delivery.
    assert set(EmailDelivery.objects.values_list("sealed_message", flat=True)) == {""}
