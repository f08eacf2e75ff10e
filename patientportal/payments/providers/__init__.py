"""Payment providers behind one small interface, and the registry.

A provider starts a checkout for a payment (returning where to send the
patient), turns its own notifications into ProviderEvents, and refunds.
`active_provider()` is Stripe when a secret key is configured, otherwise the
built-in test provider.
"""

from django.conf import settings

from patientportal.payments.providers.base import PaymentProvider, ProviderEvent, ProviderEventKind
from patientportal.payments.providers.stripe_provider import StripeProvider
from patientportal.payments.providers.test_provider import TestProvider

PROVIDERS: dict[str, type[PaymentProvider]] = {"stripe": StripeProvider, "test": TestProvider}


def provider_named(identifier: str) -> PaymentProvider:
    return PROVIDERS[identifier]()


def active_provider() -> PaymentProvider | None:
    """None when no provider is configured (production without Stripe keys)."""
    return provider_named(settings.PAYMENT_PROVIDER) if settings.PAYMENT_PROVIDER else None


__all__ = ["PROVIDERS", "PaymentProvider", "ProviderEvent", "ProviderEventKind", "active_provider", "provider_named"]
