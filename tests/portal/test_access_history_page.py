""" "Who viewed my record" (issue 16, part 1): the record's reads and changes by the clinic's
staff and the portal's operators, by name and role, newest first, a page at a time, by month;
the patient's own and their family's apart; never another record's events."""

import datetime
import html
import re
import zoneinfo

import pytest
from django.test import Client
from django.utils import timezone

from patientportal.audit import services as audit
from patientportal.audit.models import AuditEvent
from patientportal.clinics.choices import Role
from patientportal.documents.services import document_upload
from patientportal.patients.choices import Relationship
from tests.activity.helpers import add_events
from tests.conftest import client_for
from tests.documents.helpers import pdf_bytes
from tests.factories import MembershipFactory, PortalAccessFactory, UserFactory
from tests.orders.helpers import place_order

pytestmark = pytest.mark.django_db

URL = "/portal/who-viewed-my-record/"
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def rows(response) -> list[tuple[str, ...]]:
    """The table's rows: (when, who and role, what), each cell's words joined by single spaces.
    The copy of who-and-role shown only on phones (under the time) is left out."""
    text = re.sub(r'<span class="phone-only">.*?</span></td>', "</td>", response.text, flags=re.S)
    found = re.findall(r"<tr>\s*<td.*?</tr>", text, flags=re.S)
    return [
        tuple(
            " ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())
            for cell in re.findall(r"<td.*?</td>", row, flags=re.S)
        )
        for row in found
    ]


@pytest.fixture
def front_desk(world):
    return MembershipFactory(
        clinic=world.clinic_a, role=Role.STAFF, user__first_name="Jordan", user__last_name="Blake"
    ).user


def test_staff_reads_are_listed_with_names_and_roles_and_never_another_patients_events(world, front_desk):
    owner = world.owner_a
    owner.first_name, owner.last_name = "Olga", "Owner"
    owner.save()
    client_for(front_desk).get(f"/staff/alpha/patients/{world.p1.pk}/")
    client_for(owner).get(f"/staff/alpha/patients/{world.p1.pk}/documents/")
    client_for(front_desk).get(f"/staff/alpha/patients/{world.p2.pk}/")  # Peter's record, not Paula's
    client_for(world.owner_b).get(f"/staff/beta/patients/{world.pb.pk}/")  # another clinic's

    page = client_for(world.patient_user_1).get(URL)

    assert page.status_code == 200
    assert rows(page) == [
        (page_time(1), "Olga Owner Owner", "Viewed your documents"),
        (page_time(0), "Jordan Blake Staff", "Viewed your record"),
    ]
    assert f"user {front_desk.pk}" not in page.text and "owner@beta.example" not in page.text
    assert "Times are shown in America/New_York." in page.text


def page_time(index: int) -> str:
    """The time of the record's index-th staff event, as the page writes it (the clinic's zone, named)."""
    event = AuditEvent.objects.filter(action="patients.patient.viewed", actor__staff_memberships__isnull=False)
    when = event.order_by("occurred_at", "id")[index].occurred_at.astimezone(NEW_YORK)
    return f"{when:%b} {when.day}, {when.year} {when:%-I:%M %p} {when.tzname()}"


def test_the_patients_own_and_proxies_actions_are_listed_apart(world, front_desk):
    parent = PortalAccessFactory(
        patient=world.p1, user__first_name="Pat", user__last_name="Parent", relationship=Relationship.PARENT_GUARDIAN
    ).user
    client_for(world.patient_user_1).get("/portal/documents/")
    client_for(parent).get("/portal/")
    client_for(front_desk).get(f"/staff/alpha/patients/{world.p1.pk}/")
    client = client_for(world.patient_user_1)

    staff_side = rows(client.get(URL))
    own_side = rows(client.get(URL + "?side=own"))

    assert [row[1:] for row in staff_side] == [("Jordan Blake Staff", "Viewed your record")]
    assert [row[1:] for row in own_side] == [
        # the staff side's visit just before: this page is a read of the record by its patient
        ("You", "Viewed who viewed your record"),
        # a proxy: their own name and relationship, acting on the patient's behalf
        ("Pat Parent Parent or guardian, on the patient's behalf", "Opened your portal's home page"),
        ("You", "Viewed your documents"),
    ]


def test_the_patient_sees_that_an_operator_acted_as_a_portal_operator(world):
    operator = UserFactory(first_name="Olu", last_name="Operator", is_staff=True, is_superuser=True)
    audit.record(
        action="patients.patient.updated",
        actor=operator,
        clinic=world.clinic_a,
        patient=world.p1,
        obj=world.p1,
        metadata={"fields": ["phone"], "via": "admin"},
    )
    [row] = rows(client_for(world.patient_user_1).get(URL))
    assert row[1:] == ("Olu Operator Portal operator", "Changed your phone number")


