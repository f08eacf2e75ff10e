import logging
import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from patientportal.accounts.models import User
from patientportal.patients.selectors import portal_accesses_for_user
from patientportal.payments.choices import PaymentAttemptStatus
from patientportal.payments.models import Payment
from patientportal.payments.providers import ProviderEvent, ProviderEventKind, provider_named
from patientportal.payments.providers.base import WebhookRejected
from patientportal.payments.services import payment_event_apply

logger = logging.getLogger(__name__)


class SignedInRequest(HttpRequest):
    """Only a type: the request a view behind `login_required` receives, whose user has signed in."""

    user: User


@csrf_exempt  # Stripe cannot send our CSRF token; the signature on the raw body is checked instead.
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    if not settings.STRIPE_SECRET_KEY:
        raise Http404
    try:
        event = provider_named("stripe").parse_webhook(request)
    except WebhookRejected:
        logger.warning("Stripe webhook with a bad signature refused")
        return HttpResponse("invalid signature", status=400, content_type="text/plain")
    outcome = payment_event_apply(provider="stripe", event=event) if event else "ignored: event type not used"
    return HttpResponse(outcome, content_type="text/plain")


def _test_payment_for(request: SignedInRequest, reference: str) -> Payment:
    """The test checkout belongs to the signed-in account's own patient records only."""
    payment = (
        Payment.objects.select_related("order", "order__clinic").filter(provider="test", reference=reference).first()
    )
    patients = {access.patient_id for access in portal_accesses_for_user(user=request.user)}
    if payment is None or payment.order.patient_id not in patients:
        raise Http404
    return payment


@login_required
@require_http_methods(["GET", "POST"])
def test_checkout(request: SignedInRequest, reference: str) -> HttpResponse:
    """The built-in test provider's payment page: "Pay" or "Decline", through the real event path."""
    if settings.PAYMENT_PROVIDER != "test":
        raise Http404
    payment = _test_payment_for(request, reference)
    if request.method == "GET":
        return render(
            request,
            "payments/test_checkout.html",
            {"payment": payment, "order": payment.order, "open": payment.status == PaymentAttemptStatus.CREATED},
        )
    # "Pay" for a payment, "Authorise" for an authorisation (an order that waits for approval), or "Decline".
    accepted = request.POST.get("action") == ("authorise" if payment.manual_capture else "pay")
    kind = ProviderEventKind.AUTHORISED if payment.manual_capture else ProviderEventKind.SUCCEEDED
    event = ProviderEvent(
        event_id=f"test:{secrets.token_hex(8)}",
        kind=kind if accepted else ProviderEventKind.FAILED,
        event_type=f"test.payment_{kind}" if accepted else "test.payment_declined",
        payment_reference=payment.reference,
        charge_reference=f"test_charge_{payment.reference}",
        amount_cents=payment.amount_cents,
        currency=payment.currency,
    )
    payment_event_apply(provider="test", event=event)
    if accepted:
        return redirect("portal:order_confirmation", order_id=payment.order_id)
    messages.error(request, _("The test payment was declined. You can try again."))
    return redirect("portal:order_detail", order_id=payment.order_id)
