"""Telling the clinic when an email to a patient could not be delivered.

`core` gives up on an email (`core.signals.delivery_given_up`) knowing only what it is about
(`about_type`, `about_id`). The clinic and the staff page where the email's state shows (with
Resend, or a fresh invitation link) follow from that row, read by model label: this app sits
below orders, documents, patients and scheduling and does not import them. Emails about
nothing of a clinic (account emails) and this app's own emails (a notification that could not
be delivered is not announced by another) tell no one.
"""

import logging
from dataclasses import dataclass

from django.apps import apps
from django.db import models, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from patientportal.clinics.models import Clinic
from patientportal.core.models import EmailDelivery
from patientportal.core.signals import delivery_given_up
from patientportal.notifications.choices import NotificationKind
from patientportal.notifications.services import notify_staff

logger = logging.getLogger("patientportal.notifications")


@dataclass(frozen=True)
class UndeliveredPage:
    """Where staff see an email about this kind of thing: the URL name, the field of the row
    that is its argument (none for a page of the clinic), and an anchor on that page."""

    url_name: str
    argument: str | None
    anchor: str = ""


PAGES: dict[str, UndeliveredPage] = {
    "orders.order": UndeliveredPage("staff:order_detail", "pk"),
    "documents.signaturerequest": UndeliveredPage("staff:document_detail", "document_id"),
    "patients.invitation": UndeliveredPage("staff:patient_detail", "patient_id", "#portal-access"),
    "scheduling.appointment": UndeliveredPage("staff:patient_appointments", "patient_id"),
    "scheduling.appointmentrequest": UndeliveredPage("staff:patient_appointments", "patient_id"),
    "clinics.staffmembership": UndeliveredPage("staff:team", None),
}


def title_for(about_type: str, row: dict[str, object]) -> str:
    """What happened, without health details: an order by its number, anything else by its kind."""
    if about_type == "orders.order":
        return _("An email about order %(number)s could not be delivered") % {"number": row["number"]}
    titles = {
        "documents.signaturerequest": _("An email asking a patient to sign a document could not be delivered"),
        "patients.invitation": _("An invitation email could not be delivered"),
        "scheduling.appointment": _("An email about an appointment could not be delivered"),
        "scheduling.appointmentrequest": _("An email answering an appointment request could not be delivered"),
        "clinics.staffmembership": _("An email to a new team member could not be delivered"),
    }
    return titles[about_type]


def _about_row(delivery: EmailDelivery, page: UndeliveredPage) -> dict[str, object] | None:
    if not delivery.about_id.isdigit():
        return None
    model: type[models.Model] = apps.get_model(delivery.about_type)
    fields = {"clinic_id", page.argument or "pk"} | ({"number"} if delivery.about_type == "orders.order" else set())
    return model._default_manager.filter(pk=int(delivery.about_id)).values(*fields).first()


def undelivered_notify(delivery: EmailDelivery) -> None:
    """Tell the clinic's staff (kind EMAIL_UNDELIVERED) that this email was given up on."""
    page = PAGES.get(delivery.about_type)
    if page is None:
        return
    row = _about_row(delivery, page)
    if row is None:
        return
    clinic = Clinic.objects.get(pk=int(str(row["clinic_id"])))
    arguments = [clinic.slug] + ([row[page.argument]] if page.argument else [])
    notify_staff(
        clinic,
        NotificationKind.EMAIL_UNDELIVERED,
        title=title_for(delivery.about_type, row),
        url=reverse(page.url_name, args=arguments) + page.anchor,
    )


def _on_delivery_given_up(sender: object, *, delivery: EmailDelivery, **kwargs: object) -> None:
    # Runs inside the email task's transaction: a failure here must not undo recording the failure.
    try:
        with transaction.atomic():
            undelivered_notify(delivery)
    except Exception as error:  # noqa: BLE001 - the delivery's own state matters more than the notice
        logger.error("Notice of undelivered email %s failed: %s", delivery.pk, type(error).__name__)


def connect() -> None:
    delivery_given_up.connect(_on_delivery_given_up, dispatch_uid="notifications.undelivered")
