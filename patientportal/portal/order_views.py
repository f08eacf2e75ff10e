"""Checkout, the patient's orders, paying, and the confirmation page (PRODUCT.md F-8, F-9)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from patientportal.clinics.features import Feature
from patientportal.orders import selectors
from patientportal.orders.cart import cart_for_patient
from patientportal.orders.choices import PaymentStatus
from patientportal.orders.errors import OrderError
from patientportal.orders.models import Order
from patientportal.orders.services import order_place
from patientportal.orders.tax import tax_cents
from patientportal.patients.services import patient_record_viewed
from patientportal.payments.choices import PaymentAttemptStatus
from patientportal.payments.selectors import order_may_authorise, order_refunds
from patientportal.payments.services import payment_start, payment_sync
from patientportal.portal.access import PortalRequest, portal_view

ORDERS_PER_PAGE = 10


class CheckoutForm(forms.Form):
    # The total the page showed; the order is refused if prices changed meanwhile.
    shown_total_cents = forms.IntegerField(widget=forms.HiddenInput, required=False)
    notes = forms.CharField(
        label=gettext_lazy("Notes for the clinic (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "max_length": gettext_lazy("Please keep notes under 500 characters (you wrote %(show_value)d).")
        },
    )


@require_http_methods(["GET", "POST"])
@portal_view(Feature.SHOP)
def checkout(request: PortalRequest) -> HttpResponse:
    portal = request.portal
    cart = cart_for_patient(patient=portal.patient)
    form = CheckoutForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            order = order_place(
                patient=portal.patient,
                notes=form.cleaned_data["notes"],
                actor=request.user,
                expected_total_cents=form.cleaned_data["shown_total_cents"],
            )
        except OrderError as error:
            messages.error(request, error.message)
            return redirect("portal:cart")
        if order.is_payable or order_may_authorise(order=order):
            return _pay(request, order)  # to pay, or to authorise the card of an order that needs approval
        messages.success(
            request,
            _("Order %(number)s placed. The clinic reviews it before you can pay; we will email you.")
            % {"number": order.number},
        )
        return redirect("portal:order_detail", order_id=order.pk)
    taxable = sum(line.item.line_total_cents for line in cart.lines if line.item.product.taxable)
    tax = tax_cents(taxable_subtotal_cents=taxable, rate_bp=portal.clinic.tax_rate_bp)
    if request.method == "GET":
        form = CheckoutForm(initial={"shown_total_cents": cart.subtotal_cents + tax})
    restricted = any(
        line.item.product.requires_prescription or line.item.product.requires_consultation for line in cart.lines
    )
    return render(
        request,
        "portal/orders/checkout.html",
        {
            "cart": cart,
            "form": form,
            "taxable_cents": taxable,
            "tax_cents": tax,
            "total_cents": cart.subtotal_cents + tax,
            "tax_rate": portal.clinic.tax_rate_bp / 100,
            "restricted": restricted,
            "authorise": restricted and bool(settings.PAYMENT_PROVIDER),
        },
    )


def _pay(request: PortalRequest, order: Order) -> HttpResponse:
    try:
        payment = payment_start(
            order=order,
            actor=request.user,
            success_url=request.build_absolute_uri(reverse("portal:order_confirmation", args=[order.pk])),
            cancel_url=request.build_absolute_uri(reverse("portal:order_detail", args=[order.pk])),
        )
    except OrderError as error:
        messages.error(request, error.message_for(order.clinic))
        return redirect("portal:order_detail", order_id=order.pk)
    return redirect(payment.redirect_url)


@require_POST
@portal_view(Feature.ORDERS)
def order_pay(request: PortalRequest, order_id: int) -> HttpResponse:
    order = selectors.order_get_for_patient(patient=request.portal.patient, order_id=order_id)
    return _pay(request, order)


@require_GET
@portal_view(Feature.ORDERS)
def order_list(request: PortalRequest) -> HttpResponse:
    patient = request.portal.patient
    page = Paginator(selectors.orders_for_patient(patient=patient), ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    patient_record_viewed(patient=patient, actor=request.user, what="portal.orders")
    return render(request, "portal/orders/list.html", {"page": page})


@require_GET
@portal_view(Feature.ORDERS)
def order_detail(request: PortalRequest, order_id: int) -> HttpResponse:
    patient = request.portal.patient
    order = selectors.order_get_for_patient(patient=patient, order_id=order_id)
    patient_record_viewed(patient=patient, actor=request.user, what="portal.order")
    return render(
        request,
        "portal/orders/detail.html",
        {
            "order": order,
            "items": list(order.items.all()),
            "events": list(order.events.all()),
            "may_authorise": order_may_authorise(order=order),
            "refunds": order_refunds(order=order),
        },
    )


@require_GET
@portal_view(Feature.ORDERS)
def order_confirmation(request: PortalRequest, order_id: int) -> HttpResponse:
    """Where the payment page returns to. It shows the order's true state: the
    redirect alone never marks anything paid; the provider's event does (or a
    server-side retrieve of the checkout, tried here)."""
    patient = request.portal.patient
    order = selectors.order_get_for_patient(patient=patient, order_id=order_id)
    latest = order.payments.order_by("-created_at", "-id").first()
    if latest and latest.status in (PaymentAttemptStatus.CREATED, PaymentAttemptStatus.PROCESSING):
        payment_sync(payment=latest)
        order.refresh_from_db()
        latest.refresh_from_db()
    waiting = (
        order.payment_status not in (PaymentStatus.PAID, PaymentStatus.AUTHORISED)
        and latest is not None
        and latest.status in (PaymentAttemptStatus.CREATED, PaymentAttemptStatus.PROCESSING)
    )
    return render(request, "portal/orders/confirmation.html", {"order": order, "payment": latest, "waiting": waiting})
