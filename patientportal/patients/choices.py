from django.db import models
from django.utils.translation import gettext_lazy as _

from patientportal.clinics.features import Feature


class PortalAccessStatus(models.TextChoices):
    """Of one account ↔ record link."""

    ACTIVE = "active", _("Active")
    DISABLED = "disabled", _("Disabled")


# A link is disabled with the record's portal use and re-activated when an invitation is accepted again.
PORTAL_ACCESS_TRANSITIONS: dict[str, frozenset[str]] = {
    PortalAccessStatus.ACTIVE: frozenset({PortalAccessStatus.DISABLED}),
    PortalAccessStatus.DISABLED: frozenset({PortalAccessStatus.ACTIVE}),
}


class PortalStatus(models.TextChoices):
    """Of a patient record: may it be used in the portal at all?"""

    NOT_ENABLED = "not_enabled", _("Not enabled")
    ENABLED = "enabled", _("Enabled")
    DISABLED = "disabled", _("Disabled")


# The only moves a patient's portal status can make.
PORTAL_STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    PortalStatus.NOT_ENABLED: frozenset({PortalStatus.ENABLED}),
    PortalStatus.ENABLED: frozenset({PortalStatus.DISABLED}),
    PortalStatus.DISABLED: frozenset({PortalStatus.ENABLED}),
}


class InvitationStatus(models.TextChoices):
    """PENDING, ACCEPTED, REVOKED and SUPERSEDED are stored. EXPIRED is never stored: a
    pending invitation whose `expires_at` has passed reads as expired, so a
    link stops working at its expiry whatever any background job did. SUPERSEDED:
    the patient accepted another invitation to the same record, so this one ended."""

    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")
    SUPERSEDED = "superseded", _("No longer needed")


INVITATION_TRANSITIONS: dict[str, frozenset[str]] = {
    InvitationStatus.PENDING: frozenset(
        {InvitationStatus.ACCEPTED, InvitationStatus.REVOKED, InvitationStatus.SUPERSEDED}
    ),
    InvitationStatus.ACCEPTED: frozenset(),
    InvitationStatus.REVOKED: frozenset(),
    InvitationStatus.SUPERSEDED: frozenset(),
}

INVITATION_BADGES: dict[str, str] = {
    InvitationStatus.PENDING: "info",
    InvitationStatus.ACCEPTED: "success",
    InvitationStatus.EXPIRED: "neutral",
    InvitationStatus.REVOKED: "danger",
    InvitationStatus.SUPERSEDED: "neutral",
}


class Relationship(models.TextChoices):
    """Who the account holding a link (or invited to hold one) is to the patient. Anyone but
    SELF is a proxy: they use the record on the patient's behalf, as themself."""

    SELF = "self", _("The patient")
    PARENT_GUARDIAN = "parent_guardian", _("Parent or guardian")
    CAREGIVER = "caregiver", _("Caregiver")
    OTHER_ADULT = "other_adult", _("Other authorised adult")


PROXY_RELATIONSHIPS = frozenset(Relationship) - {Relationship.SELF}
# Ends by itself on the day the patient turns 18, in the clinic's time zone (patients.proxies).
ENDS_AT_ADULTHOOD = frozenset({Relationship.PARENT_GUARDIAN})
ADULT_AGE = 18


class AccessLevel(models.TextChoices):
    """What a link may open in the portal. The patient's own link is always FULL."""

    FULL = "full", _("Full access")
    APPOINTMENTS_DOCUMENTS = "appointments_documents", _("Appointments and documents only")


# What each access level may open, as portal features; the clinic's plan narrows it further.
# Reference documents and signing are "documents"; the shop, cart, orders and receipts are not.
LEVEL_FEATURES: dict[str, frozenset[Feature]] = {
    AccessLevel.FULL: frozenset(Feature),
    AccessLevel.APPOINTMENTS_DOCUMENTS: frozenset({Feature.DASHBOARD, Feature.APPOINTMENTS, Feature.DOCUMENT_SIGNING}),
}
