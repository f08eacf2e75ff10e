"""The indexes of the staff order queue at a million orders (docs/performance.md).

Not atomic: on PostgreSQL every index is built and dropped CONCURRENTLY, so orders can
still be placed meanwhile; a run that fails part-way can simply be run again.
"""

from django.db import migrations, models

QUEUE = models.Index(fields=["clinic", "created_at", "id"], name="order_queue_idx")
QUEUE_STATUS = models.Index(fields=["clinic", "status", "created_at", "id"], name="order_queue_status_idx")
# Replaced by QUEUE_STATUS, which starts with the same two columns.
OLD_CLINIC_STATUS = models.Index(fields=["clinic", "status"], name="orders_orde_clinic__b2d38f_idx")

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
    Order = apps.get_model("orders", "Order")
    _add_index(schema_editor, Order, QUEUE)
    _add_index(schema_editor, Order, QUEUE_STATUS)
    _drop_index(schema_editor, OLD_CLINIC_STATUS.name)
    # Each is the first column of a wider index: (clinic, …) above and the unique
    # (clinic, number); (patient, -created_at).
    _drop_column_indexes(schema_editor, Order, "clinic")
    _drop_column_indexes(schema_editor, Order, "patient")


def backwards(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    _add_column_index(schema_editor, Order, "patient")
    _add_column_index(schema_editor, Order, "clinic")
    _add_index(schema_editor, Order, OLD_CLINIC_STATUS)
    _drop_index(schema_editor, QUEUE_STATUS.name)
    _drop_index(schema_editor, QUEUE.name)


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
