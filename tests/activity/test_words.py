"""Audit actions in plain words: every code the application writes has words of its own (so no
event reads "Changed the record" by accident), and the words name what the event touched."""

import datetime
import re
from pathlib import Path

from patientportal.activity.words import ACTIONS, KINDS, KNOWN_CODES, PAGES, Labels, Voice, describe, words_for

ROOT = Path(__file__).resolve().parents[2] / "patientportal"
# action="…", audit_action="…" and the branches of f"…{'created' if created else 'updated'}" written out.
LITERAL = re.compile(r"""\b(?:audit_)?action=(?:f?)"([a-z_]+(?:\.[a-z_]+)+)"(?: if [^"]+ else "([a-z_.]+)")?""")
PAGE = re.compile(r"""what="(portal\.[a-z_.]+|[a-z_]+)\"""")


def written_codes() -> set[str]:
    codes = set()
    for path in ROOT.rglob("*.py"):
        if "/migrations/" in str(path) or "/tests/" in str(path):
            continue
        for match in LITERAL.finditer(path.read_text()):
            codes.update(code for code in match.groups() if code)
    return codes


def test_every_action_the_application_writes_has_words_of_its_own():
    codes = written_codes()
    assert {"patients.patient.viewed", "orders.order.placed", "audit.trail.exported"} <= codes  # the scan works
    missing = sorted(code for code in codes if code not in KNOWN_CODES)
    assert missing == [], f"give these actions words in patientportal/activity/words.py: {missing}"


def test_the_codes_made_from_parts_have_words_too():
    for code in [
        "patients.portal.enabled",
        "patients.portal.disabled",
        "catalog.product.created",
        "catalog.product.updated",
        "scheduling.provider.updated",
        "scheduling.appointmenttype.created",
        "documents.document.viewed",
        "documents.document.signed_copy_downloaded",
        "orders.order.status_changed",
        "scheduling.appointment.status_changed",
    ]:
        assert code in KNOWN_CODES, code


def test_every_page_of_a_record_has_words():
    pages = set()
    for path in ROOT.rglob("*.py"):
        pages.update(PAGE.findall(path.read_text()))
    pages -= {"viewed", "downloaded", "shown", "page_viewed", "signed_copy_downloaded", "signature_image_viewed"}
    assert pages and sorted(pages - set(PAGES)) == []


def words(action, voice=Voice.PORTAL, metadata=None, **labels):
    return describe(action=action, metadata=metadata or {}, labels=Labels(**labels), voice=voice)


def test_the_words_name_the_order_the_document_and_the_appointment():
    assert words("orders.order.viewed", order_number="1042") == "Viewed order 1042"
    assert words("documents.document.downloaded", document_title="Lipid panel") == (
        "Downloaded your document “Lipid panel”"
    )
    assert words("documents.document.downloaded", Voice.STAFF, document_title="Lipid panel") == (
        "Downloaded the document “Lipid panel”"
    )
    # A document the clinic does not show in the portal is not named to the patient.
    assert words("documents.document.viewed") == "Viewed a document the clinic keeps on file"
    at = datetime.datetime(2026, 3, 3, 15, 0, tzinfo=datetime.UTC)
    assert words("scheduling.appointment.booked", appointment_at=at) == "Booked your appointment on Mar 3, 2026"
    assert words("payments.payment.refunded", payment_order_number="1042") == "Refunded a payment for order 1042"


def test_the_page_fields_and_state_say_what_was_seen_or_changed():
    assert words("patients.patient.viewed", metadata={"page": "documents"}) == "Viewed your documents"
    assert words("patients.patient.viewed", Voice.STAFF, metadata={"page": "documents"}) == (
        "Viewed the record's documents"
    )
    assert words("patients.patient.viewed", metadata={"page": "a page added later"}) == "Viewed your record"
    assert words("patients.patient.updated", metadata={"fields": ["email", "phone"]}) == (
        "Changed your email address and phone number"
    )
    assert words("orders.order.status_changed", metadata={"from": "processing", "to": "ready"}, order_number="7") == (
        "Moved order 7 to “ready for pickup”"
    )


def test_a_code_without_words_still_reads_as_a_sentence():
    assert str(words_for("patients.proxy.granted", {}).to(Voice.PORTAL)) == "Gave your record"
    assert words("something.new.happened") == "Changed your record"


def test_every_kind_of_the_filter_stands_for_known_codes():
    assert all(kind.codes and set(kind.codes) <= KNOWN_CODES for kind in KINDS)
    reads = next(kind for kind in KINDS if kind.key == "reads").codes
    assert "documents.document.page_viewed" in reads and "audit.trail.exported" in reads
    assert "documents.document.uploaded" not in reads
    assert set(ACTIONS) <= KNOWN_CODES
