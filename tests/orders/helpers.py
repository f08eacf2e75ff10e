from patientportal.orders.cart import cart_add_item
from patientportal.orders.services import order_place
from patientportal.payments.providers import ProviderEvent, ProviderEventKind
from patientportal.payments.services import payment_event_apply, payment_start
from tests.factories import ProductFactory


def place_order(world, *, patient=None, products=None, notes=""):
    """An order for P1 (by default) of the given (product, quantity) pairs, or one 10.00 taxable item."""
    patient = patient or world.p1
    for product, quantity in products or [(ProductFactory(clinic=patient.clinic, price_cents=1000), 1)]:
        cart_add_item(patient=patient, product=product, quantity=quantity)
    user = patient.portal_accesses.first().user
    return order_place(patient=patient, notes=notes, actor=user)


def start_payment(order):
    return payment_start(
        order=order, actor=None, success_url="https://portal.example/ok", cancel_url="https://portal.example/cancel"
    )


def event(payment, kind=ProviderEventKind.SUCCEEDED, *, event_id=None, amount=None, currency=None):
    return ProviderEvent(
        event_id=event_id or f"evt_{kind}_{payment.pk}",
        kind=kind,
        event_type=f"test.{kind}",
        payment_reference=payment.reference,
        charge_reference=f"pi_{payment.pk}",
        amount_cents=payment.amount_cents if amount is None else amount,
        currency=currency or payment.currency,
    )


def pay(order):
    payment = start_payment(order)
    payment_event_apply(provider=payment.provider, event=event(payment))
    order.refresh_from_db()
    return payment
