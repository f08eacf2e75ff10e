"""A failed sign-in is audited without what was typed (issue #13): people type their
password into the email field, and the audit log is kept for years."""

import logging

import pytest
from django.contrib.auth import authenticate
from django.test import Client

from patientportal.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

# Letters only, so "paula@example.com" followed by it still passes as an address and reaches sign-in.
PASSWORD = "CorrectHorseBatteryStaple"


def assert_no_trace_of_the_password(caplog) -> None:
    [event] = AuditEvent.objects.filter(action="accounts.login.failed")
    assert event.metadata == {"account": "unknown"}
    stored = repr(list(AuditEvent.objects.values_list())).lower()
    assert PASSWORD.lower() not in stored
    assert PASSWORD.lower() not in caplog.text.lower()


def test_a_password_typed_on_after_the_email_leaves_no_trace(world, caplog):
    # The address, then the password without moving to the password field.
    caplog.set_level(logging.DEBUG)
    response = Client().post("/accounts/login/", {"login": f"paula@example.com{PASSWORD}", "password": "x"})
    assert response.status_code == 200  # the form again, with its message
    assert_no_trace_of_the_password(caplog)


def test_a_password_given_as_the_login_to_any_sign_in_form_leaves_no_trace(world, caplog):
    caplog.set_level(logging.DEBUG)
    assert authenticate(username=PASSWORD, password="x") is None  # as the operators' admin form asks
    assert_no_trace_of_the_password(caplog)


def test_a_wrong_password_for_an_account_names_the_account_not_the_text_typed(world):
    Client().post("/accounts/login/", {"login": "  PAULA@Example.com ", "password": "wrong-password"})
    [event] = AuditEvent.objects.filter(action="accounts.login.failed")
    assert (event.object_type, event.object_id) == ("accounts.user", str(world.patient_user_1.pk))
    assert event.metadata == {"email": "paula@example.com"}  # the account's own address
    assert event.actor is None
