"""What staff are told about, and how each role hears of it unless they choose otherwise.

Each kind has an audience (the roles that may act on the page it links to: a role that could
not open the page is never told) and a default per role in that audience. A member changes
their own choice per kind on the staff page "Notification settings"; no row means the default.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_stubs_ext import StrOrPromise

from patientportal.clinics.choices import Role


class NotificationKind(models.TextChoices):
    ORDER_AWAITING_APPROVAL = "order_awaiting_approval", _("Order waiting for approval")
    ORDER_PAID = "order_paid", _("Order paid, to prepare")
    DOCUMENT_SIGNED = "document_signed", _("Document signed")
    APPOINTMENT_REQUESTED = "appointment_requested", _("Appointment requested")
    APPOINTMENT_CANCELLED_BY_PATIENT = "appointment_cancelled_by_patient", _("Appointment cancelled by the patient")
    EMAIL_UNDELIVERED = "email_undelivered", _("Email to a patient not delivered")
    PROXY_ACCESS_ENDING = "proxy_access_ending", _("Parental access ending at 18")


class EmailChoice(models.TextChoices):
    INSTANT = "instant", pgettext_lazy("notification email", "Email at once")
    DIGEST = "digest", pgettext_lazy("notification email", "Daily summary")
    OFF = "off", pgettext_lazy("notification email", "Off")


@dataclass(frozen=True)
class KindRule:
    """Who hears of one kind (the roles in `defaults`) and how, unless they chose otherwise."""

    description: StrOrPromise
    defaults: dict[str, str]

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(self.defaults)


AT_ONCE, DAILY = EmailChoice.INSTANT, EmailChoice.DIGEST

KIND_RULES: dict[str, KindRule] = {
    # Someone must decide before the patient can pay: owners and admins at once, the front desk daily.
    NotificationKind.ORDER_AWAITING_APPROVAL: KindRule(
        _("A patient placed an order with prescription or consultation items."),
        {Role.OWNER: AT_ONCE, Role.ADMIN: AT_ONCE, Role.STAFF: DAILY},
    ),
    # The front desk prepares it; owners and admins only want to know it happened.
    NotificationKind.ORDER_PAID: KindRule(
        _("An order was paid (or its card captured on approval) and is to be prepared."),
        {Role.OWNER: DAILY, Role.ADMIN: DAILY, Role.STAFF: AT_ONCE},
    ),
    NotificationKind.DOCUMENT_SIGNED: KindRule(
        _("A patient signed a document the clinic asked them to sign."),
        {Role.OWNER: DAILY, Role.ADMIN: DAILY, Role.STAFF: DAILY, Role.PROVIDER: DAILY},
    ),
    NotificationKind.APPOINTMENT_REQUESTED: KindRule(
        _("A patient asked for an appointment."),
        {Role.OWNER: DAILY, Role.ADMIN: AT_ONCE, Role.STAFF: AT_ONCE, Role.PROVIDER: DAILY},
    ),
    # A freed slot is worth filling the same day; the provider's day changes.
    NotificationKind.APPOINTMENT_CANCELLED_BY_PATIENT: KindRule(
        _("A patient cancelled an appointment."),
        {Role.OWNER: DAILY, Role.ADMIN: AT_ONCE, Role.STAFF: AT_ONCE, Role.PROVIDER: AT_ONCE},
    ),
    # Someone should resend it or call the patient; only roles that can open the page with Resend.
    NotificationKind.EMAIL_UNDELIVERED: KindRule(
        _("An email to a patient could not be delivered after every retry."),
        {Role.OWNER: DAILY, Role.ADMIN: AT_ONCE, Role.STAFF: AT_ONCE},
    ),
    # A week's notice that a parent's or guardian's access ends when the patient turns 18: the roles
    # that manage proxies, at once, so they can talk to the family in time.
    NotificationKind.PROXY_ACCESS_ENDING: KindRule(
        _("A parent's or guardian's access to a record ends in a week, when the patient turns 18."),
        {Role.OWNER: AT_ONCE, Role.ADMIN: AT_ONCE},
    ),
}


def kinds_for_role(role: str) -> list[str]:
    """The kinds a role hears of, in the order of NotificationKind."""
    return [kind for kind in NotificationKind.values if role in KIND_RULES[kind].roles]


def default_choice(*, kind: str, role: str) -> str:
    """How a role hears of a kind unless its member chose: OFF for a role outside the audience."""
    return KIND_RULES[kind].defaults.get(role, EmailChoice.OFF)
