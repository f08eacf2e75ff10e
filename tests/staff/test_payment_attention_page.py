"""The staff page "Payments needing attention" (issue 17, part 3): the clinic's owners and admins only,
scoped to the clinic; each row links to its order and is resolved with a note (audited); the staff home
and the order queue say how many there are; a fixed number of queries whatever the size."""

import pytest

from patientportal.audit.models import AuditEvent
from patientportal.payments.choices import PaymentIssueKind, PaymentIssueStatus
from patientportal.payments.models import PaymentIssue
from patientportal.payments.providers import ProviderEventKind
from patientportal.payments.services import payment_event_apply
from tests.conftest import client_for
from tests.factories import MembershipFactory
from tests.orders.helpers import event, place_order, start_payment

pytestmark = pytest.mark.django_db
URL = "/staff/alpha/payments/attention/"


def mismatched(world, patient=None) -> PaymentIssue:
    """An order whose provider reported 0.01 for its 10.00: flagged by the payment path."""
    order = place_order(world, patient=patient)
    payment = start_payment(order)
    payment_event_apply(provider="test", event=event(payment, ProviderEventKind.SUCCEEDED, amount=1))
    return PaymentIssue.objects.get(payment=payment)


def resolve_url(issue, clinic="alpha") -> str:
    return f"/staff/{clinic}/payments/attention/{issue.pk}/resolve/"


def test_only_the_clinics_owners_and_admins_reach_the_page_and_resolve(world):
    issue = mismatched(world)
    beta_issue = mismatched(world, patient=world.pb)
    anonymous = client_for(None).get(URL)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    assert client_for(None).post(resolve_url(issue), {"note": "x"}).status_code == 302
    assert client_for(world.patient_user_1).get(URL).status_code == 404  # the order's own patient
    assert client_for(world.patient_user_1).post(resolve_url(issue), {"note": "x"}).status_code == 404
    assert client_for(world.owner_b).get(URL).status_code == 404  # another clinic's owner
    assert client_for(world.owner_b).post(resolve_url(issue), {"note": "x"}).status_code == 404
    assert client_for(world.owner_b).post(resolve_url(issue, "beta"), {"note": "x"}).status_code == 404
    assert client_for(world.owner_a).post(resolve_url(beta_issue), {"note": "x"}).status_code == 404
    assert client_for(world.staff_a).get(URL).status_code == 403  # the clinic's plain staff role
    assert client_for(world.staff_a).post(resolve_url(issue), {"note": "x"}).status_code == 403
    admin = MembershipFactory(clinic=world.clinic_a, role="admin").user
    for user in (world.owner_a, admin):
        page = client_for(user).get(URL)
        assert page.status_code == 200 and "<h1>Payments needing attention</h1>" in page.text
    assert PaymentIssue.objects.filter(status=PaymentIssueStatus.OPEN).count() == 2  # nothing resolved


def test_the_page_lists_the_clinics_open_issues_linked_to_their_orders(world):
    issue = mismatched(world)
    mismatched(world, patient=world.pb)  # Beta's
    page = client_for(world.owner_a).get(URL)
    assert [row.pk for row in page.context["issues"]] == [issue.pk]
    assert f'href="/staff/alpha/orders/{issue.order_id}/"' in page.text
    assert f"Order {issue.order.number}" in page.text and "Amount did not match" in page.text
    assert "reported $0.01; the order&#x27;s total is $10.00" in page.text
    assert world.p1.full_name in page.text and "Payment of $10.00" in page.text
    assert world.pb.full_name not in page.text
    event = AuditEvent.objects.get(action="payments.attention.viewed")
    assert (event.actor_id, event.clinic_id, event.metadata["orders"]) == (
        world.owner_a.pk,
        world.clinic_a.pk,
        [issue.order_id],
    )


def test_resolving_with_a_note_takes_it_off_the_list_and_audits_it(world):
    issue = mismatched(world)
    client = client_for(world.owner_a)
    refused = client.post(resolve_url(issue), {"note": " "}, follow=True)
    assert "Please say how it was resolved" in refused.text
    assert PaymentIssue.objects.get().status == PaymentIssueStatus.OPEN
    done = client.post(resolve_url(issue), {"note": "Refunded at Stripe by hand"}, follow=True)
    assert f"Order {issue.order.number}: marked resolved." in done.text
    assert done.context["issues"] == [] and "Nothing needs attention" in done.text
    assert "Resolved lately" in done.text and "Refunded at Stripe by hand" in done.text
    assert "Resolved by owner@alpha.example" in done.text
    issue.refresh_from_db()
    assert (issue.status, issue.resolved_by, issue.resolution_note) == (
        PaymentIssueStatus.RESOLVED,
        world.owner_a,
        "Refunded at Stripe by hand",
    )
    audit = AuditEvent.objects.get(action="payments.issue.resolved")
    assert (audit.actor_id, audit.patient_id, audit.object_id) == (world.owner_a.pk, world.p1.pk, str(issue.pk))
    again = client.post(resolve_url(issue), {"note": "Twice"}, follow=True)
    assert "cannot become" in again.text
    assert AuditEvent.objects.filter(action="payments.issue.resolved").count() == 1


def test_the_home_page_the_queue_and_the_order_point_owners_to_it(world):
    issue = mismatched(world)
    owner = client_for(world.owner_a)
    home = owner.get("/staff/alpha/")
    assert "Payments needing attention" in home.text and f'href="{URL}"' in home.text
    assert "1 payment needs attention" in owner.get("/staff/alpha/orders/").text
    detail = owner.get(f"/staff/alpha/orders/{issue.order_id}/")
    assert "Needs attention: Amount did not match." in detail.text and f"{URL}#issue-{issue.pk}" in detail.text
    staff = client_for(world.staff_a)  # who cannot resolve it is not pointed to it
    assert "Payments needing attention" not in staff.get("/staff/alpha/").text
    assert "needs attention" not in staff.get("/staff/alpha/orders/").text
    assert "Needs attention" not in staff.get(f"/staff/alpha/orders/{issue.order_id}/").text


def test_with_nothing_to_look_at_the_home_page_says_nothing_of_it(world):
    assert "Payments needing attention" not in client_for(world.owner_a).get("/staff/alpha/").text


@pytest.mark.parametrize("size", [1, 30])
def test_the_page_needs_the_same_number_of_queries_whatever_the_size(world, size, django_assert_num_queries):
    issues = [mismatched(world) for _ in range(size)]
    for issue in issues[: size // 2]:
        PaymentIssue.objects.filter(pk=issue.pk).update(
            status=PaymentIssueStatus.RESOLVED, resolved_by=world.owner_a, resolution_note="Settled"
        )
    PaymentIssue.objects.create(
        clinic=world.clinic_a,
        order=issues[0].order,
        payment=issues[0].payment,
        kind=PaymentIssueKind.REFUND_FAILED,
        detail="A refund failed",
    )
    client = client_for(world.owner_a)
    client.get(URL)
    # session, user, membership with clinic, the open issues with order, patient and payment, the resolved
    # ones with order and who resolved them, the header's unread notifications, the audit insert
    with django_assert_num_queries(7):
        page = client.get(URL)
    assert len(page.context["issues"]) == size - size // 2 + 1
