"""Proxies (issue 16, part 3): several per record, each invited to their own address with the rules
of invitations, each with a relationship and an access level; revoking one ends it at once."""

import datetime

import pytest

from patientportal.audit.models import AuditEvent
from patientportal.patients.choices import AccessLevel, InvitationStatus, PortalAccessStatus, PortalStatus, Relationship
from patientportal.patients.errors import PatientError
from patientportal.patients.invitations import Proxy, invitation_accept, invitation_resend, invitation_send
from patientportal.patients.models import Invitation, PortalAccess
from patientportal.patients.proxies import proxy_revoke
from patientportal.patients.services import patient_update
from tests.conftest import client_for
from tests.factories import PatientFactory, UserFactory
from tests.patients.helpers import enabled, send

pytestmark = pytest.mark.django_db

DAYS_2 = datetime.timedelta(days=2)


@pytest.fixture
def child(world):
    """Leo, 11, whose record has no email of its own and is not in the portal yet."""
    return PatientFactory(
        clinic=world.clinic_a, first_name="Leo", last_name="Garcia", email="", date_of_birth=datetime.date(2015, 7, 8)
    )


def guardian(email: str, first: str, last: str = "Garcia"):
    return UserFactory(email=email, first_name=first, last_name=last)


def invite(
    patient, actor, *, email, name="Ana Garcia", relationship=Relationship.PARENT_GUARDIAN, level=AccessLevel.FULL
):
    return invitation_send(
        patient=patient, expires_in=DAYS_2, actor=actor, proxy=Proxy(name, email, relationship, level)
    )


def test_a_record_can_have_several_proxies_each_with_their_own_account_and_terms(world, child):
    maria, daniel = guardian("maria@example.com", "Maria"), guardian("daniel@example.com", "Daniel")
    _first, token_m = invite(child, world.staff_a, email="Maria@Example.com", name="Maria Garcia")
    _second, token_d = invite(
        child, world.staff_a, email="daniel@example.com", name="Daniel Garcia", level=AccessLevel.APPOINTMENTS_DOCUMENTS
    )

    invitation_accept(token=token_m, user=maria)
    invitation_accept(token=token_d, user=daniel)

    links = {link.user: link for link in PortalAccess.objects.filter(patient=child)}
    assert (links[maria].relationship, links[maria].level, links[maria].proxy_name) == (
        Relationship.PARENT_GUARDIAN,
        AccessLevel.FULL,
        "Maria Garcia",
    )
    assert (links[daniel].relationship, links[daniel].level) == (
        Relationship.PARENT_GUARDIAN,
        AccessLevel.APPOINTMENTS_DOCUMENTS,
    )
    child.refresh_from_db()
    # The first proxy's invitation turned the record's portal on; its email is still the patient's (none).
    assert (child.portal_status, child.email) == (PortalStatus.ENABLED, "")


def test_the_email_must_be_the_proxys_own(world, child):
    _invitation, token = invite(child, world.staff_a, email="maria@example.com")
    with pytest.raises(PatientError) as refused:
        invitation_accept(token=token, user=guardian("someone@example.com", "Some"))
    assert refused.value.code == "email_mismatch"
    assert not PortalAccess.objects.filter(patient=child).exists()


def test_at_most_three_pending_per_person_the_patients_own_counted_apart(world):
    patient = enabled(PatientFactory(clinic=world.clinic_a, date_of_birth=datetime.date(2012, 1, 1)), world.staff_a)
    for _ in range(3):
        send(patient, world.staff_a)
        invite(patient, world.staff_a, email="maria@example.com")
    with pytest.raises(PatientError) as own:
        send(patient, world.staff_a)
    with pytest.raises(PatientError) as maria:
        invite(patient, world.staff_a, email="maria@example.com")
    assert (own.value.code, maria.value.code) == ("too_many_pending", "too_many_pending_proxy")
    invite(patient, world.staff_a, email="daniel@example.com")  # another person: their own three
    assert Invitation.objects.filter(patient=patient, status=InvitationStatus.PENDING).count() == 7


def test_a_proxy_accepting_leaves_the_patients_own_invitation_pending_and_the_other_way_round(world):
    patient = enabled(
        PatientFactory(clinic=world.clinic_a, email="teen@example.com", date_of_birth=datetime.date(2010, 3, 1)),
        world.staff_a,
    )
    own, own_token = send(patient, world.staff_a)
    proxy_first, proxy_token = invite(patient, world.staff_a, email="maria@example.com")
    proxy_again, _token = invite(patient, world.staff_a, email="maria@example.com")
    other_proxy, _other_token = invite(patient, world.staff_a, email="daniel@example.com")

    invitation_accept(token=proxy_token, user=guardian("maria@example.com", "Maria"))

    statuses = {inv.pk: inv.status for inv in Invitation.objects.filter(patient=patient)}
    assert statuses == {
        own.pk: InvitationStatus.PENDING,  # the patient's own: untouched
        proxy_first.pk: InvitationStatus.ACCEPTED,
        proxy_again.pk: InvitationStatus.SUPERSEDED,  # the same person's other link
        other_proxy.pk: InvitationStatus.PENDING,  # another proxy's: untouched
    }
    invitation_accept(token=own_token, user=UserFactory(email="teen@example.com"))
    assert Invitation.objects.get(pk=other_proxy.pk).status == InvitationStatus.PENDING
    assert PortalAccess.objects.get(patient=patient, user__email="teen@example.com").relationship == Relationship.SELF


