"""In the operators' admin, nobody can take over an account through allauth's own models:
no adding or changing email addresses (a verified address, then "Forgot password?"), no
removing someone's second factor, no confirmation keys; they can only be looked at."""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator

from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(settings):
    settings.REQUIRE_MFA_FOR_OPERATORS = False
    return client_for(UserFactory(email="op@portal.example", is_staff=True, is_superuser=True))


def test_an_operator_cannot_add_an_email_address_to_someones_account(world, operator_client):
    patient = world.patient_user_1
    page = operator_client.get("/operator/account/emailaddress/add/")
    assert page.status_code == 403
    posted = operator_client.post(
        "/operator/account/emailaddress/add/",
        {"user": patient.pk, "email": "taker@example.com", "verified": "on", "primary": "on"},
    )
    assert posted.status_code == 403
    assert not EmailAddress.objects.filter(email="taker@example.com").exists()
    assert EmailAddress.objects.get(user=patient).email == patient.email


def test_an_operator_cannot_change_or_delete_an_email_address(world, operator_client):
    address = EmailAddress.objects.get(user=world.patient_user_1)
    change = operator_client.post(
        f"/operator/account/emailaddress/{address.pk}/change/",
        {"user": address.user_id, "email": "taker@example.com", "verified": "on", "primary": "on"},
    )
    delete = operator_client.post(f"/operator/account/emailaddress/{address.pk}/delete/", {"post": "yes"})
    assert (change.status_code, delete.status_code) == (403, 403)
    address.refresh_from_db()
    assert address.email == world.patient_user_1.email


def test_an_operator_sees_who_has_two_factor_but_cannot_remove_it_or_read_its_secret(world, operator_client):
    authenticator = Authenticator.objects.create(
        user=world.owner_a, type=Authenticator.Type.TOTP, data={"secret": "VERYSECRETVALUE"}
    )
    listing = operator_client.get("/operator/mfa/authenticator/")
    assert listing.status_code == 200 and "owner@alpha.example" in listing.text
    detail = operator_client.get(f"/operator/mfa/authenticator/{authenticator.pk}/change/")
    assert detail.status_code == 200 and "VERYSECRETVALUE" not in detail.text
    deleted = operator_client.post(f"/operator/mfa/authenticator/{authenticator.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 403
    assert Authenticator.objects.filter(pk=authenticator.pk).exists()
