import pytest
from django.core import mail
from django.db import transaction
from django_tasks.signals import task_enqueued

from patientportal.core.emails import queue_templated_email
from patientportal.core.models import EmailDelivery
from patientportal.core.tasks import send_email

pytestmark = pytest.mark.django_db(transaction=True)

CONTEXT = {
    "clinic": {"name": "Alpha"},
    "role": "Staff",
    "added_by": "Olu",
    "needs_password": True,
    "login_url": "L",
    "reset_url": "R",
}


@pytest.fixture
def enqueued():
    results = []

    def on_enqueued(sender, task_result, **kwargs):
        results.append(task_result)

    task_enqueued.connect(on_enqueued)
    yield results
    task_enqueued.disconnect(on_enqueued)


def test_emails_are_sent_through_the_task_framework_after_commit(enqueued):
    with transaction.atomic():
        queue_templated_email(template_prefix="clinics/email/staff_added", to="new@example.com", context=CONTEXT)
        assert mail.outbox == []  # nothing leaves before the transaction commits
        assert enqueued == []
    # The task carries only the delivery's id: the message waits sealed in the delivery row.
    delivery = EmailDelivery.objects.get()
    assert [(result.task.func, result.kwargs) for result in enqueued] == [
        (send_email.func, {"delivery_id": delivery.pk})
    ]
    assert mail.outbox[0].to == ["new@example.com"]
    assert mail.outbox[0].subject.endswith("You have been added to Alpha")
    assert mail.outbox[0].alternatives[0][1] == "text/html"


def test_nothing_is_sent_when_the_work_rolls_back(enqueued):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_templated_email(template_prefix="clinics/email/staff_added", to="new@example.com", context=CONTEXT)
        raise RuntimeError("the change failed")
    assert mail.outbox == []
    assert enqueued == []
    assert not EmailDelivery.objects.exists()
