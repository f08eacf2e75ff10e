"""An index for finding the invitations sent to one address, newest first: when someone confirms
their address in a browser that never opened the invitation, the newest usable invitation to that
address is carried on with. Without it that lookup reads every invitation of the installation.

Not atomic: on PostgreSQL the index is built CONCURRENTLY, so invitations can still be sent
meanwhile; a run that fails part-way can simply be run again.
"""

from django.db import migrations, models

from patientportal.core.index_migrations import add_index, drop_index

EMAIL_CREATED = models.Index(fields=["email", "-created_at"], name="invitation_email_created_idx")


def forwards(apps, schema_editor):
    add_index(schema_editor, apps.get_model("patients", "Invitation"), EMAIL_CREATED)


def backwards(apps, schema_editor):
    drop_index(schema_editor, EMAIL_CREATED.name)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("patients", "0004_invitation_superseded")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="invitation", index=EMAIL_CREATED.clone())],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
