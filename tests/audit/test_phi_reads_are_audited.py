"""Every read of health information leaves an audit event (HIPAA 164.312(b); issue #13):
the pages that did not, and the images and files those pages load, which can be fetched
on their own. Each test reads once and names the event an auditor would look for."""

import datetime

import pytest
from django.utils import timezone

from patientportal.audit.models import AuditEvent
from tests.conftest import client_for
from tests.documents.helpers import blank_pdf, upload
from tests.documents.test_signing import sign
from tests.factories import AppointmentFactory
from tests.orders.helpers import place_order

pytestmark = pytest.mark.django_db


def events(action, **filters):
    return list(AuditEvent.objects.filter(action=action, **filters))


@pytest.fixture
def pdf(world):
    return upload(world, data=blank_pdf(pages=2), sign_days=None, filename="labs.pdf")


def test_a_portal_page_image_is_audited_with_its_page_number(world, pdf):
    response = client_for(world.patient_user_1).get(f"/portal/documents/{pdf.pk}/pages/2.png")
    assert response.status_code == 200
    [event] = events("documents.document.page_viewed")
    assert (event.actor, event.patient_id, event.object_id, event.metadata) == (
        world.patient_user_1,
        world.p1.pk,
        str(pdf.pk),
        {"page": 2},
    )


def test_a_staff_page_image_is_audited_with_its_page_number(world, pdf):
    response = client_for(world.staff_a).get(f"/staff/alpha/documents/{pdf.pk}/pages/1.png")
    assert response.status_code == 200
    [event] = events("documents.document.page_viewed")
    assert (event.actor, event.clinic_id, event.patient_id, event.metadata) == (
        world.staff_a,
        world.clinic_a.pk,
        world.p1.pk,
        {"page": 1},
    )


def test_a_page_that_does_not_exist_showed_nothing_and_is_not_a_read(world, pdf):
    assert client_for(world.staff_a).get(f"/staff/alpha/documents/{pdf.pk}/pages/9.png").status_code == 404
    assert not events("documents.document.page_viewed")


def test_the_staff_signature_image_is_audited(world):
    document = upload(world)
    sign(world, document)
    response = client_for(world.staff_a).get(f"/staff/alpha/documents/{document.pk}/signature.png")
    assert response.status_code == 200
    [event] = events("documents.document.signature_image_viewed")
    assert (event.actor, event.patient_id, event.object_id) == (world.staff_a, world.p1.pk, str(document.pk))


def test_the_staff_schedule_is_audited_naming_the_patients_shown(world):
    tomorrow = timezone.localtime(timezone.now(), world.clinic_a.zone).date() + datetime.timedelta(days=1)
    noon = datetime.datetime.combine(tomorrow, datetime.time(12), tzinfo=world.clinic_a.zone)
    first = AppointmentFactory(patient=world.p1, starts_at=noon)
    second = AppointmentFactory(patient=world.p2, starts_at=noon + datetime.timedelta(hours=1))
    response = client_for(world.staff_a).get(f"/staff/alpha/schedule/?date={tomorrow.isoformat()}")
    assert response.status_code == 200
    [event] = events("scheduling.schedule.viewed")
    assert (event.actor, event.clinic_id) == (world.staff_a, world.clinic_a.pk)
    assert event.metadata == {
        "day": tomorrow.isoformat(),
        "appointment_ids": [first.pk, second.pk],
        "patient_ids": sorted([world.p1.pk, world.p2.pk]),
    }


def test_the_staff_order_detail_is_audited(world):
    order = place_order(world)
    response = client_for(world.staff_a).get(f"/staff/alpha/orders/{order.pk}/")
    assert response.status_code == 200
    [event] = events("orders.order.viewed")
    assert (event.actor, event.clinic_id, event.patient_id, event.object_id) == (
        world.staff_a,
        world.clinic_a.pk,
        world.p1.pk,
        str(order.pk),
    )


def test_the_staff_order_queue_is_audited_naming_the_patients_shown(world):
    first, second = place_order(world), place_order(world, patient=world.p2)
    response = client_for(world.staff_a).get("/staff/alpha/orders/?queue=all")
    assert response.status_code == 200
    [event] = events("orders.queue.viewed")
    assert (event.actor, event.clinic_id) == (world.staff_a, world.clinic_a.pk)
    assert event.metadata == {
        "queue": "all",
        "order_ids": [first.pk, second.pk],
        "patient_ids": sorted([world.p1.pk, world.p2.pk]),
    }


def test_the_staff_patient_edit_form_is_audited(world):
    response = client_for(world.staff_a).get(f"/staff/alpha/patients/{world.p1.pk}/edit/")
    assert response.status_code == 200
    assert world.p1.last_name in response.text
    [event] = events("patients.patient.viewed", metadata__page="edit_form")
    assert (event.actor, event.patient_id) == (world.staff_a, world.p1.pk)
