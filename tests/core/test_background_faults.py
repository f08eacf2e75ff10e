"""The background processes survive the database going away (PostgreSQL restarting, a
connection killed) while they loop: they log it without personal data, back off, and do
the work once the database is back. Real PostgreSQL, cut through a TCP proxy the test runs."""

import datetime
import logging
import threading
from functools import partial

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from patientportal.core.background import Backoff, run_loop, run_periodic_jobs
from patientportal.core.choices import DeliveryStatus, ProcessRole
from patientportal.core.jobs import email_deliveries_resubmit
from patientportal.core.management.commands.run_worker import worker_for
from patientportal.core.models import EmailDelivery, Heartbeat
from patientportal.hub.management.commands.run_periodic_tasks import JOBS
from patientportal.orders.choices import OrderStatus
from patientportal.orders.models import Order
from tests.core.faults import kill_this_threads_connection, run_worker_once
from tests.core.test_email_delivery import queue
from tests.orders.helpers import place_order
from tests.payments.stripe_stub import stripe_stub  # noqa: F401 - the fixture of a local Stripe, for one test

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class Outage:
    """The `wait` of a loop under test: counts the backoffs, brings the database back after
    `failures_before_back` of them, and stops the loop once `done()` says the work is done."""

    def __init__(self, proxy, *, failures_before_back: int, done) -> None:
        self.proxy = proxy
        self.failures_before_back = failures_before_back
        self.done = done
        self.stop = threading.Event()
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if len(self.waits) == self.failures_before_back:
            self.proxy.restore()
        elif len(self.waits) > self.failures_before_back and self.done():
            self.stop.set()
        assert len(self.waits) < 20, "the loop never got the work done"


def database_failures(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if "the database failed" in record.getMessage()]


def test_the_worker_survives_a_database_restart_and_sends_the_email_afterwards(
    db_through_proxy, database_tasks, caplog
):
    caplog.set_level(logging.INFO)
    delivery = queue(to="maria.private@example.com")
    db_through_proxy.cut()  # PostgreSQL goes away while the worker loops
    outage = Outage(db_through_proxy, failures_before_back=3, done=lambda: bool(mail.outbox))
    run_loop(
        role=ProcessRole.WORKER,
        step=worker_for(queues=["default"]).run,
        idle_seconds=1,
        stop=outage.stop,
        wait=outage,
        backoff=Backoff(first=1, cap=4),
    )
    assert [message.to for message in mail.outbox] == [["maria.private@example.com"]]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    failures = database_failures(caplog)
    assert len(failures) == 3 and "OperationalError" in failures[0]
    assert "answers again after 3 failure(s)" in caplog.text
    # Capped exponential backoff (each wait shortened by up to a half at random).
    assert [1 / 2 <= outage.waits[0] <= 1, 1 <= outage.waits[1] <= 2, 2 <= outage.waits[2] <= 4] == [True] * 3
    assert "maria.private" not in caplog.text and "added to" not in caplog.text
    assert Heartbeat.objects.filter(role=ProcessRole.WORKER).exists()


def test_the_periodic_runner_survives_a_database_restart_and_cancels_the_unpaid_order_afterwards(
    world, db_through_proxy, caplog
):
    order = place_order(world)
    Order.objects.filter(pk=order.pk).update(payable_since=timezone.now() - datetime.timedelta(hours=100))
    db_through_proxy.cut()

    def cancelled() -> bool:
        return Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED

    outage = Outage(db_through_proxy, failures_before_back=2, done=cancelled)
    run_loop(
        role=ProcessRole.PERIODIC,
        step=partial(run_periodic_jobs, JOBS, every=datetime.timedelta(minutes=1)),
        idle_seconds=60,
        stop=outage.stop,
        wait=outage,
    )
    assert cancelled()
    assert len(database_failures(caplog)) == 2
    assert Heartbeat.objects.filter(role=ProcessRole.PERIODIC).exists()


