"""Whether the emails staff sent arrived: the delivery records of core.models.EmailDelivery
about the objects a page already shows, read through `core.selectors` (one query per
list of objects); the filters only pick from what was read."""

from django import template
from django.db import models
from django.utils.translation import gettext as _

from patientportal.core.models import EmailDelivery
from patientportal.core.selectors import deliveries_about, deliveries_of

register = template.Library()


@register.simple_tag
def email_deliveries(objects: list[models.Model]) -> dict[str, list[EmailDelivery]]:
    """`{% email_deliveries invitations as emails %}`: the deliveries about each object, by its id."""
    return deliveries_about(objects)


@register.filter
def latest_email(emails: dict[str, list[EmailDelivery]], obj: object) -> EmailDelivery | None:
    """`emails|latest_email:invitation`: the latest email about this object, or None."""
    if not isinstance(emails, dict) or not isinstance(obj, models.Model):  # "" for a missing variable
        return None
    found = emails.get(str(obj.pk), [])
    return found[-1] if found else None


@register.filter
def email_problem(delivery: EmailDelivery) -> str:
    """Why an email was not delivered, for staff (from the error's class and code only)."""
    if delivery.last_error.startswith("SMTPRecipientsRefused 5"):
        return _("the mail server refused the address")
    if delivery.last_error == "Unreadable":
        return _("its content could not be read any more")
    return _("the mail server could not be reached or did not take it, after %(count)s attempts") % {
        "count": delivery.attempts
    }


@register.simple_tag
def emails_about(obj: models.Model) -> list[EmailDelivery]:
    """`{% emails_about order as emails %}`: the emails about one object, oldest first: an
    order's, or the emails announcing a signature request (exactly those made about it)."""
    return deliveries_of(obj)
