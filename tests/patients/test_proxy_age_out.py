"""A parent's or guardian's proxy access ends on the day the patient turns 18 in the clinic's time
zone (the periodic job `proxies_age_out`), exactly once; the clinic's owners and admins are told a
week before, once."""

import datetime

import pytest
from django.core import mail

from patientportal.audit.models import AuditEvent
from patientportal.clinics.choices import Role
from patientportal.notifications.choices import NotificationKind
from patientportal.notifications.models import Notification
from patientportal.patients.choices import AccessLevel, InvitationStatus, PortalAccessStatus, Relationship
from patientportal.patients.invitations import Proxy, invitation_send
from patientportal.patients.models import Invitation, PortalAccess, ProxyAgeOutWarning
from patientportal.patients.proxies import proxies_age_out
from tests.factories import ClinicFactory, MembershipFactory, PatientFactory, PortalAccessFactory

pytestmark = pytest.mark.django_db

BORN = datetime.date(2008, 7, 8)  # 18 on 2026-07-08
# 2026-07-08 03:00 UTC: already the 8th in Auckland (15:00), still the 7th in Los Angeles (20:00 on the 7th).
INSTANT = datetime.datetime(2026, 7, 8, 3, 0, tzinfo=datetime.UTC)


def parental_link(zone: str, *, relationship=Relationship.PARENT_GUARDIAN, born=BORN):
    clinic = ClinicFactory(time_zone=zone)
    patient = PatientFactory(clinic=clinic, first_name="Leo", last_name="Garcia", date_of_birth=born)
    return PortalAccessFactory(
        patient=patient, relationship=relationship, proxy_name="Maria Garcia", user__first_name="Maria"
    )


@pytest.mark.parametrize(
    ("zone", "ends"),
    [
        ("Pacific/Auckland", True),  # the 8th there: 18 today
        ("America/Los_Angeles", False),  # the 7th there: the day before
    ],
)
def test_parental_access_ends_on_the_18th_birthday_in_the_clinics_time_zone(zone, ends):
    link = parental_link(zone)
    own = PortalAccessFactory(patient=link.patient)  # the patient's own link stays
    proxies_age_out(now=INSTANT)
    link.refresh_from_db()
    assert link.status == (PortalAccessStatus.DISABLED if ends else PortalAccessStatus.ACTIVE)
    assert PortalAccess.objects.get(pk=own.pk).status == PortalAccessStatus.ACTIVE


@pytest.mark.parametrize("zone", ["Pacific/Auckland", "America/Los_Angeles"])
def test_the_day_before_in_the_clinics_zone_nothing_ends_and_the_day_of_it_does(zone):
    link = parental_link(zone)
    local_noon = {"Pacific/Auckland": 0, "America/Los_Angeles": 19}[zone]  # noon local, in UTC hours
    day_before = datetime.datetime(2026, 7, 7, local_noon, tzinfo=datetime.UTC)
    day_of = day_before + datetime.timedelta(days=1)
    proxies_age_out(now=day_before)
    assert PortalAccess.objects.get(pk=link.pk).status == PortalAccessStatus.ACTIVE
    proxies_age_out(now=day_of)
    assert PortalAccess.objects.get(pk=link.pk).status == PortalAccessStatus.DISABLED


def test_it_ends_exactly_once_and_only_parental_access():
    link = parental_link("UTC")
    carer = PortalAccessFactory(patient=link.patient, relationship=Relationship.CAREGIVER)
    noon = datetime.datetime(2026, 7, 8, 12, tzinfo=datetime.UTC)
    assert proxies_age_out(now=noon) == [f"ended:{link.pk}"]
    assert proxies_age_out(now=noon) == []
    assert AuditEvent.objects.filter(action="patients.proxy.aged_out").count() == 1
    assert AuditEvent.objects.get(action="patients.proxy.aged_out").actor_id is None
    assert PortalAccess.objects.get(pk=carer.pk).status == PortalAccessStatus.ACTIVE


