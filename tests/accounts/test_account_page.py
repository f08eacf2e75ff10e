"""The account page: in the portal and in the staff area, the signed-in account's own, linked
from the header of every page; its name and language forms change only that account."""

import pytest
from django.test import Client

from patientportal.accounts.account_page import ACCOUNT_PAGE_SESSION_KEY
from patientportal.accounts.models import User
from patientportal.audit.models import AuditEvent
from patientportal.clinics.models import StaffMembership
from tests.conftest import client_for
from tests.factories import MembershipFactory, PortalAccessFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_each_account_page_shows_and_changes_only_the_signed_in_account(world):
    paula = client_for(world.patient_user_1)
    page = paula.get("/portal/account/")
    assert page.status_code == 200
    assert "paula@example.com" in page.text and "peter@example.com" not in page.text
    assert "Alpha Clinic keeps its own contact details for you" in page.text

    saved = paula.post("/portal/account/", {"form": "name", "first_name": "Paula", "last_name": "Uno"})
    assert saved.status_code == 302 and saved["Location"] == "/portal/account/"
    world.patient_user_1.refresh_from_db()
    world.patient_user_2.refresh_from_db()
    world.p1.refresh_from_db()
    assert (world.patient_user_1.first_name, world.patient_user_1.last_name) == ("Paula", "Uno")
    assert world.patient_user_2.last_name == ""  # nobody else's account
    assert world.p1.last_name == "One"  # the clinic's record keeps its own name
    event = AuditEvent.objects.get(action="accounts.user.renamed")
    assert event.actor_id == world.patient_user_1.pk and event.metadata == {"fields": ["first_name", "last_name"]}

    staff = client_for(world.staff_a)
    staff_page = staff.get("/staff/alpha/account/")
    assert staff_page.status_code == 200 and "staff@alpha.example" in staff_page.text
    assert 'href="/staff/alpha/notifications/settings/"' in staff_page.text  # the notification choices
    staff.post("/staff/alpha/account/", {"form": "name", "first_name": "Sam", "last_name": "Staff"})
    assert User.objects.get(pk=world.staff_a.pk).get_full_name() == "Sam Staff"

    # Refused: another clinic's staff and patients in this clinic's area; staff without a record in the portal.
    assert client_for(world.owner_b).get("/staff/alpha/account/").status_code == 404
    assert paula.get("/staff/alpha/account/").status_code == 404
    assert paula.post("/staff/alpha/account/", {"form": "name", "first_name": "X"}).status_code == 404
    assert staff.get("/portal/account/").status_code == 403
    anonymous = Client().get("/portal/account/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")


def test_a_wrong_name_or_language_is_refused_and_changes_nothing(world):
    paula = client_for(world.patient_user_1)
    too_long = paula.post("/portal/account/", {"form": "name", "first_name": "P" * 151, "last_name": "Uno"})
    assert too_long.status_code == 400 and "at most 150 characters" in too_long.text
    unknown = paula.post("/portal/account/", {"form": "language", "preferred_language": "xx"})
    assert unknown.status_code == 400 and "Select a valid choice" in unknown.text
    world.patient_user_1.refresh_from_db()
    assert (world.patient_user_1.last_name, world.patient_user_1.preferred_language) == ("", "en")
    assert not AuditEvent.objects.filter(action__startswith="accounts.user.").exists()


def test_the_language_is_chosen_from_the_portals_languages(world, settings):
    settings.LANGUAGES = [("en", "English"), ("es", "Español")]
    paula = client_for(world.patient_user_1)
    page = paula.get("/portal/account/")
    assert '<option value="en" selected>English</option>' in page.text and "Español" in page.text
    assert paula.post("/portal/account/", {"form": "language", "preferred_language": "es"}).status_code == 302
    world.patient_user_1.refresh_from_db()
    assert world.patient_user_1.preferred_language == "es"
    event = AuditEvent.objects.get(action="accounts.user.language_changed")
    assert event.metadata == {"from": "en", "to": "es"}


def test_the_account_link_leads_to_an_account_page_the_account_may_open(world):
    assert client_for(world.patient_user_1).get("/account/")["Location"] == "/portal/account/"
    assert client_for(world.staff_a).get("/account/")["Location"] == "/staff/alpha/account/"

    # Staff in Alpha and a patient: back to the account page used last, while it may still open it.
    both = world.staff_a
    PortalAccessFactory(patient=world.p2, user=both)
    client = client_for(both)
    client.get("/staff/alpha/account/")
    assert client.session[ACCOUNT_PAGE_SESSION_KEY] == "/staff/alpha/account/"
    assert client.get("/account/")["Location"] == "/staff/alpha/account/"
    StaffMembership.objects.filter(user=both).delete()
    assert client.get("/account/")["Location"] == "/portal/account/"

    # Neither staff nor patient (an operator): the page itself, outside both areas.
    operator = UserFactory(email="operator@example.com", is_staff=True)
    page = client_for(operator).get("/account/")
    assert page.status_code == 200 and "operator@example.com" in page.text

    anonymous = Client().get("/account/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")


def test_the_header_of_every_area_links_to_its_account_page(world):
    MembershipFactory(clinic=world.clinic_a, user=world.owner_b)  # two clinics: the link names this one
    assert 'href="/portal/account/"' in client_for(world.patient_user_1).get("/portal/").text
    assert 'href="/staff/alpha/account/"' in client_for(world.owner_b).get("/staff/alpha/").text
    assert 'href="/staff/beta/account/"' in client_for(world.owner_b).get("/staff/beta/").text
    # allauth's pages (outside both areas) lead to /account/, which goes on to the right one.
    email_page = client_for(world.patient_user_1).get("/accounts/email/")
    assert email_page.status_code == 200 and email_page.text.count('href="/account/"') == 2  # header and back link


def test_the_page_tells_what_protects_the_account(world):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    paula = client_for(world.patient_user_1)
    assert "Set up an authenticator app" in paula.get("/portal/account/").text
    TOTP.activate(world.patient_user_1, generate_totp_secret())
    page = paula.get("/portal/account/")
    assert "Turn off the authenticator app" in page.text and 'class="badge badge-success">On<' in page.text