def test_connections_killed_while_an_email_is_sent_and_between_rounds_lose_nothing_and_the_worker_goes_on(
    settings, database_tasks, postgres_only, caplog, monkeypatch
):
    caplog.set_level(logging.INFO)
    # Connections kept open between rounds and checked before reuse, as production runs them
    # (DB_CONN_MAX_AGE, CONN_HEALTH_CHECKS).
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", None)
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", True)
    settings.EMAIL_BACKEND = "tests.core.test_background_faults.KillingEmailBackend"
    KillingEmailBackend.kills = 1
    first = queue(to="first@example.com")
    stop = threading.Event()
    waits = []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 1:
            queue(to="second@example.com")
            kill_this_threads_connection()  # between two rounds of the loop
        elif len(waits) == 3:
            stop.set()

    run_loop(role=ProcessRole.WORKER, step=worker_for(queues=["default"]).run, idle_seconds=1, stop=stop, wait=wait)
    # The kill during the first email failed its task (logged by the task framework); the kill
    # between rounds was found by the health check before the next round's first query, which
    # ran on a new connection: no round failed.
    assert "send_email state=FAILED" in caplog.text
    assert database_failures(caplog) == []
    assert "first@example.com" not in caplog.text and "second@example.com" not in caplog.text
    # The first email left (the mail server took it) but its delivery could not be recorded:
    # it is still waiting, not lost; the second was sent by the recovered worker.
    first.refresh_from_db()
    assert first.status == DeliveryStatus.QUEUED
    assert EmailDelivery.objects.get(to="second@example.com").status == DeliveryStatus.SENT
    # Ten minutes after it was due, the periodic job gives the first email a new task: it is
    # sent (twice in all: delivery is at least once).
    assert email_deliveries_resubmit(now=timezone.now() + datetime.timedelta(minutes=11)) == 1
    run_worker_once()
    first.refresh_from_db()
    assert first.status == DeliveryStatus.SENT
    assert [message.to[0] for message in mail.outbox] == [
        "first@example.com",
        "second@example.com",
        "first@example.com",
    ]


class KillingEmailBackend:
    """Delivers into mail.outbox; the first `kills` sends also kill the worker's database
    connection (pg_terminate_backend) while the email's row is locked."""

    kills = 0

    def __init__(self, *args, **kwargs) -> None:
        from django.core.mail.backends.locmem import EmailBackend

        self._delivering = EmailBackend(*args, **kwargs)

    def send_messages(self, messages):
        sent = self._delivering.send_messages(messages)
        if KillingEmailBackend.kills and connection.vendor == "postgresql":
            KillingEmailBackend.kills -= 1
            kill_this_threads_connection()
        return sent


def test_the_periodic_runner_survives_a_database_restart_and_ends_a_lapsed_authorisation_afterwards(
    world, db_through_proxy, caplog
):
    from patientportal.orders.choices import PaymentStatus
    from tests.payments.helpers import authorise, restricted_order

    order, _product = restricted_order(world)
    authorise(order)
    Order.objects.filter(pk=order.pk).update(authorised_until=timezone.now() - datetime.timedelta(minutes=1))
    db_through_proxy.cut()

    def fallen_back() -> bool:
        return Order.objects.get(pk=order.pk).payment_status == PaymentStatus.UNPAID

    outage = Outage(db_through_proxy, failures_before_back=2, done=fallen_back)
    run_loop(
        role=ProcessRole.PERIODIC,
        step=partial(run_periodic_jobs, JOBS, every=datetime.timedelta(minutes=1)),
        idle_seconds=60,
        stop=outage.stop,
        wait=outage,
    )
    order.refresh_from_db()
    assert (order.payment_status, order.authorised_until) == (PaymentStatus.UNPAID, None)
    assert len(database_failures(caplog)) == 2


