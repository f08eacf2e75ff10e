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

from patientportal.core.index_migrations import (
    add_column_index,
    add_index,
    drop_column_indexes,
    drop_if_invalid,
    drop_index,
    postgres,
)

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


def forwards(apps, schema_editor):
    Patient = apps.get_model("patients", "Patient")
    if postgres(schema_editor):
        try:  # first: if the role may not, nothing has changed yet
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError as error:
            raise RuntimeError(NO_EXTENSION) from error
    add_index(schema_editor, Patient, NAME_ORDER)
    add_index(schema_editor, Patient, BIRTH)
    drop_index(schema_editor, OLD_NAME.name)
    drop_column_indexes(schema_editor, Patient, "clinic")
    if not postgres(schema_editor):
        return
    for name, definition in SEARCH_INDEXES.items():
        drop_if_invalid(schema_editor, name)
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON patients_patient {definition}")


def backwards(apps, schema_editor):
    Patient = apps.get_model("patients", "Patient")
    if postgres(schema_editor):
        for name in SEARCH_INDEXES:
            drop_index(schema_editor, name)
        # The extension stays: other database objects may use it by now.
    add_column_index(schema_editor, Patient, "clinic")
    add_index(schema_editor, Patient, OLD_NAME)
    drop_index(schema_editor, BIRTH.name)
    drop_index(schema_editor, NAME_ORDER.name)


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
