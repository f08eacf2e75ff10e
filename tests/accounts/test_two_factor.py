import time

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.test import Client

from tests.accounts.test_sign_in import sign_in
from tests.conftest import client_for
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def required(settings):
    settings.REQUIRE_MFA_FOR_CLINIC_ADMINS = True


def test_an_owner_without_a_second_factor_is_sent_to_set_one_up(world, required):
    client = Client()
    sign_in(client, "owner@alpha.example")
    response = client.get("/staff/alpha/patients/")
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/totp/activate/"
    confirm_password = client.get(response["Location"])  # allauth asks for the password again first
    assert confirm_password["Location"].startswith("/accounts/reauthenticate/")
    client.post(confirm_password["Location"], {"password": PASSWORD})
    setup = client.get(response["Location"])
    assert setup.status_code == 200
    assert 'src="data:image/svg+xml' in setup.text  # the QR code, allowed by the Content Security Policy


def test_staff_who_are_not_owners_or_admins_are_not_forced(world, required):
    assert client_for(world.staff_a).get("/staff/alpha/patients/").status_code == 200


def test_with_a_second_factor_the_owner_signs_in_with_a_code(world, required):
    secret = generate_totp_secret()
    TOTP.activate(world.owner_a, secret)
    client = Client()
    first_step = sign_in(client, "owner@alpha.example")
    assert first_step["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/staff/alpha/").status_code == 302  # not signed in yet
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    client.post("/accounts/2fa/authenticate/", {"code": code})
    assert client.get("/staff/alpha/patients/").status_code == 200


def test_a_wrong_code_does_not_sign_in(world, required):
    TOTP.activate(world.owner_a, generate_totp_secret())
    client = Client()
    sign_in(client, "owner@alpha.example")
    response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert response.status_code == 200 and "Incorrect code" in response.text
    assert client.get("/staff/alpha/").status_code == 302
