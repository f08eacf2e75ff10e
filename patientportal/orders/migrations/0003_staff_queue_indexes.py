"""The indexes of the staff order queue at a million orders (docs/performance.md).

Not atomic: on PostgreSQL every index is built and dropped CONCURRENTLY, so orders can
still be placed meanwhile; a run that fails part-way can simply be run again.
"""

from django.db import migrations, models

from patientportal.core.index_migrations import add_column_index, add_index, drop_column_indexes, drop_index

QUEUE = models.Index(fields=["clinic", "created_at", "id"], name="order_queue_idx")
QUEUE_STATUS = models.Index(fields=["clinic", "status", "created_at", "id"], name="order_queue_status_idx")
# Replaced by QUEUE_STATUS, which starts with the same two columns.
OLD_CLINIC_STATUS = models.Index(fields=["clinic", "status"], name="orders_orde_clinic__b2d38f_idx")


def forwards(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    add_index(schema_editor, Order, QUEUE)
    add_index(schema_editor, Order, QUEUE_STATUS)
    drop_index(schema_editor, OLD_CLINIC_STATUS.name)
    # Each is the first column of a wider index: (clinic, …) above and the unique
    # (clinic, number); (patient, -created_at).
    drop_column_indexes(schema_editor, Order, "clinic")
    drop_column_indexes(schema_editor, Order, "patient")


def backwards(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    add_column_index(schema_editor, Order, "patient")
    add_column_index(schema_editor, Order, "clinic")
    add_index(schema_editor, Order, OLD_CLINIC_STATUS)
    drop_index(schema_editor, QUEUE_STATUS.name)
    drop_index(schema_editor, QUEUE.name)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("clinics", "0002_clinic_unpaid_order_hours"),
        ("orders", "0002_ordernumbersequence_order_orderevent_orderitem_and_more"),
        ("patients", "0003_staff_list_and_search_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="order", name=OLD_CLINIC_STATUS.name),
                migrations.AlterField(
                    model_name="order",
                    name="clinic",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.PROTECT,
                        related_name="orders",
                        to="clinics.clinic",
                    ),
                ),
                migrations.AlterField(
                    model_name="order",
                    name="patient",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.PROTECT,
                        related_name="orders",
                        to="patients.patient",
                    ),
                ),
                migrations.AddIndex(model_name="order", index=QUEUE.clone()),
                migrations.AddIndex(model_name="order", index=QUEUE_STATUS.clone()),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
