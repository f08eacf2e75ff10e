"""The clinic's audit trail (issue 16, part 2): owners and admins read every event of their own
clinic, never another's, narrowed by patient, staff member, kind of action and dates, a page at
a time, and download it as CSV; the download and the reading are audited."""

import csv
import datetime
import html
import io
import re

import pytest
from django.test import Client

from patientportal.activity import export
from patientportal.audit import services as audit
from patientportal.audit.models import AuditEvent
from patientportal.clinics.choices import Role
from tests.activity.helpers import add_events
from tests.conftest import client_for
from tests.factories import MembershipFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/staff/alpha/audit/"
CSV = "/staff/alpha/audit/export.csv"


def rows(response) -> list[tuple[str, ...]]:
    """The table's rows: (when, who and role, patient, what), as text."""
    shown = re.sub(r'<span class="visually-hidden">.*?</span>', "", response.text)
    found = re.findall(r"<tr>\s*<td.*?</tr>", shown, flags=re.S)
    return [
        tuple(
            " ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())
            for cell in re.findall(r"<td.*?</td>", row, flags=re.S)
        )
        for row in found
    ]


def csv_rows(response) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def team(world):
    """Alpha's front desk and owner with names; Beta's owner reads Beta's patient."""
    world.owner_a.first_name, world.owner_a.last_name = "Olga", "Owner"
    world.owner_a.save()
    front_desk = MembershipFactory(
        clinic=world.clinic_a, role=Role.STAFF, user__first_name="Jordan", user__last_name="Blake"
    ).user
    client_for(front_desk).get(f"/staff/alpha/patients/{world.p1.pk}/")
    client_for(front_desk).get(f"/staff/alpha/patients/{world.p2.pk}/documents/")
    client_for(world.owner_b).get(f"/staff/beta/patients/{world.pb.pk}/")
    return front_desk


def test_owners_and_admins_see_their_clinics_events_with_names_roles_and_words_and_never_anothers(world, team):
    admin = MembershipFactory(clinic=world.clinic_a, role=Role.ADMIN).user
    for reader in (world.owner_a, admin):
        page = client_for(reader).get(URL)
        assert page.status_code == 200
        found = [row[1:] for row in rows(page) if row[3] != "Viewed the audit trail"]
        assert found[:2] == [
            ("Jordan Blake Staff", "Peter Two", "Viewed the record's documents"),
            ("Jordan Blake Staff", "Paula One", "Viewed the record"),
        ]
        assert "Bella" not in page.text and "owner@beta.example" not in page.text


def test_the_csv_holds_only_the_clinics_events_is_streamed_and_is_audited(world, team):
    response = client_for(world.owner_a).get(CSV)
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="audit-trail-alpha-\d{4}-\d{2}-\d{2}\.csv"', response["Content-Disposition"]
    )
    lines = csv_rows(response)
    assert {line["Patient"] for line in lines} == {"Paula One", "Peter Two", ""}
    assert not [line for line in lines if "beta" in str(line).lower() or "Bella" in str(line)]
    paula = next(line for line in lines if line["Patient"] == "Paula One")
    assert (paula["Who"], paula["Role"], paula["What"], paula["Action code"], paula["Time zone"]) == (
        "Jordan Blake",
        "Staff",
        "Viewed the record",
        "patients.patient.viewed",
        "America/New_York",
    )
    assert paula["Time"].endswith(("-05:00", "-04:00"))
    exported = AuditEvent.objects.get(action="audit.trail.exported")
    assert (exported.actor, exported.clinic, exported.patient) == (world.owner_a, world.clinic_a, None)
    # Beta's owner downloads Beta's trail: nothing of Alpha's.
    beta = csv_rows(client_for(world.owner_b).get("/staff/beta/audit/export.csv"))
    assert beta and {line["Patient"] for line in beta} <= {"Bella Beta", ""}
    assert not [line for line in beta if "Jordan" in str(line) or "Paula" in str(line)]


