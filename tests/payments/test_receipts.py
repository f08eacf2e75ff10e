"""Patient receipts (issue 15, part 2): a payment receipt when an order is paid and a refund receipt
for each refund, in full or in part; the same content as an email, a printable page and a PDF (read
back with pypdf); the card's brand and last four digits when the provider says them and nothing when
it does not; each email sent once, however often the provider repeats itself; and who may open them."""

import io

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from patientportal.core.deliveries import delivery_message
from patientportal.core.emails import html_body
from patientportal.core.models import EmailDelivery
from patientportal.payments.models import Payment, Refund
from patientportal.payments.providers import ProviderEventKind
from patientportal.payments.providers.test_provider import TestProvider
from patientportal.payments.services import order_refund, order_refund_partial, payment_event_apply
from tests.access_matrix import assert_staff_url_is_scoped
from tests.conftest import client_for
from tests.factories import MembershipFactory, ProductFactory
from tests.orders.helpers import event, pay, place_order, start_payment

pytestmark = pytest.mark.django_db

PAYMENT_RECEIPT = "payments/email/payment_receipt"
REFUND_RECEIPT = "payments/email/refund_receipt"


@pytest.fixture
def clinic(world):
    """Alpha Clinic at 7.25% tax, with an address and a way to reach it (a receipt names them)."""
    clinic = world.clinic_a
    clinic.tax_rate_bp = 725
    clinic.phone = "+1 617-555-0142"
    clinic.email = "front@alpha.example"
    clinic.street, clinic.city, clinic.region, clinic.postal_code = "1 Main Street", "Boston", "MA", "02110"
    clinic.save()
    return clinic


@pytest.fixture
def order(world, clinic):
    """2 × Cream at 10.00 (taxed) and 1 × Bandage at 5.00 (not taxed): subtotal 25.00, tax 7.25% of
    20.00 = 1.45, total 26.45. The Cream needs a prescription: no receipt email may say so."""
    cream = ProductFactory(clinic=clinic, name="Cream", price_cents=1000, stock=10, requires_prescription=True)
    bandage = ProductFactory(clinic=clinic, name="Bandage", price_cents=500, taxable=False, stock=10)
    placed = place_order(world, products=[(cream, 2), (bandage, 1)])
    placed.approval = "approved"  # approved in the past: only the receipt is under test here
    placed.payable_since = placed.created_at
    placed.save(update_fields=["approval", "payable_since"])
    assert (placed.subtotal_cents, placed.tax_cents, placed.total_cents) == (2500, 145, 2645)
    return placed


def emails(kind: str) -> list[EmailMultiAlternatives]:
    """The emails of this kind queued so far (sent or not), oldest first, as the messages they are."""
    return [delivery_message(delivery) for delivery in EmailDelivery.objects.filter(kind=kind).order_by("id")]


def pdf_text(response) -> str:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    data = b"".join(response.streaming_content)
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def flat(text: str) -> str:
    """Whitespace made single spaces: a PDF's lines break where they like."""
    return " ".join(text.split())


def test_paying_emails_a_receipt_with_the_items_the_tax_the_total_and_the_card(world, order):
    payment = pay(order)
    payment.refresh_from_db()
    assert (payment.card_brand, payment.card_last4) == ("visa", "4242")  # the test provider's card
    sent = emails(PAYMENT_RECEIPT)
    # To the account that uses the record and to the record's own address, each once.
    assert sorted(delivery.to[0] for delivery in sent) == sorted([world.patient_user_1.email, world.p1.email])
    body = sent[0].body
    assert sent[0].subject.endswith(f"Receipt: order {order.number}, $26.45 paid to {world.clinic_a.name}")
    for text in (
        f"received $26.45 for your order {order.number}",
        f"Receipt: {order.number}-P",
        "2 × Prescription item: $20.00",  # a prescription item is named only on the page and the PDF
        "1 × Bandage: $5.00 (no tax)",
        "Subtotal: $25.00",
        "Tax 7.25% on taxable items ($20.00): $1.45",
        "Total paid: $26.45",
        "Paid with: Visa ending in 4242",
        "1 Main Street",
        "Boston, MA 02110",
        "+1 617-555-0142",
        "front@alpha.example",
        f"/portal/orders/{order.pk}/receipt/?record=",
    ):
        assert text in body, text
    # No more than an order email carries: not what was prescribed, no patient name, no notes.
    for text in ("Cream", "Rx", world.p1.first_name, world.p1.last_name):
        assert text not in body and text not in html_body(sent[0]), text
    assert "Visa ending in 4242" in html_body(sent[0])


