"""Orders that need approval, their card authorised, and paid orders to refund (issue 17)."""

from patientportal.orders.models import Order
from patientportal.payments.models import Payment
from patientportal.payments.providers import ProviderEventKind
from patientportal.payments.services import payment_event_apply
from tests.factories import ProductFactory
from tests.orders.helpers import event, place_order, start_payment


def restricted_order(world, *, stock=5, price_cents=2000, quantity=1) -> tuple[Order, object]:
    """An order of P1 for a prescription item (it needs approval), and the product."""
    product = ProductFactory(
        clinic=world.clinic_a, name="Tretinoin", requires_prescription=True, stock=stock, price_cents=price_cents
    )
    return place_order(world, products=[(product, quantity)]), product


def authorise(order: Order) -> Payment:
    """Start the order's checkout (authorise only) and have the provider say the card is authorised."""
    payment = start_payment(order)
    assert payment.manual_capture
    payment_event_apply(provider=payment.provider, event=event(payment, ProviderEventKind.AUTHORISED))
    payment.refresh_from_db()
    order.refresh_from_db()
    return payment
