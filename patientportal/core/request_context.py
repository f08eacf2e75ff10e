"""Who is asking, from where: set once per request, read by audit and logs.

Services record audit events without being handed the request; the middleware
puts the request's id, client IP and user agent here for the duration of the
request.
"""

import uuid
from contextvars import ContextVar, Token
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest


@dataclass(frozen=True)
class RequestInfo:
    request_id: str
    ip: str | None
    user_agent: str


_NO_REQUEST = RequestInfo(request_id="-", ip=None, user_agent="")
_current: ContextVar[RequestInfo] = ContextVar("current_request_info", default=_NO_REQUEST)


def client_ip(request: HttpRequest) -> str | None:
    """The client address, trusting only as many proxies as configured."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        header: str = request.META.get("HTTP_X_FORWARDED_FOR", "")
        forwarded = [part.strip() for part in header.split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    remote: str | None = request.META.get("REMOTE_ADDR")
    return remote or None


def begin(request: HttpRequest) -> Token[RequestInfo]:
    info = RequestInfo(
        request_id=uuid.uuid4().hex,
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:500],
    )
    return _current.set(info)


def end(token: Token[RequestInfo]) -> None:
    _current.reset(token)


def current() -> RequestInfo:
    return _current.get()
