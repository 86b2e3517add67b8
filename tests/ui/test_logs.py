"""Logs an operator can use: a request id on every line, carried into background tasks,
JSON lines on request, slow requests and queries, and Sentry events without personal data.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

import pytest
import sentry_sdk
from django.contrib.auth.decorators import login_not_required
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path
from django_tasks import task
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from inspiring.accounts.models import User
from lib import errors, requestid

ROOT = Path(__file__).resolve().parents[2]
HEX_ID = re.compile(r"[0-9a-f]{32}")
POSTCODE = "NG17 7AA"
logger = logging.getLogger("inspiring.ui.test_logs")


# --- A few views of our own, beside the site's URLs ----------------------------------


@login_not_required
def _writes_a_line(request: HttpRequest) -> HttpResponse:
    logger.warning("inside the view")
    return HttpResponse("ok")


@login_not_required
def _queries(request: HttpRequest) -> HttpResponse:
    User.objects.filter(email="someone.private@example.org").exists()
    return HttpResponse("ok")


@login_not_required
def _queues_a_task(request: HttpRequest) -> HttpResponse:
    writes_a_line_from_a_task.enqueue("some argument")
    return HttpResponse("ok")


@login_not_required
def _with_token(request: HttpRequest, token: str) -> HttpResponse:
    return HttpResponse("ok")


@login_not_required
def _fails(request: HttpRequest) -> HttpResponse:
    nhs_number = request.GET.get("nhs", "")  # a local variable Sentry must not see
    raise RuntimeError(f"boom ({len(nhs_number)} digits)")


@task()
def writes_a_line_from_a_task(argument: str) -> str:
    logger.warning("inside the task")
    return requestid.current() or ""


urlpatterns = [
    path("_logs/line/", _writes_a_line),
    path("_logs/query/", _queries),
    path("_logs/task/", _queues_a_task),
    path("_logs/link/<str:token>/", _with_token),
    path("_logs/fail/", _fails),
    path("", include("config.urls")),
]

pytestmark = pytest.mark.urls(__name__)


@pytest.fixture
def stamped(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """caplog, its records given request_id as the console handler's are."""
    caplog.handler.addFilter(requestid.RequestIdFilter())
    caplog.set_level(logging.INFO)
    return caplog


# --- The request id ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_safe_request_id_from_the_proxy_is_kept_and_returned(client: Client) -> None:
    response = client.get("/_logs/line/", headers={"X-Request-ID": "proxy-42.a_b"})
    assert response["X-Request-ID"] == "proxy-42.a_b"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "supplied", ["", "has spaces", "a" * 65, "<script>", "id\nINFO forged line", "café"]
)
def test_a_missing_or_unsafe_request_id_is_replaced(client: Client, supplied: str) -> None:
    headers = {"X-Request-ID": supplied} if supplied else {}
    response = client.get("/_logs/line/", headers=headers)
    assert HEX_ID.fullmatch(response["X-Request-ID"])
    assert client.get("/_logs/line/")["X-Request-ID"] != response["X-Request-ID"]


@pytest.mark.django_db
def test_every_line_of_a_request_carries_its_id(
    client: Client, stamped: pytest.LogCaptureFixture
) -> None:
    response = client.get("/_logs/line/", headers={"X-Request-ID": "req-1"})
    (line,) = [r for r in stamped.records if r.getMessage() == "inside the view"]
    assert line.request_id == "req-1"  # type: ignore[attr-defined]
    # Django's own "Not Found" warning is written while the id is bound too.
    stamped.clear()
    assert client.get("/no-such-page/", headers={"X-Request-ID": "req-2"}).status_code == 404
    (not_found,) = [r for r in stamped.records if r.name == "django.request"]
    assert not_found.request_id == "req-2"  # type: ignore[attr-defined]
    assert response["X-Request-ID"] == "req-1"


def test_outside_a_request_the_id_is_a_dash(stamped: pytest.LogCaptureFixture) -> None:
    assert requestid.current() is None
    logger.warning("no request")
    with requestid.bound("abc"):
        assert requestid.current() == "abc"
        logger.warning("in a request")
    assert requestid.current() is None
    ids = [r.request_id for r in stamped.records]  # type: ignore[attr-defined]
    assert ids == ["-", "abc"]


