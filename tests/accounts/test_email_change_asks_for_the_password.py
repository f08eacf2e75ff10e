"""Adding or changing an account's email address asks for the password again (issue 13):
an unattended signed-in session is not enough to move the account, and with it every
password reset, to another mailbox."""

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from tests.accounts.test_sign_in import sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_adding_an_address_asks_for_the_password_first(world):
    client = Client()
    sign_in(client, "paula@example.com")
    asked = client.post("/accounts/email/", {"action_add": "", "email": "paula.new@example.com"})
    assert asked.status_code == 302 and asked["Location"].startswith("/accounts/reauthenticate/")
    assert not EmailAddress.objects.filter(email="paula.new@example.com").exists()
    wrong = client.post(asked["Location"], {"password": "not-my-password"})
    assert wrong.status_code == 200
    assert not EmailAddress.objects.filter(email="paula.new@example.com").exists()
    client.post(asked["Location"], {"password": PASSWORD})  # the held request then goes through
    added = EmailAddress.objects.get(email="paula.new@example.com")
    assert added.user == world.patient_user_1 and not added.verified


def test_making_another_address_the_primary_one_asks_for_the_password_first(world):
    EmailAddress.objects.create(user=world.patient_user_1, email="paula.work@example.com", verified=True)
    client = Client()
    sign_in(client, "paula@example.com")
    asked = client.post("/accounts/email/", {"action_primary": "", "email": "paula.work@example.com"})
    assert asked.status_code == 302 and asked["Location"].startswith("/accounts/reauthenticate/")
    assert EmailAddress.objects.get(email="paula@example.com").primary
