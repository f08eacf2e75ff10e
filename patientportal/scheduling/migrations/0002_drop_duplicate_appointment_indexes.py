"""Appointments: the indexes nothing uses (docs/performance.md).

Clinic, patient and provider each start a wider index, (clinic, starts_at),
(patient, starts_at), (provider, starts_at), which serves every query by them; nothing
looks appointments up by appointment type or location, and those are made inactive,
never deleted. Ten million appointments paid for five indexes on every booking.

Not atomic: on PostgreSQL the indexes are dropped CONCURRENTLY, so bookings go on.
"""

from django.db import migrations, models

from patientportal.core.index_migrations import add_column_index, drop_column_indexes

FIELDS = ("clinic", "patient", "provider", "appointment_type", "location")


def forwards(apps, schema_editor):
    Appointment = apps.get_model("scheduling", "Appointment")
    for field_name in FIELDS:
        drop_column_indexes(schema_editor, Appointment, field_name)


def backwards(apps, schema_editor):
    Appointment = apps.get_model("scheduling", "Appointment")
    for field_name in FIELDS:
        add_column_index(schema_editor, Appointment, field_name)


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
