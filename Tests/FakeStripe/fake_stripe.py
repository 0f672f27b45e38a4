#!/usr/bin/env python3
"""A local HTTPS fake of the Stripe API subset Marquee's Stripe provider uses.

Written for the tests (Python 3 standard library only): real TLS with a test
certificate, Stripe's JSON and error shapes, Idempotency-Key semantics, the
test PaymentMethods, and faults the tests control.

    fake_stripe.py --cert CERT --key KEY [--port 0] [--secret-key sk_test_fake] [--close-connections]

--close-connections answers every call with `Connection: close`: each call
then needs a new connection and TLS handshake (the benchmark's reuse off).

Prints `port N control M` on its first line of standard output once it
listens: N serves HTTPS (Stripe's API and the control endpoints), M the
control endpoints over plain HTTP, for test code without a TLS client.

Stripe's subset:
  POST /v1/payment_intents            amount, currency, payment_method,
                                      capture_method=manual, confirm=true, metadata[k]
  POST /v1/payment_intents/{id}/capture
  POST /v1/payment_intents/{id}/cancel
  GET  /v1/payment_intents/{id}       expand[]=latest_charge
  POST /v1/refunds                    payment_intent
Every /v1 call needs `Authorization: Bearer <secret key>`. A POST with an
Idempotency-Key is answered once: the same key with the same method, path
and parameters replays the first answer (header `Idempotent-Replayed: true`);
with anything else it is 400 `idempotency_error`. Answers of 5xx are not
stored, as Stripe does not store them.

Test PaymentMethods (Stripe's names): pm_card_visa and the other approving
cards -> requires_capture; pm_card_threeDSecureRequired,
pm_card_threeDSecure2Required, pm_card_authenticationRequired ->
requires_action with client_secret and next_action; pm_card_chargeDeclined*
-> 402 card_error (the intent exists, in requires_payment_method);
anything else -> 400 resource_missing on payment_method.

Control endpoints (no auth, not Stripe's; on both ports):
  POST /_fake/faults   JSON list appended to the fault queue; each fault is
                       {"kind": K, "count": N (1), "path": prefix ("/v1/")}
                       K = "status" (+"status", answered without processing),
                           "rate_limit" (429, +"retry_after" seconds),
                           "delay" (+"ms": processed, then answered late),
                           "drop_before" (request read, connection closed, nothing done),
                           "drop_after" (processed, connection closed unanswered)
  POST /_fake/intents/{id}/authenticate  {"succeed": bool}: finishes 3-D Secure
  GET  /_fake/stats    counters: requests, intents_created, captures, cancels,
                       refunds, replays, tls_failures, and the request log
  POST /_fake/reset    forgets faults, counters and the log (not intents)
  POST /_fake/forget_keys  forgets every Idempotency-Key, as Stripe does after 24 hours
"""
import argparse
import json
import os
import secrets
import signal
import socket
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

APPROVE = {"pm_card_visa", "pm_card_mastercard", "pm_card_amex", "pm_card_discover", "pm_card_visa_debit"}
ACTION = {"pm_card_threeDSecureRequired", "pm_card_threeDSecure2Required", "pm_card_authenticationRequired"}
DECLINES = {
    "pm_card_chargeDeclined": ("card_declined", "generic_decline", "Your card was declined."),
    "pm_card_chargeDeclinedInsufficientFunds": ("card_declined", "insufficient_funds", "Your card has insufficient funds."),
    "pm_card_chargeDeclinedExpiredCard": ("expired_card", None, "Your card has expired."),
    "pm_card_chargeDeclinedIncorrectCvc": ("incorrect_cvc", None, "Your card's security code is incorrect."),
    "pm_card_chargeDeclinedProcessingError": ("processing_error", None, "An error occurred while processing your card."),
}


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.intents = {}
        self.charges = {}
        self.idempotency = {}
        self.reset()

    def reset(self):
        self.faults = []
        self.counters = {k: 0 for k in ("requests", "intents_created", "captures", "cancels", "refunds",
                                        "replays", "tls_failures", "dropped")}
        self.log = []

    def take_fault(self, path):
        for index, fault in enumerate(self.faults):
            if path.startswith(fault.get("path", "/v1/")):
                fault["count"] = fault.get("count", 1) - 1
                if fault["count"] <= 0:
                    del self.faults[index]
                return fault
        return None


