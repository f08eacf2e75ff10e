"""The account side of an invitation (patients.invitation_accounts and the adapter's hooks):
which address the invitation vouches for, where, and which invitation a confirmed address
carries on with."""

import datetime

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from django.utils import timezone

from patientportal.patients.account_adapter import INVITATION_SESSION_KEY, InvitationAccountAdapter
from patientportal.patients.invitation_accounts import invitation_account_exists, invitation_for_confirmed_address
from patientportal.patients.invitations import invitation_revoke
from patientportal.patients.services import portal_disable
from tests.factories import PatientFactory, UserFactory
from tests.patients.helpers import HOUR, enabled, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def invited(world):
    patient = enabled(PatientFactory(clinic=world.clinic_a, email="iris@example.com"), world.staff_a)
    invitation, _token = send(patient, world.staff_a)
    return invitation


def request_at(path: str, invitation=None):
    request = RequestFactory().post(path)
    request.session = SessionStore()
    if invitation is not None:
        request.session[INVITATION_SESSION_KEY] = invitation.token_hash
    return request


def test_the_invitation_vouches_only_for_its_own_address_and_only_on_its_page(invited):
    adapter = InvitationAccountAdapter()
    on_page = request_at("/invite/accept/", invited)
    assert adapter.is_email_verified(on_page, "iris@example.com")
    assert not adapter.is_email_verified(on_page, "someone.else@example.com")
    assert not adapter.is_email_verified(on_page, "iris@ex\u0430mple.com")  # a Cyrillic "а"
    assert not adapter.is_email_verified(request_at("/accounts/email/", invited), "iris@example.com")
    assert not adapter.is_email_verified(request_at("/invite/accept/"), "iris@example.com")  # none opened


def test_an_invitation_that_stopped_working_vouches_for_nothing(invited, world):
    invitation_revoke(invitation=invited, actor=world.staff_a)
    assert not InvitationAccountAdapter().is_email_verified(request_at("/invite/accept/", invited), "iris@example.com")


def test_an_account_exists_for_the_address_verified_or_not(invited):
    assert not invitation_account_exists(invitation=invited)
    UserFactory(email="iris@example.com", verified=False)
    assert invitation_account_exists(invitation=invited)


def test_a_confirmed_address_carries_on_with_its_newest_usable_invitation(invited, world):
    newer, _token = send(invited.patient, world.staff_a, now=timezone.now() + datetime.timedelta(minutes=1))
    assert invitation_for_confirmed_address(email="iris@example.com", now=timezone.now() + 2 * HOUR) == newer
    assert invitation_for_confirmed_address(email="Iris@Example.com") == newer
    invitation_revoke(invitation=newer, actor=world.staff_a)
    assert invitation_for_confirmed_address(email="iris@example.com") == invited


def test_no_invitation_for_another_address_a_look_alike_or_an_unusable_one(invited, world):
    assert invitation_for_confirmed_address(email="someone.else@example.com") is None
    assert invitation_for_confirmed_address(email="iris@ex\u0430mple.com") is None
    assert invitation_for_confirmed_address(email="iris@example.com", now=invited.expires_at) is None
    portal_disable(patient=invited.patient, actor=world.staff_a)
    assert invitation_for_confirmed_address(email="iris@example.com") is None
