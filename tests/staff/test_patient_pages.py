import datetime
import html
import re

import pytest
from django.test import Client

from patientportal.audit.models import AuditEvent
from patientportal.patients.models import Patient
from patientportal.staff import views
from tests.access_matrix import assert_staff_url_is_scoped
from tests.conftest import client_for
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/staff/alpha/",
        "/staff/alpha/patients/",
        "/staff/alpha/patients/new/",
        "/staff/alpha/team/",
        "/staff/alpha/patients/{p1}/",
        "/staff/alpha/patients/{p1}/edit/",
    ],
)
def test_every_staff_page_is_scoped_to_the_clinics_team(world, path):
    assert_staff_url_is_scoped(world, path.format(p1=world.p1.pk))


def test_another_clinics_patient_is_404_even_for_staff_signed_in_to_their_own_clinic(world):
    client = client_for(world.staff_a)
    assert client.get(f"/staff/alpha/patients/{world.pb.pk}/").status_code == 404
    assert client.get(f"/staff/alpha/patients/{world.pb.pk}/edit/").status_code == 404
    assert client.post(f"/staff/alpha/patients/{world.pb.pk}/edit/", {"first_name": "X"}).status_code == 404
    assert client.get(f"/staff/beta/patients/{world.pb.pk}/").status_code == 404
    assert Patient.objects.get(pk=world.pb.pk).first_name == "Bella"


def test_the_patient_record_shows_details_and_the_portal_access_section(world):
    response = client_for(world.staff_a).get(f"/staff/alpha/patients/{world.p1.pk}/")
    assert "Paula One" in response.text
    assert "Patient Portal Access" in response.text
    assert "paula@example.com" in response.text
    event = AuditEvent.objects.get(action="patients.patient.viewed")
    assert (event.actor, event.patient, event.clinic) == (world.staff_a, world.p1, world.clinic_a)
    assert event.ip_address == "127.0.0.1"
    assert event.request_id == response["X-Request-ID"]


def test_the_patient_list_searches_name_email_and_phone_case_insensitively(world):
    PatientFactory(clinic=world.clinic_a, first_name="Zoë", last_name="Adams", phone="+1 555 0199")
    client = client_for(world.staff_a)
    assert "Adams, Zoë" in client.get("/staff/alpha/patients/?q=ADAMS").text
    found = client.get("/staff/alpha/patients/?q=0199")
    assert "Adams" in found.text and "One, Paula" not in found.text
    both_words = client.get("/staff/alpha/patients/?q=+paula+++one+")
    assert "One, Paula" in both_words.text and "Two, Peter" not in both_words.text
    assert "No patient matches" in client.get("/staff/alpha/patients/?q=nobody-like-this").text


def test_the_patient_list_never_shows_another_clinics_patients(world):
    response = client_for(world.staff_a).get("/staff/alpha/patients/?q=bella")
    assert "Bella" not in response.text


def next_link(response):
    """The address of the Next page link, or None."""
    found = re.search(r'rel="next" href="([^"]+)"', response.text)
    return html.unescape(found.group(1)) if found else None


def test_the_patient_list_goes_page_by_page_by_name_without_counting_everyone(world, monkeypatch):
    monkeypatch.setattr(views, "PATIENTS_PER_PAGE", 4)
    PatientFactory.create_batch(9, clinic=world.clinic_a, first_name="Sam", last_name="Lee")  # namesakes
    PatientFactory(clinic=world.clinic_b, first_name="Sam", last_name="Lee")
    everyone = Patient.objects.filter(clinic=world.clinic_a).order_by("last_name", "first_name", "id")
    client = client_for(world.staff_a)
    pages, url = [], "/staff/alpha/patients/?q=+sam+"
    while url:
        response = client.get(url if url.startswith("/") else f"/staff/alpha/patients/{url}")
        pages.append(response)
        url = next_link(response)
    assert [len(page.context["page"].patients) for page in pages] == [4, 4, 1]
    shown = [patient.pk for page in pages for patient in page.context["page"].patients]
    assert shown == [patient.pk for patient in everyone if patient.first_name == "Sam"]
    assert 'rel="prev"' not in pages[0].text and 'rel="prev"' in pages[1].text
    assert next_link(pages[0]).startswith("?q=+sam+&after=")  # the search goes on
    previous = client.get(f"/staff/alpha/patients/?q=sam&before={shown[4]}")
    assert [patient.pk for patient in previous.context["page"].patients] == shown[:4]
    assert "Patients whose name matches your search" in pages[0].text

    whole = [client.get("/staff/alpha/patients/")]
    while next_link(whole[-1]):
        whole.append(client.get(f"/staff/alpha/patients/{next_link(whole[-1])}"))
    assert [p.pk for page in whole for p in page.context["page"].patients] == [p.pk for p in everyone]