STATE = State()


def error(status, kind, message, code=None, decline_code=None, param=None, intent=None):
    body = {"type": kind, "message": message}
    if code:
        body["code"] = code
    if decline_code:
        body["decline_code"] = decline_code
    if param:
        body["param"] = param
    if intent is not None:
        body["payment_intent"] = intent
    return status, {"error": body}


def new_id(prefix):
    return prefix + "_" + secrets.token_hex(12)


def intent_json(intent, expand_charge=False):
    shown = dict(intent)
    charge = shown.get("latest_charge")
    if expand_charge and charge:
        shown["latest_charge"] = dict(STATE.charges[charge])
    return shown


def create_intent(form):
    try:
        amount = int(form.get("amount", ""))
    except ValueError:
        return error(400, "invalid_request_error", "Invalid integer: amount", code="parameter_invalid_integer", param="amount")
    if amount < 1:
        return error(400, "invalid_request_error", "This value must be greater than or equal to 1.",
                     code="parameter_invalid_integer", param="amount")
    method = form.get("payment_method", "")
    if method not in APPROVE | ACTION | set(DECLINES):
        return error(400, "invalid_request_error", f"No such PaymentMethod: '{method}'", code="resource_missing",
                     param="payment_method")
    if form.get("capture_method") != "manual" or form.get("confirm") != "true":
        return error(400, "invalid_request_error", "the fake serves capture_method=manual with confirm=true only",
                     code="parameter_invalid_empty")
    metadata = {k[len("metadata["):-1]: v for k, v in form.items() if k.startswith("metadata[") and k.endswith("]")}
    ident = new_id("pi")
    intent = {
        "id": ident, "object": "payment_intent", "amount": amount, "amount_capturable": 0, "amount_received": 0,
        "currency": form.get("currency", "usd"), "capture_method": "manual", "confirmation_method": "automatic",
        "client_secret": ident + "_secret_" + secrets.token_hex(8), "created": int(time.time()), "livemode": False,
        "metadata": metadata, "payment_method": method, "next_action": None, "latest_charge": None,
        "status": "requires_capture", "last_payment_error": None,
    }
    STATE.intents[ident] = intent
    STATE.counters["intents_created"] += 1
    if method in DECLINES:
        code, decline, message = DECLINES[method]
        intent["status"] = "requires_payment_method"
        intent["last_payment_error"] = {"type": "card_error", "code": code, "decline_code": decline, "message": message}
        return error(402, "card_error", message, code=code, decline_code=decline, intent=intent)
    if method in ACTION:
        intent["status"] = "requires_action"
        intent["next_action"] = {"type": "use_stripe_sdk",
                                 "use_stripe_sdk": {"type": "three_d_secure_redirect", "stripe_js": "https://hooks.stripe.com/fake"}}
        return 200, intent
    authorize(intent)
    return 200, intent


def authorize(intent):
    charge = new_id("ch")
    STATE.charges[charge] = {"id": charge, "object": "charge", "amount": intent["amount"], "amount_refunded": 0,
                             "captured": False, "refunded": False, "payment_intent": intent["id"], "status": "succeeded"}
    intent.update(status="requires_capture", amount_capturable=intent["amount"], latest_charge=charge, next_action=None)


def unexpected_state(intent, verb):
    return error(400, "invalid_request_error",
                 f"This PaymentIntent could not be {verb} because it has a status of {intent['status']}.",
                 code="payment_intent_unexpected_state", intent=intent)


