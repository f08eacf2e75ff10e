"""Payments needing attention (issue 17, part 3): the clinic's owners and admins see what the payment
path could not settle by itself — amounts that did not match, captures and refunds the provider refused,
refunds that failed there, authorisations that ended without the provider's answer — each linked to its
order, and mark each resolved with a note (audited)."""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from patientportal.audit import services as audit
from patientportal.payments.errors import PaymentError
from patientportal.payments.issues import ISSUE_ROLES, payment_issue_resolve
from patientportal.payments.models import PaymentIssue
from patientportal.payments.selectors import (
    ISSUES_SHOWN,
    payment_issue_get_for_clinic,
    payment_issues_open,
    payment_issues_resolved_lately,
)
from patientportal.staff.access import StaffRequest, staff_view


class ResolveForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("How was it resolved?"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


@require_GET
@staff_view(roles=ISSUE_ROLES)
def payment_attention(request: StaffRequest) -> HttpResponse:
    clinic = request.clinic
    issues = payment_issues_open(clinic=clinic)
    resolved = payment_issues_resolved_lately(clinic=clinic)
    audit.record(
        action="payments.attention.viewed",
        actor=request.user,
        clinic=clinic,
        metadata={"orders": sorted({issue.order_id for issue in issues})},
    )
    return render(
        request,
        "staff/payments/attention.html",
        {"issues": issues, "resolved": resolved, "shown_up_to": ISSUES_SHOWN, "form": ResolveForm()},
    )


@require_POST
@staff_view(roles=ISSUE_ROLES)
def payment_issue_resolve_view(request: StaffRequest, issue_id: int) -> HttpResponse:
    try:
        issue = payment_issue_get_for_clinic(clinic=request.clinic, issue_id=issue_id)
    except PaymentIssue.DoesNotExist:
        raise Http404 from None
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please say how it was resolved; the note is kept in the audit log."))
        return redirect(f"{_attention_url(request)}#issue-{issue.pk}")
    try:
        payment_issue_resolve(issue=issue, actor=request.user, note=form.cleaned_data["note"])
    except PaymentError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Order %(number)s: marked resolved.") % {"number": issue.order.number})
    return redirect(_attention_url(request))


def _attention_url(request: StaffRequest) -> str:
    return reverse("staff:payment_attention", args=[request.clinic.slug])
