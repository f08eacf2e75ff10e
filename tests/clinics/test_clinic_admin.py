"""The operator's clinic admin shows the team but cannot change it: team
changes go through the services, so the last-owner rule holds there too."""

import pytest

from patientportal.clinics.choices import Role
from patientportal.clinics.models import StaffMembership
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator():
    return UserFactory(email="operator@example.com", is_staff=True, is_superuser=True)


def _change_url(clinic) -> str:
    return f"/operator/clinics/clinic/{clinic.pk}/change/"


def test_the_clinic_page_lists_the_team_without_a_way_to_remove_anyone(world, operator):
    page = client_for(operator).get(_change_url(world.clinic_a))
    assert page.status_code == 200
    html = page.content.decode()
    assert "owner@alpha.example" in html and "staff@alpha.example" in html
    assert "staff_memberships-0-DELETE" not in html
    assert "staff_memberships-__prefix__-user" not in html  # no empty row to add someone


def test_posting_a_removal_of_the_last_owner_through_the_admin_removes_nobody(world, operator):
    clinic = world.clinic_a
    owner = StaffMembership.objects.get(clinic=clinic, role=Role.OWNER)
    data = {
        "name": clinic.name,
        "slug": clinic.slug,
        "time_zone": clinic.time_zone,
        "currency": clinic.currency,
        "tax_rate_bp": clinic.tax_rate_bp,
        "plan": clinic.plan,
        "add_ons": clinic.add_ons,
        "unpaid_order_hours": clinic.unpaid_order_hours,
        "staff_memberships-TOTAL_FORMS": "1",
        "staff_memberships-INITIAL_FORMS": "1",
        "staff_memberships-0-id": owner.pk,
        "staff_memberships-0-clinic": clinic.pk,
        "staff_memberships-0-role": Role.STAFF,
        "staff_memberships-0-DELETE": "on",
    }
    client_for(operator).post(_change_url(clinic), data)
    owner.refresh_from_db()
    assert owner.role == Role.OWNER
    assert StaffMembership.objects.filter(clinic=clinic).count() == 2