def test_a_proxy_limited_to_appointments_and_documents_gets_no_receipt(world, order):
    from patientportal.patients.choices import AccessLevel, Relationship
    from tests.factories import PortalAccessFactory

    PortalAccessFactory(
        patient=world.p1,
        user__email="carer@example.com",
        relationship=Relationship.CAREGIVER,
        proxy_name="Casey Carer",
        level=AccessLevel.APPOINTMENTS_DOCUMENTS,
    )
    PortalAccessFactory(
        patient=world.p1, user__email="guardian@example.com", relationship=Relationship.CAREGIVER, proxy_name="Gil"
    )
    pay(order)
    addresses = sorted(delivery.to[0] for delivery in emails(PAYMENT_RECEIPT))
    assert addresses == sorted([world.patient_user_1.email, world.p1.email, "guardian@example.com"])


def test_a_limited_proxy_whose_address_the_record_carries_gets_no_order_email(world, order):
    """A child's record that still carries the parent's address, and the parent a proxy with
    appointments and documents only: neither the receipt nor the order's updates go there."""
    from patientportal.orders.services import order_email_patient
    from patientportal.patients.choices import AccessLevel, Relationship
    from patientportal.patients.models import Patient
    from tests.factories import PortalAccessFactory

    Patient.objects.filter(pk=world.p1.pk).update(email="parent@example.com")
    world.p1.refresh_from_db()
    PortalAccessFactory(
        patient=world.p1,
        user__email="Parent@example.com",
        relationship=Relationship.PARENT_GUARDIAN,
        proxy_name="Pat Parent",
        level=AccessLevel.APPOINTMENTS_DOCUMENTS,
    )
    pay(order)
    order_email_patient(order, "ready")
    assert [delivery.to[0] for delivery in emails(PAYMENT_RECEIPT)] == [world.patient_user_1.email]
    assert not EmailDelivery.objects.filter(to__icontains="parent@example.com").exists()


def test_the_page_and_the_pdf_say_what_the_email_says(world, order):
    pay(order)
    client = client_for(world.patient_user_1)
    page = client.get(f"/portal/orders/{order.pk}/receipt/")
    assert page.status_code == 200
    text = flat(page.content.decode())
    for expected in ("Payment receipt", f"{order.number}-P", "Paula One", "$20.00", "$5.00", "(no tax)"):
        assert expected in text, expected
    assert "Tax 7.25% on taxable items ($20.00)" in text and "$1.45" in text and "$26.45" in text
    assert "Visa ending in 4242" in text and "1 Main Street" in text and "front@alpha.example" in text
    pdf = flat(pdf_text(client.get(f"/portal/orders/{order.pk}/receipt.pdf")))
    for expected in (
        "Payment receipt",
        f"Receipt number: {order.number}-P",
        "Patient: Paula One",
        "2 × Cream ($10.00 each) $20.00",
        "1 × Bandage ($5.00 each) — no tax $5.00",
        "Subtotal $25.00",
        "Tax 7.25% on taxable items ($20.00) $1.45",
        "Total paid $26.45",
        "Paid with: Visa ending in 4242",
        world.clinic_a.name,
        "1 Main Street",
        "Phone: +1 617-555-0142",
        f"({world.clinic_a.time_zone})",
    ):
        assert expected in pdf, expected
    # The order page links to both.
    detail = client.get(f"/portal/orders/{order.pk}/").content.decode()
    assert f"/portal/orders/{order.pk}/receipt/" in detail and f"/portal/orders/{order.pk}/receipt.pdf" in detail