def test_a_download_narrowed_to_a_patient_is_audited_on_that_patients_record(world, team):
    lines = csv_rows(client_for(world.owner_a).get(f"{CSV}?patient={world.p1.pk}"))
    assert {line["Patient"] for line in lines} == {"Paula One"}
    exported = AuditEvent.objects.get(action="audit.trail.exported")
    assert exported.patient == world.p1 and exported.metadata["patients"] == [world.p1.pk]
    # …and Paula sees it in her own "Who viewed my record".
    page = client_for(world.patient_user_1).get("/portal/who-viewed-my-record/")
    assert "Olga Owner" in page.text and "Downloaded the history of your record" in page.text


def test_filters_by_patient_staff_member_kind_and_dates(world, team):
    owner = client_for(world.owner_a)
    only_paula = rows(owner.get(f"{URL}?patient={world.p1.pk}"))
    assert {row[2] for row in only_paula} == {"Paula One"}
    by_owner = rows(owner.get(f"{URL}?staff_member={world.owner_a.pk}"))
    assert by_owner and {row[1] for row in by_owner} == {"Olga Owner Owner"}  # the trail's own views
    reads = rows(owner.get(f"{URL}?kind=reads&staff_member={team.pk}"))
    assert [row[3] for row in reads] == ["Viewed the record's documents", "Viewed the record"]
    records = rows(owner.get(f"{URL}?kind=records&q=peter"))
    assert [row[2:] for row in records] == [("Peter Two", "Viewed the record's documents")]
    add_events(count=1, actor=team, patient=world.p1, newest=datetime.datetime(2025, 3, 1, 4, 30, tzinfo=datetime.UTC))
    in_february = rows(owner.get(f"{URL}?since=2025-02-01&until=2025-02-28"))
    assert [row[0] for row in in_february] == ["Feb 28, 2025 11:30:00 PM EST"]


def test_bad_dates_and_unknown_people_are_refused_beside_the_field(world, team):
    owner = client_for(world.owner_a)
    backwards = owner.get(f"{URL}?since=2025-03-01&until=2025-02-01")
    assert "The end date must be on or after the start date." in backwards.text and rows(backwards) == []
    stranger = owner.get(f"{URL}?staff_member={world.owner_b.pk}")  # Beta's owner never acted here
    assert "Select a valid choice." in stranger.text and "owner@beta.example" not in stranger.text
    assert owner.get(f"{CSV}?since=2025-03-01&until=2025-02-01").status_code == 400
    assert not AuditEvent.objects.filter(action="audit.trail.exported").exists()


def test_a_former_staff_member_or_an_operator_is_named_and_can_be_chosen(world, team):
    operator = UserFactory(first_name="Olu", last_name="Operator", is_staff=True)
    audit.record(action="clinics.clinic.updated", actor=operator, clinic=world.clinic_a, metadata={"via": "admin"})
    team.staff_memberships.all().delete()
    owner = client_for(world.owner_a)
    everything = [row[1] for row in rows(owner.get(URL))]
    assert "Olu Operator Portal operator" in everything and "Jordan Blake Former staff member" in everything
    chosen = owner.get(f"{URL}?staff_member={team.pk}")
    assert f'<option value="{team.pk}" selected>Jordan Blake</option>' in chosen.text
    assert {row[1] for row in rows(chosen)} == {"Jordan Blake Former staff member"}


def test_another_clinics_patient_is_404_as_a_filter(world, team):
    assert client_for(world.owner_a).get(f"{URL}?patient={world.pb.pk}").status_code == 404
    assert client_for(world.owner_a).get(f"{CSV}?patient={world.pb.pk}").status_code == 404


def test_pages_go_on_by_position_and_a_link_from_another_clinic_starts_at_the_top(world, team):
    events = add_events(
        count=60, actor=team, patient=world.p1, newest=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    )
    owner = client_for(world.owner_a)
    first = owner.get(f"{URL}?patient={world.p1.pk}")
    assert len(rows(first)) == 50
    older = re.search(r'href="\?patient=\d+&amp;after=(\d+)"', first.text)
    second = owner.get(f"{URL}?patient={world.p1.pk}&after={older.group(1)}")
    assert len(rows(second)) == 11 and f"before={events[49].pk}" in second.text  # 1 read + 60, 50 a page
    betas = AuditEvent.objects.filter(clinic=world.clinic_b).first()
    again = owner.get(f"{URL}?patient={world.p1.pk}&after={betas.pk}")
    assert len(rows(again)) == 50 and "Newer events" not in again.text and "Older events" in again.text