def capture(intent):
    if intent["status"] != "requires_capture":
        return unexpected_state(intent, "captured")
    intent.update(status="succeeded", amount_received=intent["amount"], amount_capturable=0)
    STATE.charges[intent["latest_charge"]]["captured"] = True
    STATE.counters["captures"] += 1
    return 200, intent


def cancel(intent):
    if intent["status"] not in ("requires_capture", "requires_action", "requires_payment_method", "requires_confirmation"):
        return unexpected_state(intent, "canceled")
    intent.update(status="canceled", amount_capturable=0, next_action=None, cancellation_reason="requested_by_customer")
    STATE.counters["cancels"] += 1
    return 200, intent


def refund(form):
    intent = STATE.intents.get(form.get("payment_intent", ""))
    if intent is None:
        return error(400, "invalid_request_error", f"No such payment_intent: '{form.get('payment_intent', '')}'",
                     code="resource_missing", param="payment_intent")
    charge = STATE.charges.get(intent["latest_charge"] or "")
    if intent["status"] != "succeeded" or charge is None:
        return error(400, "invalid_request_error",
                     f"This PaymentIntent ({intent['id']}) does not have a successful charge to refund.",
                     code="charge_not_captured" if intent["status"] == "requires_capture" else "resource_missing")
    if charge["refunded"]:
        return error(400, "invalid_request_error", f"Charge {charge['id']} has already been refunded.",
                     code="charge_already_refunded")
    charge.update(refunded=True, amount_refunded=charge["amount"])
    STATE.counters["refunds"] += 1
    return 200, {"id": new_id("re"), "object": "refund", "amount": charge["amount"], "charge": charge["id"],
                 "currency": intent["currency"], "payment_intent": intent["id"], "status": "succeeded"}


def missing(ident):
    return error(404, "invalid_request_error", f"No such payment_intent: '{ident}'", code="resource_missing", param="intent")


