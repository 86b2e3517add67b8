"""lib.mesh through NHS England's MESH sandbox on loopback (tests/mesh_sandbox.py): the
message back to the GP and referrals in, endpoint lookup, tracking, and how failures
are told apart; and the MESH settings."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from lib import mesh
from lib.mesh import MeshError, MeshMailbox, TrackingState
from tests.mesh_sandbox import (  # noqa: F401 (fixtures)
    AREA,
    CONSULT_REPORT,
    OTHER_PRACTICE_ODS,
    PRACTICE,
    PRACTICE_ODS,
    REFERRAL,
    REFERRER,
    SITE,
    MeshSandbox,
    empty_mesh_sandbox,
    mesh_sandbox,
)

DOCUMENT = b'{"resourceType": "Bundle", "type": "document"}'


@pytest.fixture
def sandbox(empty_mesh_sandbox: MeshSandbox) -> MeshSandbox:  # noqa: F811
    """The sandbox, every mailbox empty."""
    return empty_mesh_sandbox


def test_message_back_to_the_gp_found_by_ods_code(sandbox: MeshSandbox) -> None:
    site, practice = sandbox.mailbox(SITE), sandbox.mailbox(PRACTICE)

    to = mesh.lookup(site, PRACTICE_ODS.lower(), CONSULT_REPORT)
    assert to == PRACTICE
    message_id = mesh.send(
        site,
        to,
        CONSULT_REPORT,
        DOCUMENT,
        subject="Social prescribing report",
        local_id="6f1c2b0e-outbox-row",
        filename="report.json",
        content_type="application/fhir+json",
    )

    assert mesh.inbox(practice) == [message_id]
    received = mesh.read(practice, message_id)
    assert received.payload == DOCUMENT
    assert received.sender == SITE
    assert received.workflow_id == CONSULT_REPORT
    assert received.local_id == "6f1c2b0e-outbox-row"
    assert received.subject == "Social prescribing report"
    assert received.filename == "report.json"
    assert received.content_type == "application/fhir+json"
    assert received.message_type == "DATA"


def test_tracking_before_and_after_the_practice_acknowledges(sandbox: MeshSandbox) -> None:
    site, practice = sandbox.mailbox(SITE), sandbox.mailbox(PRACTICE)
    message_id = mesh.send(site, PRACTICE, CONSULT_REPORT, DOCUMENT, local_id="row-1")

    sent = mesh.track(site, message_id)
    assert (sent.state, sent.recipient) == (TrackingState.ACCEPTED, PRACTICE)

    mesh.read(practice, message_id)  # reading alone acknowledges nothing
    assert mesh.track(site, message_id).state == TrackingState.ACCEPTED
    mesh.acknowledge(practice, message_id)
    assert mesh.track(site, message_id).state == TrackingState.ACKNOWLEDGED
    assert mesh.inbox(practice) == []
    mesh.acknowledge(practice, message_id)  # again: harmless


def test_tracking_shows_a_message_mesh_gave_up_on(sandbox: MeshSandbox) -> None:
    site = sandbox.mailbox(SITE)
    message_id = mesh.send(site, PRACTICE, CONSULT_REPORT, DOCUMENT)

    sandbox.add_event(message_id, "error", code="14", description="Not collected in time")

    tracking = mesh.track(site, message_id)
    assert tracking.state == TrackingState.UNDELIVERABLE
    assert tracking.reason


def test_tracking_another_mailboxs_message_is_unknown(sandbox: MeshSandbox) -> None:
    message_id = mesh.send(sandbox.mailbox(SITE), PRACTICE, CONSULT_REPORT, DOCUMENT)

    assert mesh.track(sandbox.mailbox(AREA), message_id).state == TrackingState.UNKNOWN


def test_lookup_of_a_practice_without_the_workflow_is_none(sandbox: MeshSandbox) -> None:
    site = sandbox.mailbox(SITE)

    assert mesh.lookup(site, OTHER_PRACTICE_ODS, CONSULT_REPORT) is None
    assert mesh.lookup(site, "Y99999", CONSULT_REPORT) is None


def test_referrals_from_a_gp_are_collected_and_acknowledged(sandbox: MeshSandbox) -> None:
    referrer, area = sandbox.mailbox(REFERRER), sandbox.mailbox(AREA)
    first = mesh.send(referrer, AREA, REFERRAL, b"first referral", local_id="r1")
    second = mesh.send(referrer, AREA, REFERRAL, b"second referral", local_id="r2")
    other = mesh.send(sandbox.mailbox(PRACTICE), AREA, CONSULT_REPORT + "_ACK", b"ack")

    assert mesh.inbox(area) == [first, second, other]
    assert mesh.inbox(area, workflow_id=REFERRAL) == [first, second]
    assert mesh.inbox(sandbox.mailbox(SITE)) == []  # the site's mailbox is another
    for message_id, payload in ((first, b"first referral"), (second, b"second referral")):
        received = mesh.read(area, message_id)
        assert (received.sender, received.payload) == (REFERRER, payload)
        mesh.acknowledge(area, message_id)

    assert mesh.inbox(area) == [other]
    assert mesh.track(referrer, first).state == TrackingState.ACKNOWLEDGED


def test_a_large_message_goes_in_chunks(sandbox: MeshSandbox) -> None:
    """mesh_client splits a message over its chunk size; the sandbox joins it up."""
    site, practice = sandbox.mailbox(SITE), sandbox.mailbox(PRACTICE)
    payload = bytes(range(256)) * 4096  # 1 MiB

    message_id = mesh.send(site, PRACTICE, CONSULT_REPORT, payload)

    assert mesh.read(practice, message_id).payload == payload


def test_wrong_password_is_refused_for_good(sandbox: MeshSandbox) -> None:
    wrong = sandbox.mailbox(SITE, password="not-the-password")

    for call in (
        lambda: mesh.send(wrong, PRACTICE, CONSULT_REPORT, DOCUMENT),
        lambda: mesh.inbox(wrong),
        lambda: mesh.handshake(wrong),
    ):
        with pytest.raises(MeshError, match="credentials") as refused:
            call()
        assert refused.value.permanent
        assert not refused.value.uncertain
    assert mesh.inbox(sandbox.mailbox(PRACTICE)) == []
    mesh.handshake(sandbox.mailbox(SITE))


def test_wrong_shared_key_is_refused(sandbox: MeshSandbox) -> None:
    site = sandbox.mailbox(SITE)
    wrong = MeshMailbox(site.url, site.mailbox_id, site.password, "not-the-key", timeout=5)

    with pytest.raises(MeshError) as refused:
        mesh.inbox(wrong)
    assert refused.value.permanent


def test_unknown_recipient_is_refused_for_good(sandbox: MeshSandbox) -> None:
    with pytest.raises(MeshError, match="did not accept") as refused:
        mesh.send(sandbox.mailbox(SITE), "X26NOSUCH1", CONSULT_REPORT, DOCUMENT)
    assert refused.value.permanent
    assert not refused.value.uncertain


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_mesh_down_is_tried_again_later() -> None:
    down = MeshMailbox(f"http://127.0.0.1:{_closed_port()}", SITE, "p", "k", timeout=2)

    with pytest.raises(MeshError, match="could not be reached") as failed:
        mesh.send(down, PRACTICE, CONSULT_REPORT, DOCUMENT)
    assert not failed.value.permanent
    assert not failed.value.uncertain
    with pytest.raises(MeshError) as failed:
        mesh.track(down, "20260101000000_ABCDEF")
    assert not (failed.value.permanent or failed.value.uncertain)


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A server that takes whatever is sent and never answers: MESH gone quiet after
    the message was handed over."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connection.settimeout(0.2)
            held.append(connection)
            while not stop.is_set():  # read it all, answer nothing
                try:
                    if not connection.recv(65536):
                        break
                except TimeoutError:
                    continue
                except OSError:
                    break

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=5)
        for connection in held:
            connection.close()
        listener.close()


def test_no_answer_after_sending_may_have_gone(silent_server: str) -> None:
    quiet = MeshMailbox(silent_server, SITE, "p", "k", timeout=0.5)

    with pytest.raises(MeshError, match="may or may not have gone") as failed:
        mesh.send(quiet, PRACTICE, CONSULT_REPORT, DOCUMENT)
    assert failed.value.uncertain
    assert not failed.value.permanent


def test_no_answer_to_a_read_is_tried_again(silent_server: str) -> None:
    quiet = MeshMailbox(silent_server, SITE, "p", "k", timeout=0.5)

    with pytest.raises(MeshError) as failed:
        mesh.inbox(quiet)
    assert not (failed.value.permanent or failed.value.uncertain)


@pytest.fixture
def answering_server() -> Iterator[tuple[str, list[int]]]:
    """A server answering every request with the status at the head of its list."""
    statuses: list[int] = []

    class Answer(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(statuses[0])
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"no")

        do_GET = do_POST = do_PUT = _answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", statuses
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("status", "uncertain"),
    [(503, False), (429, False), (504, True), (500, True), (502, True)],
)
def test_a_server_error_to_a_send_may_have_stored_it_unless_it_says_not(
    answering_server: tuple[str, list[int]], status: int, uncertain: bool
) -> None:
    url, statuses = answering_server
    statuses.append(status)

    with pytest.raises(MeshError) as failed:
        mesh.send(MeshMailbox(url, SITE, "p", "k", timeout=2), PRACTICE, CONSULT_REPORT, DOCUMENT)
    assert failed.value.uncertain is uncertain
    assert not failed.value.permanent


def test_a_server_error_to_a_read_is_tried_again(answering_server: tuple[str, list[int]]) -> None:
    url, statuses = answering_server
    statuses.append(500)

    with pytest.raises(MeshError, match="just now") as failed:
        mesh.inbox(MeshMailbox(url, SITE, "p", "k", timeout=2))
    assert not (failed.value.permanent or failed.value.uncertain)


# --- Settings ------------------------------------------------------------------

SITE_SETTINGS = {
    "MESH_URL": "http://127.0.0.1:8700",
    "MESH_MAILBOX_ID": "X26SITE1",
    "MESH_PASSWORD": "site-pw",
    "MESH_SHARED_KEY": "key",
    "MESH_CLIENT_CERT": "",
    "MESH_CLIENT_KEY": "",
    "MESH_CA_CERT": "",
    "MESH_TIMEOUT": 12,
    "MESH_AREA_MAILBOXES": {},
}


@override_settings(**SITE_SETTINGS)
def test_every_area_uses_the_site_mailbox_by_default() -> None:
    mailbox = mesh.mailbox_for("ashfield")

    assert mailbox == mesh.mailbox_for(None)
    assert mailbox is not None
    assert (mailbox.mailbox_id, mailbox.password, mailbox.shared_key) == (
        "X26SITE1",
        "site-pw",
        "key",
    )
    assert (mailbox.timeout, mailbox.is_sandbox) == (12.0, True)
    assert "site-pw" not in repr(mailbox)
    assert "key" not in repr(mailbox).replace("client_key", "")


def test_an_area_with_its_own_mailbox_uses_it() -> None:
    areas = mesh.area_mailboxes_from_environ(
        {
            "MESH_MAILBOX_ID__MID_NOTTS": "X26MID1",
            "MESH_PASSWORD__MID_NOTTS": "mid-pw",
            "MESH_CLIENT_CERT__MID_NOTTS": "/etc/mesh/mid.crt",
            "MESH_CLIENT_KEY__MID_NOTTS": "/etc/mesh/mid.key",
            "MESH_MAILBOX_ID": "ignored here: the site's",
        }
    )
    assert areas == {
        "MID_NOTTS": {
            "mailbox_id": "X26MID1",
            "password": "mid-pw",
            "client_cert": "/etc/mesh/mid.crt",
            "client_key": "/etc/mesh/mid.key",
        }
    }

    with override_settings(**{**SITE_SETTINGS, "MESH_AREA_MAILBOXES": areas}):
        own = mesh.mailbox_for("mid-notts")
        site = mesh.mailbox_for("ashfield")
    assert own is not None and site is not None
    assert (own.mailbox_id, own.password, own.client_cert) == (
        "X26MID1",
        "mid-pw",
        "/etc/mesh/mid.crt",
    )
    assert own.shared_key == "key"  # the environment's, shared by every mailbox
    assert site.mailbox_id == "X26SITE1"


@override_settings(**{**SITE_SETTINGS, "MESH_MAILBOX_ID": "", "MESH_PASSWORD": ""})
def test_no_mailbox_configured_is_none() -> None:
    assert mesh.mailbox_for("ashfield") is None
    assert mesh.mailbox_for(None) is None


@pytest.mark.parametrize(
    ("slug", "key"),
    [("ashfield", "ASHFIELD"), ("mid-notts", "MID_NOTTS"), ("st. helens 2", "ST_HELENS_2")],
)
def test_area_keys(slug: str, key: str) -> None:
    assert mesh.area_key(slug) == key


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"MESH_MAILBOX_ID__ASHFIELD": "X26A"}, "MESH_PASSWORD__ASHFIELD"),
        ({"MESH_PASSWORD__ASHFIELD": "pw"}, "MESH_MAILBOX_ID__ASHFIELD"),
        (
            {
                "MESH_MAILBOX_ID__ASHFIELD": "X26A",
                "MESH_PASSWORD__ASHFIELD": "pw",
                "MESH_CLIENT_CERT__ASHFIELD": "/a.crt",
            },
            "MESH_CLIENT_KEY__ASHFIELD",
        ),
    ],
)
def test_an_incomplete_area_mailbox_stops_the_start(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        mesh.area_mailboxes_from_environ(environ)


CHECK = {
    "url": "http://127.0.0.1:8700",
    "mailbox_id": "X26SITE1",
    "password": "pw",
    "shared_key": "key",
    "client_cert": "",
    "client_key": "",
    "areas": {},
}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"password": ""}, "MESH_PASSWORD"),
        ({"mailbox_id": ""}, "MESH_MAILBOX_ID"),
        ({"shared_key": ""}, "MESH_SHARED_KEY"),
        ({"url": ""}, "MESH_URL"),
        ({"client_cert": "/a.crt"}, "MESH_CLIENT_KEY"),
        ({"url": "https://mesh-sync.spineservices.nhs.uk"}, "MESH_CLIENT_CERT"),
        (
            {
                "url": "https://msg.intspineservices.nhs.uk",
                "mailbox_id": "",
                "password": "",
                "areas": {"ASHFIELD": {"mailbox_id": "X26A", "password": "pw"}},
            },
            "MESH_CLIENT_CERT__ASHFIELD",
        ),
    ],
)
def test_an_incomplete_configuration_stops_the_start(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        mesh.check_settings(**{**CHECK, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"mailbox_id": "", "password": "", "shared_key": "", "url": ""},  # MESH off
        {
            "url": "https://mesh-sync.spineservices.nhs.uk",
            "client_cert": "/m.crt",
            "client_key": "/m.key",
        },
    ],
)
def test_a_whole_configuration_starts(changes: dict[str, object]) -> None:
    mesh.check_settings(**{**CHECK, **changes})  # type: ignore[arg-type]


def test_mailboxes_from_settings_reach_the_sandbox(sandbox: MeshSandbox) -> None:
    with override_settings(**sandbox.settings(SITE, areas={"ashfield": AREA})):
        ashfield, mansfield = mesh.mailbox_for("ashfield"), mesh.mailbox_for("mansfield")
    assert ashfield is not None and mansfield is not None
    assert (ashfield.mailbox_id, mansfield.mailbox_id) == (AREA, SITE)

    mesh.send(ashfield, PRACTICE, CONSULT_REPORT, b"from Ashfield")
    mesh.send(mansfield, PRACTICE, CONSULT_REPORT, b"from Mansfield")

    practice = sandbox.mailbox(PRACTICE)
    senders = {mesh.read(practice, m).sender for m in mesh.inbox(practice)}
    assert senders == {AREA, SITE}


def test_a_real_endpoint_is_not_the_sandbox() -> None:
    live = MeshMailbox("https://mesh-sync.spineservices.nhs.uk", "X26A", "p", "k")
    assert not live.is_sandbox
