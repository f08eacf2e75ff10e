import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from patientportal.accounts.models import User
from patientportal.clinics.features import Feature, clinic_features
from patientportal.clinics.models import Clinic, StaffMembership
from patientportal.patients.models import Patient, PortalAccess
from patientportal.scheduling.models import AppointmentType, Provider
from patientportal.scheduling.slots import open_slots, week_days

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _development(settings):
    settings.DEBUG = True  # seed_demo is for development only (pytest-django turns DEBUG off)


def test_seed_demo_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only in development"):
        call_command("seed_demo")
    with pytest.raises(CommandError, match="only in development"):
        call_command("seed_demo", "--if-empty")
    assert counts() == (0, 0, 0, 0, 0)  # not even the operator with the published password


def counts():
    return (
        Clinic.objects.count(),
        User.objects.count(),
        StaffMembership.objects.count(),
        Patient.objects.count(),
        PortalAccess.objects.count(),
    )


def test_seed_demo_creates_both_plans_and_is_idempotent(capsys):
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first
    riverside, harbor = Clinic.objects.get(slug="riverside"), Clinic.objects.get(slug="harbor")
    assert Feature.SHOP not in clinic_features(riverside)
    assert Feature.DOCUMENT_SIGNING in clinic_features(harbor)
    assert PortalAccess.objects.values("patient").distinct().count() >= 3
    maria = User.objects.get(email="maria@patient.example")
    assert maria.portal_accesses.count() == 3
    assert maria.check_password("portal-demo-2026")
    nurse = User.objects.get(email="nurse@harbor.example")
    assert nurse.staff_memberships.get().clinic == harbor
    assert nurse.portal_accesses.get().clinic == riverside
    output = capsys.readouterr().out
    assert "maria@patient.example" in output
    assert "/invite/" in output  # the pending invitation's link, to try accepting


def test_seed_demo_has_invitations_in_every_status():
    from patientportal.patients.choices import InvitationStatus, PortalStatus
    from patientportal.patients.models import Invitation

    call_command("seed_demo")
    statuses = {invitation.display_status() for invitation in Invitation.objects.all()}
    assert statuses == set(InvitationStatus)
    assert set(Patient.objects.values_list("portal_status", flat=True)) == set(PortalStatus)
    aisha = User.objects.get(email="aisha@patient.example")
    assert not aisha.portal_accesses.filter(status="active").exists()


def test_if_empty_leaves_an_existing_database_alone(capsys):
    Clinic.objects.create(name="Real Clinic", slug="real")
    call_command("seed_demo", "--if-empty")
    assert Clinic.objects.count() == 1
    assert "already has clinics" in capsys.readouterr().out


def test_the_demo_clinics_and_locations_have_contact_details_and_their_emails_show_them(
    django_capture_on_commit_callbacks,
):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    for clinic in Clinic.objects.all():
        assert clinic.has_contact
        assert clinic.phone.startswith("+1 ") and "555-01" in clinic.phone  # numbers reserved for fiction
        assert clinic.email.endswith(".example") and clinic.website.startswith("https://")
        assert len(clinic.address_lines) >= 3
        assert all(location.phone for location in clinic.locations.all())
        invitations = [message for message in mail.outbox if f"{clinic.name} invites you" in message.subject]
        assert invitations and all(f"Phone: {clinic.phone}" in message.body for message in invitations)


def test_the_demo_outbox_shows_appointment_emails_and_a_reminder_that_is_due(django_capture_on_commit_callbacks):
    from django.core import mail

    from patientportal.scheduling.models import AppointmentReminder

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    subjects = [(message.to[0], message.subject) for message in mail.outbox]
    to_maria = [subject for address, subject in subjects if address == "maria@patient.example"]
    for kind in ("Appointment booked:", "Appointment cancelled:", "Reminder: appointment"):
        assert any(kind in subject for subject in to_maria), kind
    assert any("Appointment changed:" in subject for _address, subject in subjects)
    # Her visit a day and a half ahead: its 48-hour reminder went as the clinic turned reminders on.
    reminder = AppointmentReminder.objects.get(patient__first_name="Maria", clinic__slug="riverside", outcome="sent")
    assert reminder.hours_before == 48
    assert all(clinic.appointment_reminder_hours == [48, 2] for clinic in Clinic.objects.all())
    messages = [message for message in mail.outbox if message.subject.startswith("[Patient Portal] Reminder")]
    assert all(message.attachments[0][0].endswith(".ics") for message in messages)


