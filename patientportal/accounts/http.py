from django.http import HttpRequest

from patientportal.accounts.models import User


class SignedInRequest(HttpRequest):
    """The request a view receives behind `login_required` (or a check of its own):
    the account is signed in, so `user` is a User, never AnonymousUser. Only a type:
    at run time it is Django's request."""

    user: User


def signed_in_user(request: HttpRequest) -> User | None:
    """The account making the request, or None for a visitor who is not signed in."""
    return request.user if request.user.is_authenticated else None