def route(method, path, form, query):
    parts = path.strip("/").split("/")
    if method == "POST" and parts == ["v1", "payment_intents"]:
        return create_intent(form)
    if method == "POST" and parts == ["v1", "refunds"]:
        return refund(form)
    if len(parts) >= 3 and parts[:2] == ["v1", "payment_intents"]:
        intent = STATE.intents.get(parts[2])
        if intent is None:
            return missing(parts[2])
        if method == "GET" and len(parts) == 3:
            return 200, intent_json(intent, "latest_charge" in query.get("expand[]", []))
        if method == "POST" and len(parts) == 4 and parts[3] == "capture":
            return capture(intent)
        if method == "POST" and len(parts) == 4 and parts[3] == "cancel":
            return cancel(intent)
    return error(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeStripe"
    # Head and body go out as two writes: without TCP_NODELAY, Nagle's
    # algorithm holds the body until the client's delayed ACK, some 40 ms.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def send_json(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", new_id("req"))
        if getattr(self.server, "close_connections", False):
            self.send_header("Connection", "close")
            self.close_connection = True
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def drop(self):
        STATE.counters["dropped"] += 1
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def handle_any(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        url = urllib.parse.urlsplit(self.path)
        if url.path.startswith("/_fake/"):
            return self.control(method, url.path, raw)
        form = dict(urllib.parse.parse_qsl(raw.decode(), keep_blank_values=True))
        query = urllib.parse.parse_qs(url.query)
        key = self.headers.get("Idempotency-Key")
        with STATE.lock:
            STATE.counters["requests"] += 1
            STATE.log.append({"method": method, "path": url.path, "idempotency_key": key, "form": form,
                              "stripe_version": self.headers.get("Stripe-Version"),
                              "content_type": self.headers.get("Content-Type")})
            fault = STATE.take_fault(url.path)
        kind = fault["kind"] if fault else None
        if kind == "drop_before":
            return self.drop()
        if kind == "status":
            return self.send_json(fault.get("status", 500), {"error": {"type": "api_error", "message": "fake fault"}})
        if kind == "rate_limit":
            return self.send_json(429, {"error": {"type": "invalid_request_error", "code": "rate_limit",
                                                  "message": "Too many requests hit the API too quickly."}},
                                  [("Retry-After", str(fault.get("retry_after", 0)))])
        if self.headers.get("Authorization") != "Bearer " + self.server.secret_key:
            return self.send_json(401, {"error": {"type": "invalid_request_error",
                                                  "message": "Invalid API Key provided."}})
        with STATE.lock:
            status, body, replayed = self.answer(method, url.path, form, query, key)
        if kind == "delay":
            time.sleep(fault.get("ms", 0) / 1000)
        if kind == "drop_after":
            return self.drop()
        self.send_json(status, body, [("Idempotent-Replayed", "true")] if replayed else [])

    def answer(self, method, path, form, query, key):
        if method != "POST" or not key:
            return (*route(method, path, form, query), False)
        fingerprint = (method, path, sorted(form.items()))
        earlier = STATE.idempotency.get(key)
        if earlier is not None:
            if earlier[0] != fingerprint:
                return (*error(400, "idempotency_error",
                               "Keys for idempotent requests can only be used with the same parameters they were "
                               f"first used with. Try using a key other than '{key}' if you meant to execute a "
                               "different request."), False)
            STATE.counters["replays"] += 1
            return earlier[1], earlier[2], True
        status, body = route(method, path, form, query)
        if status < 500:
            STATE.idempotency[key] = (fingerprint, status, json.loads(json.dumps(body)))
        return status, body, False

    def control(self, method, path, raw):
        parts = path.strip("/").split("/")
        with STATE.lock:
            if method == "POST" and path == "/_fake/faults":
                STATE.faults.extend(json.loads(raw or b"[]"))
                return self.send_json(200, {"faults": len(STATE.faults)})
            if method == "POST" and path == "/_fake/forget_keys":
                STATE.idempotency.clear()
                return self.send_json(200, {})
            if method == "POST" and path == "/_fake/reset":
                STATE.reset()
                return self.send_json(200, {})
            if method == "GET" and path == "/_fake/stats":
                return self.send_json(200, dict(STATE.counters, log=STATE.log, faults=len(STATE.faults)))
            if method == "POST" and len(parts) == 4 and parts[1] == "intents" and parts[3] == "authenticate":
                intent = STATE.intents.get(parts[2])
                if intent is None or intent["status"] != "requires_action":
                    return self.send_json(409, {"error": {"message": "not awaiting authentication"}})
                if json.loads(raw or b"{}").get("succeed", True):
                    authorize(intent)
                else:
                    intent.update(status="requires_payment_method", next_action=None)
                return self.send_json(200, intent)
        self.send_json(404, {"error": {"message": "unknown control endpoint"}})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512

    def __init__(self, address, context, secret_key):
        super().__init__(address, Handler)
        self.context = context
        self.secret_key = secret_key

    def finish_request(self, request, client_address):
        # The handshake runs on the connection's own thread, so a client
        # that refuses the certificate never holds up the accepting one.
        try:
            request = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            with STATE.lock:
                STATE.counters["tls_failures"] += 1
            return
        try:
            super().finish_request(request, client_address)
        finally:
            try:
                request.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--secret-key", default="sk_test_fake")
    parser.add_argument("--close-connections", action="store_true")
    args = parser.parse_args()
    # A test runner may start us with SIGTERM blocked; its terminate() must work.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(args.cert, args.key)
    server = Server((args.host, args.port), context, args.secret_key)
    server.close_connections = args.close_connections
    control = ThreadingHTTPServer((args.host, 0), Handler)
    control.daemon_threads = True
    control.secret_key = args.secret_key
    threading.Thread(target=control.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    print(f"port {server.server_address[1]} control {control.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.05)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
