"""clinics.services.clinic_settings_update: owners and admins change the clinic's contact details,
time zone, tax rate and unpaid-order delay; every change is audited with its old and new values."""

import pytest
from django.core.exceptions import ValidationError

from patientportal.audit.models import AuditEvent
from patientportal.clinics.choices import Role
from patientportal.clinics.errors import ClinicError
from patientportal.clinics.models import Clinic
from patientportal.clinics.services import clinic_settings_update
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

CONTACT = {
    "phone": "+1 617-555-0142",
    "email": "desk@alpha.example",
    "website": "https://alpha.example",
    "street": "1 Harbor Way",
    "street_2": "Suite 5",
    "city": "Boston",
    "region": "MA",
    "postal_code": "02110",
    "country": "United States",
}


def test_the_owner_changes_contact_and_rules_and_the_event_names_old_and_new_values(world):
    clinic_settings_update(
        clinic=world.clinic_a,
        changes={**CONTACT, "time_zone": "America/Chicago", "tax_rate_bp": 825, "unpaid_order_hours": 48},
        actor=world.owner_a,
    )
    clinic = Clinic.objects.get(pk=world.clinic_a.pk)
    assert (clinic.phone, clinic.city, clinic.time_zone, clinic.tax_rate_bp, clinic.unpaid_order_hours) == (
        "+1 617-555-0142",
        "Boston",
        "America/Chicago",
        825,
        48,
    )
    event = AuditEvent.objects.get(action="clinics.clinic.settings_changed")
    assert (event.actor_id, event.clinic_id, event.patient_id) == (world.owner_a.pk, clinic.pk, None)
    assert (event.object_type, event.object_id) == ("clinics.clinic", str(clinic.pk))
    assert event.metadata["fields"] == [*CONTACT, "time_zone", "tax_rate_bp", "unpaid_order_hours"]
    assert event.metadata["changes"]["time_zone"] == {"old": "America/New_York", "new": "America/Chicago"}
    assert event.metadata["changes"]["tax_rate_bp"] == {"old": 0, "new": 825}
    assert event.metadata["changes"]["phone"] == {"old": "", "new": "+1 617-555-0142"}


def test_only_what_changed_is_saved_and_audited_and_no_change_writes_no_event(world):
    clinic_settings_update(clinic=world.clinic_a, changes=CONTACT, actor=world.owner_a)
    clinic_settings_update(clinic=world.clinic_a, changes={**CONTACT, "city": "Cambridge"}, actor=world.owner_a)
    clinic_settings_update(clinic=world.clinic_a, changes={**CONTACT, "city": "Cambridge"}, actor=world.owner_a)
    events = list(AuditEvent.objects.filter(action="clinics.clinic.settings_changed").order_by("id"))
    assert len(events) == 2
    assert events[1].metadata == {"fields": ["city"], "changes": {"city": {"old": "Boston", "new": "Cambridge"}}}


def test_an_admin_may_and_staff_providers_and_other_clinics_owners_may_not(world):
    admin = MembershipFactory(clinic=world.clinic_a, role=Role.ADMIN).user
    clinic_settings_update(clinic=world.clinic_a, changes={"city": "Boston"}, actor=admin)
    provider = MembershipFactory(clinic=world.clinic_a, role=Role.PROVIDER).user
    for refused in (world.staff_a, provider, world.owner_b, world.patient_user_1):
        with pytest.raises(ClinicError) as error:
            clinic_settings_update(clinic=world.clinic_a, changes={"city": "Elsewhere"}, actor=refused)
        assert error.value.code == "settings_not_allowed"
    assert Clinic.objects.get(pk=world.clinic_a.pk).city == "Boston"
    assert AuditEvent.objects.filter(action="clinics.clinic.settings_changed").count() == 1


def test_an_operator_may_set_them_for_a_clinic(world):
    operator = UserFactory(is_staff=True)
    clinic_settings_update(clinic=world.clinic_b, changes={"phone": "(619) 555-0187"}, actor=operator)
    assert Clinic.objects.get(pk=world.clinic_b.pk).phone == "(619) 555-0187"


def test_the_plan_add_ons_and_currency_are_not_clinic_settings(world):
    for field, value in (("plan", "starter"), ("add_ons", []), ("currency", "EUR"), ("name", "Renamed")):
        with pytest.raises(ValueError, match="Not a clinic setting"):
            clinic_settings_update(clinic=world.clinic_a, changes={field: value}, actor=world.owner_a)
    assert not AuditEvent.objects.filter(action="clinics.clinic.settings_changed").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "call us"),
        ("phone", "555-01"),
        ("website", "http://alpha.example"),
        ("email", "not an address"),
        ("time_zone", "Mars/Olympus"),
        ("tax_rate_bp", 10001),
        ("unpaid_order_hours", 0),
    ],
)
def test_bad_values_are_refused_and_nothing_changes(world, field, value):
    with pytest.raises(ValidationError) as refused:
        clinic_settings_update(clinic=world.clinic_a, changes={"city": "Boston", field: value}, actor=world.owner_a)
    assert field in refused.value.message_dict
    assert Clinic.objects.get(pk=world.clinic_a.pk).city == ""
    assert not AuditEvent.objects.filter(action="clinics.clinic.settings_changed").exists()
