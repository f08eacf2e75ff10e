from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site

from patientportal.core.emails import queue_message


# allauth ships no type information (no py.typed), so its classes are Any to mypy.
class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    """allauth's emails (verification, password reset) take the same path as ours."""

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Render in the request (links need its host), deliver through the task framework."""
        request = allauth_context.request
        full_context = {"request": request, "email": email, "current_site": get_current_site(request), **context}
        queue_message(self.render_mail(template_prefix, email, full_context))
