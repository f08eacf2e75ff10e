"""The staff member's notifications: the header's unread count, the list, opening one (marked read,
then on to its page), marking all read, and the settings page. Each member sees only their own."""

import pytest

from patientportal.audit.models import AuditEvent
from patientportal.clinics.choices import Role
from patientportal.notifications.choices import EmailChoice, NotificationKind
from patientportal.notifications.models import Notification, NotificationChoice
from patientportal.notifications.services import notify_staff
from tests.conftest import client_for
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def paid(world, number=1042):
    return notify_staff(
        world.clinic_a,
        NotificationKind.ORDER_PAID,
        title=f"Order {number} is paid and ready to prepare",
        url=f"/staff/alpha/orders/{number}/",
    )


def mine(rows, user):
    return next(row for row in rows if row.membership.user == user)


def test_the_header_counts_unread_notifications_and_links_to_the_list(world):
    paid(world, 1)
    paid(world, 2)
    page = client_for(world.staff_a).get("/staff/alpha/").text
    assert 'href="/staff/alpha/notifications/"' in page
    assert '<span class="badge badge-warning">2<span class="visually-hidden"> unread</span></span>' in page


def test_no_count_without_unread_notifications(world):
    page = client_for(world.staff_a).get("/staff/alpha/").text
    assert "Notifications" in page and "badge-warning" not in page


def test_the_list_shows_only_the_members_own_newest_first(world):
    paid(world, 1)
    paid(world, 2)
    notify_staff(
        world.clinic_a,
        NotificationKind.ORDER_AWAITING_APPROVAL,
        title="Order 3 is waiting for approval",
        url="/staff/alpha/",
    )
    MembershipFactory(clinic=world.clinic_b, role=Role.STAFF, user=world.staff_a)  # also staff in Beta
    notify_staff(
        world.clinic_b, NotificationKind.ORDER_PAID, title="Order 9 is paid and ready to prepare", url="/staff/beta/"
    )
    page = client_for(world.staff_a).get("/staff/alpha/notifications/").text
    assert page.index("Order 3 is waiting") < page.index("Order 2 is paid") < page.index("Order 1 is paid")
    assert "Order 9" not in page
    assert "Mark all as read" in page


def test_opening_one_marks_it_read_and_goes_to_its_page(world):
    row = mine(paid(world), world.staff_a)
    client = client_for(world.staff_a)
    response = client.get(f"/staff/alpha/notifications/{row.pk}/")
    assert (response.status_code, response["Location"]) == (302, "/staff/alpha/orders/1042/")
    row.refresh_from_db()
    first_read = row.read_at
    assert first_read is not None
    client.get(f"/staff/alpha/notifications/{row.pk}/")
    row.refresh_from_db()
    assert row.read_at == first_read  # read once, when first opened
    assert "badge-warning" not in client.get("/staff/alpha/notifications/").text


def test_a_colleagues_or_another_clinics_notification_is_not_found_and_stays_unread(world):
    rows = paid(world)
    owners = mine(rows, world.owner_a)
    assert client_for(world.staff_a).get(f"/staff/alpha/notifications/{owners.pk}/").status_code == 404
    MembershipFactory(clinic=world.clinic_b, role=Role.STAFF, user__email="staff@beta.example")
    beta = notify_staff(world.clinic_b, NotificationKind.ORDER_PAID, title="Order 9", url="/staff/beta/")[0]
    assert client_for(world.owner_a).get(f"/staff/alpha/notifications/{beta.pk}/").status_code == 404
    assert client_for(world.owner_b).get(f"/staff/alpha/notifications/{owners.pk}/").status_code == 404
    assert not Notification.objects.filter(read_at__isnull=False).exists()


def test_a_stored_link_outside_the_clinics_staff_area_is_never_followed(world):
    row = mine(paid(world), world.staff_a)
    Notification.objects.filter(pk=row.pk).update(url="https://evil.example/")
    response = client_for(world.staff_a).get(f"/staff/alpha/notifications/{row.pk}/")
    assert response["Location"] == "/staff/alpha/notifications/"


def test_mark_all_read_marks_only_the_members_own(world):
    paid(world, 1)
    paid(world, 2)
    response = client_for(world.staff_a).post("/staff/alpha/notifications/read-all/")
    assert response.status_code == 302
    assert set(Notification.objects.filter(read_at__isnull=True).values_list("membership__user__email", flat=True)) == {
        "owner@alpha.example"
    }
    assert client_for(world.staff_a).get("/staff/alpha/notifications/read-all/").status_code == 405


def test_the_settings_page_offers_the_kinds_of_the_members_role_with_their_defaults(world):
    page = client_for(world.staff_a).get("/staff/alpha/notifications/settings/").text
    assert "Order waiting for approval" in page and "Email to a patient not delivered" in page
    assert 'name="order_paid" value="instant" id="id_order_paid_0" required checked' in page
    provider = MembershipFactory(clinic=world.clinic_a, role=Role.PROVIDER).user
    page = client_for(provider).get("/staff/alpha/notifications/settings/").text
    assert "Document signed" in page and "Order waiting for approval" not in page


def test_saving_choices_keeps_them_and_audits_what_changed(world):
    client = client_for(world.staff_a)
    form = {
        "order_awaiting_approval": "instant",
        "order_paid": "off",
        "document_signed": "digest",
        "appointment_requested": "instant",
        "appointment_cancelled_by_patient": "instant",
        "email_undelivered": "instant",
    }
    response = client.post("/staff/alpha/notifications/settings/", form)
    assert response.status_code == 302
    chosen = dict(NotificationChoice.objects.values_list("kind", "email"))
    assert chosen == {"order_awaiting_approval": EmailChoice.INSTANT, "order_paid": EmailChoice.OFF}
    event = AuditEvent.objects.get(action="notifications.choices.changed")
    assert event.metadata == {"changed": {"order_awaiting_approval": "instant", "order_paid": "off"}}
    assert event.actor_id == world.staff_a.pk and event.patient_id is None
    paid(world)
    assert Notification.objects.get(membership__user=world.staff_a).email == EmailChoice.OFF


def test_a_missing_or_unknown_choice_saves_nothing(world):
    client = client_for(world.staff_a)
    response = client.post("/staff/alpha/notifications/settings/", {"order_paid": "sms"})
    assert response.status_code == 200 and "Nothing was saved" in response.text
    assert not NotificationChoice.objects.exists()
    assert not AuditEvent.objects.filter(action="notifications.choices.changed").exists()


@pytest.mark.parametrize("size", [2, 30])
def test_the_list_needs_the_same_number_of_queries_whatever_the_size(world, size, django_assert_num_queries):
    for number in range(size):
        paid(world, number)
    client = client_for(world.staff_a)
    client.get("/staff/alpha/notifications/")
    # session, user, membership with clinic, the header's unread count, the list
    with django_assert_num_queries(5):
        client.get("/staff/alpha/notifications/")


@pytest.mark.parametrize("size", [2, 30])
def test_the_header_count_is_one_query_whatever_the_number_of_notifications(world, size, django_assert_num_queries):
    for number in range(size):
        paid(world, number)
    client = client_for(world.staff_a)
    client.get("/staff/alpha/team/")
    # session, user, membership with clinic, the header's unread count, the team
    with django_assert_num_queries(5):
        client.get("/staff/alpha/team/")
