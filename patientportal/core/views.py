from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from patientportal.core.health import OK, PROBLEM, WARNING, background_findings, overall


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and uptime checks: 200 when the database answers (one query).

    `?background=1` is for monitoring: it also says whether the background work is
    being done (core.health) and answers 503 when it is not, so a load balancer's
    plain `/healthz` never takes the web processes out because a worker stopped.
    States only, no counts or content."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = "ok"
    except Exception:  # noqa: BLE001 - any failure means "not healthy", and nothing else is reported
        database = "unavailable"
    if database != "ok":
        return JsonResponse({"status": "error", "database": database}, status=503)
    if request.GET.get("background") != "1":
        return JsonResponse({"status": "ok", "database": database})
    try:
        findings = background_findings()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    level = overall(findings)
    return JsonResponse(
        {
            "status": {OK: "ok", WARNING: "warning", PROBLEM: "error"}[level],
            "database": database,
            "background": {finding.component: finding.state for finding in findings},
        },
        status=503 if level == PROBLEM else 200,
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)
