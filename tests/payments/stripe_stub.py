"""A local stub of the parts of Stripe's HTTP API the portal calls (no network): Checkout Sessions
(create, retrieve, expire), the refunds list of a payment intent, PaymentIntents with manual capture
(capture, cancel; created, confirmed with a test card and retrieved, for `manage.py stripe_check`) and
refunds. It keeps what Stripe keeps where the portal relies on it: an intent's state (a cancelled
authorisation cannot be captured, a captured one cannot be cancelled), how much of a charge was refunded
(more is refused) and its refunds, and idempotency keys (the same key answers the same, without doing it
twice)."""

import hashlib
import hmac
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from django.test import Client

from patientportal.payments.models import Payment

WEBHOOK_SECRET = "whsec_test_secret"
INTENT_ACTION = re.compile(r"^/v1/payment_intents/(?P<intent>[^/]+)/(?P<action>capture|cancel)$")


class StripeStub(BaseHTTPRequestHandler):
    requests: list = []
    retrieve_status = "unpaid"
    retrieve_amount = 0
    retrieve_session_status = None  # "open", "complete" or "expired"; None leaves it out
    retrieve_intent_status = None  # with ?expand[]=payment_intent: the intent's status; None leaves it out
    answer_after_seconds = 0
    intents: dict = {}  # payment intent id → {"status": ..., "amount": ..., "amount_received": ...}
    refunded: dict = {}  # payment intent id → cents refunded so far
    refund_list: dict = {}  # payment intent id → its refunds as Stripe lists them ({"id", "amount", "status"})
    answered: dict = {}  # idempotency key → (status, payload) already answered
    # The card of every charge (payment_method_details.card), given when a request expands the latest
    # charge (expand[]=latest_charge); None: a charge that says no card (another payment method).
    card: dict | None = {"brand": "visa", "last4": "4242"}
    lock = threading.Lock()

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        form = parse_qs(body)
        StripeStub.requests.append({"path": self.path, "headers": dict(self.headers), "form": form})
        time.sleep(StripeStub.answer_after_seconds)
        key = self.headers.get("Idempotency-Key")
        with StripeStub.lock:
            if key and key in StripeStub.answered:
                status, payload = StripeStub.answered[key]
            else:
                status, payload = self._answer(form)
                if key:
                    StripeStub.answered[key] = (status, payload)
        self._send(status, payload)

    def _answer(self, form: dict) -> tuple[int, dict]:
        if self.path.endswith("/expire"):
            return 200, {"id": "cs_test_stub", "object": "checkout.session", "status": "expired"}
        if self.path == "/v1/checkout/sessions":
            return 200, {
                "id": "cs_test_stub",
                "object": "checkout.session",
                "url": "https://checkout.stripe.test/cs_test_stub",
                "payment_status": "unpaid",
                "amount_total": 0,
                "currency": "usd",
            }
        if self.path == "/v1/payment_intents":
            return self._confirm(form)
        found = INTENT_ACTION.match(self.path)
        if found:
            return self._intent(found["intent"], found["action"], form)
        return self._refund(form)

    def _intent(self, intent_id: str, action: str, form: dict) -> tuple[int, dict]:
        intent = StripeStub.intents.setdefault(intent_id, {"status": "requires_capture", "amount": 0})
        if intent["status"] != "requires_capture":
            return 400, _error(f"This PaymentIntent could not be {action}d: its status is {intent['status']}.")
        if action == "capture":
            amount = int(form.get("amount_to_capture", [intent["amount"]])[0])
            intent.update(status="succeeded", amount_received=amount)
        else:
            intent.update(status="canceled", amount_received=0)
        payload = {"id": intent_id, "object": "payment_intent", "currency": "usd", **intent}
        if action == "capture" and _expands(form, "latest_charge"):
            payload["latest_charge"] = _charge(intent_id)
        return 200, payload

    def _confirm(self, form: dict) -> tuple[int, dict]:
        """A PaymentIntent created and confirmed at once with a test card (manage.py stripe_check)."""
        if form.get("payment_method") == ["pm_card_chargeDeclined"]:
            return 402, {
                "error": {
                    "type": "card_error",
                    "code": "card_declined",
                    "decline_code": "generic_decline",
                    "message": "Your card was declined.",
                }
            }
        intent_id = f"pi_check_{len(StripeStub.intents) + 1}"
        amount = int(form["amount"][0])
        manual = form.get("capture_method") == ["manual"]
        StripeStub.intents[intent_id] = {
            "status": "requires_capture" if manual else "succeeded",
            "amount": amount,
            **({} if manual else {"amount_received": amount}),
        }
        return 200, self._intent_payload(intent_id)

    def _intent_payload(self, intent_id: str) -> dict:
        intent = StripeStub.intents[intent_id]
        return {"id": intent_id, "object": "payment_intent", "currency": "usd", "amount_received": 0, **intent}

    def _refund(self, form: dict) -> tuple[int, dict]:
        intent_id = form.get("payment_intent", [""])[0]
        amount = int(form.get("amount", ["0"])[0])
        charged = StripeStub.intents.get(intent_id, {}).get("amount_received")
        already = StripeStub.refunded.get(intent_id, 0)
        if charged is not None and already + amount > charged:
            return 400, _error(f"Refund amount ({amount}) is greater than unrefunded amount on charge.")
        StripeStub.refunded[intent_id] = already + amount
        number = sum(1 for request in StripeStub.requests if request["path"] == "/v1/refunds")
        refund = {"id": f"re_test_{number}", "object": "refund", "status": "succeeded", "amount": amount}
        StripeStub.refund_list.setdefault(intent_id, []).append(refund)
        return 200, refund

    def _send(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        StripeStub.requests.append({"path": self.path, "headers": dict(self.headers), "form": {}})
        if self.path.startswith("/v1/payment_intents/"):
            intent_id = self.path.split("?")[0].rsplit("/", 1)[1]
            # An intent this stub did not make (a checkout's, named by a webhook) has succeeded.
            known = StripeStub.intents.get(intent_id, {"status": "succeeded"})
            payload = {"id": intent_id, "object": "payment_intent", "currency": "usd", **known}
            if "latest_charge" in self.path:
                payload["latest_charge"] = _charge(intent_id)
            self._send(200, payload)
            return
        if self.path.startswith("/v1/refunds?"):
            query = parse_qs(self.path.split("?", 1)[1])
            listed = StripeStub.refund_list.get(query.get("payment_intent", [""])[0], [])
            self._send(200, {"object": "list", "url": "/v1/refunds", "has_more": False, "data": listed})
            return
        payload = {
            "id": "cs_test_stub",
            "object": "checkout.session",
            "payment_status": StripeStub.retrieve_status,
            "amount_total": StripeStub.retrieve_amount,
            "currency": "usd",
            "payment_intent": "pi_sync",
        }
        if StripeStub.retrieve_session_status:
            payload["status"] = StripeStub.retrieve_session_status
        if "expand" in self.path and (StripeStub.retrieve_intent_status or "latest_charge" in self.path):
            payload["payment_intent"] = {"id": "pi_sync", "object": "payment_intent"}
            if StripeStub.retrieve_intent_status:
                payload["payment_intent"]["status"] = StripeStub.retrieve_intent_status
            if "latest_charge" in self.path:
                payload["payment_intent"]["latest_charge"] = _charge("pi_sync")
        self._send(200, payload)

    def log_message(self, *args):
        pass


def _expands(form: dict, field: str) -> bool:
    return any(key.startswith("expand") and field in values for key, values in form.items())


def _charge(intent_id: str) -> dict:
    """The intent's latest charge, as an expanded object (with the card, when it has one)."""
    details = {"type": "card", "card": dict(StripeStub.card)} if StripeStub.card else {"type": "us_bank_account"}
    return {"id": f"ch_{intent_id}", "object": "charge", "payment_intent": intent_id, "payment_method_details": details}


def refund_at_stripe(amount: int, *, intent: str = "pi_sync", status: str = "succeeded") -> dict:
    """A refund made in Stripe's dashboard (no request of ours): listed for the intent from now on."""
    listed = StripeStub.refund_list.setdefault(intent, [])
    refund = {"id": f"re_dashboard_{len(listed) + 1}", "object": "refund", "status": status, "amount": amount}
    listed.append(refund)
    return refund


def _error(message: str) -> dict:
    return {"error": {"type": "invalid_request_error", "message": message}}


def paths(requests: list, prefix: str) -> list[dict]:
    """The requests made to paths starting with `prefix`."""
    return [request for request in requests if request["path"].startswith(prefix)]


@pytest.fixture
def stripe_stub(settings):
    StripeStub.requests = []
    StripeStub.answer_after_seconds = 0
    StripeStub.retrieve_status, StripeStub.retrieve_amount = "unpaid", 0
    StripeStub.retrieve_session_status = StripeStub.retrieve_intent_status = None
    StripeStub.intents, StripeStub.refunded, StripeStub.answered, StripeStub.refund_list = {}, {}, {}, {}
    StripeStub.card = {"brand": "visa", "last4": "4242"}
    server = ThreadingHTTPServer(("127.0.0.1", 0), StripeStub)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    settings.STRIPE_SECRET_KEY = "sk_test_local"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{server.server_port}"
    settings.PAYMENT_PROVIDER = "stripe"
    yield StripeStub.requests
    server.shutdown()


def signed(payload: dict, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> tuple[str, str]:
    body = json.dumps(payload)
    timestamp = timestamp or int(time.time())
    signature = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return body, f"t={timestamp},v1={signature}"


def session_event(event_id: str, payment: Payment, *, kind: str = "checkout.session.completed", amount=None) -> dict:
    return {
        "id": event_id,
        "object": "event",
        "type": kind,
        "data": {
            "object": {
                "id": payment.reference,
                "object": "checkout.session",
                "payment_status": "paid",
                "amount_total": payment.amount_cents if amount is None else amount,
                "currency": payment.currency.lower(),
                "payment_intent": "pi_test_1",
            }
        },
    }


def post_webhook(body: str, signature: str):
    return Client().post(
        "/payments/stripe/webhook/", data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )


def refund_webhook(event_id: str, amount: int, payment_intent: str = "pi_test_1") -> dict:
    return {
        "id": event_id,
        "object": "event",
        "type": "charge.refunded",
        "data": {
            "object": {
                "id": "ch_1",
                "object": "charge",
                "payment_intent": payment_intent,
                "amount_refunded": amount,
                "currency": "usd",
            }
        },
    }
