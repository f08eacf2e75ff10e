import re
from urllib.parse import urlsplit

import pytest

from patientportal.documents.choices import SignatureStatus
from patientportal.documents.models import Document
from tests.access_matrix import assert_staff_url_is_scoped
from tests.conftest import client_for
from tests.documents.helpers import browser_file, pdf_bytes, png_bytes, upload

pytestmark = pytest.mark.django_db


def row(index, **values) -> dict:
    return {f"form-{index}-{key}": value for key, value in values.items()}


def management(total=3) -> dict:
    return {
        "form-TOTAL_FORMS": str(total),
        "form-INITIAL_FORMS": "0",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "10",
    }


def post_one_form_to_sign(world):
    """Staff upload one consent form to be signed through the upload page."""
    data = {
        **management(1),
        **row(
            0,
            file=browser_file("consent.pdf", pdf_bytes()),
            title="Consent",
            doc_type="consent_form",
            signature_required="on",
            due_days="14",
        ),
    }
    return client_for(world.staff_a).post(f"/staff/alpha/patients/{world.p1.pk}/documents/new/", data, follow=True)


def test_staff_upload_several_files_at_once_and_a_bad_one_is_refused_alone(world):
    data = {
        **management(),
        **row(
            0,
            file=browser_file("consent.pdf", pdf_bytes()),
            title="Consent",
            doc_type="consent_form",
            signature_required="on",
            due_days="14",
            visible_in_portal="on",
        ),
        **row(
            1,
            file=browser_file("scan.png", png_bytes()),
            title="Scan",
            doc_type="imaging_report",
            visible_in_portal="on",
            due_days="30",
        ),
        **row(
            2,
            file=browser_file("report.pdf", b"<html><script>alert(1)</script></html>"),
            title="Fake",
            doc_type="lab_result",
            due_days="30",
        ),
    }
    response = client_for(world.staff_a).post(f"/staff/alpha/patients/{world.p1.pk}/documents/new/", data)
    assert response.status_code == 400
    assert "These 2 documents were saved; they are not in the form below:" in response.text
    assert "This file type is not accepted." in response.text
    assert set(Document.objects.values_list("title", flat=True)) == {"Consent", "Scan"}
    consent = Document.objects.get(title="Consent")
    assert consent.signature_request.status == SignatureStatus.PENDING and consent.visible_in_portal


def test_a_word_file_cannot_be_sent_for_signature(world):
    from tests.documents.test_files import office_zip

    data = {
        **management(1),
        **row(
            0,
            file=browser_file("f.docx", office_zip("word")),
            title="Form",
            doc_type="intake_form",
            signature_required="on",
            due_days="30",
        ),
    }
    response = client_for(world.staff_a).post(f"/staff/alpha/patients/{world.p1.pk}/documents/new/", data)
    assert "Only a PDF or an image can be sent for signature" in response.text
    assert not Document.objects.exists()


def test_staff_see_the_evidence_withdraw_and_are_warned_of_tampering(world):
    document = upload(world)
    client = client_for(world.staff_a)
    page = client.get(f"/staff/alpha/documents/{document.pk}/")
    assert "Integrity verified" in page.text and "Withdraw the signature request" in page.text
    client.post(f"/staff/alpha/documents/{document.pk}/withdraw/")
    document.signature_request.refresh_from_db()
    assert document.signature_request.status == SignatureStatus.WITHDRAWN
    with open(document.file.path, "ab") as handle:
        handle.write(b"x")
    assert "no longer matches the SHA-256" in client.get(f"/staff/alpha/documents/{document.pk}/").text


@pytest.mark.parametrize("suffix", ["", "file/", "pages/1.png"])
def test_document_pages_are_scoped_to_the_clinics_team(world, suffix):
    document = upload(world)
    assert_staff_url_is_scoped(world, f"/staff/alpha/documents/{document.pk}/{suffix}")


def test_another_clinic_gets_404_and_cannot_withdraw(world):
    document = upload(world)
    outsider = client_for(world.owner_b)
    for suffix in ("", "file/", "signed-copy.pdf"):
        assert outsider.get(f"/staff/beta/documents/{document.pk}/{suffix}").status_code == 404
    assert outsider.post(f"/staff/beta/documents/{document.pk}/withdraw/").status_code == 404
    assert outsider.get(f"/staff/beta/patients/{world.p1.pk}/documents/new/").status_code == 404
    document.signature_request.refresh_from_db()
    assert document.signature_request.status == SignatureStatus.PENDING


def signed(world, patient=None, title="Consent form"):
    from tests.documents.test_signing import sign

    document = upload(world, patient=patient, title=title)
    signer = {world.p1: world.patient_user_1, world.p2: world.patient_user_2}.get(patient or world.p1)
    return document, sign(world, document, signer=signer)


