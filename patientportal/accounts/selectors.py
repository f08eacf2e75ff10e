"""What the account page shows about the signed-in account's own sign-in and security."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession

from patientportal.accounts.models import User


@dataclass(frozen=True)
class AccountSecurity:
    pending_email: str  # the address being changed to, waiting for its link to be opened ("" if none)
    has_password: bool
    authenticator_app: bool
    passkeys: list[Authenticator]
    recovery_codes_left: int | None  # None: no recovery codes made yet
    session_count: int

    @property
    def two_factor_on(self) -> bool:
        return self.authenticator_app or bool(self.passkeys)


def account_security(*, user: User) -> AccountSecurity:
    """Three queries: the address being changed to, the authenticators, the sessions."""
    pending = EmailAddress.objects.filter(user=user, verified=False, primary=False).order_by("-pk").first()
    authenticators = list(Authenticator.objects.filter(user=user).order_by("created_at"))
    by_type = {kind: [a for a in authenticators if a.type == kind] for kind in Authenticator.Type.values}
    codes = by_type[Authenticator.Type.RECOVERY_CODES]
    return AccountSecurity(
        pending_email=pending.email if pending else "",
        has_password=user.has_usable_password(),
        authenticator_app=bool(by_type[Authenticator.Type.TOTP]),
        passkeys=by_type[Authenticator.Type.WEBAUTHN],
        recovery_codes_left=len(codes[0].wrap().get_unused_codes()) if codes else None,
        session_count=UserSession.objects.filter(user=user).count(),
    )
