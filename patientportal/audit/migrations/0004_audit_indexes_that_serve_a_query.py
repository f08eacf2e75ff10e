"""Audit events: only the indexes that serve a query (docs/performance.md).

The table is append-only and written on every page that shows health data, and each
index is paid for on each insert; nothing but the operator admin reads it. Dropped:
clinic and patient alone (each the first column of a wider index), the LIKE index
Django gives a CharField with db_index (nothing searches actions by their beginning),
and (patient, -occurred_at), which no query uses. The plain index of the action stays
(the admin's filter by action), declared in Meta now that the field has no db_index.

Not atomic: on PostgreSQL the indexes are built and dropped CONCURRENTLY, so events
can still be written meanwhile; a run that fails part-way can simply be run again.
"""

from django.db import migrations, models

from patientportal.core.index_migrations import (
    add_column_index,
    add_index,
    column_indexes,
    drop_column_indexes,
    drop_index,
    postgres,
)

ACTION = models.Index(fields=["action"], name="audit_action_idx")
PATIENT_TIME = models.Index(fields=["patient", "-occurred_at"], name="audit_audit_patient_d717b2_idx")


def forwards(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    # Its new name first (built while the old one still serves), then Django's two old ones.
    action_indexes = column_indexes(schema_editor, AuditEvent, "action")
    add_index(schema_editor, AuditEvent, ACTION)
    for name in action_indexes:
        drop_index(schema_editor, name)
    drop_index(schema_editor, PATIENT_TIME.name)
    drop_column_indexes(schema_editor, AuditEvent, "patient")
    drop_column_indexes(schema_editor, AuditEvent, "clinic")


def backwards(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    add_column_index(schema_editor, AuditEvent, "clinic")
    add_column_index(schema_editor, AuditEvent, "patient")
    add_index(schema_editor, AuditEvent, PATIENT_TIME)
    add_column_index(schema_editor, AuditEvent, "action")
    if postgres(schema_editor):  # and the LIKE index Django gives a CharField with db_index there
        name = schema_editor._create_index_name("audit_auditevent", ["action"], suffix="_like")
        schema_editor.execute(
            f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{name}" ON audit_auditevent (action varchar_pattern_ops)'
        )
    drop_index(schema_editor, ACTION.name)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("audit", "0003_state_change"),
        ("clinics", "0002_clinic_unpaid_order_hours"),
        ("patients", "0003_staff_list_and_search_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="auditevent", name=PATIENT_TIME.name),
                migrations.AlterField(
                    model_name="auditevent",
                    name="action",
                    field=models.CharField(max_length=100),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="clinic",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=models.deletion.PROTECT,
                        related_name="+",
                        to="clinics.clinic",
                    ),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="patient",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=models.deletion.PROTECT,
                        related_name="+",
                        to="patients.patient",
                    ),
                ),
                migrations.AddIndex(model_name="auditevent", index=ACTION.clone()),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