def test_a_pending_parental_invitation_is_revoked_at_18():
    link = parental_link("UTC")
    staff = MembershipFactory(clinic=link.clinic, role=Role.STAFF).user
    invitation, _token = invitation_send(
        patient=link.patient,
        expires_in=datetime.timedelta(days=7),
        actor=staff,
        now=datetime.datetime(2026, 7, 6, tzinfo=datetime.UTC),
        proxy=Proxy("Ana Garcia", "ana@example.com", Relationship.PARENT_GUARDIAN, AccessLevel.FULL),
    )
    proxies_age_out(now=datetime.datetime(2026, 7, 8, 12, tzinfo=datetime.UTC))
    assert Invitation.objects.get(pk=invitation.pk).status == InvitationStatus.REVOKED


def test_the_clinics_owners_and_admins_are_told_a_week_before_once(django_capture_on_commit_callbacks):
    link = parental_link("America/New_York")
    clinic = link.clinic
    owner = MembershipFactory(clinic=clinic, role=Role.OWNER, user__email="owner@clinic.example").user
    MembershipFactory(clinic=clinic, role=Role.ADMIN, user__email="admin@clinic.example")
    MembershipFactory(clinic=clinic, role=Role.STAFF, user__email="desk@clinic.example")
    eight_days = datetime.datetime(2026, 6, 30, 16, tzinfo=datetime.UTC)  # June 30 in New York
    seven_days = datetime.datetime(2026, 7, 1, 16, tzinfo=datetime.UTC)  # July 1: a week before

    with django_capture_on_commit_callbacks(execute=True):
        assert proxies_age_out(now=eight_days) == []
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert proxies_age_out(now=seven_days) == [f"warned:{link.patient.pk}"]
        assert proxies_age_out(now=seven_days + datetime.timedelta(hours=1)) == []
        assert proxies_age_out(now=seven_days + datetime.timedelta(days=3)) == []

    # A staff notification each, emailed at once: naming no one, linking to the record.
    told = Notification.objects.filter(kind=NotificationKind.PROXY_ACCESS_ENDING).select_related("membership__user")
    assert sorted(row.membership.user.email for row in told) == ["admin@clinic.example", "owner@clinic.example"]
    assert {(row.title, row.url) for row in told} == {
        (
            "A parent's or guardian's access to a record ends on July 8 (the patient turns 18)",
            f"/staff/{clinic.slug}/patients/{link.patient.pk}/",
        )
    }
    assert sorted(message.to[0] for message in mail.outbox) == ["admin@clinic.example", "owner@clinic.example"]
    message = next(message for message in mail.outbox if message.to == [owner.email])
    assert "access to a record ends on July 8" in message.subject
    assert "Leo" not in message.body and "Maria" not in message.body
    assert f"/staff/{clinic.slug}/notifications/" in message.body
    assert ProxyAgeOutWarning.objects.get().adult_on == datetime.date(2026, 7, 8)
    assert PortalAccess.objects.get(pk=link.pk).status == PortalAccessStatus.ACTIVE  # not yet


def test_no_warning_for_a_caregiver_or_an_adult_patient():
    parental_link("UTC", relationship=Relationship.CAREGIVER)
    proxies_age_out(now=datetime.datetime(2026, 7, 3, tzinfo=datetime.UTC))
    assert not ProxyAgeOutWarning.objects.exists()


def test_someone_born_on_february_29_turns_18_on_march_1():
    link = parental_link("UTC", born=datetime.date(2008, 2, 29))
    proxies_age_out(now=datetime.datetime(2026, 2, 28, 12, tzinfo=datetime.UTC))
    assert PortalAccess.objects.get(pk=link.pk).status == PortalAccessStatus.ACTIVE
    proxies_age_out(now=datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC))
    assert PortalAccess.objects.get(pk=link.pk).status == PortalAccessStatus.DISABLED