def test_an_order_of_untaxed_items_only_has_no_tax_on_its_receipt(world, clinic):
    bandage = ProductFactory(clinic=clinic, name="Bandage", price_cents=500, taxable=False)
    untaxed = place_order(world, products=[(bandage, 3)])
    pay(untaxed)
    body = emails(PAYMENT_RECEIPT)[0].body
    assert "3 × Bandage: $15.00 (no tax)" in body and "($0.00): $0.00" in body and "Total paid: $15.00" in body
    pdf = flat(pdf_text(client_for(world.patient_user_1).get(f"/portal/orders/{untaxed.pk}/receipt.pdf")))
    assert "Tax 7.25% on taxable items ($0.00) $0.00" in pdf and "Total paid $15.00" in pdf


def test_without_the_card_from_the_provider_the_receipts_say_nothing_of_a_card(world, order, monkeypatch):
    monkeypatch.setattr(TestProvider, "card", lambda self, *, payment: None)
    payment = pay(order)
    payment.refresh_from_db()
    assert (payment.card_brand, payment.card_last4) == ("", "")
    order_refund(order=order, actor=world.owner_a, reason="Out of stock")
    refund = Refund.objects.get()
    client = client_for(world.patient_user_1)
    for text in (
        emails(PAYMENT_RECEIPT)[0].body,
        emails(REFUND_RECEIPT)[0].body,
        client.get(f"/portal/orders/{order.pk}/receipt/").content.decode(),
        client.get(f"/portal/orders/{order.pk}/refunds/{refund.pk}/receipt/").content.decode(),
        pdf_text(client.get(f"/portal/orders/{order.pk}/receipt.pdf")),
        pdf_text(client.get(f"/portal/orders/{order.pk}/refunds/{refund.pk}/receipt.pdf")),
    ):
        assert "Paid with" not in text and "ending in" not in text
        assert "$26.45" in text


def test_a_card_of_a_brand_we_do_not_name_is_shown_by_its_digits():
    from patientportal.payments.choices import card_label

    assert card_label(brand="amex", last4="0005") == "American Express ending in 0005"
    assert card_label(brand="unknown", last4="1234") == "Card ending in 1234"
    assert card_label(brand="visa", last4="") == ""


def test_partial_refunds_each_have_a_receipt_with_their_tax_and_the_original_payment(world, order):
    pay(order)
    items = {item.name: item for item in order.items.all()}
    by_item = order_refund_partial(
        order=order, actor=world.owner_a, reason="Returned unopened", quantities={items["Cream"].pk: 1}
    )
    by_amount = order_refund_partial(order=order, actor=world.owner_a, reason="Goodwill", amount_cents=500)
    assert (by_item.amount_cents, by_item.tax_cents) == (1073, 73)
    assert (by_amount.amount_cents, by_amount.tax_cents) == (500, 27)
    first, _first_to_record, second, _second_to_record = emails(REFUND_RECEIPT)
    for text in (
        "1 × Prescription item: $10.00",
        "Items: $10.00",
        "Tax: $0.73",
        "Refunded: $10.73",
        f"Refund receipt: {order.number}-R1",
        "Reason: Returned unopened",
        "Refunded so far: $10.73 of the $26.45 you paid.",
        "Original payment: $26.45 on",
        "(Visa ending in 4242)",
        f"/portal/orders/{order.pk}/refunds/{by_item.pk}/receipt/?record=",
    ):
        assert text in first.body, text
    assert "Cream" not in first.body and "Cream" not in html_body(first)
    assert first.subject.endswith(f"Refund receipt: order {order.number}, $10.73 refunded")
    for text in ("Amount before tax: $4.73", "Tax: $0.27", "Refunded: $5.00", "Refunded so far: $15.73 of the $26.45"):
        assert text in second.body, text
    client = client_for(world.patient_user_1)
    page = flat(client.get(f"/portal/orders/{order.pk}/refunds/{by_item.pk}/receipt/").content.decode())
    for expected in ("Refund receipt", f"{order.number}-R1", "1 × Cream", "Tax refunded", "$0.73", "$10.73"):
        assert expected in page, expected
    assert "Original payment" in page and "$26.45 paid" in page and "Visa ending in 4242" in page
    pdf = flat(pdf_text(client.get(f"/portal/orders/{order.pk}/refunds/{by_amount.pk}/receipt.pdf")))
    for expected in (
        f"Receipt number: {order.number}-R2",
        "Patient: Paula One",
        "An amount of the order $4.73",
        "Amount before tax $4.73",
        "Tax refunded $0.27",
        "Total refunded $5.00",
        "Reason: Goodwill",
        "Original payment $26.45 paid",
        "Paid with: Visa ending in 4242",
        "Refunded so far: $15.73 of the $26.45 paid.",
    ):
        assert expected in pdf, expected
    # The payment receipt still stands, and says what was given back since.
    assert "Refunded since: $15.73" in flat(client.get(f"/portal/orders/{order.pk}/receipt/").content.decode())


