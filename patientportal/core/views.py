from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from patientportal.clinics.selectors import memberships_for_user
from patientportal.core.models import OutboxMessage
from patientportal.patients.selectors import portal_accesses_for_user


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and uptime checks: 200 when the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = "ok"
    except Exception:  # noqa: BLE001 - any failure means "not healthy", and nothing else is reported
        database = "unavailable"
    healthy = database == "ok"
    return JsonResponse({"status": "ok" if healthy else "error", "database": database}, status=200 if healthy else 503)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each account where it belongs: the portal, a clinic's staff area, or a choice of both."""
    accesses = portal_accesses_for_user(user=request.user)
    memberships = memberships_for_user(user=request.user)
    if accesses and not memberships:
        return redirect("portal:dashboard")
    if memberships and not accesses:
        if len(memberships) == 1:
            return redirect("staff:home", clinic_slug=memberships[0].clinic.slug)
        return redirect("staff:choose_clinic")
    return render(request, "core/home.html", {"accesses": accesses, "memberships": memberships})


def _require_outbox_access(request: HttpRequest) -> None:
    # The outbox exists only in development and only for staff or operators.
    if not settings.DEBUG or not request.user.is_authenticated:
        raise Http404
    if not (request.user.is_staff or memberships_for_user(user=request.user)):
        raise Http404


def outbox_list(request: HttpRequest) -> HttpResponse:
    _require_outbox_access(request)
    messages = OutboxMessage.objects.all()[:100]
    return render(request, "core/outbox_list.html", {"outbox_messages": messages})


def outbox_detail(request: HttpRequest, message_id: int) -> HttpResponse:
    _require_outbox_access(request)
    message = get_object_or_404(OutboxMessage, pk=message_id)
    return render(request, "core/outbox_detail.html", {"message": message, "back_url": reverse("outbox_list")})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)
