"""The partial index of authorisations about to lapse, and the check that an item is never refunded
more times than it was ordered.

Not atomic: on PostgreSQL the index is built CONCURRENTLY and the check is added NOT VALID, then
validated (which reads the table without blocking writes), so orders can still be placed meanwhile;
a run that fails part-way can simply be run again.
"""

from django.db import migrations, models

from patientportal.core.index_migrations import add_index, drop_index, postgres

AUTHORISED_UNTIL = models.Index(
    fields=["authorised_until"],
    condition=models.Q(payment_status="authorised"),
    name="order_authorised_until_idx",
)
REFUNDED_AT_MOST_ORDERED = models.CheckConstraint(
    condition=models.Q(refunded_quantity__lte=models.F("quantity")), name="order_item_refunded_at_most_ordered"
)


def forwards(apps, schema_editor):
    add_index(schema_editor, apps.get_model("orders", "Order"), AUTHORISED_UNTIL)
    item = apps.get_model("orders", "OrderItem")
    if not postgres(schema_editor):
        schema_editor.add_constraint(item, REFUNDED_AT_MOST_ORDERED)
        return
    table, name = item._meta.db_table, REFUNDED_AT_MOST_ORDERED.name
    schema_editor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{name}"')
    schema_editor.execute(
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" CHECK ("refunded_quantity" <= "quantity") NOT VALID'
    )
    schema_editor.execute(f'ALTER TABLE "{table}" VALIDATE CONSTRAINT "{name}"')


def backwards(apps, schema_editor):
    schema_editor.remove_constraint(apps.get_model("orders", "OrderItem"), REFUNDED_AT_MOST_ORDERED)
    drop_index(schema_editor, AUTHORISED_UNTIL.name)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("orders", "0004_authorise_and_refund"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(model_name="order", index=AUTHORISED_UNTIL.clone()),
                migrations.AddConstraint(model_name="orderitem", constraint=REFUNDED_AT_MOST_ORDERED.clone()),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