def test_refunding_the_rest_makes_a_receipt_in_full(world, order):
    pay(order)
    items = {item.name: item for item in order.items.all()}
    order_refund_partial(order=order, actor=world.owner_a, reason="Returned", quantities={items["Cream"].pk: 1})
    order_refund(order=order, actor=world.owner_a, reason="Closing the order")
    rest = Refund.objects.latest("id")
    assert (rest.amount_cents, rest.tax_cents) == (1572, 72)  # 26.45 - 10.73, and 1.45 - 0.73
    latest = emails(REFUND_RECEIPT)[-1].body
    assert "Refunded: $15.72" in latest and "Tax: $0.72" in latest
    assert "Your payment has now been refunded in full." in latest
    pdf = flat(
        pdf_text(client_for(world.patient_user_1).get(f"/portal/orders/{order.pk}/refunds/{rest.pk}/receipt.pdf"))
    )
    assert "Tax refunded $0.72" in pdf and "Total refunded $15.72" in pdf
    assert "The payment has now been refunded in full." in pdf and f"{order.number}-R2" in pdf


def test_a_refund_in_full_at_once(world, order):
    pay(order)
    order_refund(order=order, actor=world.owner_a, reason="Cancelled by the clinic")
    refund = Refund.objects.get()
    assert (refund.amount_cents, refund.tax_cents) == (2645, 145)
    body = emails(REFUND_RECEIPT)[0].body
    assert "Amount before tax: $25.00" in body and "Tax: $1.45" in body and "Refunded: $26.45" in body
    assert "Your payment has now been refunded in full." in body


def test_a_payment_event_delivered_twice_sends_one_receipt(world, order, django_capture_on_commit_callbacks):
    payment = start_payment(order)
    with django_capture_on_commit_callbacks(execute=True):
        assert payment_event_apply(provider=payment.provider, event=event(payment)) == "paid"
        assert payment_event_apply(provider=payment.provider, event=event(payment)).startswith("duplicate")
        # The same success told again under another id (a retrieve, reconciliation): changes nothing.
        again = event(payment, event_id="evt_retrieved")
        assert payment_event_apply(provider=payment.provider, event=again).startswith("ignored")
    # Sent (so their sealed content is gone): one to each of the two addresses, once.
    deliveries = EmailDelivery.objects.filter(kind=PAYMENT_RECEIPT)
    assert sorted(deliveries.values_list("to", flat=True)) == sorted([world.patient_user_1.email, world.p1.email])
    assert len([message for message in mail.outbox if "Receipt:" in message.subject]) == 2


def test_a_refund_told_again_by_the_provider_sends_no_second_receipt(world, order):
    payment = pay(order)
    refund = order_refund_partial(order=order, actor=world.owner_a, reason="Returned", amount_cents=1000)
    assert len(emails(REFUND_RECEIPT)) == 2
    # The provider's webhook saying the same running total, twice: nothing new.
    said = event(payment, ProviderEventKind.REFUNDED, event_id="evt_refund_webhook", amount=1000)
    for _ in range(2):
        payment_event_apply(provider=payment.provider, event=said)
    assert Refund.objects.count() == 1 and len(emails(REFUND_RECEIPT)) == 2
    # A refund made at the provider (its dashboard) is recorded once, and gets its receipt once.
    more = event(payment, ProviderEventKind.REFUNDED, event_id="evt_dashboard", amount=1500)
    for _ in range(2):
        payment_event_apply(provider=payment.provider, event=more)
    assert Refund.objects.count() == 2 and len(emails(REFUND_RECEIPT)) == 4
    assert "Refunded: $5.00" in emails(REFUND_RECEIPT)[-1].body
    assert refund.pk != Refund.objects.latest("id").pk


