"""notify_staff: each kind reaches the roles that may act on it, as each member chose (email at
once, the daily summary, or only listed), never another clinic's staff, and never breaks the
action that caused it."""

import pytest
from django.core import mail

from patientportal.clinics.choices import Role
from patientportal.core.models import EmailDelivery
from patientportal.notifications.choices import KIND_RULES, EmailChoice, NotificationKind
from patientportal.notifications.models import Notification, NotificationChoice
from patientportal.notifications.services import notify_staff
from tests.factories import MembershipFactory
from tests.notifications.helpers import emailed_at_once, team, told

pytestmark = pytest.mark.django_db

A = "owner@alpha.example"
S = "staff@alpha.example"
AD = "admin@alpha.example"
PR = "provider@alpha.example"
I_, D = EmailChoice.INSTANT, EmailChoice.DIGEST

# Who hears of each kind, and how, with nobody having chosen anything (choices.KIND_RULES).
DEFAULTS = {
    NotificationKind.ORDER_AWAITING_APPROVAL: {A: I_, AD: I_, S: D},
    NotificationKind.ORDER_PAID: {A: D, AD: D, S: I_},
    NotificationKind.DOCUMENT_SIGNED: {A: D, AD: D, S: D, PR: D},
    NotificationKind.APPOINTMENT_REQUESTED: {A: D, AD: I_, S: I_, PR: D},
    NotificationKind.APPOINTMENT_CANCELLED_BY_PATIENT: {A: D, AD: I_, S: I_, PR: I_},
    NotificationKind.EMAIL_UNDELIVERED: {A: D, AD: I_, S: I_},
    NotificationKind.PROXY_ACCESS_ENDING: {A: I_, AD: I_},
}


def notify(world, kind, **overrides):
    values = {"title": "Order 1042 is waiting for approval", "url": "/staff/alpha/orders/1/"}
    return notify_staff(world.clinic_a, kind, **{**values, **overrides})


def test_every_kind_has_its_expected_audience():
    assert set(DEFAULTS) == set(NotificationKind.values) == set(KIND_RULES)


@pytest.mark.parametrize("kind", list(DEFAULTS))
def test_each_kind_reaches_the_right_roles_as_their_defaults_say(world, kind):
    team(world)
    made = notify(world, kind)
    assert told() == DEFAULTS[kind]
    assert len(made) == len(DEFAULTS[kind])
    assert emailed_at_once() == sorted(email for email, how in DEFAULTS[kind].items() if how == I_)
    assert Notification.objects.filter(read_at__isnull=True, digest__isnull=True).count() == len(made)
    assert not Notification.objects.filter(clinic=world.clinic_b).exists()


@pytest.mark.parametrize("choice", [EmailChoice.INSTANT, EmailChoice.DIGEST, EmailChoice.OFF])
def test_a_members_own_choice_wins_over_the_default(world, choice):
    members = team(world)
    NotificationChoice.objects.create(membership=members[Role.STAFF], kind=NotificationKind.ORDER_PAID, email=choice)
    notify(world, NotificationKind.ORDER_PAID, title="Order 1042 is paid and ready to prepare")
    assert told()[S] == choice
    assert (S in emailed_at_once()) == (choice == EmailChoice.INSTANT)
    # Listed in the staff area whatever the email choice.
    assert Notification.objects.filter(membership=members[Role.STAFF]).count() == 1


def test_another_clinics_staff_are_never_told(world):
    MembershipFactory(clinic=world.clinic_b, role=Role.STAFF, user__email="staff@beta.example")
    for kind in NotificationKind.values:
        notify(world, kind)
    assert not Notification.objects.filter(membership__clinic=world.clinic_b).exists()
    assert not EmailDelivery.objects.filter(to__contains="beta.example").exists()


def test_the_staff_member_who_did_it_is_not_told(world):
    notify(world, NotificationKind.ORDER_AWAITING_APPROVAL, exclude=world.owner_a)
    assert told() == {S: D}


def test_a_disabled_account_is_not_told(world):
    world.staff_a.is_active = False
    world.staff_a.save()
    notify(world, NotificationKind.ORDER_PAID)
    assert told() == {A: D}


def test_the_email_names_what_happened_and_links_to_the_staff_area_only(
    world, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://portal.example"
    with django_capture_on_commit_callbacks(execute=True):
        [owner_row, _staff_row] = notify(world, NotificationKind.ORDER_AWAITING_APPROVAL)
    [message] = mail.outbox
    assert message.to == [A]
    assert message.subject.endswith("Order 1042 is waiting for approval")
    link = f"https://portal.example/staff/alpha/notifications/{owner_row.pk}/"
    assert link in message.body and link in message.alternatives[0][0]
    assert "https://portal.example/staff/alpha/notifications/settings/" in message.body


def test_a_link_outside_the_clinics_staff_area_is_refused_and_nothing_is_made(world, caplog):
    assert notify(world, NotificationKind.ORDER_PAID, url="/staff/beta/orders/1/") == []
    assert notify(world, NotificationKind.ORDER_PAID, url="https://elsewhere.example/") == []
    assert notify(world, "no_such_kind") == []
    assert not Notification.objects.exists()
    assert "NotificationError" in caplog.text


def test_a_failure_while_notifying_is_rolled_back_alone_and_logged_without_details(world, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("patient maria@example.com")

    monkeypatch.setattr("patientportal.notifications.services.queue_templated_email", broken)
    MembershipFactory(clinic=world.clinic_a, role=Role.ADMIN)  # so that one is emailed at once
    assert notify(world, NotificationKind.ORDER_AWAITING_APPROVAL) == []
    assert not Notification.objects.exists()  # none half-made
    assert "Staff notification order_awaiting_approval" in caplog.text and "maria" not in caplog.text


# The two kinds of the appointments issue, through the public function (their callers live in scheduling).
@pytest.mark.parametrize(
    ("kind", "title"),
    [
        (NotificationKind.APPOINTMENT_REQUESTED, "A patient asked for an appointment"),
        (NotificationKind.APPOINTMENT_CANCELLED_BY_PATIENT, "A patient cancelled an appointment on 3 March"),
    ],
)
def test_the_appointment_kinds_reach_the_front_desk_at_once(world, kind, title):
    team(world)
    notify(world, kind, title=title, url="/staff/alpha/schedule/?day=2026-03-03")
    assert told(kind)[S] == EmailChoice.INSTANT
    assert set(Notification.objects.values_list("title", flat=True)) == {title}
