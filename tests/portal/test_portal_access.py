import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory

from patientportal.audit.models import AuditEvent
from patientportal.clinics.features import Feature, Plan
from patientportal.patients.choices import PortalAccessStatus
from patientportal.portal.access import portal_view
from tests.conftest import client_for
from tests.factories import PortalAccessFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_sign_in():
    response = Client().get("/portal/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/portal/"


def test_a_patient_sees_their_own_record_and_clinic(world):
    response = client_for(world.patient_user_1).get("/portal/")
    assert response.status_code == 200
    assert "Hello, Paula" in response.text
    assert "Alpha Clinic" in response.text
    assert "Peter" not in response.text
    assert response["Cache-Control"] == "no-store"


def test_viewing_the_dashboard_is_audited(world):
    client_for(world.patient_user_1).get("/portal/")
    event = AuditEvent.objects.get(action="patients.patient.viewed")
    assert (event.actor, event.patient, event.clinic) == (world.patient_user_1, world.p1, world.clinic_a)


def test_an_account_with_no_linked_record_gets_a_clear_page(world):
    response = client_for(world.staff_a).get("/portal/")
    assert response.status_code == 403
    assert "No patient record is linked" in response.text


def test_an_account_with_two_records_switches_between_them(world):
    second = PortalAccessFactory(user=world.patient_user_1, patient=world.pb)
    client = client_for(world.patient_user_1)
    first_page = client.get("/portal/")
    assert "Alpha Clinic" in first_page.text
    # The switcher offers the other record, whole name and clinic, as a button.
    assert (
        f'<button type="submit" name="access" value="{second.pk}" class="record-option">'
        '<strong>Bella Beta</strong> <span class="muted">Beta Clinic</span></button>'
    ) in first_page.text
    client.post("/portal/switch/", {"access": second.pk})
    after = client.get("/portal/")
    assert "Hello, Bella" in after.text
    assert "Beta Clinic" in after.text


def test_a_link_from_an_email_about_one_record_opens_that_record(world):
    from patientportal.patients.links import record_link_query

    PortalAccessFactory(user=world.patient_user_1, patient=world.pb)
    client = client_for(world.patient_user_1)
    assert "Hello, Paula" in client.get("/portal/").text
    assert "Hello, Bella" in client.get("/portal/" + record_link_query(world.pb.pk)).text
    assert "Hello, Bella" in client.get("/portal/").text  # it stays the active record
    # Only links we signed switch: a bare id (a link on another site) or a record the account
    # has no link to changes nothing, and says nothing about that record.
    client.post("/portal/switch/", {"access": world.patient_user_1.portal_accesses.get(patient=world.p1).pk})
    for query in (f"?record={world.pb.pk}", record_link_query(world.p2.pk), "?record=forged:token"):
        page = client.get("/portal/" + query)
        assert page.status_code == 200 and "Hello, Paula" in page.text, query


def test_switching_to_a_record_of_another_account_is_404(world):
    others = world.patient_user_2.portal_accesses.get()
    client = client_for(world.patient_user_1)
    assert client.post("/portal/switch/", {"access": others.pk}).status_code == 404
    assert client.post("/portal/switch/", {"access": "not-a-number"}).status_code == 404
    assert "Hello, Paula" in client.get("/portal/").text


def test_a_disabled_link_stops_working_on_the_next_request_but_other_links_stay(world):
    PortalAccessFactory(user=world.patient_user_1, patient=world.pb)
    client = client_for(world.patient_user_1)
    assert "Hello, Paula" in client.get("/portal/").text
    world.patient_user_1.portal_accesses.filter(patient=world.p1).update(status=PortalAccessStatus.DISABLED)
    page = client.get("/portal/")
    assert "Hello, Bella" in page.text
    assert "Paula" not in page.text


def gated_view(feature):
    @portal_view(feature)
    def view(request):
        return HttpResponse("secret shop data")

    return view


@pytest.mark.parametrize(
    ("plan", "add_ons", "feature", "allowed"),
    [
        (Plan.PROFESSIONAL, [], Feature.SHOP, False),
        (Plan.PROFESSIONAL, [], Feature.APPOINTMENTS, True),
        (Plan.PREMIUM, [], Feature.SHOP, True),
        (Plan.PREMIUM, [], Feature.DOCUMENT_SIGNING, False),
        (Plan.PROFESSIONAL, ["portal"], Feature.DOCUMENT_SIGNING, True),
    ],
)
def test_a_gated_view_answers_not_available_without_the_feature(world, plan, add_ons, feature, allowed):
    world.clinic_a.plan, world.clinic_a.add_ons = plan, add_ons
    world.clinic_a.save()
    request = RequestFactory().get("/portal/gated/")
    request.user = world.patient_user_1
    request.session = client_for(world.patient_user_1).session
    response = gated_view(feature)(request)
    if allowed:
        assert response.content == b"secret shop data"
    else:
        assert response.status_code == 403
        assert b"not available for your clinic" in response.content
        assert b"secret" not in response.content


def test_a_plan_change_applies_on_the_next_request(world):
    request = RequestFactory().get("/portal/gated/")
    request.user = world.patient_user_1
    request.session = client_for(world.patient_user_1).session
    view = gated_view(Feature.SHOP)
    assert view(request).status_code == 200
    world.clinic_a.plan, world.clinic_a.add_ons = Plan.PROFESSIONAL, []
    world.clinic_a.save()
    assert view(request).status_code == 403


def test_an_account_linked_only_in_another_clinic_never_sees_this_clinics_records(world):
    outsider = UserFactory()
    PortalAccessFactory(user=outsider, patient=world.pb)
    page = client_for(outsider).get("/portal/")
    assert "Alpha Clinic" not in page.text
    assert "Paula" not in page.text


@pytest.mark.parametrize("extra_records", [0, 8])
def test_the_dashboard_needs_the_same_number_of_queries_whatever_the_number_of_records(
    world, extra_records, django_assert_num_queries
):
    for _ in range(extra_records):
        PortalAccessFactory(user=world.patient_user_1, patient__clinic=world.clinic_b)
    client = client_for(world.patient_user_1)
    client.get("/portal/")
    # session, user, the account's links with patients and clinics, the next three appointments with
    # the upcoming total, order counts, recent orders, documents to sign, audit insert, the header's
    # cart count (no session update within a minute of the last)
    with django_assert_num_queries(9):
        assert client.get("/portal/").status_code == 200
