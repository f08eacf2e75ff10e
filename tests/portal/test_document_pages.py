import pytest
from django.test import Client

from patientportal.clinics.features import AddOn, Plan
from patientportal.documents.models import Signature
from patientportal.documents.services import document_upload
from tests.conftest import client_for
from tests.documents.helpers import STROKES, data_url, pdf_bytes, png_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def documents(world):
    return {
        "to_sign": upload(world, title="Consent to treatment"),
        "lab": document_upload(
            patient=world.p1,
            data=pdf_bytes("Labs"),
            filename="l.pdf",
            doc_type="lab_result",
            title="Lipid panel",
            visible_in_portal=True,
            actor=world.staff_a,
        ),
        "hidden": document_upload(
            patient=world.p1,
            data=b"internal",
            filename="n.txt",
            doc_type="other",
            title="Internal note",
            visible_in_portal=False,
            actor=world.staff_a,
        ),
        "other_patient": upload(world, patient=world.p2, title="Peter's form"),
        "other_clinic": document_upload(
            patient=world.pb,
            data=pdf_bytes("B"),
            filename="b.pdf",
            doc_type="lab_result",
            title="Bella's labs",
            visible_in_portal=True,
            actor=world.owner_b,
        ),
    }


def lab_result(world, title):
    """A small reference document in Paula's portal."""
    return upload(world, sign_days=None, data=title.encode(), filename="r.txt", doc_type="lab_result", title=title)


def sign_data(document, **overrides):
    return {
        "full_name": "Paula One",
        "method": "drawn",
        "signature_image": data_url(png_bytes()),
        "signature_strokes": STROKES,
        "consent": "on",
        "acknowledge": "on",
        "shown_sha256": document.sha256,
        **overrides,
    }


def test_the_list_puts_what_to_sign_first_with_a_count_and_never_shows_hidden_documents(world, documents):
    page = client_for(world.patient_user_1).get("/portal/documents/")
    text = page.text
    assert "1 document needs your signature" in text
    assert text.index("Consent to treatment") < text.index("Lipid panel")
    assert "Internal note" not in text and "Peter" not in text and "Bella" not in text


def test_urls_of_hidden_another_patients_or_another_clinics_documents_are_404(world, documents):
    client = client_for(world.patient_user_1)
    for name in ("hidden", "other_patient", "other_clinic"):
        document = documents[name]
        for suffix in ("", "file/", "pages/1.png", "signed-copy.pdf", "sign/"):
            assert client.get(f"/portal/documents/{document.pk}/{suffix}").status_code == 404, (name, suffix)
        assert client.post(f"/portal/documents/{document.pk}/sign/", sign_data(document)).status_code == 404
    assert not Signature.objects.exists()
    assert Client().get(f"/portal/documents/{documents['lab'].pk}/file/").status_code == 302


def test_files_are_sent_with_their_type_nosniff_and_a_safe_name(world, documents):
    response = client_for(world.patient_user_1).get(f"/portal/documents/{documents['lab'].pk}/file/")
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == 'attachment; filename="Lipid-panel.pdf"'
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    page = client_for(world.patient_user_1).get(f"/portal/documents/{documents['lab'].pk}/pages/1.png")
    assert page["Content-Type"] == "image/png" and page.content.startswith(b"\x89PNG")
    assert (
        client_for(world.patient_user_1).get(f"/portal/documents/{documents['lab'].pk}/pages/9.png").status_code == 404
    )


def test_signing_through_the_page_records_the_signature_and_shows_it_signed(world, documents):
    client = client_for(world.patient_user_1)
    document = documents["to_sign"]
    form = client.get(f"/portal/documents/{document.pk}/sign/")
    assert "Consent to do business electronically" in form.text and "right to a paper copy" in form.text
    assert 'src="/static/vendor/signature_pad/signature_pad.umd.min.js"' in form.text
    done = client.post(f"/portal/documents/{document.pk}/sign/", sign_data(document), follow=True)
    assert "is signed" in done.text
    signature = Signature.objects.get()
    assert signature.method == "drawn" and signature.ip_address == "127.0.0.1"
    listing = client.get("/portal/documents/")
    assert "Signed documents" in listing.text and "needs your signature" not in listing.text
    copy = client.get(f"/portal/documents/{document.pk}/signed-copy.pdf")
    assert copy["Content-Type"] == "application/pdf" and b"".join(copy.streaming_content).startswith(b"%PDF-")
    again = client.post(f"/portal/documents/{document.pk}/sign/", sign_data(document), follow=True)
    assert "not waiting for your signature" in again.text
    assert Signature.objects.count() == 1


