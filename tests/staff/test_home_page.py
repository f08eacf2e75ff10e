"""The staff home page's counts: taken by the database, and never further than a limit,
so a clinic of 100,000 patients does not count them all on every load."""

import datetime

import pytest
from django.utils import timezone

from patientportal.orders.choices import Approval, OrderStatus
from patientportal.scheduling.choices import AppointmentStatus
from patientportal.staff import views
from tests.conftest import client_for
from tests.factories import AppointmentFactory, AppointmentRequestFactory, PatientFactory
from tests.staff.test_order_queue import orders_placed_at

pytestmark = pytest.mark.django_db


def today_at(world, hour):
    today = timezone.localtime(timezone.now(), world.clinic_a.zone).date()
    return datetime.datetime.combine(today, datetime.time(hour), tzinfo=world.clinic_a.zone)


def test_the_home_page_counts_patients_todays_appointments_and_orders_to_handle(world):
    AppointmentFactory(patient=world.p1, starts_at=today_at(world, 9))
    AppointmentFactory(patient=world.p2, starts_at=today_at(world, 10))
    AppointmentFactory(patient=world.p2, starts_at=today_at(world, 11), status=AppointmentStatus.CANCELLED)
    AppointmentFactory(patient=world.pb, starts_at=today_at(world, 9))
    orders_placed_at(world.p1, world.patient_user_1, timezone.now(), 3, approval=Approval.AWAITING)
    orders_placed_at(world.p1, world.patient_user_1, timezone.now(), 1, status=OrderStatus.PROCESSING)
    response = client_for(world.staff_a).get("/staff/alpha/")
    assert response.context["patient_count"] == 2
    assert response.context["today_count"] == 2
    assert response.context["order_counts"] == {"awaiting": 3, "to_prepare": 1, "ready": 0, "unpaid": 0}
    assert "3 awaiting approval" in response.text and "1 to prepare" in response.text


def test_past_their_limits_the_home_page_counts_say_more_than(world, monkeypatch):
    monkeypatch.setattr(views, "HOME_PATIENTS_UP_TO", 3)
    monkeypatch.setattr(views, "HOME_COUNTS_UP_TO", 2)
    PatientFactory.create_batch(5, clinic=world.clinic_a)
    for hour in (9, 10, 11):
        AppointmentFactory(patient=world.p1, starts_at=today_at(world, hour))
    orders_placed_at(world.p1, world.patient_user_1, timezone.now(), 5, approval=Approval.AWAITING)
    response = client_for(world.staff_a).get("/staff/alpha/")
    # Each count stops one past its limit: enough to know it is more.
    assert (response.context["patient_count"], response.context["today_count"]) == (4, 3)
    assert response.context["order_counts"]["awaiting"] == 3
    assert '<p class="stat">3+</p>' in response.text
    assert '<p class="stat">2+</p>' in response.text
    assert "2+ awaiting approval" in response.text


@pytest.mark.parametrize("size", [1, 40])
def test_the_home_page_needs_the_same_number_of_queries_whatever_the_size(world, size, django_assert_num_queries):
    PatientFactory.create_batch(size, clinic=world.clinic_a)
    for minutes in range(size):
        AppointmentFactory(patient=world.p1, starts_at=today_at(world, 8) + datetime.timedelta(minutes=minutes))
    orders_placed_at(world.p1, world.patient_user_1, timezone.now(), size, approval=Approval.AWAITING)
    AppointmentRequestFactory.create_batch(size, patient=world.p1)
    world.clinic_a.accepts_appointment_requests = True
    world.clinic_a.save()
    client = client_for(world.staff_a)
    client.get("/staff/alpha/")
    # session, user, membership with clinic, patients counted, today's appointments
    # counted, products to reorder counted, the four order queues counted in one query
    # (was 10: the order queues took a query each), the header's unread notifications, appointment
    # requests counted
    with django_assert_num_queries(9):
        home = client.get("/staff/alpha/")
    assert home.context["request_count"] == size and "Open the request queue" in home.text
