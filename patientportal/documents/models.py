import datetime
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patientportal.clinics.models import Clinic
from patientportal.documents.choices import (
    SIGNATURE_BADGES,
    DocumentType,
    SignatureEventKind,
    SignatureMethod,
    SignatureStatus,
)
from patientportal.patients.models import Patient


class EvidenceIsFinal(Exception):
    """Signature evidence, and a signed document's file, can never be changed."""


def document_path(document: "Document", filename: str) -> str:
    # Never the uploaded name: a random one under the clinic and patient.
    return f"clinics/{document.clinic_id}/patients/{document.patient_id}/documents/{secrets.token_hex(16)}"


def signature_path(signature: "Signature", filename: str) -> str:
    return f"clinics/{signature.clinic_id}/signatures/{secrets.token_hex(16)}-{filename}"


class DocumentQuerySet(models.QuerySet["Document"]):
    def for_clinic(self, clinic: Clinic) -> "DocumentQuerySet":
        return self.filter(clinic=clinic)

    def for_patient(self, patient: Patient) -> "DocumentQuerySet":
        return self.filter(patient=patient)

    def in_portal(self) -> "DocumentQuerySet":
        return self.filter(visible_in_portal=True)


class Document(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="documents")
    doc_type = models.CharField(_("type"), max_length=20, choices=DocumentType.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    file = models.FileField(upload_to=document_path)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    # Counted once when the file is stored, so showing a PDF's pages never reads the file (on object
    # storage every read downloads all of it). 0 when PDFium cannot open the PDF; None for any other
    # type, or a PDF not counted yet (documents.services.document_page_count counts it then).
    page_count = models.PositiveIntegerField(null=True, blank=True, editable=False)
    visible_in_portal = models.BooleanField(_("visible in portal"), default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.title

    # What the signer saw and what the signed copy says; none of it changes once signed
    # (hiding the document would also take the patient's signed copy away).
    FINAL_WHEN_SIGNED = (
        "clinic_id",
        "patient_id",
        "doc_type",
        "title",
        "description",
        "content_type",
        "size",
        "sha256",
        "visible_in_portal",
    )

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk and SignatureRequest.objects.filter(document_id=self.pk, status=SignatureStatus.SIGNED).exists():
            stored = Document.objects.values("file", *self.FINAL_WHEN_SIGNED).get(pk=self.pk)
            current = {"file": self.file.name, **{name: getattr(self, name) for name in self.FINAL_WHEN_SIGNED}}
            if stored != current:
                raise EvidenceIsFinal("A signed document cannot be changed.")
        super().save(*args, **kwargs)

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class SignatureRequestQuerySet(models.QuerySet["SignatureRequest"]):
    def for_patient(self, patient: Patient) -> "SignatureRequestQuerySet":
        return self.filter(patient=patient)

    def pending_at(self, now: datetime.datetime) -> "SignatureRequestQuerySet":
        return self.filter(status=SignatureStatus.PENDING, expires_at__gt=now)


class SignatureRequest(models.Model):
    """Asks the patient to sign one document, until it expires or is withdrawn."""

    document = models.OneToOneField(Document, on_delete=models.PROTECT, related_name="signature_request")
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="signature_requests")
    status = models.CharField(max_length=20, choices=SignatureStatus.choices, default=SignatureStatus.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = SignatureRequestQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "signed", "withdrawn"]),
                name="signature_request_status_stored",
            ),
        ]

    def __str__(self) -> str:
        return f"Signature request {self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk and SignatureRequest.objects.filter(pk=self.pk, status=SignatureStatus.SIGNED).exists():
            raise EvidenceIsFinal("A signed request cannot be changed.")
        super().save(*args, **kwargs)

    def status_at(self, now: datetime.datetime) -> str:
        if self.status == SignatureStatus.PENDING and self.expires_at <= now:
            return SignatureStatus.EXPIRED
        return self.status

    def display_status(self) -> SignatureStatus:
        return SignatureStatus(self.status_at(timezone.now()))

    def badge(self) -> str:
        return SIGNATURE_BADGES[self.display_status()]


class Signature(models.Model):
    """The evidence of one signature (ESIGN/UETA, eIDAS simple signature). Append-only."""

    request = models.OneToOneField(SignatureRequest, on_delete=models.PROTECT, related_name="signature")
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signer_email = models.CharField(max_length=254)
    typed_name = models.CharField(max_length=200)
    method = models.CharField(max_length=10, choices=SignatureMethod.choices)
    image = models.FileField(upload_to=signature_path)
    strokes = models.JSONField(default=list, blank=True)
    signed_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    consent_version = models.CharField(max_length=40)
    consent_sha256 = models.CharField(max_length=64)
    acknowledgement_version = models.CharField(max_length=40)
    acknowledgement_sha256 = models.CharField(max_length=64)
    # The texts' hashes are of the words as shown, in this language.
    language = models.CharField(max_length=16, blank=True)
    document_sha256 = models.CharField(max_length=64)
    signed_copy = models.FileField(upload_to=signature_path)
    signed_copy_sha256 = models.CharField(max_length=64)

    class Meta:
        # The staff verify page finds a copy by its hash (documents.verification).
        indexes = [models.Index(fields=["signed_copy_sha256"], name="signature_copy_sha256")]

    def __str__(self) -> str:
        return f"Signature {self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise EvidenceIsFinal("Signature evidence cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise EvidenceIsFinal("Signature evidence cannot be deleted.")


class SignatureEvent(models.Model):
    """The timeline of a signature request: requested, opened, consented, signed (or withdrawn). Append-only."""

    request = models.ForeignKey(SignatureRequest, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=SignatureEventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise EvidenceIsFinal("A signature event cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise EvidenceIsFinal("A signature event cannot be deleted.")
