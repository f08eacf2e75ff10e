import pytest

from patientportal.audit.models import AuditEvent
from patientportal.patients.choices import (
    PORTAL_STATUS_TRANSITIONS,
    InvitationStatus,
    PortalAccessStatus,
    PortalStatus,
)
from patientportal.patients.errors import PatientError
from patientportal.patients.invitations import invitation_accept
from patientportal.patients.models import Patient
from patientportal.patients.services import portal_disable, portal_enable
from tests.conftest import client_for
from tests.factories import PatientFactory, PortalAccessFactory
from tests.patients.helpers import HOUR, send

pytestmark = pytest.mark.django_db


def test_enabling_sets_the_invitation_email_and_is_audited(world):
    patient = PatientFactory(clinic=world.clinic_a, email="")
    portal_enable(patient=patient, email="  New.Address@Example.com ", actor=world.staff_a)
    patient.refresh_from_db()
    assert (patient.portal_status, patient.email) == (PortalStatus.ENABLED, "new.address@example.com")
    assert AuditEvent.objects.filter(action="patients.portal.enabled", patient=patient).count() == 1


def test_enabling_twice_is_refused(world):
    patient = PatientFactory(clinic=world.clinic_a)
    portal_enable(patient=patient, email=patient.email, actor=world.staff_a)
    with pytest.raises(PatientError) as refused:
        portal_enable(patient=patient, email=patient.email, actor=world.staff_a)
    assert refused.value.code == "portal_already_enabled"


@pytest.mark.parametrize("from_status", list(PortalStatus))
@pytest.mark.parametrize("to_status", [PortalStatus.ENABLED, PortalStatus.DISABLED])
def test_every_portal_status_move_follows_the_table(world, from_status, to_status):
    patient = PatientFactory(clinic=world.clinic_a, portal_status=from_status)
    move = portal_enable if to_status == PortalStatus.ENABLED else portal_disable
    kwargs = {"email": patient.email} if move is portal_enable else {}
    allowed = to_status in PORTAL_STATUS_TRANSITIONS[from_status]
    if allowed:
        move(patient=patient, actor=world.staff_a, **kwargs)
    else:
        with pytest.raises(PatientError):
            move(patient=patient, actor=world.staff_a, **kwargs)
    assert Patient.objects.get(pk=patient.pk).portal_status == (to_status if allowed else from_status)


def test_disabling_revokes_pending_invitations_and_ends_open_sessions_at_once(world):
    patient = world.p1
    pending, _ = send(patient, world.staff_a)
    expired, _ = send(patient, world.staff_a, hours=1, now=pending.created_at - 2 * HOUR)
    open_session = client_for(world.patient_user_1)
    assert "Hello, Paula" in open_session.get("/portal/").text
    portal_disable(patient=patient, actor=world.owner_a)
    pending.refresh_from_db()
    expired.refresh_from_db()
    assert (pending.status, pending.revoked_by) == (InvitationStatus.REVOKED, world.owner_a)
    assert expired.display_status() == InvitationStatus.EXPIRED  # history keeps what happened
    assert world.patient_user_1.portal_accesses.get().status == PortalAccessStatus.DISABLED
    refused = open_session.get("/portal/")
    assert refused.status_code == 403
    assert "Paula" not in refused.text


def test_disabling_one_record_leaves_the_accounts_other_records_working(world):
    PortalAccessFactory(user=world.patient_user_1, patient=world.pb)
    session = client_for(world.patient_user_1)
    portal_disable(patient=world.p1, actor=world.staff_a)
    page = session.get("/portal/")
    assert page.status_code == 200
    assert "Hello, Bella" in page.text
    assert "Paula One" not in page.text  # not even in the record switcher


def test_disabling_keeps_the_patient_record_and_its_history(world):
    send(world.p1, world.staff_a)
    portal_disable(patient=world.p1, actor=world.staff_a)
    assert Patient.objects.filter(pk=world.p1.pk).exists()
    assert world.p1.invitations.count() == 1
    assert world.p1.portal_accesses.count() == 1


def test_re_enabling_needs_a_new_invitation(world):
    portal_disable(patient=world.p1, actor=world.staff_a)
    portal_enable(patient=world.p1, email=world.p1.email, actor=world.staff_a)
    session = client_for(world.patient_user_1)
    assert session.get("/portal/").status_code == 403  # the old link stays off
    world.p1.email = world.patient_user_1.email
    world.p1.save()
    _invitation, token = send(world.p1, world.staff_a)
    invitation_accept(token=token, user=world.patient_user_1)
    assert world.patient_user_1.portal_accesses.get().status == PortalAccessStatus.ACTIVE
    assert "Hello, Paula" in session.get("/portal/").text


def test_changing_the_patients_email_revokes_invitations_sent_to_the_old_address(world):
    from patientportal.patients.services import patient_update

    wrong, token = send(world.p1, world.staff_a)
    patient_update(patient=world.p1, changes={"email": "right@example.com"}, actor=world.staff_a)
    wrong.refresh_from_db()
    assert (wrong.status, wrong.revoked_by) == (InvitationStatus.REVOKED, world.staff_a)
    from tests.factories import UserFactory

    holder = UserFactory(email=wrong.email)
    with pytest.raises(PatientError) as refused:
        invitation_accept(token=token, user=holder)
    assert refused.value.code == "revoked"
    assert AuditEvent.objects.filter(action="patients.invitation.revoked", patient=world.p1).count() == 1


def test_enabling_with_a_new_address_records_the_change(world):
    patient = PatientFactory(clinic=world.clinic_a, email="old@example.com")
    portal_enable(patient=patient, email="new@example.com", actor=world.staff_a)
    assert AuditEvent.objects.get(action="patients.patient.updated", patient=patient).metadata == {"fields": ["email"]}


def test_disabling_keeps_appointments_and_orders(world):
    from tests.factories import AppointmentFactory
    from tests.orders.helpers import place_order

    appointment = AppointmentFactory(patient=world.p1)
    order = place_order(world)
    portal_disable(patient=world.p1, actor=world.staff_a)
    assert world.p1.appointments.get() == appointment
    assert world.p1.orders.get() == order