# --- Background tasks -------------------------------------------------------------


@pytest.mark.django_db
def test_a_task_run_in_the_request_logs_with_the_request_id(
    client: Client, stamped: pytest.LogCaptureFixture
) -> None:
    client.get("/_logs/task/", headers={"X-Request-ID": "req-task"})
    queued = [r for r in stamped.records if r.getMessage().startswith("task queued")]
    inside = [r for r in stamped.records if r.getMessage() == "inside the task"]
    assert [r.request_id for r in queued + inside] == ["req-task", "req-task"]  # type: ignore[attr-defined]
    # The queued line names the task and its id, never its arguments.
    assert "writes_a_line_from_a_task id=" in queued[0].getMessage()
    assert "some argument" not in stamped.text


# Committed for real: the worker closes its connections between tasks, as in production,
# which a test's wrapping transaction cannot survive on PostgreSQL.
@pytest.mark.django_db(transaction=True)
def test_a_task_run_by_the_database_worker_logs_with_the_queuing_request_id(
    settings: Any, stamped: pytest.LogCaptureFixture
) -> None:
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    with requestid.bound("req-web"):
        result = writes_a_line_from_a_task.enqueue("some argument")
    queued_without_request = writes_a_line_from_a_task.enqueue("another")
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.args_kwargs == {
        "args": ["some argument"],
        "kwargs": {},
        requestid.TASK_KEY: "req-web",
    }
    stamped.clear()

    _run_database_worker()

    assert requestid.current() is None  # nothing stays bound after the tasks
    inside = [r for r in stamped.records if r.getMessage() == "inside the task"]
    assert {r.request_id for r in inside} == {  # type: ignore[attr-defined]
        "req-web",
        f"task-{queued_without_request.id}",
    }
    assert writes_a_line_from_a_task.get_result(result.id).return_value == "req-web"


def _run_database_worker() -> None:
    """What `manage.py db_worker --batch` does, without its signal handlers."""
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()


# --- JSON lines -------------------------------------------------------------------

EMIT = """
import django, logging
django.setup()
from lib import requestid
log = logging.getLogger("inspiring.somewhere")
with requestid.bound("req-json"):
    log.warning("hello %s", "there", extra={"request": "GET /?postcode=NG17+7AA"})
log.warning("outside")
try:
    1 / 0
except ZeroDivisionError:
    log.exception("failed")
"""