def test_typing_the_name_works_without_drawing(world, documents):
    document = documents["to_sign"]
    client_for(world.patient_user_1).post(
        f"/portal/documents/{document.pk}/sign/",
        sign_data(document, method="typed", signature_image="", signature_strokes=""),
    )
    assert Signature.objects.get().method == "typed"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"consent": ""}, "Please agree to do business electronically."),
        ({"acknowledge": ""}, "Please confirm that you understand your electronic signature is binding."),
        ({"signature_image": ""}, "Please draw your signature"),
        ({"signature_image": data_url(b"<script>")}, "could not be read"),
        ({"full_name": ""}, "This field is required."),
    ],
)
def test_missing_or_forged_parts_are_refused_with_a_message_and_nothing_is_signed(world, documents, overrides, message):
    document = documents["to_sign"]
    response = client_for(world.patient_user_1).post(
        f"/portal/documents/{document.pk}/sign/", sign_data(document, **overrides)
    )
    assert response.status_code == 400 and message in response.text
    assert not Signature.objects.exists()


def test_without_the_add_on_signing_is_absent_but_reference_documents_remain(world, documents):
    world.clinic_a.plan, world.clinic_a.add_ons = Plan.PREMIUM, []
    world.clinic_a.save()
    client = client_for(world.patient_user_1)
    page = client.get("/portal/documents/")
    assert "needs your signature" not in page.text and "Review and sign" not in page.text
    assert "Lipid panel" in page.text and "Consent to treatment" in page.text
    assert client.get(f"/portal/documents/{documents['to_sign'].pk}/sign/").status_code == 403
    assert client.get(f"/portal/documents/{documents['lab'].pk}/file/").status_code == 200
    world.clinic_a.plan = Plan.PROFESSIONAL
    world.clinic_a.save()
    assert 'href="/portal/documents/"' in client.get("/portal/").text


def test_the_dashboard_card_counts_documents_to_sign(world, documents):
    world.clinic_a.add_ons = [AddOn.PORTAL]
    world.clinic_a.save()
    page = client_for(world.patient_user_1).get("/portal/")
    assert "1 document to sign" in page.text and 'href="/portal/documents/"' in page.text


def test_downloads_are_audited(world, documents):
    from patientportal.audit.models import AuditEvent

    client_for(world.patient_user_1).get(f"/portal/documents/{documents['lab'].pk}/file/")
    client_for(world.staff_a).get(f"/staff/alpha/documents/{documents['lab'].pk}/file/")
    events = AuditEvent.objects.filter(action="documents.document.downloaded").order_by("id")
    assert [(event.actor, event.patient, event.object_id) for event in events] == [
        (world.patient_user_1, world.p1, str(documents["lab"].pk)),
        (world.staff_a, world.p1, str(documents["lab"].pk)),
    ]


def test_signed_copies_of_another_patients_or_clinics_signed_documents_are_404(world, documents):
    from tests.documents.test_signing import sign

    sign(world, documents["other_patient"], signer=world.patient_user_2, typed_name="Peter Two")
    world.clinic_b.add_ons = [AddOn.PORTAL]
    world.clinic_b.save()
    bella_form = document_upload(
        patient=world.pb,
        data=pdf_bytes("Consent"),
        filename="c.pdf",
        doc_type="consent_form",
        title="Bella's consent",
        signature_due_days=30,
        actor=world.owner_b,
    )
    sign(world, bella_form, signer=world.patient_user_b, typed_name="Bella B")
    client = client_for(world.patient_user_1)
    for document in (documents["other_patient"], bella_form):
        for suffix in ("", "file/", "signed-copy.pdf"):
            assert client.get(f"/portal/documents/{document.pk}/{suffix}").status_code == 404, suffix
    own = client_for(world.patient_user_2).get(f"/portal/documents/{documents['other_patient'].pk}/signed-copy.pdf")
    assert own.status_code == 200