def test_the_demo_clinic_owner_has_notifications_a_restricted_order_among_them(client):
    from patientportal.notifications.choices import EmailChoice, NotificationKind
    from patientportal.notifications.models import Notification

    call_command("seed_demo")
    owner = StaffMembership.objects.get(user__email="owner@harbor.example")
    rows = Notification.objects.filter(membership=owner)
    kinds = set(rows.values_list("kind", flat=True))
    assert {NotificationKind.ORDER_AWAITING_APPROVAL, NotificationKind.ORDER_PAID} <= kinds
    waiting = rows.get(kind=NotificationKind.ORDER_AWAITING_APPROVAL)
    assert waiting.read_at is None and waiting.email == EmailChoice.INSTANT
    assert waiting.title.endswith("is waiting for approval")
    client.force_login(owner.user)
    page = client.get(f"/staff/{owner.clinic.slug}/notifications/").text
    assert waiting.title in page


def test_the_demo_clinic_has_a_policy_requests_in_its_queue_and_a_visit_maria_can_cancel(capsys):
    from django.utils import timezone

    from patientportal.scheduling.choices import AppointmentRequestStatus
    from patientportal.scheduling.models import Appointment, AppointmentRequest
    from patientportal.scheduling.policy import patient_cancel_refusal

    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: still two requests
    riverside = Clinic.objects.get(slug="riverside")
    assert (riverside.cancellation_window_hours, riverside.accepts_appointment_requests) == (24, True)
    waiting = AppointmentRequest.objects.filter(clinic=riverside, status=AppointmentRequestStatus.PENDING)
    assert sorted((item.patient.first_name, item.reschedule_of_id is not None) for item in waiting) == [
        ("Chen", True),
        ("Maria", False),
    ]
    now = timezone.now()
    marias = Appointment.objects.filter(clinic=riverside, patient__first_name="Maria", starts_at__gt=now)
    refusals = {patient_cancel_refusal(appointment=item, clinic=riverside, now=now) for item in marias}
    assert None in refusals and "cancel_not_online" in refusals  # one she can cancel, one she must call about


def test_leo_has_two_guardians_with_their_own_accounts_one_with_documents_only(capsys):
    from patientportal.patients.choices import AccessLevel, Relationship
    from tests.conftest import client_for

    call_command("seed_demo")
    leo = Patient.objects.get(first_name="Leo")
    links = {link.user.email: link for link in PortalAccess.objects.filter(patient=leo).select_related("user")}
    assert {email: (link.relationship, link.level) for email, link in links.items()} == {
        "maria@patient.example": (Relationship.PARENT_GUARDIAN, AccessLevel.FULL),
        "daniel@patient.example": (Relationship.PARENT_GUARDIAN, AccessLevel.APPOINTMENTS_DOCUMENTS),
    }
    assert leo.email == ""  # the record's email is the patient's, and Leo, 11, has none
    daniel = client_for(User.objects.get(email="daniel@patient.example"))
    page = daniel.get("/portal/").text
    assert "Hello, Daniel" in page and "You are viewing Leo Garcia’s record at Harbor" in page
    assert daniel.get("/portal/shop/").status_code == 404
    assert "daniel@patient.example" in capsys.readouterr().out


def test_riverside_offers_open_times_of_its_follow_up_visit_online():
    call_command("seed_demo")
    riverside = Clinic.objects.get(slug="riverside")
    assert riverside.patients_may_book_online
    follow_up = AppointmentType.objects.get(clinic=riverside, name="Follow-up visit")
    assert follow_up.bookable_online
    now = timezone.now()
    slots = open_slots(
        clinic=riverside,
        appointment_type=follow_up,
        providers=list(Provider.objects.for_clinic(riverside)),
        days=week_days(clinic=riverside, now=now, week=1),
        now=now,
    )
    local = {timezone.localtime(slot.starts_at, riverside.zone) for slot in slots}
    assert local and all(moment.weekday() < 5 for moment in local)
    assert not any(12 <= moment.hour < 13 for moment in local)  # lunch off
    assert not Clinic.objects.get(slug="harbor").patients_may_book_online