def test_the_evidence_page_shows_who_signed_what_when_and_from_where(world):
    from patientportal.documents.models import Signature
    from tests.portal.test_document_pages import sign_data

    document = upload(world)
    patient = client_for(world.patient_user_1)
    patient.get(f"/portal/documents/{document.pk}/sign/", HTTP_USER_AGENT="Test browser 1.0")
    patient.post(f"/portal/documents/{document.pk}/sign/", sign_data(document), HTTP_USER_AGENT="Test browser 1.0")
    signature = Signature.objects.get()
    page = client_for(world.staff_a).get(f"/staff/alpha/documents/{document.pk}/").text
    for shown in (
        "Paula One (paula@example.com)",
        "127.0.0.1",
        "Test browser 1.0",
        signature.document_sha256,
        signature.signed_copy_sha256,
        signature.consent_sha256,
        signature.consent_version,
        signature.acknowledgement_version,
        "Signature requested",
        "Opened by the signer",
        "Consented to sign electronically",
    ):
        assert shown in page, shown
    image = client_for(world.staff_a).get(f"/staff/alpha/documents/{document.pk}/signature.png")
    assert image["Content-Type"] == "image/png" and b"".join(image.streaming_content).startswith(b"\x89PNG")


@pytest.mark.parametrize("suffix", ["signed-copy.pdf", "signature.png"])
def test_a_signed_copy_and_signature_image_are_scoped_to_the_clinics_team(world, suffix):
    document, _ = signed(world)
    assert_staff_url_is_scoped(world, f"/staff/alpha/documents/{document.pk}/{suffix}")
    assert client_for(world.owner_b).get(f"/staff/beta/documents/{document.pk}/{suffix}").status_code == 404


def test_a_file_over_10_mb_is_refused_before_it_is_read(world, monkeypatch):
    from patientportal.documents.files import MAX_BYTES

    def never(**kwargs):
        raise AssertionError("an oversized file must be refused before its bytes are read and stored")

    monkeypatch.setattr("patientportal.staff.document_views.document_upload", never)
    data = {
        **management(1),
        **row(0, file=browser_file("big.pdf", b"%PDF-" + b"0" * MAX_BYTES), title="Big", doc_type="other"),
    }
    response = client_for(world.staff_a).post(f"/staff/alpha/patients/{world.p1.pk}/documents/new/", data)
    assert response.status_code == 400 and "The file is larger than 10 MB." in response.text
    assert not Document.objects.exists()


def test_a_damaged_pdf_gets_a_message_not_an_error_page(world):
    data = {
        **management(1),
        **row(0, file=browser_file("labs.pdf", b"%PDF-1.7\nbroken"), title="Labs", doc_type="lab_result"),
    }
    response = client_for(world.staff_a).post(f"/staff/alpha/patients/{world.p1.pk}/documents/new/", data)
    assert response.status_code == 400 and "damaged or protected by a password" in response.text
    assert not Document.objects.exists()


def test_a_signature_request_emails_who_can_sign_without_saying_what_it_is(
    world, django_capture_on_commit_callbacks, mailoutbox
):
    from patientportal.patients.services import portal_access_grant

    portal_access_grant(user=world.patient_user_2, patient=world.p1, actor=world.staff_a)  # a family member too
    world.clinic_a.time_zone = "America/Los_Angeles"
    world.clinic_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        document = upload(world, title="HIV test consent", sign_days=3)
    assert sorted(message.to[0] for message in mailoutbox) == ["paula@example.com", "peter@example.com"]
    message = mailoutbox[0]
    due = document.signature_request.expires_at.astimezone(world.clinic_a.zone).date()
    assert message.subject.endswith("Alpha Clinic asks you to sign a document")
    assert f"{due:%B} {due.day}, {due.year}" in message.body
    link = urlsplit(re.search(r"http\S+/portal/documents/\?record=\S+", message.body).group(0))
    # Peter, who also has Paula's record, lands on it: her document is listed.
    assert "HIV test consent" in client_for(world.patient_user_2).get(f"{link.path}?{link.query}").text
    assert world.p1.full_name in message.body
    html = message.alternatives[0][0]
    assert "HIV" not in message.body and "HIV" not in message.subject and "HIV" not in html


