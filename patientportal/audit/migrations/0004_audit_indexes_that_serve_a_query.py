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

ACTION = models.Index(fields=["action"], name="audit_action_idx")
PATIENT_TIME = models.Index(fields=["patient", "-occurred_at"], name="audit_audit_patient_d717b2_idx")

# Self-contained, as migrations should be: the same few helpers are in each app's index migration.


def _postgres(schema_editor):
    return schema_editor.connection.vendor == "postgresql"


def _drop_index(schema_editor, name):
    # CONCURRENTLY: reads and writes of the table go on while the index goes.
    concurrently = "CONCURRENTLY " if _postgres(schema_editor) else ""
    schema_editor.execute(f'DROP INDEX {concurrently}IF EXISTS "{name}"')


def _add_index(schema_editor, model, index):
    """Builds `index`; on PostgreSQL CONCURRENTLY, so the table can still be written
    while a table of millions of rows is indexed, and again after a failed attempt,
    which leaves an invalid index of that name behind."""
    if not _postgres(schema_editor):
        schema_editor.add_index(model, index)
        return
    _drop_if_invalid(schema_editor, index.name)
    sql = str(index.create_sql(model, schema_editor, concurrently=True))
    schema_editor.execute(sql.replace("INDEX CONCURRENTLY", "INDEX CONCURRENTLY IF NOT EXISTS", 1), params=None)


def _drop_if_invalid(schema_editor, name):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT NOT indisvalid FROM pg_index JOIN pg_class ON pg_class.oid = indexrelid WHERE relname = %s",
            [name],
        )
        row = cursor.fetchone()
    if row and row[0]:
        _drop_index(schema_editor, name)


def _column_indexes(schema_editor, model, field_name):
    """The indexes on this one column: Django's index of a ForeignKey (and, on PostgreSQL,
    the second, LIKE index of a CharField with db_index)."""
    table = model._meta.db_table
    column = model._meta.get_field(field_name).column
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(cursor, table)
    return [
        name
        for name, info in constraints.items()
        if info["index"] and not info["unique"] and not info["primary_key"] and info["columns"] == [column]
    ]


def _drop_column_indexes(schema_editor, model, field_name):
    """Drops the indexes on this one column. The foreign key constraint stays: AlterField
    would drop it and validate it again over every row."""
    for name in _column_indexes(schema_editor, model, field_name):
        _drop_index(schema_editor, name)


def _add_column_index(schema_editor, model, field_name):
    table = model._meta.db_table
    column = model._meta.get_field(field_name).column
    name = schema_editor._create_index_name(table, [column], suffix="")
    _add_index(schema_editor, model, models.Index(fields=[field_name], name=name))


def forwards(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    # Its new name first (built while the old one still serves), then Django's two old ones.
    action_indexes = _column_indexes(schema_editor, AuditEvent, "action")
    _add_index(schema_editor, AuditEvent, ACTION)
    for name in action_indexes:
        _drop_index(schema_editor, name)
    _drop_index(schema_editor, PATIENT_TIME.name)
    _drop_column_indexes(schema_editor, AuditEvent, "patient")
    _drop_column_indexes(schema_editor, AuditEvent, "clinic")


def backwards(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    _add_column_index(schema_editor, AuditEvent, "clinic")
    _add_column_index(schema_editor, AuditEvent, "patient")
    _add_index(schema_editor, AuditEvent, PATIENT_TIME)
    _add_column_index(schema_editor, AuditEvent, "action")
    if _postgres(schema_editor):  # and the LIKE index Django gives a CharField with db_index there
        name = schema_editor._create_index_name("audit_auditevent", ["action"], suffix="_like")
        schema_editor.execute(
            f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{name}" ON audit_auditevent (action varchar_pattern_ops)'
        )
    _drop_index(schema_editor, ACTION.name)


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