def test_a_title_in_any_script_gives_a_working_download_name(world):
    document = upload(world, sign_days=None, doc_type="lab_result", title="Résultats sanguins — 血液検査")
    response = client_for(world.patient_user_1).get(f"/portal/documents/{document.pk}/file/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="R_sultats-sanguins-_-____.pdf"; '
        "filename*=utf-8''R%C3%A9sultats-sanguins-_-%E8%A1%80%E6%B6%B2%E6%A4%9C%E6%9F%BB.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_due_date_shown_is_the_last_day_to_sign_in_the_clinics_time_zone(world):
    import datetime
    import zoneinfo

    from django.utils import timezone

    # West of UTC the last moment of a local day is already the next day in UTC, so a page
    # showing the date in UTC would say one day too late.
    world.clinic_a.time_zone = "America/Los_Angeles"
    world.clinic_a.save()
    upload(world, title="Consent to treatment", sign_days=3)
    due = timezone.localtime(timezone.now(), zoneinfo.ZoneInfo("America/Los_Angeles")).date() + datetime.timedelta(
        days=3
    )
    page = client_for(world.patient_user_1).get("/portal/documents/").text
    assert f"Please sign by {due:%b} {due.day}, {due.year}" in page


@pytest.mark.parametrize("count", [1, 6])
def test_the_documents_page_needs_a_fixed_number_of_queries(world, count, django_assert_num_queries):
    from tests.documents.test_signing import sign

    for index in range(count):
        upload(world, title=f"To sign {index}")
        sign(world, upload(world, title=f"Signed {index}"))
        lab_result(world, f"Result {index}")
    client = client_for(world.patient_user_1)
    client.get("/portal/documents/")
    # Session, user, portal access (with patient and clinic), the documents to sign and signed with
    # their requests and signatures in one query, the other documents' count and page, the audit
    # record and the cart count (no session save within a minute of the last).
    with django_assert_num_queries(8):
        page = client.get("/portal/documents/")
    assert page.text.count("Review and sign") == count and page.text.count("Download signed copy") == count
    assert "Result 0" in page.text


def test_opening_a_document_records_who_saw_which_document(world, documents):
    from patientportal.audit.models import AuditEvent

    lab = documents["lab"]
    client_for(world.patient_user_1).get(f"/portal/documents/{lab.pk}/")
    client_for(world.staff_a).get(f"/staff/alpha/documents/{lab.pk}/")
    events = AuditEvent.objects.filter(action="documents.document.viewed").order_by("id")
    assert [(event.actor, event.patient, event.object_id) for event in events] == [
        (world.patient_user_1, world.p1, str(lab.pk)),
        (world.staff_a, world.p1, str(lab.pk)),
    ]


def test_a_request_that_expired_says_so_in_the_list(world, documents):
    from django.utils import timezone

    from patientportal.documents.models import SignatureRequest

    SignatureRequest.objects.filter(document=documents["to_sign"]).update(expires_at=timezone.now())
    page = client_for(world.patient_user_1).get("/portal/documents/").text
    assert "needs your signature" not in page
    other = page[page.index("Other documents") :]
    assert (
        "Consent to treatment" in other and "Signing expired" in other and "Ask the clinic to send it again." in other
    )
    assert other.count("Signing expired") == 1
    world.clinic_a.plan, world.clinic_a.add_ons = Plan.PREMIUM, []  # the clinic can no longer ask again
    world.clinic_a.save()
    page = client_for(world.patient_user_1).get("/portal/documents/").text
    assert "Signing expired" in page and "Ask the clinic to send it again." not in page


def test_other_documents_come_twenty_a_page_newest_first_below_those_to_sign(world, documents):
    for index in range(24):
        lab_result(world, f"Result {index:02d}")
    client = client_for(world.patient_user_1)
    first = client.get("/portal/documents/")
    titles = [document.title for document in first.context["page"].object_list]
    assert len(titles) == 20 and titles[0] == "Result 23" and "Page 1 of 2" in first.text
    assert "1 document needs your signature" in first.text
    second = client.get("/portal/documents/?page=2")
    titles += [document.title for document in second.context["page"].object_list]
    # Every other document exactly once: the 24 results and the lab report, never the one to sign or hidden.
    assert sorted(titles) == sorted([f"Result {index:02d}" for index in range(24)] + ["Lipid panel"])
    assert client.get("/portal/documents/?page=99").context["page"].number == 2
