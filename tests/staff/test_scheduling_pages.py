import datetime
import re

import pytest
from django.utils import timezone

from patientportal.audit.models import AuditEvent
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


@pytest.fixture
def busy_day(world):
    """March 4, 2030 at Alpha Clinic: Dr. Ana has two booked appointments and a cancelled one,
    Dr. Ben one, Dr. Cy none; Dr. Dee, no longer active, still has one."""
    providers = {
        name: ProviderFactory(clinic=world.clinic_a, name=name, credentials="", active=name != "Dr. Dee")
        for name in ("Dr. Ana", "Dr. Ben", "Dr. Cy", "Dr. Dee")
    }
    noon = datetime.datetime(2030, 3, 4, 17, 0, tzinfo=datetime.UTC)

    def book(name, hours, status=AppointmentStatus.SCHEDULED, patient=None):
        return AppointmentFactory(
            patient=patient or world.p1,
            provider=providers[name],
            starts_at=noon + datetime.timedelta(hours=hours),
            status=status,
        )

    appointments = {
        "ana": [
            book("Dr. Ana", 1),
            book("Dr. Ana", -1, patient=world.p2),
            book("Dr. Ana", 2, AppointmentStatus.CANCELLED),
        ],
        "ben": [book("Dr. Ben", 0)],
        "dee": [book("Dr. Dee", 3)],
    }
    book("Dr. Ana", 24)  # the next day
    ProviderFactory(clinic=world.clinic_b, name="Dr. Ana")
    return providers, appointments


def test_the_schedule_shows_one_providers_day_and_counts_everyones(world, busy_day):
    providers, appointments = busy_day
    response = client_for(world.staff_a).get(
        f"/staff/alpha/schedule/?date=2030-03-04&provider={providers['Dr. Ana'].pk}"
    )
    ana = appointments["ana"]
    assert [a.pk for a in response.context["appointments"]] == [ana[1].pk, ana[0].pk, ana[2].pk]
    assert "Dr. Ana: 2 appointments booked" in response.text
    options = re.findall(r"<option value=\"(\d*)\"( selected)?>([^<]*)</option>", response.text)
    assert options == [
        ("", "", "All providers with appointments, 5 at a time"),
        (str(providers["Dr. Ana"].pk), " selected", "Dr. Ana: 2 booked, 1 cancelled or no-show"),
        (str(providers["Dr. Ben"].pk), "", "Dr. Ben: 1 booked"),
        (str(providers["Dr. Cy"].pk), "", "Dr. Cy: 0 booked"),
        (str(providers["Dr. Dee"].pk), "", "Dr. Dee: 1 booked"),
    ]
    # The day links keep the provider.
    assert f"?date=2030-03-05&amp;provider={providers['Dr. Ana'].pk}" in response.text
    # Whom the page showed is what the audit event names.
    [event] = AuditEvent.objects.filter(action="scheduling.schedule.viewed")
    assert event.metadata["appointment_ids"] == [ana[1].pk, ana[0].pk, ana[2].pk]
    assert event.metadata["patient_ids"] == sorted([world.p1.pk, world.p2.pk])


def test_a_provider_with_nothing_that_day_says_so(world, busy_day):
    providers, _appointments = busy_day
    response = client_for(world.staff_a).get(
        f"/staff/alpha/schedule/?date=2030-03-04&provider={providers['Dr. Cy'].pk}"
    )
    assert response.context["appointments"] == []
    assert "Dr. Cy has no appointments on this day." in response.text


def test_without_a_provider_the_schedule_shows_a_page_of_providers_with_appointments(world, busy_day):
    _providers, appointments = busy_day
    response = client_for(world.staff_a).get("/staff/alpha/schedule/?date=2030-03-04")
    shown = [a.pk for a in response.context["appointments"]]
    ana, ben, dee = appointments["ana"], appointments["ben"], appointments["dee"]
    assert shown == [ana[1].pk, ben[0].pk, ana[0].pk, ana[2].pk, dee[0].pk]  # by start time
    assert "Providers 1–3 of 3 with appointments on this day" in response.text
    assert "Next providers" not in response.text


def test_the_providers_are_shown_five_at_a_time(world):
    start = datetime.datetime(2030, 3, 4, 14, 0, tzinfo=datetime.UTC)
    for number in range(7):
        AppointmentFactory(
            patient=world.p1,
            provider=ProviderFactory(clinic=world.clinic_a, name=f"Dr. {number}"),
            starts_at=start + datetime.timedelta(minutes=number),
        )
    client = client_for(world.staff_a)
    first = client.get("/staff/alpha/schedule/?date=2030-03-04")
    assert [a.provider.name for a in first.context["appointments"]] == [f"Dr. {n}" for n in range(5)]
    assert "Providers 1–5 of 7" in first.text and 'href="?date=2030-03-04&amp;page=2"' in first.text
    second = client.get("/staff/alpha/schedule/?date=2030-03-04&page=2")
    assert [a.provider.name for a in second.context["appointments"]] == ["Dr. 5", "Dr. 6"]
    assert "Providers 6–7 of 7" in second.text and "Previous providers" in second.text


def test_another_clinics_provider_cannot_be_picked(world, busy_day):
    foreign = ProviderFactory(clinic=world.clinic_b)
    AppointmentFactory(
        patient=world.pb, provider=foreign, starts_at=datetime.datetime(2030, 3, 4, 15, tzinfo=datetime.UTC)
    )
    response = client_for(world.staff_a).get(f"/staff/alpha/schedule/?date=2030-03-04&provider={foreign.pk}")
    assert response.context["chosen"] is None
    assert "Bella" not in response.text
    assert all(a.clinic_id == world.clinic_a.pk for a in response.context["appointments"])


@pytest.mark.parametrize("count", [1, 30])
def test_the_schedule_needs_the_same_number_of_queries_whatever_the_size(world, count, django_assert_num_queries):
    provider = ProviderFactory(clinic=world.clinic_a)
    start = datetime.datetime(2030, 3, 4, 14, 0, tzinfo=datetime.UTC)
    for number in range(count):
        AppointmentFactory(
            patient=world.p1,
            provider=provider if number % 2 == 0 else ProviderFactory(clinic=world.clinic_a),
            starts_at=start + datetime.timedelta(minutes=10 * number),
        )
    client = client_for(world.staff_a)
    client.get("/staff/alpha/schedule/?date=2030-03-04")
    # session, user, membership with clinic, the providers with their counts, the
    # appointments of the providers shown (with patient, provider, type and location),
    # audit insert: one more than when every appointment of the day was built, for the counts;
    # the header's unread notifications; with a provider chosen, their working hours for the free
    # times (one query: they have none, so no exceptions are read)
    for url, queries in (
        ("/staff/alpha/schedule/?date=2030-03-04", 7),
        (f"/staff/alpha/schedule/?date=2030-03-04&provider={provider.pk}", 8),
    ):
        with django_assert_num_queries(queries):
            client.get(url)
