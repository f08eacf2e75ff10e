"""The indexes of the staff patient list and search at a million patients (docs/performance.md).

Not atomic: on PostgreSQL every index is built and dropped CONCURRENTLY, so patient
records can still be written meanwhile; a run that fails part-way can simply be run
again. The search's trigram indexes (PostgreSQL's pg_trgm extension) and its index of
email addresses' beginnings (an operator class of PostgreSQL's) exist only there:
Django cannot declare them in Meta.indexes without breaking SQLite, which searches
without them.
"""

from django.db import DatabaseError, migrations, models
from django.db.models.functions import Lower

NAME_ORDER = models.Index(
    models.F("clinic"), Lower("last_name"), Lower("first_name"), models.F("id"), name="patient_clinic_name_id_idx"
)
BIRTH = models.Index(fields=["clinic", "date_of_birth"], name="patient_clinic_birth_idx")
# Replaced by NAME_ORDER: its clinic came last, so it could not serve one clinic's list.
OLD_NAME = models.Index(Lower("last_name"), Lower("first_name"), "clinic", name="patient_clinic_name_idx")

# Each is on exactly the expression patients.selectors searches with: PostgreSQL uses an
# expression index only for the very same expression. The name index is on UPPER() of
# NameText (the icontains lookup adds the UPPER() and the cast), the phone index on
# PhoneDigits, the email index on what the istartswith lookup compares (LIKE 'ANA.R%'
# uses a B-tree only with text_pattern_ops, whatever the database's collation).
SEARCH_INDEXES = {
    "patient_name_trgm_idx": "USING gin ((UPPER((' ' || first_name || ' ' || last_name)::text)) gin_trgm_ops)",
    "patient_phone_trgm_idx": "USING gin ((regexp_replace(phone, '[^0-9]', '', 'g')) gin_trgm_ops)",
    "patient_email_prefix_idx": "(clinic_id, (UPPER(email::text)) text_pattern_ops)",
}

NO_EXTENSION = (
    "The patient search needs PostgreSQL's pg_trgm extension, and this database user may not "
    "create it. Have it created once in this database by its owner (pg_trgm is a trusted "
    "extension from PostgreSQL 13 on) or by a superuser: CREATE EXTENSION IF NOT EXISTS pg_trgm; "
    "then run migrate again. See docs/performance.md."
)

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
    Patient = apps.get_model("patients", "Patient")
    if _postgres(schema_editor):
        try:  # first: if the role may not, nothing has changed yet
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError as error:
            raise RuntimeError(NO_EXTENSION) from error
    _add_index(schema_editor, Patient, NAME_ORDER)
    _add_index(schema_editor, Patient, BIRTH)
    _drop_index(schema_editor, OLD_NAME.name)
    _drop_column_indexes(schema_editor, Patient, "clinic")
    if not _postgres(schema_editor):
        return
    for name, definition in SEARCH_INDEXES.items():
        _drop_if_invalid(schema_editor, name)
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON patients_patient {definition}")


def backwards(apps, schema_editor):
    Patient = apps.get_model("patients", "Patient")
    if _postgres(schema_editor):
        for name in SEARCH_INDEXES:
            _drop_index(schema_editor, name)
        # The extension stays: other database objects may use it by now.
    _add_column_index(schema_editor, Patient, "clinic")
    _add_index(schema_editor, Patient, OLD_NAME)
    _drop_index(schema_editor, BIRTH.name)
    _drop_index(schema_editor, NAME_ORDER.name)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("clinics", "0002_clinic_unpaid_order_hours"),
        ("patients", "0002_portal_status_and_invitations"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="patient", name=OLD_NAME.name),
                migrations.AlterField(
                    model_name="patient",
                    name="clinic",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.PROTECT,
                        related_name="patients",
                        to="clinics.clinic",
                    ),
                ),
                migrations.AddIndex(model_name="patient", index=NAME_ORDER.clone()),
                migrations.AddIndex(model_name="patient", index=BIRTH.clone()),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
