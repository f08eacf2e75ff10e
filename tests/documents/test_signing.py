import datetime
import io
import zoneinfo

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from pypdf import PdfReader

from patientportal.clinics.features import Plan
from patientportal.documents.choices import SignatureEventKind, SignatureMethod, SignatureStatus
from patientportal.documents.consent import ACKNOWLEDGEMENT_VERSION, CONSENT_TEXT, CONSENT_VERSION, text_sha256
from patientportal.documents.errors import DocumentError
from patientportal.documents.models import EvidenceIsFinal, Signature, SignatureRequest
from patientportal.documents.services import (
    document_integrity_ok,
    document_sign,
    signature_expiry,
    signature_opened,
    signature_withdraw,
)
from patientportal.documents.signature_input import (
    SignatureRejected,
    drawn_signature_png,
    drawn_strokes,
    typed_signature_png,
)
from tests.documents.helpers import STROKES, data_url, pdf_bytes, png_bytes, upload

pytestmark = pytest.mark.django_db


def sign(world, document, **overrides):
    values = {
        "request": document.signature_request,
        "signer": world.patient_user_1,
        "typed_name": "Paula One",
        "method": SignatureMethod.DRAWN,
        "signature_png": png_bytes(),
        "strokes": [{"points": [{"x": 1, "y": 2}]}],
        "consented": True,
        "acknowledged": True,
        "shown_sha256": document.sha256,
    }
    return document_sign(**{**values, **overrides})


def test_the_original_bytes_and_their_hash_are_kept(world):
    data = pdf_bytes("Consent")
    document = upload(world, data=data)
    with document.file.open("rb") as handle:
        assert handle.read() == data
    assert document.size == len(data) and document_integrity_ok(document)
    assert document.signature_request.status == SignatureStatus.PENDING
    assert list(document.signature_request.events.values_list("kind", flat=True)) == [SignatureEventKind.REQUESTED]


def test_only_pdfs_and_images_can_be_sent_for_signature_and_only_with_the_add_on(world):
    with pytest.raises(DocumentError) as refused:
        upload(world, data=b"plain text to sign", filename="x.txt")
    assert refused.value.code == "not_signable"
    for days in (0, 366):
        with pytest.raises(DocumentError) as refused:
            upload(world, sign_days=days)
        assert refused.value.code == "expiry_out_of_range"
    world.clinic_a.plan, world.clinic_a.add_ons = Plan.PREMIUM, []
    world.clinic_a.save()
    with pytest.raises(DocumentError) as refused:
        upload(world)
    assert refused.value.code == "signing_not_in_plan"


def test_signing_records_every_piece_of_evidence_and_a_signed_copy(world):
    document = upload(world, data=pdf_bytes(pages=2))
    signature_opened(request=document.signature_request, actor=world.patient_user_1)
    signature = sign(world, document)
    assert (signature.signer, signature.patient, signature.signer_email, signature.typed_name) == (
        world.patient_user_1,
        world.p1,
        "paula@example.com",
        "Paula One",
    )
    assert signature.document_sha256 == document.sha256
    assert (signature.consent_version, signature.acknowledgement_version) == (CONSENT_VERSION, ACKNOWLEDGEMENT_VERSION)
    assert signature.consent_sha256 == text_sha256(CONSENT_TEXT)
    assert signature.strokes == [{"points": [{"x": 1, "y": 2}]}]
    events = list(document.signature_request.events.values_list("kind", flat=True))
    assert events == ["requested", "opened", "consented", "signed"]
    assert signature.language == "en"
    with signature.signed_copy.open("rb") as handle:
        copy = handle.read()
    original_pages = len(PdfReader(io.BytesIO(document.file.open("rb").read())).pages)
    assert len(PdfReader(io.BytesIO(copy)).pages) == original_pages + 1
    assert signature.signed_copy_sha256 == __import__("hashlib").sha256(copy).hexdigest()
    record = " ".join(PdfReader(io.BytesIO(copy)).pages[-1].extract_text().split())
    assert "Electronic signature record" in record
    for shown in ("Signature requested", "Opened by the signer", "Consented to sign electronically", "UTC Signed"):
        assert shown in record  # the whole timeline, the signing itself included
    assert signature.document_sha256 in record.replace(" ", "") and "paula@example.com" in record
    assert "shown in English (en)" in record
    document.signature_request.refresh_from_db()
    assert document.signature_request.status == SignatureStatus.SIGNED