# --- Stripe: the card from the payment intent's latest charge ----------------------------------------


def post_webhook(body: str, signature: str):
    return Client().post(
        "/payments/stripe/webhook/", data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )


@pytest.fixture
def stripe_order(world, order, stripe_stub):
    payment = start_payment(order)
    assert payment.provider == "stripe"
    return order, payment


def test_stripe_the_card_comes_from_the_latest_charge_and_a_repeated_webhook_sends_one_receipt(
    world, stripe_order, stripe_stub
):
    from tests.payments.stripe_stub import paths, session_event, signed

    _order, payment = stripe_order
    body, signature = signed(session_event("evt_paid", payment))
    for _ in range(2):
        assert post_webhook(body, signature).status_code == 200
    payment.refresh_from_db()
    assert (payment.card_brand, payment.card_last4) == ("visa", "4242")
    [asked] = paths(stripe_stub, "/v1/payment_intents/pi_test_1")
    assert "expand" in asked["path"] and "latest_charge" in asked["path"]
    assert len(emails(PAYMENT_RECEIPT)) == 2
    assert "Paid with: Visa ending in 4242" in emails(PAYMENT_RECEIPT)[0].body


def test_stripe_a_payment_without_a_card_leaves_the_receipt_without_one(world, stripe_order, stripe_stub):
    from tests.payments.stripe_stub import StripeStub, session_event, signed

    StripeStub.card = None  # paid by a bank debit, say
    _order, payment = stripe_order
    assert post_webhook(*signed(session_event("evt_paid", payment))).status_code == 200
    payment.refresh_from_db()
    assert (payment.card_brand, payment.card_last4) == ("", "")
    assert "Paid with" not in emails(PAYMENT_RECEIPT)[0].body


def test_stripe_not_answering_about_the_card_still_records_the_payment(world, stripe_order, settings):
    from tests.payments.stripe_stub import session_event, signed

    order, payment = stripe_order
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # unreachable: the card cannot be asked
    assert post_webhook(*signed(session_event("evt_paid", payment))).status_code == 200
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.payment_status == "paid" and payment.card_last4 == ""
    assert "Total paid: $26.45" in emails(PAYMENT_RECEIPT)[0].body


# --- Who may open them --------------------------------------------------------------------------------


def portal_receipt_urls(order, refund) -> list[str]:
    return [
        f"/portal/orders/{order.pk}/receipt/",
        f"/portal/orders/{order.pk}/receipt.pdf",
        f"/portal/orders/{order.pk}/refunds/{refund.pk}/receipt/",
        f"/portal/orders/{order.pk}/refunds/{refund.pk}/receipt.pdf",
    ]


def staff_receipt_urls(order, refund) -> list[str]:
    return [
        f"/staff/alpha/orders/{order.pk}/receipt/",
        f"/staff/alpha/orders/{order.pk}/receipt.pdf",
        f"/staff/alpha/orders/{order.pk}/refunds/{refund.pk}/receipt/",
        f"/staff/alpha/orders/{order.pk}/refunds/{refund.pk}/receipt.pdf",
    ]


def paid_and_refunded(world, patient):
    clinic_owner = world.owner_a if patient.clinic == world.clinic_a else world.owner_b
    placed = place_order(
        world, patient=patient, products=[(ProductFactory(clinic=patient.clinic, price_cents=1000), 1)]
    )
    pay(placed)
    refund = order_refund_partial(order=placed, actor=clinic_owner, reason="Part", amount_cents=100)
    return placed, refund


