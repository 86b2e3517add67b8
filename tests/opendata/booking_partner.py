"""A scripted booking partner (a Broker, in OpenActive's words), as OpenActive's test
suite drives a booking system: it speaks the Open Booking API over any transport (the
test client, or HTTP to a live server on loopback) and keeps every request and answer,
so a test can have OpenActive's validator check them all (openbooking_validators.js)."""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from inspiring.directory.models import Session
from inspiring.opendata import openactive, openbooking
from inspiring.opendata.activity_list import DATA as ACTIVITY_LIST

BASE = "/api/openbooking/"
MEDIA_TYPE = "application/vnd.openactive.booking+json; version=1"
ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).parent / "openbooking_validators.js"
BROKER = {"@type": "Organization", "name": "Move More Finder", "url": "https://example.org/"}
CUSTOMER = {
    "@type": "Person",
    "email": "geoff@example.org",
    "givenName": "Geoff",
    "familyName": "Capes",
    "telephone": "01623 000000",
}

Send = Callable[[str, str, dict[str, Any] | None], tuple[int, Any]]


def client_transport(client: Client, key: str) -> Send:
    def send(method: str, path: str, body: dict[str, Any] | None) -> tuple[int, Any]:
        response = client.generic(
            method,
            path,
            data=json.dumps(body) if body is not None else "",
            content_type=MEDIA_TYPE,
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
        return response.status_code, json.loads(response.content) if response.content else None

    return send


def http_transport(server: str, key: str) -> Send:
    """Real HTTP to a live server, with urllib: what another site's code would do."""

    def send(method: str, path: str, body: dict[str, Any] | None) -> tuple[int, Any]:
        assert server.startswith("http://")  # the live server on loopback
        request = urllib.request.Request(  # noqa: S310
            server + path if path.startswith("/") else path,
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={
                "Authorization": f"Bearer {key}",
                "Content-Type": MEDIA_TYPE,
                "Accept": MEDIA_TYPE,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        return status, json.loads(raw) if raw else None

    return send


def item(session: Session, offer: str = "free", position: int = 0) -> dict[str, Any]:
    activity = session.activity
    series = openactive.series_ids()(activity.home_area.slug, activity.public_id)
    return {
        "@type": "OrderItem",
        "position": position,
        # Compact @id references, as OpenActive's validator asks of a request.
        "acceptedOffer": openactive.offer_id(series, offer),
        "orderedItem": openactive.session_id(session, series),
    }


@dataclass
class Partner:
    send: Send
    # (validation mode, document) of every request sent and answer received.
    seen: list[tuple[str, Any]] = field(default_factory=list)

    def call(
        self, method: str, path: str, body: dict[str, Any] | None = None, mode: str = ""
    ) -> tuple[int, Any]:
        if body is not None and mode:
            self.seen.append((mode + "Request", body))
        status, answer = self.send(method, BASE + path if not path.startswith("/") else path, body)
        if answer is not None and mode and status < 400:
            self.seen.append((mode + "Response", answer))
        return status, answer

    def order_body(
        self, kind: str, sessions: list[Session], *, customer: bool = True, **extra: Any
    ) -> dict[str, Any]:
        seller = sessions[0].activity.organisation
        body: dict[str, Any] = {
            "@context": "https://openactive.io/",
            "@type": kind,
            "brokerRole": "https://openactive.io/AgentBroker",
            "broker": BROKER,
            "seller": openbooking.seller_id(seller),
            "orderedItem": [item(s, position=i) for i, s in enumerate(sessions)],
        }
        if customer:
            body["customer"] = dict(CUSTOMER)
        if kind != "OrderQuote":
            body["totalPaymentDue"] = {
                "@type": "PriceSpecification",
                "price": 0,
                "priceCurrency": "GBP",
            }
        body.update(extra)
        return body

    def c1(self, order: uuid.UUID, sessions: list[Session]) -> tuple[int, Any]:
        body = self.order_body("OrderQuote", sessions, customer=False)
        return self.call("PUT", f"order-quote-templates/{order}", body, "C1")

    def c2(self, order: uuid.UUID, sessions: list[Session]) -> tuple[int, Any]:
        body = self.order_body("OrderQuote", sessions)
        return self.call("PUT", f"order-quotes/{order}", body, "C2")

    def b(self, order: uuid.UUID, sessions: list[Session]) -> tuple[int, Any]:
        return self.call("PUT", f"orders/{order}", self.order_body("Order", sessions), "B")

    def p(self, order: uuid.UUID, sessions: list[Session]) -> tuple[int, Any]:
        body = self.order_body("OrderProposal", sessions)
        return self.call("PUT", f"order-proposals/{order}", body, "P")

    def b_from_proposal(self, order: uuid.UUID, version: str) -> tuple[int, Any]:
        body = {
            "@context": "https://openactive.io/",
            "@type": "Order",
            "orderProposalVersion": version,
        }
        self.seen.append(("BOrderProposalRequest", body))
        status, answer = self.call("PUT", f"orders/{order}", body)
        if status < 400:
            self.seen.append(("BResponse", answer))
        return status, answer

    def cancel(self, order: uuid.UUID, item_ids: list[str]) -> tuple[int, Any]:
        body = {
            "@context": "https://openactive.io/",
            "@type": "Order",
            "orderedItem": [
                {
                    "@type": "OrderItem",
                    "@id": item_id,
                    "orderItemStatus": "https://openactive.io/CustomerCancelled",
                }
                for item_id in item_ids
            ],
        }
        self.seen.append(("OrderPatch", body))
        return self.call("PATCH", f"orders/{order}", body)

    def withdraw(self, order: uuid.UUID) -> tuple[int, Any]:
        body = {
            "@context": "https://openactive.io/",
            "@type": "OrderProposal",
            "orderProposalStatus": "https://openactive.io/CustomerRejected",
            "orderCustomerNote": "Sorry, I can't come after all",
        }
        self.seen.append(("OrderProposalPatch", body))
        return self.call("PATCH", f"order-proposals/{order}", body)

    def status(self, order: uuid.UUID) -> tuple[int, Any]:
        status, answer = self.call("GET", f"orders/{order}")
        if status == 200:
            self.seen.append(("OrderStatus", answer))
        return status, answer

    def feed(self) -> list[dict[str, Any]]:
        """Every item of the Orders feed, following `next` to the end, as a partner does."""
        items: list[dict[str, Any]] = []
        url = BASE + "orders-rpde"
        while True:
            status, page = self.send("GET", url, None)
            assert status == 200, page
            items.extend(page["items"])
            for entry in page["items"]:
                if entry["state"] == "updated":
                    mode = (
                        "OrderProposalsFeed" if entry["kind"] == "OrderProposal" else "OrdersFeed"
                    )
                    self.seen.append((mode, entry["data"]))
            if not page["items"]:
                return items
            url = page["next"].split("://", 1)[1].split("/", 1)[1]
            url = "/" + url

    def latest(self) -> dict[str, dict[str, Any]]:
        """The feed as a partner keeps it: each order's latest state, by its UUID."""
        return {entry["id"]: entry for entry in self.feed()}


def validate(seen: list[tuple[str, Any]]) -> list[str]:
    """OpenActive's data-model validator over every document: the failures found."""
    for path in (ROOT / "node_modules" / "@openactive" / "data-model-validator",):
        if not path.exists():
            pytest.skip("OpenActive's validator is not installed: run `npm ci`")
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed, so OpenActive's validator cannot run")
    documents = [{"mode": mode, "data": data} for mode, data in seen]
    run = subprocess.run(
        [node, str(SCRIPT), str(ACTIVITY_LIST)],
        input=json.dumps(documents),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    # One line per kind of failure, "mode path: message": readable in an assert.
    return sorted(
        {
            f"{entry['mode']} {failure['path']}: {failure['message'][:200]}"
            for entry in report
            for failure in entry["failures"]
        }
    )