def test_an_image_document_becomes_a_pdf_page_in_the_signed_copy(world):
    document = upload(world, data=png_bytes((800, 600)), filename="card.png")
    signature = sign(
        world, document, method=SignatureMethod.TYPED, signature_png=typed_signature_png("Paula One"), strokes=[]
    )
    assert len(PdfReader(signature.signed_copy.open("rb")).pages) == 2


def test_a_document_is_signed_once(world):
    document = upload(world)
    sign(world, document)
    with pytest.raises(DocumentError) as refused:
        sign(world, document)
    assert refused.value.code == "not_pending"
    assert Signature.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"consented": False}, "consent_required"),
        ({"acknowledged": False}, "acknowledgement_required"),
        ({"typed_name": "  "}, "name_required"),
        ({"shown_sha256": "0" * 64}, "document_changed"),
    ],
)
def test_each_requirement_is_enforced(world, overrides, code):
    document = upload(world)
    with pytest.raises(DocumentError) as refused:
        sign(world, document, **overrides)
    assert refused.value.code == code
    assert not Signature.objects.exists()


def test_a_changed_document_is_detected_and_cannot_be_signed(world):
    document = upload(world)
    with open(document.file.path, "ab") as handle:
        handle.write(b"tampered")
    assert not document_integrity_ok(document)
    with pytest.raises(DocumentError) as refused:
        sign(world, document)
    assert refused.value.code == "document_changed"


def test_expired_and_withdrawn_requests_cannot_be_signed(world):
    expired = upload(world, title="Old")
    SignatureRequest.objects.filter(pk=expired.signature_request.pk).update(expires_at=timezone.now())
    expired.signature_request.refresh_from_db()
    with pytest.raises(DocumentError) as refused:
        sign(world, expired)
    assert refused.value.code == "expired"
    withdrawn = upload(world, title="Withdrawn")
    signature_withdraw(request=withdrawn.signature_request, actor=world.staff_a)
    with pytest.raises(DocumentError) as refused:
        sign(world, withdrawn)
    assert refused.value.code == "not_pending"
    with pytest.raises(DocumentError):
        signature_withdraw(request=withdrawn.signature_request, actor=world.staff_a)


def test_evidence_and_a_signed_documents_file_cannot_be_changed(world):
    document = upload(world)
    signature = sign(world, document)
    with pytest.raises(EvidenceIsFinal):
        signature.save()
    with pytest.raises(EvidenceIsFinal):
        signature.delete()
    document.sha256 = "0" * 64
    with pytest.raises(EvidenceIsFinal):
        document.save()


@pytest.mark.postgres
def test_postgresql_refuses_changes_to_signature_evidence(world):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    signature = sign(world, upload(world))
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE documents_signature SET typed_name = 'Someone else'")
    assert Signature.objects.get(pk=signature.pk).typed_name == "Paula One"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "draw your signature"),
        (data_url(b"", "png"), "could not be read"),
        (data_url(b"<html>not a png</html>"), "could not be read"),
        (data_url(png_bytes(), "jpeg"), "draw your signature"),
        ("data:image/png;base64,@@@not-base64@@@", "could not be read"),
        (data_url(png_bytes(ink=False)), "box is empty"),
        (data_url(png_bytes((5000, 100))), "could not be read"),
    ],
)
def test_an_empty_or_forged_drawn_signature_is_refused(value, message):
    with pytest.raises(SignatureRejected, match=message):
        drawn_signature_png(value)


@pytest.mark.parametrize(
    "strokes",
    [
        "",
        "[]",
        "not json",
        '[{"points": []}]',
        '[{"points": [{"x": "a"}]}]',
        '[{"points": [{"x": NaN, "y": 1}]}]',
        '[{"points": [{"x": Infinity, "y": 1}]}]',
        '[{"points": [{"x": 1e400, "y": 1}]}]',
        '[{"points": [{"x": true, "y": false}]}]',
        '[{"points": [{"x": 1, "y": 1000000000}]}]',
        '[{"points": [{"x": 1, "y": 2, "time": 1e400}]}]',
        '[{"dotSize": 1e999, "points": [{"x": 1, "y": 2}]}]',
    ],
)
def test_stroke_data_must_describe_a_drawing(strokes):
    with pytest.raises(SignatureRejected):
        drawn_strokes(strokes)
    assert drawn_strokes(STROKES)[0]["points"][0]["x"] == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_submissions_racing_sign_exactly_once(world):
    from tests.races import race

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: run with DATABASE_URL=postgres://…")
    document = upload(world)

    def submit():
        sign(world, document)
        return "signed"

    outcomes = race([submit, submit], refused=DocumentError)
    assert outcomes == ["not_pending", "signed"]
    assert Signature.objects.count() == 1