def test_a_reference_document_sends_no_email_and_staff_are_told_when_nobody_can_sign(
    world, django_capture_on_commit_callbacks, mailoutbox
):
    from patientportal.patients.models import PortalAccess

    with django_capture_on_commit_callbacks(execute=True):
        upload(world, sign_days=None, title="Lipid panel")
    assert mailoutbox == []
    PortalAccess.objects.filter(patient=world.p1).update(status="disabled")
    with django_capture_on_commit_callbacks(execute=True):
        response = post_one_form_to_sign(world)
    assert "has no active portal account, so nobody can sign yet" in response.text
    assert mailoutbox == []


def test_email_subjects_are_plain_text(world, django_capture_on_commit_callbacks, mailoutbox):
    world.clinic_a.name = "Harbor Dermatology & Wellness"
    world.clinic_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        upload(world)
    assert mailoutbox[0].subject.endswith("Harbor Dermatology & Wellness asks you to sign a document")
    assert "Harbor Dermatology & Wellness has added" in mailoutbox[0].body


def test_staff_ask_to_sign_a_reference_document_and_again_after_it_expired(
    world, django_capture_on_commit_callbacks, mailoutbox
):
    from django.utils import timezone

    from patientportal.documents.models import SignatureRequest

    reference = upload(world, sign_days=None, visible=False, title="Photo consent")
    client = client_for(world.staff_a)
    page = client.get(f"/staff/alpha/documents/{reference.pk}/")
    assert "Ask the patient to sign" in page.text
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(f"/staff/alpha/documents/{reference.pk}/request-signature/", {"due_days": "5"}, follow=True)
    assert "The patient has been asked to sign." in done.text
    reference.refresh_from_db()
    request = reference.signature_request
    assert request.status == SignatureStatus.PENDING and reference.visible_in_portal
    assert [message.to for message in mailoutbox] == [["paula@example.com"]]
    assert "Ask the patient to sign" not in done.text and "Ask again" not in done.text
    # Asking while one is pending is refused.
    again = client.post(f"/staff/alpha/documents/{reference.pk}/request-signature/", {"due_days": "5"}, follow=True)
    assert "already waiting for a signature" in again.text
    # Once it has expired, staff ask again: the same request, its timeline goes on.
    SignatureRequest.objects.filter(pk=request.pk).update(expires_at=timezone.now())
    assert "Ask again" in client.get(f"/staff/alpha/documents/{reference.pk}/").text
    client.post(f"/staff/alpha/documents/{reference.pk}/request-signature/", {"due_days": "10"})
    request.refresh_from_db()
    assert request.display_status() == SignatureStatus.PENDING and request.expires_at > timezone.now()
    assert list(request.events.values_list("kind", flat=True)) == ["requested", "requested"]
    assert client_for(world.patient_user_1).get(f"/portal/documents/{reference.pk}/sign/").status_code == 200


def test_a_withdrawn_request_can_be_asked_again_but_a_signed_one_or_a_word_file_cannot(world):
    from tests.documents.test_files import office_zip
    from tests.documents.test_signing import sign

    client = client_for(world.staff_a)
    withdrawn = upload(world, title="Withdrawn")
    client.post(f"/staff/alpha/documents/{withdrawn.pk}/withdraw/")
    client.post(f"/staff/alpha/documents/{withdrawn.pk}/request-signature/", {"due_days": "7"})
    withdrawn.signature_request.refresh_from_db()
    assert withdrawn.signature_request.status == SignatureStatus.PENDING
    assert withdrawn.signature_request.withdrawn_at is None
    signed_document = upload(world, title="Signed")
    sign(world, signed_document)
    refused = client.post(
        f"/staff/alpha/documents/{signed_document.pk}/request-signature/", {"due_days": "7"}, follow=True
    )
    assert "already waiting for a signature, or is signed" in refused.text
    word = upload(world, data=office_zip("word"), filename="letter.docx", sign_days=None, title="Letter")
    assert "Ask the patient to sign" not in client.get(f"/staff/alpha/documents/{word.pk}/").text
    refused = client.post(f"/staff/alpha/documents/{word.pk}/request-signature/", {"due_days": "7"}, follow=True)
    assert "Only a PDF or an image can be sent for signature" in refused.text
    bad_days = client.post(f"/staff/alpha/documents/{withdrawn.pk}/request-signature/", {"due_days": "0"}, follow=True)
    assert "Choose when the signature is due (1 to 365 days)." in bad_days.text


def test_asking_to_sign_is_scoped_to_the_clinics_team_and_needs_the_add_on(world):
    from patientportal.clinics.features import Plan

    reference = upload(world, sign_days=None, title="Reference")
    assert_staff_url_is_scoped(
        world, f"/staff/alpha/documents/{reference.pk}/request-signature/", method="post", data={"due_days": "5"}
    )
    other = upload(world, sign_days=None, title="Another")
    world.clinic_a.plan, world.clinic_a.add_ons = Plan.PREMIUM, []
    world.clinic_a.save()
    client = client_for(world.staff_a)
    assert "Ask the patient to sign" not in client.get(f"/staff/alpha/documents/{other.pk}/").text
    refused = client.post(f"/staff/alpha/documents/{other.pk}/request-signature/", {"due_days": "5"}, follow=True)
    assert "part of the Portal Add-on" in refused.text
    assert not hasattr(Document.objects.get(pk=other.pk), "signature_request")


