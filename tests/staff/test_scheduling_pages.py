import datetime

import pytest
from django.utils import timezone

from patientportal.scheduling.choices import AppointmentStatus
from patientportal.scheduling.models import Appointment, Provider
from tests.access_matrix import assert_staff_url_is_scoped
from tests.conftest import client_for
from tests.factories import AppointmentFactory, AppointmentTypeFactory, LocationFactory, ProviderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world):
    return {
        "provider": ProviderFactory(clinic=world.clinic_a, name="Dr. Ana Ruiz", credentials="MD"),
        "type": AppointmentTypeFactory(clinic=world.clinic_a, name="Check-up", duration_minutes=20),
        "location": LocationFactory(clinic=world.clinic_a, name="Main Street"),
    }


def booking(setup, **overrides) -> dict:
    data = {
        "provider": setup["provider"].pk,
        "appointment_type": setup["type"].pk,
        "location": setup["location"].pk,
        "day": "2030-03-04",
        "time": "09:00",
        "duration_minutes": "",
        "patient_notes": "Bring your inhaler.",
        "internal_notes": "Prefers mornings.",
    }
    return {**data, **overrides}


def test_staff_book_from_the_patients_record_in_the_clinics_time(world, setup):
    client = client_for(world.staff_a)
    url = f"/staff/alpha/patients/{world.p1.pk}/appointments/new/"
    response = client.post(url, booking(setup), follow=True)
    assert "Appointment booked." in response.text
    appointment = Appointment.objects.get()
    assert appointment.starts_at == datetime.datetime(2030, 3, 4, 14, 0, tzinfo=datetime.UTC)  # 9:00 EST
    assert (appointment.duration_minutes, appointment.patient, appointment.created_by) == (20, world.p1, world.staff_a)
    assert "Mar 4, 2030, 9:00 AM EST" in response.text
    assert "Prefers mornings." in response.text  # staff see internal notes


def test_a_double_booking_is_refused_next_to_the_time_and_the_form_keeps_its_values(world, setup):
    client = client_for(world.staff_a)
    client.post(f"/staff/alpha/patients/{world.p1.pk}/appointments/new/", booking(setup))
    response = client.post(
        f"/staff/alpha/patients/{world.p2.pk}/appointments/new/", booking(setup, time="09:10", patient_notes="Keep me")
    )
    assert response.status_code == 200
    assert "Dr. Ana Ruiz, MD already has an appointment from 9:00 AM to 9:20 AM" in response.text
    assert "Keep me" in response.text
    assert Appointment.objects.count() == 1


def test_a_time_that_does_not_exist_because_of_daylight_saving_is_refused(world, setup):
    response = client_for(world.staff_a).post(
        f"/staff/alpha/patients/{world.p1.pk}/appointments/new/", booking(setup, day="2030-03-10", time="02:30")
    )
    assert "the clocks go forward" in response.text
    assert not Appointment.objects.exists()


def test_another_clinics_provider_cannot_be_chosen(world, setup):
    foreign = ProviderFactory(clinic=world.clinic_b)
    response = client_for(world.staff_a).post(
        f"/staff/alpha/patients/{world.p1.pk}/appointments/new/", booking(setup, provider=foreign.pk)
    )
    assert "Select a valid choice" in response.text
    assert not Appointment.objects.exists()


def test_staff_edit_change_status_and_cancel(world, setup):
    appointment = AppointmentFactory(
        patient=world.p1,
        provider=setup["provider"],
        appointment_type=setup["type"],
        starts_at=timezone.now() + datetime.timedelta(days=2),
    )
    client = client_for(world.staff_a)
    client.post(
        f"/staff/alpha/appointments/{appointment.pk}/edit/", booking(setup, time="11:30", duration_minutes="40")
    )
    appointment.refresh_from_db()
    assert (appointment.duration_minutes, appointment.ends_at - appointment.starts_at) == (
        40,
        datetime.timedelta(minutes=40),
    )
    client.post(f"/staff/alpha/appointments/{appointment.pk}/status/", {"status": "confirmed"})
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.CONFIRMED
    refused = client.post(f"/staff/alpha/appointments/{appointment.pk}/status/", {"status": "completed"}, follow=True)
    assert "not possible" in refused.text
    confirm = client.get(f"/staff/alpha/appointments/{appointment.pk}/cancel/")
    assert "Cancel this appointment for Paula One?" in confirm.text
    client.post(f"/staff/alpha/appointments/{appointment.pk}/cancel/")
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.CANCELLED