def test_a_signed_documents_title_description_and_visibility_are_final(world):
    document = upload(world)
    sign(world, document)
    for field, value in (("title", "Something else"), ("description", "Changed"), ("visible_in_portal", False)):
        fresh = type(document).objects.get(pk=document.pk)
        setattr(fresh, field, value)
        with pytest.raises(EvidenceIsFinal):
            fresh.save()
    request = SignatureRequest.objects.get(pk=document.signature_request.pk)
    request.status = SignatureStatus.WITHDRAWN
    with pytest.raises(EvidenceIsFinal):
        request.save()
    event = document.signature_request.events.first()
    with pytest.raises(EvidenceIsFinal):
        event.save()
    with pytest.raises(EvidenceIsFinal):
        event.delete()
    unsigned = upload(world, title="Draft")
    unsigned.title = "Renamed before signing"
    unsigned.save()  # nothing is final until it is signed


@pytest.mark.postgres
def test_postgresql_refuses_changes_to_a_signed_document_its_request_and_the_timeline(world):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    document = upload(world)
    sign(world, document)
    unsigned = upload(world, title="Draft")
    statements = [
        ("UPDATE documents_document SET visible_in_portal = false WHERE id = %s", document.pk, "signed document"),
        ("UPDATE documents_document SET title = 'Other' WHERE id = %s", document.pk, "signed document"),
        ("UPDATE documents_signaturerequest SET status = 'withdrawn' WHERE document_id = %s", document.pk, "signed"),
        ("DELETE FROM documents_signatureevent WHERE request_id = %s", document.signature_request.pk, "append-only"),
        (
            "UPDATE documents_signatureevent SET kind = 'opened' WHERE request_id = %s",
            unsigned.signature_request.pk,
            "append-only",
        ),
    ]
    for sql, pk, message in statements:
        with pytest.raises(DatabaseError, match=message), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [pk])
    with connection.cursor() as cursor:  # an unsigned document can still be corrected
        cursor.execute("UPDATE documents_document SET title = 'Renamed' WHERE id = %s", [unsigned.pk])
    assert type(document).objects.get(pk=document.pk).visible_in_portal


@pytest.mark.parametrize(
    ("zone_name", "now", "due_days", "due_day", "hours_in_due_day"),
    [
        # 9 pm in New York is already the next day in UTC.
        ("America/New_York", datetime.datetime(2026, 11, 25, 21, 0), 1, datetime.date(2026, 11, 26), 24),
        # Clocks go back at midnight: the due day has 25 hours, all of them for signing.
        ("America/Santiago", datetime.datetime(2026, 4, 3, 12, 0), 1, datetime.date(2026, 4, 4), 25),
        # Clocks jump from 23:00 to midnight: the due day ends an hour early, and still on its own date.
        ("America/Nuuk", datetime.datetime(2026, 3, 27, 12, 0), 1, datetime.date(2026, 3, 28), 23),
    ],
)
def test_a_request_can_be_signed_until_the_end_of_its_due_day_in_the_clinics_time_zone(
    world, zone_name, now, due_days, due_day, hours_in_due_day
):
    zone = zoneinfo.ZoneInfo(zone_name)
    world.clinic_a.time_zone = zone_name
    expires = signature_expiry(clinic=world.clinic_a, due_days=due_days, now=now.replace(tzinfo=zone))
    assert expires.astimezone(zone).date() == due_day
    day_start = datetime.datetime.combine(due_day, datetime.time.min, tzinfo=zone).astimezone(datetime.UTC)
    assert expires + datetime.timedelta(microseconds=1) - day_start == datetime.timedelta(hours=hours_in_due_day)
    request = SignatureRequest(status=SignatureStatus.PENDING, expires_at=expires)
    assert request.status_at(expires - datetime.timedelta(seconds=1)) == SignatureStatus.PENDING
    assert request.status_at(expires + datetime.timedelta(microseconds=1)) == SignatureStatus.EXPIRED


def test_an_upload_asks_for_the_signature_by_the_end_of_the_due_day(world):
    world.clinic_a.time_zone = "America/Los_Angeles"
    world.clinic_a.save()
    zone = zoneinfo.ZoneInfo("America/Los_Angeles")
    document = upload(world, sign_days=3)
    local = timezone.localtime(document.signature_request.expires_at, zone)
    assert local.date() == timezone.localtime(timezone.now(), zone).date() + datetime.timedelta(days=3)
    assert (local.hour, local.minute, local.second) == (23, 59, 59)
