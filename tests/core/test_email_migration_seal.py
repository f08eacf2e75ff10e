"""core 0003 seals the emails left in the task table with its own copy of the sealing code, so a
later change to `patientportal.core.crypto` cannot change what the migration does; what it seals
must still open with today's `core.crypto.unseal`, or those emails could never be sent."""

import importlib

import pytest
from django.apps import apps
from django_tasks_db.models import DBTaskResult

from patientportal.core import crypto
from patientportal.core.models import EmailDelivery

migration = importlib.import_module("patientportal.core.migrations.0003_email_tasks_carry_only_a_delivery_id")

MESSAGE = {
    "subject": "Your invitation",
    "body": "Open https://portal.example/invite/SECRET-TOKEN-123/",
    "html": "",
    "from": "Portal <no-reply@portal.example>",
    "to": ["maria@example.com"],
    "reply_to": [],
}


def test_what_the_migrations_copy_seals_opens_with_core_crypto():
    sealed = migration.seal(MESSAGE)
    assert "SECRET-TOKEN-123" not in sealed
    assert crypto.unseal(sealed) == MESSAGE


def test_after_a_key_rotation_what_the_migration_sealed_still_opens(settings):
    sealed = migration.seal(MESSAGE)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    assert crypto.unseal(sealed) == MESSAGE


def test_the_migration_does_not_use_core_crypto(monkeypatch):
    assert not any(
        value is crypto or getattr(value, "__module__", "") == crypto.__name__ for value in vars(migration).values()
    )

    def changed(*args, **kwargs):
        raise AssertionError("the migration called the live core.crypto")

    with monkeypatch.context() as patched:
        patched.setattr(crypto, "seal", changed)
        patched.setattr(crypto, "_fernet", changed)
        patched.setattr(crypto, "_PURPOSE", b"patientportal.core.email-body.v2")
        sealed = migration.seal(MESSAGE)
    assert crypto.unseal(sealed) == MESSAGE


@pytest.mark.django_db
def test_a_waiting_legacy_email_becomes_a_delivery_that_core_crypto_opens(monkeypatch):
    legacy = {
        "subject": MESSAGE["subject"],
        "body_text": MESSAGE["body"],
        "body_html": "",
        "from_email": MESSAGE["from"],
        "to": MESSAGE["to"],
    }
    row = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": legacy},
        task_path=migration.SEND_EMAIL,
        backend_name="default",
        queue_name="default",
    )
    monkeypatch.setattr(crypto, "seal", lambda value: pytest.fail("the migration called the live core.crypto"))
    migration.to_deliveries(apps, None)
    row.refresh_from_db()
    delivery = EmailDelivery.objects.get(pk=row.args_kwargs["kwargs"]["delivery_id"])
    assert "SECRET-TOKEN-123" not in delivery.sealed_message
    assert crypto.unseal(delivery.sealed_message) == MESSAGE