def test_documents_and_orders_are_named_and_hidden_documents_are_not(world, front_desk):
    shown = document_upload(
        patient=world.p1,
        data=pdf_bytes("labs"),
        filename="labs.pdf",
        doc_type="lab_result",
        title="Lipid panel",
        visible_in_portal=True,
        signature_due_days=None,
        actor=front_desk,
    )
    document_upload(
        patient=world.p1,
        data=pdf_bytes("note"),
        filename="note.pdf",
        doc_type="other",
        title="Internal billing note",
        visible_in_portal=False,
        signature_due_days=None,
        actor=front_desk,
    )
    order = place_order(world)
    client_for(front_desk).get(f"/staff/alpha/orders/{order.pk}/")
    client_for(front_desk).get(f"/staff/alpha/documents/{shown.pk}/file/")

    whats = [row[2] for row in rows(client_for(world.patient_user_1).get(URL))]

    assert whats == [
        "Downloaded your document “Lipid panel”",
        f"Viewed order {order.number}",
        "Added a document the clinic keeps on file",
        "Added your document “Lipid panel”",
    ]
    assert "Internal billing note" not in client_for(world.patient_user_1).get(URL).text


def test_a_month_shows_only_its_events_counted_in_the_clinics_time_zone(world, front_desk):
    world.p1.created_at = datetime.datetime(2025, 1, 10, tzinfo=datetime.UTC)
    world.p1.save(update_fields=["created_at"])
    # 04:30 UTC on March 1st is still February 28th in New York.
    add_events(
        count=1, actor=front_desk, patient=world.p1, newest=datetime.datetime(2025, 3, 1, 4, 30, tzinfo=datetime.UTC)
    )
    add_events(
        count=1, actor=front_desk, patient=world.p1, newest=datetime.datetime(2025, 3, 1, 5, 30, tzinfo=datetime.UTC)
    )
    client = client_for(world.patient_user_1)

    february = client.get(URL + "?month=2025-02")
    march = client.get(URL + "?month=2025-03")
    never = client.get(URL + "?month=2025-04")

    assert [row[0] for row in rows(february)] == ["Feb 28, 2025 11:30 PM EST"]
    assert [row[0] for row in rows(march)] == ["Mar 1, 2025 12:30 AM EST"]
    assert rows(never) == [] and "No one at the clinic opened or changed your record in April 2025." in never.text
    assert '<option value="2025-01">January 2025</option>' in march.text  # from the record's first month
    assert '<option value="2024-12">' not in march.text
    assert len(rows(client.get(URL + "?month=1999-01"))) == 2  # not offered: every month


def test_pages_go_on_newest_first_and_a_link_from_another_record_starts_at_the_top(world, front_desk):
    events = add_events(count=30, actor=front_desk, patient=world.p1)
    client = client_for(world.patient_user_1)
    first = client.get(URL)
    older = re.search(r'href="\?side=staff&amp;after=(\d+)"', first.text)
    assert len(rows(first)) == 25 and older and int(older.group(1)) == events[24].pk
    second = client.get(f"{URL}?side=staff&after={older.group(1)}")
    assert len(rows(second)) == 5 and f"before={events[25].pk}" in second.text and "after=" not in second.text
    peters = add_events(count=1, actor=front_desk, patient=world.p2)[0]
    assert rows(client.get(f"{URL}?after={peters.pk}")) == rows(first)


def test_viewing_the_page_is_recorded_as_the_patients_own_read(world):
    client_for(world.patient_user_1).get(URL)
    event = AuditEvent.objects.get(action="patients.patient.viewed")
    assert (event.actor, event.patient, event.clinic, event.metadata) == (
        world.patient_user_1,
        world.p1,
        world.clinic_a,
        {"page": "portal.access_history"},
    )


@pytest.mark.parametrize("events", [10, 10_000])
def test_the_page_needs_the_same_number_of_queries_at_10_and_10000_events(
    world, front_desk, events, django_assert_num_queries
):
    add_events(count=events // 2, actor=front_desk, patient=world.p1)
    add_events(count=events // 2, actor=world.patient_user_1, patient=world.p1, metadata={"page": "portal.dashboard"})
    add_events(count=events, actor=front_desk, patient=world.p2)
    client = client_for(world.patient_user_1)
    client.get(URL)
    after = AuditEvent.objects.filter(patient=world.p1, actor=front_desk).order_by("-occurred_at")[3].pk
    # session, user, the account's records, one page of events (with names, roles and what they
    # touched), the audit insert of this read, the header's cart count (Alpha has the shop)
    for url in (URL, f"{URL}?side=own", f"{URL}?month={timezone.localdate():%Y-%m}", f"{URL}?after={after}"):
        with django_assert_num_queries(6):
            assert client.get(url).status_code == 200


def test_who_may_open_the_page(world, front_desk):
    """Anonymous: sign in. An account with no record (staff, whatever their role): 403. Another
    patient, of this clinic or another: their own history only. The patient: theirs."""
    client_for(front_desk).get(f"/staff/alpha/patients/{world.p1.pk}/")
    anonymous = Client().get(URL)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    for staff in (front_desk, world.owner_a):
        assert client_for(staff).get(URL).status_code == 403
    for other in (world.patient_user_2, world.patient_user_b):
        page = client_for(other).get(URL)
        assert page.status_code == 200 and rows(page) == [] and "Blake" not in page.text
    assert len(rows(client_for(world.patient_user_1).get(URL))) == 1


def test_the_dashboard_and_the_documents_page_link_to_it(world):
    client = client_for(world.patient_user_1)
    for page in ("/portal/", "/portal/documents/"):
        assert f'href="{URL}"' in client.get(page).text
