import pytest
from django.test import Client

from patientportal.orders.cart import cart_add_item
from patientportal.orders.choices import OrderStatus, PaymentStatus
from patientportal.orders.models import Order
from patientportal.payments.models import Payment, PaymentAttemptStatus
from tests.clinics.test_features import all_combinations
from tests.conftest import client_for
from tests.factories import ProductFactory
from tests.orders.helpers import pay, place_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def cart(world):
    world.clinic_a.tax_rate_bp = 825
    world.clinic_a.save()
    cart_add_item(
        patient=world.p1, product=ProductFactory(clinic=world.clinic_a, name="Serum", price_cents=2000), quantity=2
    )
    cart_add_item(
        patient=world.p1,
        product=ProductFactory(clinic=world.clinic_a, name="Visit", price_cents=5000, taxable=False),
        quantity=1,
    )


def test_checkout_shows_items_subtotal_tax_on_taxable_items_and_total(world, cart):
    page = client_for(world.patient_user_1).get("/portal/checkout/")
    text = page.text
    assert "Serum" in text and "Visit" in text and "(no tax)" in text
    assert "$90.00" in text  # subtotal
    assert "Tax 8.25% on taxable items ($40.00)" in text and "$3.30" in text
    assert "$93.30" in text


def test_notes_longer_than_500_characters_are_refused_and_kept(world, cart):
    response = client_for(world.patient_user_1).post("/portal/checkout/", {"notes": "x" * 501})
    assert "Please keep notes under 500 characters" in response.text
    assert "x" * 501 in response.text
    assert not Order.objects.exists()


def test_pay_now_places_the_order_and_goes_to_the_test_payment_page_then_back(world, cart):
    client = client_for(world.patient_user_1)
    response = client.post("/portal/checkout/", {"notes": "Friday please"})
    order = Order.objects.get()
    payment = Payment.objects.get(order=order)
    assert response["Location"] == f"/payments/test/{payment.reference}/"
    test_page = client.get(response["Location"])
    assert "Test payments: no money moves" in test_page.text and "$93.30" in test_page.text
    done = client.post(response["Location"], {"action": "pay"}, follow=True)
    assert "Thank you — payment received" in done.text
    order.refresh_from_db()
    assert (order.status, order.payment_status) == (OrderStatus.PROCESSING, PaymentStatus.PAID)


def test_the_confirmation_page_never_trusts_the_redirect(world):
    order = place_order(world)
    client = client_for(world.patient_user_1)
    client.post(f"/portal/orders/{order.pk}/pay/")
    page = client.get(f"/portal/orders/{order.pk}/confirmation/?session_id=anything&paid=1")
    assert "Payment processing" in page.text
    assert '<meta http-equiv="refresh" content="5">' in page.text
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.UNPAID


def test_declining_leaves_the_order_payable(world):
    order = place_order(world)
    client = client_for(world.patient_user_1)
    checkout = client.post(f"/portal/orders/{order.pk}/pay/")
    declined = client.post(checkout["Location"], {"action": "decline"}, follow=True)
    assert "declined" in declined.text and "Pay now" in declined.text
    assert Payment.objects.get().status == PaymentAttemptStatus.FAILED


def test_a_restricted_order_cannot_be_paid_even_by_posting_directly(world):
    """Before approval the card can only be authorised (issue 17); without an online provider, not even that."""
    order = place_order(world, products=[(ProductFactory(clinic=world.clinic_a, requires_prescription=True), 1)])
    client = client_for(world.patient_user_1)
    detail = client.get(f"/portal/orders/{order.pk}/")
    assert "Authorise card" in detail.text and "Pay now" not in detail.text
    authorise = client.post(f"/portal/orders/{order.pk}/pay/")
    assert Payment.objects.get().manual_capture
    test_page = client.get(authorise["Location"])
    assert 'value="authorise"' in test_page.text and 'value="pay"' not in test_page.text


def test_without_a_payment_provider_a_restricted_order_waits_for_approval(world, settings):
    settings.PAYMENT_PROVIDER = ""
    order = place_order(world, products=[(ProductFactory(clinic=world.clinic_a, requires_prescription=True), 1)])
    client = client_for(world.patient_user_1)
    detail = client.get(f"/portal/orders/{order.pk}/")
    assert "The clinic is reviewing this order" in detail.text and "Authorise card" not in detail.text
    refused = client.post(f"/portal/orders/{order.pk}/pay/", follow=True)
    assert "Online payment is not available yet" in refused.text
    assert not Payment.objects.exists()


