"""Reads of email deliveries for the pages that show them (staff pages call these through
their template tags and views; a template never queries the table itself)."""

from collections.abc import Iterable

from django.db import models

from patientportal.core.models import EmailDelivery


def deliveries_about(objects: Iterable[models.Model]) -> dict[str, list[EmailDelivery]]:
    """The deliveries of emails about these objects (all of one model), oldest first, by the
    object's id as text. One query, none for an empty list."""
    items = list(objects)
    if not items:
        return {}
    found: dict[str, list[EmailDelivery]] = {}
    deliveries = EmailDelivery.objects.filter(
        about_type=items[0]._meta.label_lower, about_id__in=[str(item.pk) for item in items]
    )
    for delivery in deliveries:
        found.setdefault(delivery.about_id, []).append(delivery)
    return found


def deliveries_of(obj: models.Model) -> list[EmailDelivery]:
    """The deliveries of emails about one object, oldest first (one query)."""
    return deliveries_about([obj]).get(str(obj.pk), [])


def delivery_get(*, delivery_id: int) -> EmailDelivery | None:
    """A delivery by id, for a caller that then checks what it is about is in its scope."""
    return EmailDelivery.objects.filter(pk=delivery_id).first()
