from tests.payments.stripe_stub import stripe_stub  # noqa: F401 - the fixture of a local Stripe, for these tests
