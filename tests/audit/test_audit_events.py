import pytest
from django.db import DatabaseError, connection, transaction

from patientportal.audit import services as audit
from patientportal.audit.models import AppendOnlyError, AuditEvent

pytestmark = pytest.mark.django_db


def test_events_cannot_be_changed_or_deleted_through_the_application(world):
    event = audit.record(action="test.thing.done", actor=world.staff_a, clinic=world.clinic_a, obj=world.p1)
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.thing.done"


@pytest.mark.postgres
def test_postgresql_refuses_raw_updates_and_deletes(world):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    event = audit.record(action="test.thing.done", actor=world.staff_a)
    for statement in ("UPDATE audit_auditevent SET action = 'forged'", "DELETE FROM audit_auditevent"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AuditEvent.objects.get(pk=event.pk).action == "test.thing.done"


def test_an_event_records_the_object_and_who(world):
    event = audit.record(
        action="patients.patient.viewed", actor=world.staff_a, clinic=world.clinic_a, patient=world.p1, obj=world.p1
    )
    assert (event.object_type, event.object_id) == ("patients.patient", str(world.p1.pk))
    assert event.actor_email == "staff@alpha.example"
    assert AuditEvent.objects.for_patient(world.p1).get() == event
    assert AuditEvent.objects.for_clinic(world.clinic_b).count() == 0


def test_a_refused_request_is_audited_with_who_and_where(world):
    from tests.conftest import client_for

    client_for(world.owner_b).get(f"/staff/alpha/patients/{world.p1.pk}/")
    client_for(world.staff_a).post("/staff/alpha/team/", {"email": "x@alpha.example", "role": "staff"})
    denials = AuditEvent.objects.filter(action="access.denied").order_by("id")
    assert [(event.actor, event.metadata["status"], event.metadata["path"]) for event in denials] == [
        (world.owner_b, 404, f"/staff/alpha/patients/{world.p1.pk}/"),
        (world.staff_a, 403, "/staff/alpha/team/"),
    ]