def test_a_deactivated_account_is_not_emailed_and_does_not_count_as_a_signer(
    world, django_capture_on_commit_callbacks, mailoutbox
):
    world.patient_user_1.is_active = False
    world.patient_user_1.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_one_form_to_sign(world)
    assert "nobody can sign yet" in response.text
    assert mailoutbox == []


def test_asking_to_sign_a_stored_file_pdfium_cannot_open_gives_a_message(world):
    from django.core.files.base import ContentFile

    from patientportal.documents.files import sha256_hex

    broken = b"%PDF-1.7\nnot really a PDF"
    document = Document(
        clinic=world.clinic_a,
        patient=world.p1,
        doc_type="other",
        title="Old scan",
        content_type="application/pdf",
        size=len(broken),
        sha256=sha256_hex(broken),
        uploaded_by=world.staff_a,
    )
    document.file.save("old", ContentFile(broken))
    response = client_for(world.staff_a).post(
        f"/staff/alpha/documents/{document.pk}/request-signature/", {"due_days": "7"}, follow=True
    )
    assert response.status_code == 200 and "A signed copy cannot be made from this file" in response.text
    assert not hasattr(Document.objects.get(pk=document.pk), "signature_request")


def test_several_files_to_sign_uploaded_together_make_one_email(world, django_capture_on_commit_callbacks, mailoutbox):
    data = {**management(3)}
    for index in range(3):
        data.update(
            row(
                index,
                file=browser_file(f"form{index}.pdf", pdf_bytes(f"Form {index}")),
                title=f"Form {index}",
                doc_type="consent_form",
                signature_required="on" if index < 2 else "",
                due_days=str(10 + index),
            )
        )
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world.staff_a).post(f"/staff/alpha/patients/{world.p1.pk}/documents/new/", data)
    assert Document.objects.count() == 3
    [message] = mailoutbox
    assert message.subject.endswith("Alpha Clinic asks you to sign 2 documents")
    assert "has added 2 documents for Paula One to sign" in message.body and "The first is due by" in message.body


def test_the_record_shows_the_newest_ten_and_all_documents_come_25_a_page(world):
    for index in range(27):
        upload(world, sign_days=None, data=f"Note {index}".encode(), filename="n.txt", title=f"Note {index:02d}")
    client = client_for(world.staff_a)
    record = client.get(f"/staff/alpha/patients/{world.p1.pk}/")
    assert (
        record.text.count("/staff/alpha/documents/") == 10 and "Note 26" in record.text and "Note 16" not in record.text
    )
    assert f'href="/staff/alpha/patients/{world.p1.pk}/documents/"' in record.text
    first = client.get(f"/staff/alpha/patients/{world.p1.pk}/documents/")
    assert "27 documents, newest first" in first.text and "Page 1 of 2" in first.text
    second = client.get(f"/staff/alpha/patients/{world.p1.pk}/documents/?page=2")
    titles = [document.title for document in [*first.context["page"].object_list, *second.context["page"].object_list]]
    assert titles == [f"Note {index:02d}" for index in range(26, -1, -1)]


def test_the_patients_documents_page_is_scoped_and_needs_a_fixed_number_of_queries(world, django_assert_num_queries):
    assert_staff_url_is_scoped(world, f"/staff/alpha/patients/{world.p1.pk}/documents/")
    assert client_for(world.owner_b).get(f"/staff/beta/patients/{world.p1.pk}/documents/").status_code == 404
    client = client_for(world.staff_a)
    for count in (1, 30):
        while Document.objects.filter(patient=world.p1).count() < count:
            upload(world, sign_days=None, data=b"note", filename="n.txt", title="Note")
        client.get(f"/staff/alpha/patients/{world.p1.pk}/documents/")
        with django_assert_num_queries(QUERIES_ON_THE_PATIENTS_DOCUMENTS_PAGE):
            client.get(f"/staff/alpha/patients/{world.p1.pk}/documents/")


# Session, user, membership (with clinic), patient, the audit record, the documents' count and
# page (with requests and uploaders joined), the header's unread notifications; the session
# is saved at most once a minute.
QUERIES_ON_THE_PATIENTS_DOCUMENTS_PAGE = 8
