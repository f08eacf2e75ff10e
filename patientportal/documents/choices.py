from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentType(models.TextChoices):
    CONSENT_FORM = "consent_form", _("Consent form")
    INTAKE_FORM = "intake_form", _("Intake form")
    LAB_RESULT = "lab_result", _("Lab result")
    IMAGING_REPORT = "imaging_report", _("Imaging report")
    PRESCRIPTION = "prescription", _("Prescription")
    REFERRAL = "referral", _("Referral")
    INSURANCE_CARD = "insurance_card", _("Insurance card")
    INVOICE = "invoice", _("Invoice")
    OTHER = "other", _("Other")


# The kinds a patient expects to read in the portal: the staff upload form ticks "Show in
# patient portal" when one of them is chosen (staff may untick it).
SHOWN_IN_PORTAL_BY_DEFAULT = frozenset({DocumentType.LAB_RESULT, DocumentType.IMAGING_REPORT})


class SignatureStatus(models.TextChoices):
    """PENDING, SIGNED and WITHDRAWN are stored; EXPIRED is read from the clock."""

    PENDING = "pending", _("Pending")
    SIGNED = "signed", _("Signed")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Stored states only. Pending → pending is asking again once the due date has
# passed (expired is read from the clock, so the row still says pending; the
# service refuses it before then); withdrawn → pending is asking again after a
# withdrawal. The request's timeline goes on either way. Signed is final.
SIGNATURE_TRANSITIONS: dict[str, frozenset[str]] = {
    SignatureStatus.PENDING: frozenset({SignatureStatus.PENDING, SignatureStatus.SIGNED, SignatureStatus.WITHDRAWN}),
    SignatureStatus.SIGNED: frozenset(),
    SignatureStatus.WITHDRAWN: frozenset({SignatureStatus.PENDING}),
}

SIGNATURE_BADGES = {
    SignatureStatus.PENDING: "warning",
    SignatureStatus.SIGNED: "success",
    SignatureStatus.EXPIRED: "neutral",
    SignatureStatus.WITHDRAWN: "neutral",
}


class SignatureEventKind(models.TextChoices):
    REQUESTED = "requested", _("Signature requested")
    OPENED = "opened", _("Opened by the signer")
    CONSENTED = "consented", _("Consented to sign electronically")
    SIGNED = "signed", _("Signed")
    WITHDRAWN = "withdrawn", _("Request withdrawn")


class SignatureMethod(models.TextChoices):
    DRAWN = "drawn", _("Drawn")
    TYPED = "typed", _("Typed name")


class SignedCopyCheck(models.TextChoices):
    """What the staff verify page says of an uploaded PDF (documents.verification)."""

    UNCHANGED = "unchanged", _("An unchanged signed copy of one of this clinic's documents")
    NOT_THIS_CLINICS = "not_this_clinics", _("Sealed by this portal, unchanged, not one of this clinic's documents")
    CHANGED = "changed", _("Changed after it was sealed")
    NOT_FROM_HERE = "not_from_here", _("Not a signed copy from this portal")
