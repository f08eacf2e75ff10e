"""The staff page "Verify a signed copy": a PDF uploaded by the clinic's owners, admins and
staff is judged — an unchanged copy of one of the clinic's documents (whose, named), sealed
here but another clinic's (no names), changed after signing, or not from this portal — and
every check is audited for the verifying clinic only."""

import pytest
from django.test import Client

from patientportal.audit.models import AuditEvent
from patientportal.clinics.choices import Role
from patientportal.clinics.features import AddOn, Plan
from patientportal.documents import verification
from patientportal.documents.files import sha256_hex
from patientportal.documents.seal_certificate import certificate_files_make
from tests.access_matrix import assert_staff_url_is_scoped
from tests.conftest import client_for
from tests.documents.helpers import browser_file, pdf_bytes, upload
from tests.documents.test_seal import (
    copy_of,
    one_byte_changed_in_the_signed_range,
    saved_again_with_a_change,
    signed_copy,
)
from tests.documents.test_signing import sign
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

URL = "/staff/alpha/signed-copies/verify/"


def verify(user, data: bytes, name="consent signed.pdf"):
    return client_for(user).post(URL, {"file": browser_file(name, data)})


def last_check() -> AuditEvent:
    return AuditEvent.objects.filter(action="documents.signed_copy.verified").latest("id")


def test_an_unchanged_copy_says_whose_it_is(world):
    signature, data = signed_copy(world, title="Knee surgery consent")

    response = verify(world.staff_a, data)

    assert response.status_code == 200
    text = response.text
    assert "Unchanged: a signed copy of one of your clinic" in text
    assert "Paula One" in text and "Knee surgery consent" in text
    assert f'href="/staff/alpha/documents/{signature.request.document_id}/"' in text
    assert "Present and intact" in text and sha256_hex(data) in text
    event = last_check()
    assert (event.actor_id, event.clinic_id, event.patient_id) == (world.staff_a.pk, world.clinic_a.pk, world.p1.pk)
    assert event.object_id == str(signature.request.document_id)
    assert event.metadata == {"outcome": "unchanged", "sha256": sha256_hex(data), "size": len(data)}


def test_a_copy_changed_after_signing_is_called_changed_and_names_nobody(world):
    _signature, data = signed_copy(world, title="Knee surgery consent")

    response = verify(world.staff_a, one_byte_changed_in_the_signed_range(data))

    assert response.status_code == 200
    assert "Changed after signing" in response.text and "something in the file was altered" in response.text
    assert "Paula One" not in response.text and "Knee surgery consent" not in response.text
    assert last_check().metadata["outcome"] == "changed" and last_check().patient_id is None


def test_a_copy_saved_again_with_something_added_is_changed_too(world):
    _signature, data = signed_copy(world)

    response = verify(world.staff_a, saved_again_with_a_change(data))
    assert "Changed after signing" in response.text and "Something was added" in response.text


def test_another_clinics_copy_is_ours_but_names_nothing(world):
    world.clinic_b.plan, world.clinic_b.add_ons = Plan.PREMIUM, [AddOn.PORTAL]
    world.clinic_b.save()
    document = upload(world, patient=world.pb, title="Bella's private consent")
    signature = sign(world, document, signer=world.patient_user_b, typed_name="Bella Beta")
    data = copy_of(signature)

    response = verify(world.staff_a, data)

    text = response.text
    assert "Signed copy from this portal, unchanged — but not one of your clinic" in text
    assert "Bella" not in text and "private consent" not in text and "Beta Clinic" not in text
    event = last_check()
    assert (event.clinic_id, event.patient_id, event.object_id) == (world.clinic_a.pk, None, "")
    assert event.metadata["outcome"] == "not_this_clinics"
    # Beta's own staff are told whose it is.
    theirs = client_for(world.owner_b).post(
        "/staff/beta/signed-copies/verify/", {"file": browser_file("copy.pdf", data)}
    )
    assert "Bella Beta" in theirs.text and "private consent" in theirs.text