def test_the_day_schedule_uses_the_clinics_day_boundaries(world, setup):
    # 23:30 New York on March 4 is 04:30 UTC on March 5: it belongs to March 4.
    late = AppointmentFactory(
        patient=world.p1,
        provider=setup["provider"],
        starts_at=datetime.datetime(2030, 3, 5, 4, 30, tzinfo=datetime.UTC),
    )
    client = client_for(world.staff_a)
    on_the_4th = client.get("/staff/alpha/schedule/?date=2030-03-04")
    assert [a.pk for a in on_the_4th.context["appointments"]] == [late.pk]
    assert "11:30 PM" in on_the_4th.text
    assert list(client.get("/staff/alpha/schedule/?date=2030-03-05").context["appointments"]) == []
    bad = client.get("/staff/alpha/schedule/?date=not-a-date")
    assert bad.status_code == 200
    assert "That date was not understood, so today is shown." in bad.text


def test_the_schedule_never_shows_another_clinics_appointments(world):
    AppointmentFactory(patient=world.pb, starts_at=datetime.datetime(2030, 3, 4, 15, 0, tzinfo=datetime.UTC))
    response = client_for(world.staff_a).get("/staff/alpha/schedule/?date=2030-03-04")
    assert list(response.context["appointments"]) == []
    assert "Bella" not in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/staff/alpha/schedule/",
        "/staff/alpha/patients/{p1}/appointments/new/",
        "/staff/alpha/appointments/{a}/edit/",
        "/staff/alpha/appointments/{a}/cancel/",
    ],
)
def test_scheduling_pages_are_scoped_to_the_clinics_team(world, path):
    appointment = AppointmentFactory(patient=world.p1)
    assert_staff_url_is_scoped(world, path.format(p1=world.p1.pk, a=appointment.pk))


def test_another_clinics_appointment_is_404_for_every_action(world):
    foreign = AppointmentFactory(patient=world.pb)
    client = client_for(world.staff_a)
    for suffix in ("edit/", "cancel/"):
        assert client.get(f"/staff/alpha/appointments/{foreign.pk}/{suffix}").status_code == 404
    assert client.post(f"/staff/alpha/appointments/{foreign.pk}/cancel/").status_code == 404
    assert client.post(f"/staff/alpha/appointments/{foreign.pk}/status/", {"status": "confirmed"}).status_code == 404
    assert Appointment.objects.get(pk=foreign.pk).status == AppointmentStatus.SCHEDULED


def test_owners_and_admins_manage_the_setup_lists_and_staff_cannot(world):
    owner = client_for(world.owner_a)
    response = owner.post(
        "/staff/alpha/setup/providers/new/", {"name": "Sam Lee", "credentials": "NP", "active": "on"}, follow=True
    )
    assert "Sam Lee" in response.text
    provider = Provider.objects.get(name="Sam Lee")
    owner.post(f"/staff/alpha/setup/providers/{provider.pk}/", {"name": "Sam Lee", "credentials": "NP"})
    assert Provider.objects.get(pk=provider.pk).active is False
    staff = client_for(world.staff_a)
    assert staff.get("/staff/alpha/setup/providers/").status_code == 403
    assert staff.post("/staff/alpha/setup/providers/new/", {"name": "X"}).status_code == 403
    assert client_for(world.owner_b).get(f"/staff/beta/setup/providers/{provider.pk}/").status_code == 404
    assert owner.get("/staff/alpha/setup/unknown-kind/").status_code == 404


def test_setup_forms_refuse_bad_values_clearly(world):
    response = client_for(world.owner_a).post(
        "/staff/alpha/setup/appointment-types/new/", {"name": "", "duration_minutes": "2", "colour": "#0b5cad"}
    )
    assert "This field is required." in response.text
    assert "greater than or equal to 5" in response.text


def test_the_patient_record_lists_appointments_with_a_booking_button(world, setup):
    AppointmentFactory(patient=world.p1, provider=setup["provider"], appointment_type=setup["type"])
    page = client_for(world.staff_a).get(f"/staff/alpha/patients/{world.p1.pk}/")
    assert "Book appointment" in page.text
    assert "Check-up" in page.text and "Dr. Ana Ruiz, MD" in page.text


def test_all_appointments_of_a_patient_are_listed_page_by_page(world):
    for days in range(30):
        AppointmentFactory(patient=world.p1, starts_at=timezone.now() - datetime.timedelta(days=days + 1))
    AppointmentFactory(patient=world.p2)
    client = client_for(world.staff_a)
    first = client.get(f"/staff/alpha/patients/{world.p1.pk}/appointments/")
    assert len(first.context["page"].object_list) == 25 and "30 appointments, latest first" in first.text
    assert len(client.get(f"/staff/alpha/patients/{world.p1.pk}/appointments/?page=2").context["page"].object_list) == 5
    assert_staff_url_is_scoped(world, f"/staff/alpha/patients/{world.p1.pk}/appointments/")