def test_the_export_stops_at_its_limit_and_says_so(world, team):
    add_events(count=10, actor=team, patient=world.p1)
    lines = list(export.trail_csv_lines(clinic=world.clinic_a, filters=export.TrailFilter(), limit=4, chunk=3))
    assert len(lines) == 6 and lines[-1].startswith("Stopped at 4 events")  # the header, 4 events, the note


def test_cells_a_spreadsheet_would_run_as_formulas_are_quoted(world, team):
    team.first_name = '=HYPERLINK("http://evil.example")'
    team.save()
    lines = csv_rows(client_for(world.owner_a).get(f"{CSV}?staff_member={team.pk}"))
    assert lines and {line["Who"] for line in lines} == {'\'=HYPERLINK("http://evil.example") Blake'}


@pytest.mark.parametrize("events", [10, 10_000])
def test_the_page_needs_the_same_number_of_queries_at_10_and_10000_events(
    world, team, events, django_assert_num_queries
):
    add_events(count=events, actor=team, patient=world.p1)
    add_events(count=events, actor=world.owner_b, patient=world.pb)
    client = client_for(world.owner_a)
    after = AuditEvent.objects.filter(clinic=world.clinic_a).order_by("-occurred_at")[3].pk
    # session, user, membership with clinic, the team (the Who filter), one page of events with
    # names, roles and what they touched, the audit insert of this read, the header's unread notifications
    for url in (URL, f"{URL}?after={after}", f"{URL}?kind=reads&since=2020-01-01", f"{URL}?staff_member={team.pk}"):
        with django_assert_num_queries(7):
            assert client.get(url).status_code == 200
    with django_assert_num_queries(8):  # and the patient, loaded in the clinic
        client.get(f"{URL}?patient={world.p1.pk}")


def test_the_download_reads_a_thousand_events_a_query(world, team, django_assert_max_num_queries):
    add_events(count=2_500, actor=team, patient=world.p1)
    client = client_for(world.owner_a)
    # session, user, membership, team, the audit insert, then three chunks of a thousand
    with django_assert_max_num_queries(8):
        assert len(csv_rows(client.get(CSV))) == 2_500 + 2 + 1  # the fixture's two reads, and the insert


@pytest.mark.parametrize("path", [URL, CSV])
def test_anonymous_visitors_patients_and_other_clinics_staff_never_reach_the_trail_or_its_download(world, path):
    anonymous = Client().get(path)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    for outsider in (world.patient_user_1, world.owner_b):  # another patient, another clinic's owner
        assert client_for(outsider).get(path).status_code == 404
    assert not AuditEvent.objects.filter(action__startswith="audit.trail.").exists()
    assert client_for(world.owner_a).get(path).status_code == 200
    assert AuditEvent.objects.get(action__startswith="audit.trail.").actor == world.owner_a


@pytest.mark.parametrize("role", [Role.STAFF, Role.PROVIDER])
def test_staff_members_who_are_not_owners_or_admins_get_403_and_no_link(world, role):
    member = MembershipFactory(clinic=world.clinic_a, role=role).user
    client = client_for(member)
    assert client.get(URL).status_code == 403
    assert client.get(CSV).status_code == 403
    assert 'href="/staff/alpha/audit/' not in client.get("/staff/alpha/").text
    assert 'href="/staff/alpha/audit/' not in client.get(f"/staff/alpha/patients/{world.p1.pk}/").text
    assert not AuditEvent.objects.filter(action__startswith="audit.trail.").exists()


def test_owners_reach_it_from_the_menu_and_from_a_record(world):
    patient = PatientFactory(clinic=world.clinic_a)
    client = client_for(world.owner_a)
    assert f'href="{URL}"' in client.get("/staff/alpha/").text
    assert f'href="{URL}?patient={patient.pk}"' in client.get(f"/staff/alpha/patients/{patient.pk}/").text
