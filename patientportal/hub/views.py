"""The start page and the development outbox: views that look at every area of the house."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from patientportal.accounts.account_page import ACCOUNT_PAGE_SESSION_KEY, account_page
from patientportal.accounts.http import SignedInRequest
from patientportal.clinics.selectors import memberships_for_user
from patientportal.core.models import OutboxMessage
from patientportal.patients.selectors import portal_accesses_for_user


@login_required
def home(request: SignedInRequest) -> HttpResponse:
    """Send each account where it belongs: the portal, a clinic's staff area, or a choice of both."""
    accesses = portal_accesses_for_user(user=request.user)
    memberships = memberships_for_user(user=request.user)
    if accesses and not memberships:
        return redirect("portal:dashboard")
    if memberships and not accesses:
        if len(memberships) == 1:
            return redirect("staff:home", clinic_slug=memberships[0].clinic.slug)
        return redirect("staff:choose_clinic")
    return render(request, "hub/home.html", {"accesses": accesses, "memberships": memberships})


def _require_outbox_access(request: HttpRequest) -> None:
    # The outbox exists only in development and only for staff or operators.
    if not settings.DEBUG or not request.user.is_authenticated:
        raise Http404
    if not (request.user.is_staff or memberships_for_user(user=request.user)):
        raise Http404


def outbox_list(request: HttpRequest) -> HttpResponse:
    _require_outbox_access(request)
    messages = OutboxMessage.objects.all()[:100]
    return render(request, "hub/outbox_list.html", {"outbox_messages": messages})


def outbox_detail(request: HttpRequest, message_id: int) -> HttpResponse:
    _require_outbox_access(request)
    message = get_object_or_404(OutboxMessage, pk=message_id)
    return render(request, "hub/outbox_detail.html", {"message": message, "back_url": reverse("outbox_list")})


@login_required
def account(request: SignedInRequest) -> HttpResponse:
    """The account link of pages that belong to no area (allauth's): the account page this browser
    used last, if the account may still open it; else the portal's, a clinic's, or (an account that
    is neither patient nor staff, an operator) the page here, without an area around it."""
    accesses = portal_accesses_for_user(user=request.user)
    memberships = memberships_for_user(user=request.user)
    pages = ([reverse("portal:account")] if accesses else []) + [
        reverse("staff:account", kwargs={"clinic_slug": membership.clinic.slug}) for membership in memberships
    ]
    remembered = request.session.get(ACCOUNT_PAGE_SESSION_KEY)
    if pages:
        return redirect(remembered if remembered in pages else pages[0])
    page = account_page(request, user=request.user)
    if page.saved:
        return redirect("account")
    return render(request, "hub/account.html", {"page": page}, status=400 if request.method == "POST" else 200)
