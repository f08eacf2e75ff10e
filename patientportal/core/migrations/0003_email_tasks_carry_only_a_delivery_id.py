"""Email tasks written before deliveries existed carried the whole email (its invitation
link or reset key) in the task table's `args_kwargs`. Those still waiting become sealed
deliveries whose task carries only the delivery's id; finished ones are scrubbed.

Sealing is copied here from `patientportal.core.crypto` as it was when this migration was
written (HKDF-SHA256 of SECRET_KEY with the v1 purpose, then Fernet), so a later change to
that module cannot change what this migration writes; `core.crypto.unseal` opens it as long
as the v1 key derivation is kept (tests/core/test_email_migration_seal.py checks both)."""

import base64
import json

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import migrations

SEND_EMAIL = "patientportal.core.tasks.send_email"
WAITING = ("READY", "RUNNING")
SEAL_PURPOSE = b"patientportal.core.email-body.v1"


def seal(value):
    """Encrypt and authenticate a JSON-able mapping with the current SECRET_KEY; the result is ASCII."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=SEAL_PURPOSE).derive(settings.SECRET_KEY.encode())
    return Fernet(base64.urlsafe_b64encode(key)).encrypt(json.dumps(value).encode()).decode("ascii")


def to_deliveries(apps, schema_editor):
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    EmailDelivery = apps.get_model("core", "EmailDelivery")
    for row in DBTaskResult.objects.filter(task_path=SEND_EMAIL).iterator():
        kwargs = (row.args_kwargs or {}).get("kwargs", {})
        if "delivery_id" in kwargs:
            continue
        if row.status in WAITING and "to" in kwargs:
            delivery = EmailDelivery.objects.create(
                kind="",
                to=", ".join(kwargs.get("to", [])),
                subject=str(kwargs.get("subject", ""))[:500],
                sealed_message=seal(
                    {
                        "subject": kwargs.get("subject", ""),
                        "body": kwargs.get("body_text", ""),
                        "html": kwargs.get("body_html", ""),
                        "from": kwargs.get("from_email", ""),
                        "to": list(kwargs.get("to", [])),
                        "reply_to": [],
                    }
                ),
            )
            row.args_kwargs = {"args": [], "kwargs": {"delivery_id": delivery.pk}}
            row.status = "READY"
        else:
            row.args_kwargs = {"args": [], "kwargs": {}}
            row.return_value = None
        row.save(update_fields=["args_kwargs", "status", "return_value"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_email_deliveries_heartbeats_periodic_jobs"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(to_deliveries, migrations.RunPython.noop)]