def test_a_pdf_not_made_here_or_sealed_by_another_certificate_is_not_from_this_portal(world, settings, tmp_path):
    assert "Not a signed copy from this portal" in verify(world.staff_a, pdf_bytes("Some PDF")).text
    assert last_check().metadata["outcome"] == "not_from_here"

    # A copy sealed by another installation (another certificate), unknown here.
    key, certificate = tmp_path / "key.pem", tmp_path / "certificate.pem"
    certificate_files_make(key_path=key, certificate_path=certificate, common_name="Elsewhere", organization="X")
    ours = settings.SEAL_KEY_PATH, settings.SEAL_CERTIFICATE_PATH
    settings.SEAL_KEY_PATH, settings.SEAL_CERTIFICATE_PATH = str(key), str(certificate)
    signature = sign(world, upload(world))
    elsewhere = copy_of(signature)
    settings.SEAL_KEY_PATH, settings.SEAL_CERTIFICATE_PATH = ours
    changed_elsewhere = one_byte_changed_in_the_signed_range(elsewhere)
    assert "Not a signed copy from this portal" in verify(world.staff_a, changed_elsewhere).text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a not a pdf at all", "This file is not a PDF"),
        (b"%PDF-1.7\n\x00\x01 garbage that no reader can open", "This PDF is damaged and cannot be read"),
    ],
)
def test_garbage_gets_a_clear_message_next_to_the_field_and_is_audited(world, data, message):
    response = verify(world.staff_a, data, name="something.pdf")

    assert response.status_code == 400
    assert message in response.text
    assert 'class="field-errors"' in response.text and "Result" not in response.text
    assert last_check().metadata["outcome"] in ("verify_not_pdf", "verify_unreadable")


def test_no_file_and_a_file_too_large_are_refused(world, monkeypatch):
    assert client_for(world.staff_a).post(URL, {}).status_code == 400
    monkeypatch.setattr(verification, "MAX_VERIFY_BYTES", 1000)
    monkeypatch.setattr("patientportal.staff.verify_views.MAX_VERIFY_BYTES", 1000)
    response = verify(world.staff_a, b"%PDF-" + b"0" * 2000)
    assert response.status_code == 400 and "larger than 20 MB" in response.text
    assert last_check().metadata["outcome"] == "verify_too_large"
    assert last_check().metadata["size"] == 1001  # read no further than the limit and one byte


def test_a_copy_made_before_sealing_began_is_still_recognised_by_its_record(world, monkeypatch):
    monkeypatch.setattr("patientportal.documents.services.seal_pdf", lambda data, keys: data)
    _signature, data = signed_copy(world, title="Old consent")
    response = verify(world.staff_a, data)
    assert "Unchanged" in response.text and "Old consent" in response.text
    assert "made before the portal sealed signed copies" in response.text


def test_after_a_rotation_old_copies_are_unchanged_and_a_changed_one_is_still_recognised(world, settings, tmp_path):
    old_certificate = settings.SEAL_CERTIFICATE_PATH
    _signature, data = signed_copy(world, title="Sealed before the rotation")
    key, certificate = tmp_path / "key.pem", tmp_path / "certificate.pem"
    certificate_files_make(key_path=key, certificate_path=certificate, common_name="New", organization="X")
    settings.SEAL_KEY_PATH, settings.SEAL_CERTIFICATE_PATH = str(key), str(certificate)

    assert "Sealed before the rotation" in verify(world.staff_a, data).text
    changed = one_byte_changed_in_the_signed_range(data)
    assert "Not a signed copy from this portal" in verify(world.staff_a, changed).text
    settings.SEAL_PREVIOUS_CERTIFICATE_PATHS = [old_certificate]
    assert "Changed after signing" in verify(world.staff_a, changed).text


def test_verifying_is_for_the_clinics_owners_admins_and_staff(world):
    assert_staff_url_is_scoped(world, URL)
    for role in (Role.OWNER, Role.ADMIN, Role.STAFF):
        user = MembershipFactory(clinic=world.clinic_a, role=role).user
        assert client_for(user).get(URL).status_code == 200, role
    provider = MembershipFactory(clinic=world.clinic_a, role=Role.PROVIDER).user
    assert client_for(provider).get(URL).status_code == 403
    _signature, data = signed_copy(world)
    assert verify(provider, data).status_code == 403
    for outsider in (world.patient_user_1, world.owner_b):
        assert verify(outsider, data).status_code == 404
    assert Client().post(URL, {"file": browser_file("copy.pdf", data)}).status_code == 302
    assert not AuditEvent.objects.filter(action="documents.signed_copy.verified").exists()
    page = client_for(world.staff_a).get(URL)
    assert 'aria-current="page">Verify a signed copy' in page.text
