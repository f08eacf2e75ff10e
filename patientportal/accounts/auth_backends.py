"""Signing in by email address, with allauth's backend, but only by the account's own address."""

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.base_user import AbstractBaseUser

from patientportal.accounts.emails import emails_match


def is_accounts_own_address(user: AbstractBaseUser, email: str) -> bool:
    """The address the account signs in with and is reset through: its primary one (`User.email`).
    An address it is changing to waits, unverified and not primary, until its link is opened:
    until then it must open nothing, or a mistyped or borrowed address would take the account."""
    return emails_match(getattr(user, "email", ""), email)


# allauth ships no type information (no py.typed), so its classes are Any to mypy.
class VerifiedAddressAuthenticationBackend(AuthenticationBackend):  # type: ignore[misc]
    def _authenticate_by_email(self, email: str, password: str) -> AbstractBaseUser | None:
        user: AbstractBaseUser | None = super()._authenticate_by_email(email, password)
        if user is not None and not is_accounts_own_address(user, email):
            return None
        return user