def test_the_periodic_runner_survives_a_database_restart_and_sends_the_daily_summary_afterwards(
    world, db_through_proxy, settings
):
    from patientportal.notifications.choices import NotificationKind
    from patientportal.notifications.models import NotificationDigest
    from patientportal.notifications.services import notify_staff

    settings.NOTIFICATION_DIGEST_HOUR = 0  # due whatever the hour the test runs at
    notify_staff(
        world.clinic_a, NotificationKind.DOCUMENT_SIGNED, title="A patient signed a document", url="/staff/alpha/"
    )
    db_through_proxy.cut()

    def summarised() -> bool:
        return NotificationDigest.objects.count() == 2

    outage = Outage(db_through_proxy, failures_before_back=2, done=summarised)
    run_loop(
        role=ProcessRole.PERIODIC,
        step=partial(run_periodic_jobs, JOBS, every=datetime.timedelta(minutes=1)),
        idle_seconds=60,
        stop=outage.stop,
        wait=outage,
    )
    assert summarised()
    assert sorted(
        EmailDelivery.objects.filter(about_type="notifications.notificationdigest").values_list("to", flat=True)
    ) == [
        "owner@alpha.example",
        "staff@alpha.example",
    ]


@pytest.mark.usefixtures("stripe_stub")
def test_the_periodic_runner_survives_a_database_restart_and_then_records_a_checkout_whose_webhook_was_lost(
    world, db_through_proxy, caplog
):
    from patientportal.orders.choices import PaymentStatus
    from patientportal.payments.models import Payment
    from tests.orders.helpers import start_payment
    from tests.payments.stripe_stub import StripeStub

    order = place_order(world)
    payment = start_payment(order)
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=31))
    StripeStub.retrieve_session_status, StripeStub.retrieve_status = "complete", "paid"  # paid; its webhook lost
    StripeStub.retrieve_amount, StripeStub.retrieve_intent_status = payment.amount_cents, "succeeded"
    db_through_proxy.cut()

    def paid() -> bool:
        return Order.objects.get(pk=order.pk).payment_status == PaymentStatus.PAID

    outage = Outage(db_through_proxy, failures_before_back=2, done=paid)
    run_loop(
        role=ProcessRole.PERIODIC,
        step=partial(run_periodic_jobs, JOBS, every=datetime.timedelta(minutes=1)),
        idle_seconds=60,
        stop=outage.stop,
        wait=outage,
    )
    order.refresh_from_db()
    assert (order.status, order.payment_status) == (OrderStatus.PROCESSING, PaymentStatus.PAID)
    assert order.events.filter(machine="payment", to_value=PaymentStatus.PAID).count() == 1
    assert len(database_failures(caplog)) == 2


def test_the_periodic_runner_survives_a_database_restart_and_ends_parental_access_at_18_once(
    world, db_through_proxy, caplog
):
    from patientportal.audit.models import AuditEvent
    from patientportal.patients.choices import PortalAccessStatus, Relationship
    from patientportal.patients.models import PortalAccess
    from tests.factories import PatientFactory, PortalAccessFactory

    # Turned 18 this year or last, while the runner could not reach the database.
    adult = PatientFactory(clinic=world.clinic_a, date_of_birth=datetime.date(timezone.now().year - 19, 1, 1))
    link = PortalAccessFactory(patient=adult, relationship=Relationship.PARENT_GUARDIAN, proxy_name="Maria Garcia")
    db_through_proxy.cut()

    def ended() -> bool:
        return PortalAccess.objects.get(pk=link.pk).status == PortalAccessStatus.DISABLED

    outage = Outage(db_through_proxy, failures_before_back=2, done=ended)
    run_loop(
        role=ProcessRole.PERIODIC,
        step=partial(run_periodic_jobs, JOBS, every=datetime.timedelta(minutes=1)),
        idle_seconds=60,
        stop=outage.stop,
        wait=outage,
    )
    assert ended()
    assert AuditEvent.objects.filter(action="patients.proxy.aged_out", patient=adult).count() == 1
    assert len(database_failures(caplog)) == 2
