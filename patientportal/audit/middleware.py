from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from patientportal.audit import services as audit

Handler = Callable[[HttpRequest], HttpResponse]


class AccessDenialAuditMiddleware:
    """Every refusal of a signed-in account (403, or 404 for something outside
    its scope) is an audit event: repeated probing of other records shows up."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code in (403, 404) and request.user.is_authenticated:
            audit.record(
                action="access.denied",
                actor=request.user,
                metadata={"status": response.status_code, "method": request.method, "path": request.path[:300]},
            )
        return response
