"""Authorise then capture, and partial refunds (issue 17): an order's card authorisation and when it
lapses, how many of each item were refunded, and the payment states Card authorised and Partly refunded.
The new columns have constant defaults, so adding them rewrites nothing; the index and the check come
in 0005, built without blocking writes."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0003_staff_queue_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="authorised_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="orderitem",
            name="refunded_quantity",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AlterField(
            model_name="order",
            name="payment_status",
            field=models.CharField(
                choices=[
                    ("unpaid", "Unpaid"),
                    ("authorised", "Card authorised"),
                    ("paid", "Paid"),
                    ("partly_refunded", "Partly refunded"),
                    ("failed", "Failed"),
                    ("refunded", "Refunded"),
                ],
                default="unpaid",
                max_length=20,
                verbose_name="payment",
            ),
        ),
    ]
