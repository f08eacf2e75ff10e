"""Appointments: the indexes nothing uses (docs/performance.md).

Clinic, patient and provider each start a wider index, (clinic, starts_at),
(patient, starts_at), (provider, starts_at), which serves every query by them; nothing
looks appointments up by appointment type or location, and those are made inactive,
never deleted. Ten million appointments paid for five indexes on every booking.

Not atomic: on PostgreSQL the indexes are dropped CONCURRENTLY, so bookings go on.
"""

from django.db import migrations, models

FIELDS = ("clinic", "patient", "provider", "appointment_type", "location")

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


def _drop_column_indexes(schema_editor, model, field_name):
    """Drops the indexes on this one column: Django's index of a ForeignKey (and, on
    PostgreSQL, the second, LIKE index of a CharField with db_index). The foreign key
    constraint stays: AlterField would drop it and validate it again over every row."""
    table = model._meta.db_table
    column = model._meta.get_field(field_name).column
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(cursor, table)
    for name, info in constraints.items():
        if info["index"] and not info["unique"] and not info["primary_key"] and info["columns"] == [column]:
            _drop_index(schema_editor, name)


def _add_column_index(schema_editor, model, field_name):
    table = model._meta.db_table
    column = model._meta.get_field(field_name).column
    name = schema_editor._create_index_name(table, [column], suffix="")
    _add_index(schema_editor, model, models.Index(fields=[field_name], name=name))


def forwards(apps, schema_editor):
    Appointment = apps.get_model("scheduling", "Appointment")
    for field_name in FIELDS:
        _drop_column_indexes(schema_editor, Appointment, field_name)


def backwards(apps, schema_editor):
    Appointment = apps.get_model("scheduling", "Appointment")
    for field_name in FIELDS:
        _add_column_index(schema_editor, Appointment, field_name)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("clinics", "0002_clinic_unpaid_order_hours"),
        ("patients", "0003_staff_list_and_search_indexes"),
        ("scheduling", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="appointment",
                    name="appointment_type",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.PROTECT,
                        related_name="appointments",
                        to="scheduling.appointmenttype",
                    ),
                ),
                migrations.AlterField(
                    model_name="appointment",
                    name="clinic",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.PROTECT,
                        related_name="appointments",
                        to="clinics.clinic",
                    ),
                ),
                migrations.AlterField(
                    model_name="appointment",
                    name="location",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=models.deletion.PROTECT,
                        related_name="+",
                        to="scheduling.location",
                    ),
                ),
                migrations.AlterField(
                    model_name="appointment",
                    name="patient",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.PROTECT,
                        related_name="appointments",
                        to="patients.patient",
                    ),
                ),
                migrations.AlterField(
                    model_name="appointment",
                    name="provider",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.PROTECT,
                        related_name="appointments",
                        to="scheduling.provider",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
