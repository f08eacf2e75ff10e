"""The emailed invitation link keeps its token out of every request line, so out of the
access logs of gunicorn and of any proxy in front of it (issue 13, item 8): the token is
in the link's fragment (`/invite/#<token>`), which browsers never send; the page's script
posts it. The browser journey (tests/browser/test_invitation_journey.py) runs the script,
tests/portal/test_invitation_access_log.py reads a real gunicorn's access log."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client

from patientportal.patients.models import PortalAccess
from tests.conftest import client_for
from tests.factories import PatientFactory
from tests.patients.helpers import enabled, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def emailed(world, django_capture_on_commit_callbacks):
    """A patient of Alpha Clinic invited by email; returns (patient, token, the link from the email)."""
    patient = enabled(
        PatientFactory(clinic=world.clinic_a, first_name="Iris", last_name="Invitee", email="iris@example.com"),
        world.staff_a,
    )
    with django_capture_on_commit_callbacks(execute=True):
        _invitation, token = send(patient, world.staff_a)
    link = re.search(r"https?://\S+/invite/\S*", mail.outbox[-1].body).group(0)
    return patient, token, link


def request_line(url: str) -> str:
    """What a browser sends for a URL, so what an access log records: the path and query, never the fragment."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_the_emailed_link_carries_the_token_only_where_no_log_sees_it(emailed):
    _patient, token, link = emailed
    assert token not in request_line(link)
    assert urlsplit(link).fragment == token
    client = Client()
    seen = [request_line(link)]
    page = client.get(request_line(link))
    assert page.status_code == 200
    assert 'id="invitation-link-form"' in page.text and "js/invitation-link.js" in page.text
    assert page["Referrer-Policy"] == "same-origin"  # its form must post with an Origin; no token in the URL
    opened = client.post("/invite/", {"token": token})  # what the page's script does
    seen.append("/invite/")
    assert opened.status_code == 302 and opened["Location"] == "/invite/accept/"
    seen.append(opened["Location"])
    assert "Alpha Clinic invites you to its patient portal" in client.get(opened["Location"]).text
    assert not [line for line in seen if token in line]


def test_without_javascript_the_code_or_the_whole_link_can_be_pasted(emailed):
    _patient, token, link = emailed
    page = Client().get("/invite/")
    assert "Invitation code" in page.text
    for pasted in (token, f"  {link} "):
        client = Client()
        assert client.post("/invite/", {"token": pasted})["Location"] == "/invite/accept/"
        assert "Alpha Clinic invites you" in client.get("/invite/accept/").text


def test_the_link_page_shows_nothing_and_a_wrong_code_is_refused(emailed, world):
    patient, token, _link = emailed
    page = Client().get("/invite/")
    assert "Alpha Clinic" not in page.text and "iris@example.com" not in page.text
    wrong = Client().post("/invite/", {"token": token[:-4] + "AAAA"})
    assert wrong.status_code == 404
    assert "This invitation link is not valid" in wrong.text
    assert "Alpha Clinic" not in wrong.text and "Iris" not in wrong.text
    empty = Client().post("/invite/", {"token": ""})
    assert empty.status_code == 200 and "Invitation code" in empty.text
    # Another patient, signed in, posting this code is told it is for another address; nothing is linked.
    other = client_for(world.patient_user_1)
    mismatch = other.post("/invite/", {"token": token}, follow=True)
    assert mismatch.status_code == 409
    assert not PortalAccess.objects.filter(patient=patient).exists()


def test_posted_codes_are_rate_limited_per_address(emailed):
    _patient, token, _link = emailed
    for index in range(20):
        Client().post("/invite/", {"token": f"guess-{index}"})
    blocked = Client().post("/invite/", {"token": token})
    assert blocked.status_code == 429
