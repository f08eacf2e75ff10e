"""Audit actions in plain words, one table for both readers: the patient ("Viewed your
documents", second person) and the clinic's audit trail ("Viewed the record's documents").

An event is described by its action code and, for a few codes, its metadata (which page of a
record was viewed, which fields changed, the state a machine moved to). Placeholders name what
the event touched; `describe` fills them from the labels the selectors read with the event
(an order's number, a document's title, an appointment's day). A code missing here still gets
a sentence (from its last word), and a test lists every code the application writes that has
no words of its own.
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import get_text_list
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from patientportal.audit.transitions import REGISTRY

# The machines' modules declare them into audit.transitions.REGISTRY when imported: their
# "<machine>_changed" events name the state moved to by the machine's own labels.
from patientportal.documents import machines as _document_machines  # noqa: F401
from patientportal.orders import machines as _order_machines  # noqa: F401
from patientportal.patients import machines as _patient_machines  # noqa: F401
from patientportal.payments import machines as _payment_machines  # noqa: F401
from patientportal.scheduling import machines as _scheduling_machines  # noqa: F401


class Voice(StrEnum):
    PORTAL = "portal"  # to the patient: "your documents"
    STAFF = "staff"  # to the clinic: "the record's documents"


@dataclass(frozen=True)
class Words:
    """A sentence for each reader; `portal` is the staff sentence when the patient never sees
    the event (a clinic's settings) or when the words are the same."""

    staff: StrOrPromise
    portal: StrOrPromise | None = None

    def to(self, voice: Voice) -> StrOrPromise:
        return self.portal if voice == Voice.PORTAL and self.portal is not None else self.staff


RECORD_VIEWED = Words(_("Viewed the record"), _("Viewed your record"))

# patients.patient.viewed, by the page that was open (its metadata "page").
PAGES: dict[str, Words] = {
    "overview": RECORD_VIEWED,
    "edit_form": Words(_("Opened the record's details to change them"), _("Opened your details to change them")),
    "appointments": Words(_("Viewed the record's appointments"), _("Viewed your appointments")),
    "documents": Words(_("Viewed the record's documents"), _("Viewed your documents")),
    "portal_disable_confirm": Words(
        _("Viewed the record to turn off its portal access"), _("Viewed your record to turn off your portal access")
    ),
    "portal.dashboard": Words(_("Opened the portal's home page"), _("Opened your portal's home page")),
    "portal.documents": Words(_("Viewed the documents in the portal"), _("Viewed your documents")),
    "portal.orders": Words(_("Viewed the orders in the portal"), _("Viewed your orders")),
    "portal.order": Words(_("Viewed an order in the portal"), _("Viewed one of your orders")),
    "portal.receipt": Words(_("Viewed a receipt in the portal"), _("Viewed one of your receipts")),
    "portal.receipt_pdf": Words(
        _("Downloaded a receipt from the portal (PDF)"), _("Downloaded one of your receipts (PDF)")
    ),
    "portal.appointments.upcoming": Words(
        _("Viewed the upcoming appointments in the portal"), _("Viewed your upcoming appointments")
    ),
    "portal.appointments.past": Words(
        _("Viewed the past appointments in the portal"), _("Viewed your past appointments")
    ),
    "portal.appointment.calendar_file": Words(
        _("Downloaded an appointment to a calendar"), _("Downloaded an appointment to your calendar")
    ),
    "portal.appointment.cancel": Words(
        _("Opened an appointment to cancel it in the portal"), _("Opened an appointment to cancel it")
    ),
    "portal.access_history": Words(_("Viewed who viewed the record"), _("Viewed who viewed your record")),
}

ACTIONS: dict[str, Words] = {
    # Records
    "patients.patient.created": Words(_("Created the record"), _("Created your record")),
    "patients.patient.updated": Words(_("Changed the record's %(fields)s"), _("Changed your %(fields)s")),
    "patients.patient.viewed": RECORD_VIEWED,  # the page it was, from PAGES
    "patients.patient_list.viewed": Words(_("Viewed the list of patients")),
    # Portal access and invitations
    "patients.portal.enabled": Words(_("Turned on portal access"), _("Turned on your portal access")),
    "patients.portal.disabled": Words(_("Turned off portal access"), _("Turned off your portal access")),
    "patients.portal.disabled_effects": Words(
        _("Ended the record's portal links and pending invitations"),
        _("Ended the links and pending invitations to your record"),
    ),
    "patients.portal_access.granted": Words(
        _("Linked an account to the record"), _("Linked an account to your record")
    ),
    "patients.portal_access.disabled": Words(
        _("Ended an account's link to the record"), _("Ended an account's link to your record")
    ),
    "patients.invitation.sent": Words(_("Sent an invitation to the portal")),
    "patients.invitation.resent": Words(_("Sent an invitation to the portal again")),
    "patients.invitation.revoked": Words(_("Revoked an invitation to the portal")),
    "patients.invitation.accepted": Words(_("Accepted an invitation to the portal")),
    "patients.invitation.superseded": Words(_("Ended an invitation that was no longer needed")),
    "patients.invitation.refused": Words(_("Tried to use an invitation that could not be used")),
    "patients.invitation.account_created": Words(_("Created an account from an invitation to the portal")),
    # Proxies (issue 16, part 3)
    "patients.proxy.revoked": Words(
        _("Ended a proxy's access to the record"), _("Ended a proxy's access to your record")
    ),
    "patients.proxy.aged_out": Words(
        _("Ended a parent's or guardian's access: the patient turned 18"),
        _("Ended a parent's or guardian's access to your record: you turned 18"),
    ),
    "patients.proxy.age_out_warned": Words(_("Told the clinic that a parent's or guardian's access ends at 18")),
    # Appointments
    "scheduling.appointment.booked": Words(_("Booked %(appointment)s")),
    "scheduling.appointment.updated": Words(_("Changed %(appointment)s")),
    "scheduling.appointment.cancellation_emailed": Words(_("Emailed that %(appointment)s was cancelled")),
    "scheduling.appointment.cancelled_by_patient": Words(
        _("Cancelled %(appointment)s in the portal"), _("Cancelled %(appointment)s")
    ),
    "scheduling.appointment_request.created": Words(
        _("Requested an appointment in the portal"), _("Requested an appointment")
    ),
    "scheduling.appointment_request.decline_emailed": Words(_("Emailed that an appointment request was declined")),
    "scheduling.request_queue.viewed": Words(_("Viewed the appointment requests")),
    "scheduling.appointment.reminder_sent": Words(_("Emailed a reminder of %(appointment)s")),
    "scheduling.appointment.reminder_not_sent": Words(_("Had no one to remind of %(appointment)s")),
    "scheduling.reminders.turned_on": Words(_("Turned on appointment reminders")),
    "scheduling.reminders.turned_off": Words(_("Turned off appointment reminders")),
    "scheduling.schedule.viewed": Words(_("Viewed the day's schedule")),
    "scheduling.schedule.week_viewed": Words(_("Viewed a provider's week")),
    "scheduling.provider.created": Words(_("Added a provider")),
    "scheduling.provider.updated": Words(_("Changed a provider")),
    "scheduling.provider.working_hours_changed": Words(_("Changed a provider's working hours")),
    "scheduling.location.created": Words(_("Added a location")),
    "scheduling.location.updated": Words(_("Changed a location")),
    "scheduling.appointmenttype.created": Words(_("Added an appointment type")),
    "scheduling.appointmenttype.updated": Words(_("Changed an appointment type")),
    # Documents
    "documents.document.uploaded": Words(_("Added %(document)s")),
    "documents.document.viewed": Words(_("Viewed %(document)s")),
    "documents.document.shown": Words(_("Viewed %(document)s")),
    "documents.document.page_viewed": Words(_("Viewed a page of %(document)s")),
    "documents.document.downloaded": Words(_("Downloaded %(document)s")),
    "documents.document.signed_copy_downloaded": Words(_("Downloaded the signed copy of %(document)s")),
    "documents.document.signature_image_viewed": Words(_("Viewed the signature on %(document)s")),
    "documents.document.signed": Words(_("Signed %(document)s")),
    "documents.signature.requested": Words(_("Asked for a signature on %(document)s")),
    "documents.signature.withdrawn": Words(_("Withdrew the request to sign %(document)s")),
    "documents.signature.signed": Words(_("Signed %(document)s")),
    "documents.email.resent": Words(_("Sent an email about a document again")),
    "documents.signed_copy.verified": Words(_("Checked a signed copy of %(document)s")),
    # Orders and payments
    "orders.order.placed": Words(_("Placed %(order)s")),
    "orders.order.viewed": Words(_("Viewed %(order)s")),
    "orders.queue.viewed": Words(_("Viewed the order queue")),
    "orders.email.resent": Words(_("Sent an email about an order again")),
    "payments.payment.started": Words(_("Started %(payment)s")),
    "payments.payment.closed": Words(_("Closed %(payment)s")),
    "payments.payment.refunded": Words(_("Refunded %(payment)s")),
    "payments.event.applied": Words(_("Recorded the payment provider's answer about %(payment)s")),
    "payments.event.waiting": Words(_("Kept the payment provider's answer about %(payment)s for later")),
    "payments.provider_event.dismissed": Words(_("Dismissed a payment provider's message")),
    "payments.issue.raised": Words(_("Flagged %(payment)s for the clinic to look at")),
    "payments.issue.resolved": Words(_("Resolved a payment that needed attention")),
    "payments.attention.viewed": Words(_("Viewed the payments needing attention")),
    # Products, the clinic and its team
    "catalog.product.created": Words(_("Added a product")),
    "catalog.product.updated": Words(_("Changed a product")),
    "catalog.stock.adjusted": Words(_("Changed a product's stock")),
    "clinics.clinic.created": Words(_("Created the clinic")),
    "clinics.clinic.updated": Words(_("Changed the clinic")),
    "clinics.clinic.settings_changed": Words(_("Changed the clinic's settings")),
    "clinics.staff_member.added": Words(_("Added a team member")),
    "clinics.staff_member.removed": Words(_("Removed a team member")),
    "notifications.choices.changed": Words(_("Changed what they are emailed about")),
    # The audit trail itself
    "audit.trail.viewed": Words(_("Viewed the audit trail"), _("Viewed who viewed your record")),
    "audit.trail.exported": Words(
        _("Downloaded the audit trail as a spreadsheet (CSV)"), _("Downloaded the history of your record")
    ),
    # Accounts (no clinic: the operator admin's only; here so that every code reads as words)
    "accounts.user.created": Words(_("Created an account")),
    "accounts.login.succeeded": Words(_("Signed in")),
    "accounts.login.failed": Words(_("Could not sign in")),
    "accounts.logout": Words(_("Signed out")),
    "accounts.password.reset_sent": Words(_("Asked for a new password")),
    "accounts.password.reset": Words(_("Chose a new password")),
    "accounts.password.changed": Words(_("Changed their password"), _("Changed your password")),
    "accounts.user.renamed": Words(_("Changed the account's name"), _("Changed your account's name")),
    "accounts.user.language_changed": Words(_("Chose the portal's language"), _("Chose your language")),
    "accounts.email.change_requested": Words(
        _("Asked to change the account's email address (not yet verified)"),
        _("Asked to change your email address (not yet verified)"),
    ),
    "accounts.email.changed": Words(_("Changed the account's email address"), _("Changed your email address")),
    "accounts.second_factor.added": Words(_("Turned on a way to confirm sign-ins"), _("Added a sign-in method")),
    "accounts.second_factor.removed": Words(_("Removed a way to confirm sign-ins"), _("Removed a sign-in method")),
    "accounts.second_factor.reset": Words(_("Made new recovery codes"), _("Made new recovery codes")),
    "accounts.sessions.ended": Words(_("Signed out everywhere else"), _("Signed out everywhere else")),
    "access.denied": Words(_("Was refused a page")),
}

# "<machine>_changed", the event of a move that has no action of its own.
MACHINE_SUBJECTS: dict[str, Words] = {
    "orders.order.status": Words(_("Moved %(order)s to “%(state)s”")),
    "orders.order.payment": Words(_("Marked the payment of %(order)s “%(state)s”")),
    "orders.order.approval": Words(_("Marked %(order)s “%(state)s”")),
    "scheduling.appointment.status": Words(_("Marked %(appointment)s “%(state)s”")),
    "scheduling.appointment_request.status": Words(_("Marked an appointment request “%(state)s”")),
    "payments.payment.status": Words(_("Marked %(payment)s “%(state)s”")),
    "payments.provider_event.status": Words(_("Marked a payment provider's message “%(state)s”")),
    "payments.issue.status": Words(_("Marked a payment that needed attention “%(state)s”")),
    "patients.patient.portal_status": Words(_("Set portal access to “%(state)s”")),
    "patients.portal_access.status": Words(_("Set an account's link to “%(state)s”")),
    "patients.invitation.status": Words(_("Set an invitation to “%(state)s”")),
    "documents.signature.status": Words(_("Set the request to sign %(document)s to “%(state)s”")),
}

# The last word of a code nobody gave words to yet.
VERBS: dict[str, StrOrPromise] = {
    "viewed": _("Viewed"),
    "downloaded": _("Downloaded"),
    "exported": _("Downloaded"),
    "created": _("Created"),
    "added": _("Added"),
    "granted": _("Gave"),
    "sent": _("Sent"),
    "removed": _("Removed"),
    "revoked": _("Revoked"),
}

FIELDS: dict[str, StrOrPromise] = {
    "first_name": _("first name"),
    "last_name": _("last name"),
    "date_of_birth": _("date of birth"),
    "email": _("email address"),
    "phone": _("phone number"),
}


@dataclass(frozen=True)
class Labels:
    """What an event touched, as read with it (None where it touched no such thing, or it is
    not shown to this reader: a document the clinic does not show in the portal)."""

    order_number: str | None = None
    document_title: str | None = None
    appointment_at: datetime.datetime | None = None
    payment_order_number: str | None = None


def _placeholders(
    labels: Labels, metadata: Mapping[str, object], voice: Voice, zone: datetime.tzinfo
) -> dict[str, str]:
    portal = voice == Voice.PORTAL
    document = (
        (_("your document “%(title)s”") if portal else _("the document “%(title)s”")) % {"title": labels.document_title}
        if labels.document_title is not None
        else (_("a document the clinic keeps on file") if portal else _("a document"))
    )
    appointment = (
        (_("your appointment on %(day)s") if portal else _("the appointment on %(day)s"))
        % {"day": date_format(timezone.localtime(labels.appointment_at, zone), "M j, Y")}
        if labels.appointment_at is not None
        else _("an appointment")
    )
    fields = metadata.get("fields")
    named = (
        [str(FIELDS.get(str(field), str(field).replace("_", " "))) for field in fields]
        if isinstance(fields, list)
        else []
    )
    return {
        "document": str(document),
        "order": str(_("order %(number)s") % {"number": labels.order_number} if labels.order_number else _("an order")),
        "appointment": str(appointment),
        "payment": str(
            _("a payment for order %(number)s") % {"number": labels.payment_order_number}
            if labels.payment_order_number
            else _("a payment")
        ),
        "fields": str(get_text_list(named, str(_("and")))) if named else str(_("details")),
        "state": "",
    }


def words_for(action: str, metadata: Mapping[str, object]) -> Words:
    """The words of one event: its page or machine where the code alone does not say."""
    if action == "patients.patient.viewed":
        return PAGES.get(str(metadata.get("page", "overview")), RECORD_VIEWED)
    if action in ACTIONS:
        return ACTIONS[action]
    if action.endswith("_changed") and action.removesuffix("_changed") in MACHINE_SUBJECTS:
        return MACHINE_SUBJECTS[action.removesuffix("_changed")]
    verb = VERBS.get(action.rsplit(".", 1)[-1], _("Changed"))
    return Words(_("%(verb)s the record") % {"verb": verb}, _("%(verb)s your record") % {"verb": verb})


def _state(action: str, metadata: Mapping[str, object]) -> str:
    machine = REGISTRY.get(action.removesuffix("_changed"))
    to = metadata.get("to")
    if machine is None or not isinstance(to, str) or to not in machine.states.values:
        return str(to or "")
    return machine.label(to).lower()


def describe(
    *, action: str, metadata: Mapping[str, object], labels: Labels, voice: Voice, zone: datetime.tzinfo = datetime.UTC
) -> str:
    """One event in a sentence, for the patient (`Voice.PORTAL`) or the clinic (`Voice.STAFF`);
    days are the clinic's (`zone`)."""
    values = _placeholders(labels, metadata, voice, zone)
    if action.endswith("_changed"):
        values["state"] = _state(action, metadata)
    return str(words_for(action, metadata).to(voice)) % values


@dataclass(frozen=True)
class Kind:
    """A choice of the clinic's "What" filter: the action codes it stands for."""

    key: str
    label: StrOrPromise
    codes: tuple[str, ...]


# Every code with words of its own, machine moves included.
KNOWN_CODES = frozenset(ACTIONS) | {f"{machine}_changed" for machine in MACHINE_SUBJECTS}


def _codes(*prefixes: str) -> tuple[str, ...]:
    return tuple(sorted(code for code in KNOWN_CODES if code.startswith(prefixes)))


# Whatever showed or handed out health information, and the lists and trail that name patients.
READS = tuple(
    sorted({code for code in KNOWN_CODES if code.endswith((".viewed", "_viewed", ".shown", "downloaded", ".exported"))})
)

KINDS: list[Kind] = [
    Kind("reads", _("Views and downloads of health information"), READS),
    Kind("records", _("Patient records"), _codes("patients.patient.", "patients.patient_list.")),
    Kind(
        "portal",
        _("Portal access and invitations"),
        _codes("patients.portal", "patients.invitation.", "patients.proxy."),
    ),
    Kind(
        "appointments",
        _("Appointments"),
        _codes(
            "scheduling.appointment.",
            "scheduling.appointment_request.",
            "scheduling.request_queue.",
            "scheduling.schedule.",
            "scheduling.reminders.",
        ),
    ),
    Kind("documents", _("Documents and signatures"), _codes("documents.")),
    Kind("orders", _("Orders and payments"), _codes("orders.", "payments.")),
    Kind(
        "clinic",
        _("The clinic, its team, products and setup"),
        _codes(
            "clinics.",
            "notifications.",
            "catalog.",
            "scheduling.provider.",
            "scheduling.location.",
            "scheduling.appointmenttype.",
        ),
    ),
    Kind("audit", _("The audit trail"), _codes("audit.")),
]
KINDS_BY_KEY = {kind.key: kind for kind in KINDS}