def _emit(log_format: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOG_", "SENTRY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="1",
        DATABASE_URL="sqlite:///:memory:",
        LOG_FORMAT=log_format,
        LOG_LEVEL="INFO",
    )
    done = subprocess.run(
        [sys.executable, "-c", EMIT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [line for line in done.stderr.splitlines() if line.strip()]


def test_json_log_lines_are_json_with_the_fields() -> None:
    lines = _emit("json")
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert len(records) == 3
    hello, outside, failed = records
    assert set(hello) == {"time", "level", "logger", "message", "request_id"}
    assert hello["level"] == "WARNING"
    assert hello["logger"] == "inspiring.somewhere"
    assert hello["message"] == "hello there"
    assert hello["request_id"] == "req-json"
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", hello["time"])
    assert outside["request_id"] == "-"
    assert "ZeroDivisionError" in failed["exc_info"]
    # A record's `extra` (Django passes the request object) is not written.
    assert "postcode" not in "\n".join(lines)
    # Each record is one line: the traceback is inside the JSON string.
    assert all(line.startswith("{") for line in lines)


def test_plain_log_lines_carry_the_request_id() -> None:
    lines = _emit("plain")
    assert "WARNING [req-json] inspiring.somewhere: hello there" in lines
    assert "WARNING [-] inspiring.somewhere: outside" in lines
    assert "postcode" not in "\n".join(lines)


# --- Slow requests and slow queries ----------------------------------------------


@pytest.mark.django_db
def test_a_slow_request_is_logged_without_its_query_string(
    client: Client, settings: Any, stamped: pytest.LogCaptureFixture
) -> None:
    settings.SLOW_REQUEST_MS = 0
    client.get("/_logs/line/", {"postcode": POSTCODE}, headers={"X-Request-ID": "req-slow"})
    (slow,) = [r for r in stamped.records if r.getMessage().startswith("slow request")]
    assert slow.levelno == logging.WARNING
    assert slow.request_id == "req-slow"  # type: ignore[attr-defined]
    assert re.fullmatch(r"slow request: GET /_logs/line/ 200 \d+ ms", slow.getMessage())
    assert "NG17" not in stamped.text
    assert "postcode" not in stamped.text


@pytest.mark.django_db
def test_a_slow_request_masks_a_token_in_its_path(
    client: Client, settings: Any, stamped: pytest.LogCaptureFixture
) -> None:
    settings.SLOW_REQUEST_MS = 0
    client.get("/_logs/link/s3cret-link-token/")
    (slow,) = [r for r in stamped.records if r.getMessage().startswith("slow request")]
    assert "GET /_logs/link/<token>/ 200" in slow.getMessage()
    assert "s3cret" not in stamped.text


@pytest.mark.django_db
def test_a_fast_request_is_not_logged(
    client: Client, settings: Any, stamped: pytest.LogCaptureFixture
) -> None:
    settings.SLOW_REQUEST_MS = 60_000
    settings.SLOW_QUERY_MS = 60_000
    client.get("/_logs/query/")
    assert not [r for r in stamped.records if r.getMessage().startswith("slow")]


@pytest.mark.django_db
def test_a_slow_query_is_logged_with_its_sql_and_never_its_parameters(
    client: Client, settings: Any, stamped: pytest.LogCaptureFixture
) -> None:
    settings.SLOW_QUERY_MS = 0
    client.get("/_logs/query/", {"postcode": POSTCODE}, headers={"X-Request-ID": "req-sql"})
    slow = [r for r in stamped.records if r.getMessage().startswith("slow query")]
    (user_query,) = [r for r in slow if "accounts_user" in r.getMessage()]
    assert user_query.levelno == logging.WARNING
    assert user_query.request_id == "req-sql"  # type: ignore[attr-defined]
    assert re.match(r"slow query: \d+ ms: SELECT ", user_query.getMessage())
    assert "%s" in user_query.getMessage()  # the placeholder, not the value
    assert "someone.private" not in stamped.text
    assert "NG17" not in stamped.text


@pytest.mark.django_db
def test_queries_outside_a_request_are_not_watched(
    settings: Any, stamped: pytest.LogCaptureFixture
) -> None:
    settings.SLOW_QUERY_MS = 0
    User.objects.filter(email="someone.private@example.org").exists()
    assert not [r for r in stamped.records if r.getMessage().startswith("slow query")]


# --- Sentry -----------------------------------------------------------------------


class _Captured(Transport):
    """A Sentry transport that keeps the events instead of sending them."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[dict[str, Any]] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        event = envelope.get_event() or envelope.get_transaction_event()
        if event is not None:
            self.events.append(dict(event))


@pytest.fixture
def sentry_events() -> Iterator[list[dict[str, Any]]]:
    transport = _Captured()
    errors.init_sentry(
        "https://public@sentry.invalid/1",
        environment="test",
        traces_sample_rate=0.0,
        transport=transport,
    )
    try:
        yield transport.events
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.get_global_scope().set_client(None)


def _wsgi_get(path: str, query: dict[str, str], headers: dict[str, str]) -> str:
    """GET through Django's WSGI handler, as gunicorn does (Sentry hooks in there; the
    test client goes around it). Returns the status line."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": urlencode(query),
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "192.0.2.7",
        "wsgi.input": BytesIO(b""),
        **{"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()},
    }
    setup_testing_defaults(environ)
    statuses: list[str] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], object]:
        statuses.append(status)
        return lambda data: None

    # As Django's test client does: the test's transaction must outlive the request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        body = WSGIHandler()(environ, start_response)
        b"".join(body)
        body.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return statuses[0]