def test_order_detail_shows_items_totals_and_statuses(world):
    order = place_order(world, products=[(ProductFactory(clinic=world.clinic_a, name="Balm", price_cents=750), 2)])
    pay(order)
    page = client_for(world.patient_user_1).get(f"/portal/orders/{order.pk}/")
    for expected in (f"Order {order.number}", "Balm", "$15.00", "Processing", "Paid"):
        assert expected in page.text


def test_another_patients_or_clinics_order_is_404_everywhere(world):
    others = place_order(world, patient=world.p2)
    foreign = place_order(world, patient=world.pb)
    client = client_for(world.patient_user_1)
    for order in (others, foreign):
        for url in (f"/portal/orders/{order.pk}/", f"/portal/orders/{order.pk}/confirmation/"):
            assert client.get(url).status_code == 404
        assert client.post(f"/portal/orders/{order.pk}/pay/").status_code == 404
    assert Client().get(f"/portal/orders/{others.pk}/").status_code == 302
    assert not Payment.objects.exists()
    assert list(client.get("/portal/orders/").context["page"].object_list) == []


def test_the_test_payment_page_belongs_to_the_orders_patient_only(world):
    order = place_order(world)
    checkout = client_for(world.patient_user_1).post(f"/portal/orders/{order.pk}/pay/")
    assert client_for(world.patient_user_2).get(checkout["Location"]).status_code == 404
    assert client_for(world.patient_user_2).post(checkout["Location"], {"action": "pay"}).status_code == 404
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.UNPAID


def test_the_dashboard_counts_orders_in_progress_and_ready(world):
    from patientportal.orders.choices import OrderStatus
    from patientportal.orders.services import order_mark_ready

    place_order(world)
    processing = place_order(world)
    pay(processing)
    ready = place_order(world)
    pay(ready)
    order_mark_ready(order=ready, actor=world.staff_a)
    processing.refresh_from_db()
    assert processing.status == OrderStatus.PROCESSING
    response = client_for(world.patient_user_1).get("/portal/")
    card = response.context["cards"][1][1]
    # Pending and Processing together, under a label that says so (not "Pending").
    assert (card["pending"], card["ready"]) == (2, 1)
    assert "<dt>In progress</dt>" in response.text
    assert "<dt>Pending</dt>" not in response.text


@pytest.mark.parametrize(("plan", "add_ons"), list(all_combinations()))
def test_orders_follow_the_plan(world, plan, add_ons):
    from patientportal.clinics.features import Feature, features_for

    world.clinic_a.plan, world.clinic_a.add_ons = plan, list(add_ons)
    world.clinic_a.save()
    has_orders = Feature.ORDERS in features_for(plan, add_ons)
    client = client_for(world.patient_user_1)
    assert ('href="/portal/orders/"' in client.get("/portal/").text) is has_orders
    assert client.get("/portal/orders/").status_code == (200 if has_orders else 403)


@pytest.mark.parametrize("count", [1, 40])
def test_the_order_list_needs_a_fixed_number_of_queries(world, count, django_assert_num_queries):
    product = ProductFactory(clinic=world.clinic_a, stock=1000)
    for _ in range(count):
        place_order(world, products=[(product, 1)])
    client = client_for(world.patient_user_1)
    client.get("/portal/orders/")
    # session, user, links, count, one page, audit, cart count (no session save within a minute)
    with django_assert_num_queries(7):
        client.get("/portal/orders/")


def test_the_confirmation_page_tells_the_true_state_of_a_cancelled_or_refunded_order(world):
    from patientportal.payments.services import order_cancel

    order = place_order(world)
    pay(order)
    order_cancel(order=order, reason="Out of stock at the clinic", actor=world.owner_a)
    page = client_for(world.patient_user_1).get(f"/portal/orders/{order.pk}/confirmation/")
    assert "This order was cancelled" in page.text and "refunded in full" in page.text
    assert "Payment processing" not in page.text


def test_the_test_payment_page_does_not_exist_without_the_test_provider(world, settings):
    order = place_order(world)
    checkout = client_for(world.patient_user_1).post(f"/portal/orders/{order.pk}/pay/")
    settings.PAYMENT_PROVIDER = ""
    assert client_for(world.patient_user_1).get(checkout["Location"]).status_code == 404
    assert client_for(world.patient_user_1).post(checkout["Location"], {"action": "pay"}).status_code == 404
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.UNPAID


def test_the_checkout_refuses_when_prices_changed_since_the_page_was_shown(world, cart):
    from patientportal.catalog.models import Product

    client = client_for(world.patient_user_1)
    shown = client.get("/portal/checkout/").context["form"].initial["shown_total_cents"]
    Product.objects.filter(name="Serum").update(price_cents=2500)
    response = client.post("/portal/checkout/", {"notes": "", "shown_total_cents": shown}, follow=True)
    assert "Prices changed while you were checking out" in response.text
    assert not Order.objects.exists()