def test_the_patients_receipts_open_for_them_only(world, clinic):
    mine, my_refund = paid_and_refunded(world, world.p1)
    others, others_refund = paid_and_refunded(world, world.p2)
    foreign, foreign_refund = paid_and_refunded(world, world.pb)
    for url in portal_receipt_urls(mine, my_refund):
        assert Client().get(url).status_code == 302  # anonymous: to sign in
        assert client_for(world.patient_user_1).get(url).status_code == 200, url
        assert client_for(world.patient_user_2).get(url).status_code == 404, url  # another patient
        assert client_for(world.staff_a).get(url).status_code == 403, url  # no patient record
    for order, refund in ((others, others_refund), (foreign, foreign_refund)):
        for url in portal_receipt_urls(order, refund):
            assert client_for(world.patient_user_1).get(url).status_code == 404, url
    # Another clinic's patient, signed in, has no such order either.
    for url in portal_receipt_urls(mine, my_refund)[:1]:
        assert client_for(world.patient_user_b).get(url).status_code in (403, 404)
    # A refund of another order, under one's own order: 404 too.
    for name in ("portal:refund_receipt", "portal:refund_receipt_pdf"):
        url = reverse(name, args=[mine.pk, others_refund.pk])
        assert client_for(world.patient_user_1).get(url).status_code == 404
    # An order not paid has no payment receipt.
    unpaid = place_order(world)
    for name in ("portal:payment_receipt", "portal:payment_receipt_pdf"):
        assert client_for(world.patient_user_1).get(reverse(name, args=[unpaid.pk])).status_code == 404


def test_the_clinics_team_prints_a_patients_receipts_and_no_one_else_does(world, clinic):
    mine, my_refund = paid_and_refunded(world, world.p1)
    foreign, foreign_refund = paid_and_refunded(world, world.pb)
    admin = MembershipFactory(clinic=world.clinic_a, role="admin").user
    for url in staff_receipt_urls(mine, my_refund):
        # Anonymous → sign in; a patient or another clinic's staff → 404; the clinic's staff → 200.
        assert_staff_url_is_scoped(world, url)
        for member in (world.owner_a, admin):
            assert client_for(member).get(url).status_code == 200, url
    # Another clinic's order asked for under Alpha's address: 404, for every role of Alpha.
    for url in staff_receipt_urls(foreign, foreign_refund):
        assert client_for(world.owner_a).get(url).status_code == 404, url
    page = client_for(world.staff_a).get(reverse("staff:payment_receipt", args=["alpha", mine.pk]))
    assert "Payment receipt" in page.text and "Paula One" in page.text
    staff_order = client_for(world.staff_a).get(f"/staff/alpha/orders/{mine.pk}/").text
    assert f"/staff/alpha/orders/{mine.pk}/receipt.pdf" in staff_order
    assert f"/staff/alpha/orders/{mine.pk}/refunds/{my_refund.pk}/receipt/" in staff_order


def test_staff_opening_a_receipt_is_audited_as_viewing_the_order(world, clinic):
    from patientportal.audit.models import AuditEvent

    mine, _refund = paid_and_refunded(world, world.p1)
    client_for(world.staff_a).get(reverse("staff:payment_receipt_pdf", args=["alpha", mine.pk]))
    assert AuditEvent.objects.filter(action="orders.order.viewed", actor=world.staff_a, object_id=str(mine.pk)).exists()
    client_for(world.patient_user_1).get(reverse("portal:payment_receipt_pdf", args=[mine.pk]))
    viewed = AuditEvent.objects.filter(action="patients.patient.viewed", actor=world.patient_user_1).latest("id")
    assert viewed.metadata == {"page": "portal.receipt_pdf"}
    assert Payment.objects.filter(order=mine).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_events_twice_at_once_send_each_receipt_once(world, order):
    from django.db import connection

    from patientportal.payments.errors import PaymentError
    from tests.races import race

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: run with DATABASE_URL=postgres://…")
    payment = start_payment(order)
    paid = event(payment, event_id="evt_paid")
    refunded = event(payment, ProviderEventKind.REFUNDED, event_id="evt_refund", amount=1000)

    def deliver(provider_event):
        return lambda: payment_event_apply(provider="test", event=provider_event)

    assert race([deliver(paid), deliver(paid)], refused=PaymentError) == ["duplicate: already processed", "paid"]
    assert race([deliver(refunded), deliver(refunded)], refused=PaymentError) == [
        "duplicate: already processed",
        "recorded: partial refund",
    ]
    two_addresses = sorted([world.patient_user_1.email, world.p1.email])
    for kind in (PAYMENT_RECEIPT, REFUND_RECEIPT):
        assert sorted(EmailDelivery.objects.filter(kind=kind).values_list("to", flat=True)) == two_addresses