def test_an_old_or_foreign_page_address_starts_at_the_first_page(world):
    client = client_for(world.staff_a)
    for query in ("page=3", "page=abc", f"after={world.pb.pk}", f"before={world.pb.pk}", "after=-1", "after=x"):
        response = client.get(f"/staff/alpha/patients/?{query}")
        assert response.status_code == 200, query
        assert [p.pk for p in response.context["page"].patients] == [world.p1.pk, world.p2.pk], query
        assert "Bella" not in response.text


def test_the_patient_list_view_is_audited_without_the_search(world):
    client_for(world.staff_a).get("/staff/alpha/patients/?q=5/17/1980")
    event = AuditEvent.objects.get(action="patients.patient_list.viewed")
    assert event.metadata == {"first_page": True, "searched": True, "search_kind": "date_of_birth", "shown": 2}


@pytest.mark.parametrize("patients", [3, 60])
def test_the_patient_list_needs_the_same_number_of_queries_whatever_the_size(
    world, patients, django_assert_num_queries
):
    PatientFactory.create_batch(patients, clinic=world.clinic_a)
    client = client_for(world.staff_a)
    first = client.get("/staff/alpha/patients/")
    later = (
        f"/staff/alpha/patients/{next_link(first)}" if patients > 25 else f"/staff/alpha/patients/?after={world.p1.pk}"
    )
    # session, user, membership with clinic, one page of patients (no count; on a later
    # page the place of the patient it goes on from is a subquery), audit insert
    # (no session update within a minute of the last), the header's unread notifications
    for url in ("/staff/alpha/patients/", later, "/staff/alpha/patients/?q=first", "/staff/alpha/patients/?q=0199"):
        with django_assert_num_queries(6):
            client.get(url)


def test_staff_create_a_patient_and_bad_input_keeps_what_was_typed(world):
    client = client_for(world.staff_a)
    bad = client.post(
        "/staff/alpha/patients/new/",
        {"first_name": "Ada", "last_name": " ", "date_of_birth": "2990-01-01", "email": "ada@example.com"},
    )
    assert bad.status_code == 200
    assert "This field is required." in bad.text
    assert "cannot be in the future" in bad.text
    assert 'value="Ada"' in bad.text and 'value="ada@example.com"' in bad.text
    assert not Patient.objects.filter(first_name="Ada").exists()
    good = client.post(
        "/staff/alpha/patients/new/",
        {"first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1990-12-10", "email": "Ada@Example.com"},
    )
    patient = Patient.objects.get(first_name="Ada")
    assert good["Location"] == f"/staff/alpha/patients/{patient.pk}/"
    assert (patient.clinic, patient.email, patient.date_of_birth) == (
        world.clinic_a,
        "ada@example.com",
        datetime.date(1990, 12, 10),
    )
    assert AuditEvent.objects.filter(action="patients.patient.created", patient=patient).count() == 1


def test_staff_edit_a_patient_and_the_audit_names_the_fields_not_the_values(world):
    client = client_for(world.staff_a)
    client.post(
        f"/staff/alpha/patients/{world.p1.pk}/edit/",
        {
            "first_name": "Paula",
            "last_name": "One-Smith",
            "date_of_birth": "1980-05-17",
            "email": world.p1.email,
            "phone": "+1 555 7777",
        },
    )
    world.p1.refresh_from_db()
    assert (world.p1.last_name, world.p1.phone) == ("One-Smith", "+1 555 7777")
    event = AuditEvent.objects.get(action="patients.patient.updated")
    assert event.metadata == {"fields": ["last_name", "phone"]}
    assert "One-Smith" not in str(event.metadata)


def test_anonymous_post_to_create_changes_nothing():
    response = Client().post(
        "/staff/alpha/patients/new/", {"first_name": "X", "last_name": "Y", "date_of_birth": "1990-01-01"}
    )
    assert response.status_code == 302
    assert not Patient.objects.exists()


def test_a_birth_date_is_checked_against_the_clinics_calendar_day(world):
    from django.utils import timezone

    world.clinic_a.time_zone = "Pacific/Kiritimati"  # UTC+14: often a day ahead of UTC
    world.clinic_a.save()
    clinic_today = timezone.localtime(timezone.now(), world.clinic_a.zone).date()
    client = client_for(world.staff_a)
    data = {"first_name": "New", "last_name": "Born", "email": ""}
    client.post("/staff/alpha/patients/new/", {**data, "date_of_birth": clinic_today.isoformat()})
    assert Patient.objects.filter(last_name="Born").count() == 1
    tomorrow = clinic_today + datetime.timedelta(days=1)
    refused = client.post("/staff/alpha/patients/new/", {**data, "date_of_birth": tomorrow.isoformat()})
    assert "cannot be in the future" in refused.text
