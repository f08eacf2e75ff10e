"""The index reconciliation reads payments by: their state, and when they began (checkouts still open
after a while, payments taken in the last days).

Not atomic: on PostgreSQL the index is built CONCURRENTLY, so payments can still be written meanwhile;
a run that fails part-way can simply be run again.
"""

from django.db import migrations, models

from patientportal.core.index_migrations import add_index, drop_index

STATUS_CREATED = models.Index(fields=["status", "created_at"], name="payment_status_created_idx")


def forwards(apps, schema_editor):
    add_index(schema_editor, apps.get_model("payments", "Payment"), STATUS_CREATED)


def backwards(apps, schema_editor):
    drop_index(schema_editor, STATUS_CREATED.name)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("payments", "0006_payment_issues_and_reconciled_at"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="payment", index=STATUS_CREATED.clone())],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
