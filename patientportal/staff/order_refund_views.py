"""Refunding part of an order: chosen items and quantities, or an amount (issue 17, part 2).
Owners and admins only. The page asks, shows what the refund gives back (items, tax, total), and
only the confirmation refunds: the amount confirmed is the amount refunded, or nothing is."""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from patientportal.core.money import format_money, parse_money
from patientportal.orders import selectors
from patientportal.orders.errors import OrderError
from patientportal.orders.models import Order, OrderItem
from patientportal.orders.services import order_viewed
from patientportal.payments import services as payments
from patientportal.payments.errors import PaymentError
from patientportal.payments.refunds import RefundQuote, order_refund_preview
from patientportal.payments.selectors import order_left_to_refund_cents, order_refunds
from patientportal.staff.access import StaffRequest, staff_view


class PartialRefundForm(forms.Form):
    amount = forms.CharField(
        label=gettext_lazy("Or an amount, tax included"),
        required=False,
        max_length=20,
        help_text=gettext_lazy("Leave the quantities at 0 to refund an amount instead, such as 5.00."),
    )
    restock = forms.BooleanField(label=gettext_lazy("Put the refunded items back in stock"), required=False)
    reason = forms.CharField(
        label=gettext_lazy("Reason (the patient sees it)"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    # The total the staff member reviewed; the refund is made only if it still holds.
    expected_cents = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, items: list[OrderItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[self.item_field(item)] = forms.IntegerField(
                label=_("How many of %(item)s to refund") % {"item": item.name},
                min_value=0,
                max_value=item.refundable_quantity,
                required=False,
                initial=0,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )

    @staticmethod
    def item_field(item: OrderItem) -> str:
        return f"item_{item.pk}"

    def rows(self) -> list[tuple[OrderItem, forms.BoundField]]:
        return [(item, self[self.item_field(item)]) for item in self.items]

    def clean_amount(self) -> int | None:
        text: str = self.cleaned_data["amount"].strip()
        if not text:
            return None
        try:
            return parse_money(text)
        except ValueError:
            raise forms.ValidationError(_("Type an amount like 5.00.")) from None

    def quantities(self) -> dict[int, int]:
        return {item.pk: self.cleaned_data.get(self.item_field(item)) or 0 for item in self.items}


def _render(request: StaffRequest, order: Order, form: PartialRefundForm, quote: RefundQuote | None) -> HttpResponse:
    order_viewed(order=order, actor=request.user)  # the items a patient bought are health information
    refunds = order_refunds(order=order)
    return render(
        request,
        "staff/orders/refund.html",
        {
            "order": order,
            "form": form,
            "quote": quote,
            "refunds": refunds,
            "left_cents": order_left_to_refund_cents(order=order),
        },
        status=200 if not form.errors else 400,
    )


@require_http_methods(["GET", "POST"])
@staff_view(roles=payments.REFUND_ROLES)
def order_refund(request: StaffRequest, order_id: int) -> HttpResponse:
    """GET: the form. POST "review": what the refund gives back. POST "refund": refund it."""
    order = selectors.order_get_for_clinic(clinic=request.clinic, order_id=order_id)
    if not order.holds_payment:
        messages.error(request, _("Only a paid order can be refunded."))
        return redirect("staff:order_detail", clinic_slug=request.clinic.slug, order_id=order.pk)
    items = list(order.items.all())
    form = PartialRefundForm(request.POST or None, items=items)
    if request.method == "GET" or not form.is_valid() or request.POST.get("step") == "edit":
        return _render(request, order, form, None)
    data = form.cleaned_data
    try:
        if request.POST.get("step") != "refund":
            quote = order_refund_preview(order=order, quantities=form.quantities(), amount_cents=data["amount"])
            return _render(request, order, form, quote)
        refund = payments.order_refund_partial(
            order=order,
            actor=request.user,
            reason=data["reason"],
            quantities=form.quantities(),
            amount_cents=data["amount"],
            restock=data["restock"],
            expected_cents=data["expected_cents"],
        )
    except (OrderError, PaymentError) as error:
        form.add_error(None, error.message)
        return _render(request, order, form, None)
    messages.success(
        request,
        _("Refunded %(amount)s. The patient was told by email.")
        % {"amount": format_money(refund.amount_cents, order.currency)},
    )
    return redirect("staff:order_detail", clinic_slug=request.clinic.slug, order_id=order.pk)