@pytest.mark.django_db
@pytest.mark.filterwarnings("ignore:The send_default_pii option is deprecated")
def test_sentry_events_carry_no_personal_data(sentry_events: list[dict[str, Any]]) -> None:
    status = _wsgi_get(
        "/_logs/fail/",
        {"postcode": POSTCODE, "nhs": "9434765919"},
        {
            "X-Request-ID": "req-sentry",
            "Cookie": "sessionid=session-cookie-value; csrftoken=csrf-cookie-value",
            "Referer": "https://example.org/search/?postcode=NG17+7AA",
            "Authorization": "Bearer secret-token",
            "User-Agent": "test-agent",
        },
    )
    assert status.startswith("500")
    sentry_sdk.flush()
    assert sentry_events
    for event in sentry_events:
        text = json.dumps(event, default=str)
        for private in (
            "NG17",
            "postcode",
            "9434765919",
            "session-cookie-value",
            "csrf-cookie-value",
            "secret-token",
            "192.0.2.7",
            "REMOTE_ADDR",
            "sys.argv",
        ):
            assert private not in text
        assert "user" not in event
        assert event["tags"]["request_id"] == "req-sentry"
        assert event["environment"] == "test"
        request = event["request"]
        assert request["url"] == "http://testserver/_logs/fail/"
        assert request["method"] == "GET"
        assert set(request) <= {"url", "method", "headers"}
        assert {name.lower() for name in request["headers"]} <= errors.SAFE_HEADERS
        assert request["headers"].get("User-Agent") == "test-agent"
        for value in event["exception"]["values"]:
            for frame in value["stacktrace"]["frames"]:
                assert "vars" not in frame
    assert any("boom" in json.dumps(event) for event in sentry_events)


def test_before_send_removes_what_could_identify_a_person() -> None:
    frame = {"function": "view", "vars": {"nhs_number": "9434765919"}}
    event: dict[str, Any] = {
        "request": {
            "url": "https://site.example/clients/?postcode=NG17+7AA",
            "method": "POST",
            "query_string": "postcode=NG17+7AA",
            "data": {"first_name": "Margaret"},
            "cookies": {"sessionid": "abc"},
            "headers": {"Cookie": "sessionid=abc", "Referer": "x?postcode=1", "Accept": "*/*"},
            "env": {"REMOTE_ADDR": "192.0.2.1"},
        },
        "user": {"id": "7", "email": "someone@example.org", "ip_address": "192.0.2.1"},
        "extra": {"sys.argv": ["manage.py", "invite", "someone@example.org"]},
        "server_name": "web-1",
        "exception": {"values": [{"type": "E", "stacktrace": {"frames": [dict(frame)]}}]},
        "threads": {"values": [{"stacktrace": {"frames": [dict(frame)]}}]},
        "breadcrumbs": {"values": [{"category": "django.request", "data": {"request": "q"}}]},
        "spans": [
            {"op": "http.client", "description": "GET https://api/x?postcode=NG17", "data": {}},
            {"op": "db", "description": "SELECT 1", "data": {"db.params": ["NG17"]}},
        ],
    }
    with requestid.bound("req-unit"):
        scrubbed = errors.scrub(event)
    assert scrubbed["request"] == {
        "url": "https://site.example/clients/",
        "method": "POST",
        "headers": {"Accept": "*/*"},
    }
    for key in ("user", "extra", "server_name"):
        assert key not in scrubbed
    text = json.dumps(scrubbed)
    for private in ("9434765919", "Margaret", "someone@", "192.0.2.1", "NG17", "sessionid"):
        assert private not in text
    assert scrubbed["tags"] == {"request_id": "req-unit"}
    assert scrubbed["spans"][1]["description"] == "SELECT 1"


def test_the_traces_sample_rate_must_be_a_fraction() -> None:
    assert errors.sample_rate("SENTRY_TRACES_SAMPLE_RATE", "0.25") == 0.25
    assert errors.sample_rate("SENTRY_TRACES_SAMPLE_RATE", "") == 0.0
    for bad in ("lots", "1.5", "-0.1", "nan"):
        with pytest.raises(Exception, match="SENTRY_TRACES_SAMPLE_RATE"):
            errors.sample_rate("SENTRY_TRACES_SAMPLE_RATE", bad)