def test_changing_the_records_email_does_not_revoke_a_proxys_invitation(world):
    patient = enabled(PatientFactory(clinic=world.clinic_a, date_of_birth=datetime.date(2014, 1, 1)), world.staff_a)
    proxy_invitation, _token = invite(patient, world.staff_a, email="maria@example.com")
    own, _token = send(patient, world.staff_a)
    patient_update(patient=patient, changes={"email": "new@example.com"}, actor=world.staff_a)
    assert Invitation.objects.get(pk=own.pk).status == InvitationStatus.REVOKED
    assert Invitation.objects.get(pk=proxy_invitation.pk).status == InvitationStatus.PENDING


def test_a_parent_or_guardian_only_for_a_minor_in_the_clinics_time_zone(world):
    adult = PatientFactory(clinic=world.clinic_a, date_of_birth=datetime.date(1990, 1, 1))
    with pytest.raises(PatientError) as refused:
        invite(adult, world.staff_a, email="mum@example.com")
    assert refused.value.code == "not_a_minor"
    invite(adult, world.staff_a, email="carer@example.com", relationship=Relationship.CAREGIVER)


def test_a_parental_invitation_cannot_be_used_once_the_patient_is_18(world):
    # New York: 18 on 2026-07-08 local; the link was sent on the 6th and opened on the 8th.
    patient = PatientFactory(clinic=world.clinic_a, date_of_birth=datetime.date(2008, 7, 8))
    sent = datetime.datetime(2026, 7, 6, 15, 0, tzinfo=datetime.UTC)
    _invitation, token = invitation_send(
        patient=patient,
        expires_in=datetime.timedelta(days=3),
        actor=world.staff_a,
        now=sent,
        proxy=Proxy("Ana Garcia", "mum@example.com", Relationship.PARENT_GUARDIAN, AccessLevel.FULL),
    )
    with pytest.raises(PatientError) as refused:
        invitation_accept(
            token=token,
            user=guardian("mum@example.com", "Ana"),
            now=datetime.datetime(2026, 7, 8, 15, tzinfo=datetime.UTC),
        )
    assert refused.value.code == "not_a_minor_anymore"


def test_a_disabled_record_gets_no_proxy(world, child):
    invite(child, world.staff_a, email="maria@example.com")
    from patientportal.patients.services import portal_disable

    portal_disable(patient=child, actor=world.staff_a)
    with pytest.raises(PatientError) as refused:
        invite(child, world.staff_a, email="daniel@example.com")
    assert refused.value.code == "portal_not_enabled"


def test_revoking_a_proxy_takes_effect_on_the_open_sessions_next_request(world, child):
    maria = guardian("maria@example.com", "Maria")
    _invitation, token = invite(child, world.staff_a, email="maria@example.com")
    link = invitation_accept(token=token, user=maria)
    leftover, _token = invite(child, world.staff_a, email="maria@example.com")
    session = client_for(maria)
    assert session.get("/portal/").status_code == 200

    proxy_revoke(access=link, actor=world.staff_a)

    assert session.get("/portal/").status_code == 403  # no record left for this account
    assert PortalAccess.objects.get(pk=link.pk).status == PortalAccessStatus.DISABLED
    assert Invitation.objects.get(pk=leftover.pk).status == InvitationStatus.REVOKED
    assert AuditEvent.objects.filter(action="patients.proxy.revoked", actor=world.staff_a, patient=child).count() == 1
    with pytest.raises(PatientError) as again:
        proxy_revoke(access=link, actor=world.staff_a)
    assert again.value.code == "proxy_not_active"


def test_the_patients_own_link_is_not_revoked_as_a_proxy(world):
    own = PortalAccess.objects.get(user=world.patient_user_1)
    with pytest.raises(PatientError):
        proxy_revoke(access=own, actor=world.staff_a)
    assert PortalAccess.objects.get(pk=own.pk).status == PortalAccessStatus.ACTIVE


def test_a_resent_proxy_invitation_keeps_its_person_and_terms(world, child, django_capture_on_commit_callbacks):
    from patientportal.core.choices import DeliveryStatus
    from patientportal.core.models import EmailDelivery

    first, _token = invite(child, world.staff_a, email="daniel@example.com", level=AccessLevel.APPOINTMENTS_DOCUMENTS)
    EmailDelivery.objects.filter(about_id=str(first.pk)).update(status=DeliveryStatus.FAILED)
    new, _token = invitation_resend(invitation=first, actor=world.staff_a)
    assert (new.email, new.relationship, new.level, new.proxy_name) == (
        "daniel@example.com",
        Relationship.PARENT_GUARDIAN,
        AccessLevel.APPOINTMENTS_DOCUMENTS,
        "Ana Garcia",
    )


def test_a_proxys_actions_are_theirs_on_the_patients_behalf(world, child):
    maria = guardian("maria@example.com", "Maria")
    _invitation, token = invite(child, world.staff_a, email="maria@example.com")
    invitation_accept(token=token, user=maria)

    client_for(maria).get("/portal/documents/")
    client_for(world.patient_user_1).get("/portal/documents/")

    by_maria = AuditEvent.objects.get(action="patients.patient.viewed", actor=maria)
    assert by_maria.patient_id == child.pk
    assert by_maria.metadata == {
        "page": "portal.documents",
        "on_behalf_of": child.pk,
        "proxy_relationship": "parent_guardian",
    }
    by_paula = AuditEvent.objects.get(action="patients.patient.viewed", actor=world.patient_user_1)
    assert "on_behalf_of" not in by_paula.metadata


def test_the_proxy_invitation_email_names_the_patients_first_name_and_the_terms(
    world, child, django_capture_on_commit_callbacks
):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        invite(child, world.staff_a, email="daniel@example.com", level=AccessLevel.APPOINTMENTS_DOCUMENTS)
    message = mail.outbox[-1]
    assert message.to == ["daniel@example.com"]
    assert "access to Leo’s record" in message.body
    assert "Parent or guardian" in message.body and "Appointments and documents only" in message.body
    assert "Leo" not in message.subject
