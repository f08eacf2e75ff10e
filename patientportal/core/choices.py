from django.db import models
from django.utils.translation import gettext_lazy as _


class DeliveryStatus(models.TextChoices):
    """Where one email is on its way out. Moves (core.deliveries, the one place that changes it):
    queued → sent | retrying | failed; retrying → sent | retrying | failed; failed → queued (resent)."""

    QUEUED = "queued", _("Queued")
    RETRYING = "retrying", _("Retrying")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Not delivered")


# Not yet sent and still to be tried: what the worker, the resubmitting job and the health check look at.
UNDELIVERED = (DeliveryStatus.QUEUED, DeliveryStatus.RETRYING)


class ProcessRole(models.TextChoices):
    """The background processes that record a heartbeat."""

    WORKER = "worker", _("Task worker (run_worker)")
    PERIODIC = "periodic", _("Periodic runner (run_periodic_tasks)")
