"""The staff page of a provider's working hours and exceptions (Scheduling setup)."""

import datetime

import pytest
from django.test import Client

from patientportal.audit.models import AuditEvent
from patientportal.clinics.choices import Role
from patientportal.scheduling.models import WorkingHours, WorkingHoursException
from tests.conftest import client_for
from tests.factories import LocationFactory, MembershipFactory, ProviderFactory

pytestmark = pytest.mark.django_db


def hours_url(provider) -> str:
    return f"/staff/alpha/setup/providers/{provider.pk}/hours/"


ADD_HOURS = {"action": "add_hours", "hours-weekday": "0", "hours-starts": "09:00", "hours-ends": "12:00"}


def test_only_owners_and_admins_of_the_providers_clinic_reach_the_page(world):
    provider = ProviderFactory(clinic=world.clinic_a)
    beta_provider = ProviderFactory(clinic=world.clinic_b)
    url = hours_url(provider)
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    for outsider in (world.patient_user_1, world.owner_b):
        assert client_for(outsider).get(url).status_code == 404
        assert client_for(outsider).post(url, ADD_HOURS).status_code == 404
    # The front desk may not change hours (403); another clinic's provider under Alpha is 404.
    assert client_for(world.staff_a).get(url).status_code == 403
    assert client_for(world.staff_a).post(url, ADD_HOURS).status_code == 403
    assert client_for(world.owner_a).get(hours_url(beta_provider)).status_code == 404
    assert client_for(world.owner_a).post(hours_url(beta_provider), ADD_HOURS).status_code == 404
    assert not WorkingHours.objects.exists()
    admin = MembershipFactory(clinic=world.clinic_a, role=Role.ADMIN).user
    assert client_for(admin).get(url).status_code == 200
    assert client_for(world.owner_a).post(url, ADD_HOURS).status_code == 302
    assert WorkingHours.objects.get().provider == provider


def test_owner_sets_a_week_with_lunch_off_an_exception_and_removes_them(world):
    provider = ProviderFactory(clinic=world.clinic_a, name="Dr. Ana Ruiz")
    location = LocationFactory(clinic=world.clinic_a, name="Main Street")
    client = client_for(world.owner_a)
    url = hours_url(provider)
    assert f'href="{url}"' in client.get("/staff/alpha/setup/providers/").text
    client.post(url, {**ADD_HOURS, "hours-location": location.pk})
    client.post(url, {**ADD_HOURS, "hours-starts": "13:00", "hours-ends": "17:00", "hours-location": location.pk})
    wrong = client.post(url, {**ADD_HOURS, "hours-starts": "17:00", "hours-ends": "13:00"})
    assert wrong.status_code == 200 and "The end must be after the start." in wrong.text
    page = client.get(url).text
    assert "9:00 AM – 12:00 PM" in page and "1:00 PM – 5:00 PM" in page and "Main Street" in page
    assert "America/New York" in page
    client.post(
        url,
        {
            "action": "add_exception",
            "exception-first_day": "2030-03-04",
            "exception-last_day": "2030-03-08",
            "exception-note": "Conference",
        },
    )
    half = client.post(
        url, {"action": "add_exception", "exception-first_day": "2030-03-11", "exception-starts": "10:00"}
    )
    assert "Give both times, or neither for days off." in half.text
    [exception] = WorkingHoursException.objects.all()
    assert (exception.first_day, exception.last_day, exception.is_day_off) == (
        datetime.date(2030, 3, 4),
        datetime.date(2030, 3, 8),
        True,
    )
    assert "Conference" in client.get(url).text
    client.post(url, {"action": "remove_exception", "item": exception.pk})
    first = WorkingHours.objects.order_by("starts").first()
    client.post(url, {"action": "remove_hours", "item": first.pk})
    assert not WorkingHoursException.objects.exists() and WorkingHours.objects.count() == 1
    # Another provider's hours cannot be removed through this page.
    other = ProviderFactory(clinic=world.clinic_a)
    theirs = WorkingHours.objects.create(
        clinic=world.clinic_a, provider=other, weekday=1, starts=datetime.time(9), ends=datetime.time(10)
    )
    assert client.post(url, {"action": "remove_hours", "item": theirs.pk}).status_code == 404
    changes = AuditEvent.objects.filter(action="scheduling.provider.working_hours_changed")
    assert [event.metadata["change"] for event in changes.order_by("id")] == [
        "hours_added",
        "hours_added",
        "exception_added",
        "exception_removed",
        "hours_removed",
    ]
    assert {event.actor for event in changes} == {world.owner_a}


def test_appointment_types_are_marked_bookable_online_in_the_setup(world):
    client = client_for(world.owner_a)
    client.post(
        "/staff/alpha/setup/appointment-types/new/",
        {"name": "Follow-up visit", "duration_minutes": "20", "colour": "#1d6b3a", "bookable_online": "on"},
    )
    page = client.get("/staff/alpha/setup/appointment-types/").text
    assert "Follow-up visit" in page and "Bookable online" in page
