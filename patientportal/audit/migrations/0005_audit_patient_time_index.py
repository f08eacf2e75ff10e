"""Audit events: the index of a record's events, newest first, for "Who viewed my record" and
the clinic's audit trail filtered to a patient (issue 16; docs/performance.md).

(patient_id, occurred_at DESC, id DESC) INCLUDE (actor_id): a page of one side of a record's
history (the clinic's staff, or the patient's own accounts) is chosen from the index alone,
the actor telling the sides apart without reading the table. The table stays append-only:
only an index is added.

Not atomic: on PostgreSQL the index is built CONCURRENTLY, so events can still be written
meanwhile; a run that fails part-way can simply be run again. On SQLite the index is built
without the included column (SQLite has no covering indexes).
"""

from django.db import migrations, models

from patientportal.core.index_migrations import add_index, drop_index

PATIENT_TIME = models.Index(fields=["patient", "-occurred_at", "-id"], include=["actor"], name="audit_patient_time_idx")


def forwards(apps, schema_editor):
    add_index(schema_editor, apps.get_model("audit", "AuditEvent"), PATIENT_TIME)


def backwards(apps, schema_editor):
    drop_index(schema_editor, PATIENT_TIME.name)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("audit", "0004_audit_indexes_that_serve_a_query")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="auditevent", index=PATIENT_TIME.clone())],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
