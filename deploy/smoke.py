"""The production smoke test: the whole stack on PostgreSQL, as the README runs it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python deploy/smoke.py

(`make smoke`; CI runs it after the tests). DATABASE_URL names a PostgreSQL server whose
user may create databases: the test makes a fresh database there and drops it at the
end, whatever happens. It then:

1. sets a production environment (DEBUG=0, a generated SECRET_KEY, the database
   task queue, behind a TLS proxy; Redis database 15 when REDIS_URL, or Redis on
   127.0.0.1:6379, answers) and checks it names every variable of the README's
   environment block;
2. runs the setup commands of README.md's "Running in production" section, read from
   the README (the fenced blocks after `<!-- smoke: ... -->` markers), skipping only
   the pip/npm install lines CI has run already; `check --deploy --fail-level WARNING`
   must pass;
3. loads the demo data (DEMO_MODE=1 for that command only), gives the Ashfield
   coordinator an authenticator with a known key and links a calendar feed, served
   from a thread on loopback, to one of the area's organisations;
4. starts the stack as the README does (`honcho start`: web, worker, scheduler) and
   waits for /health/ready/;
5. uses it over the proxy headers a TLS proxy sends: public pages and the open data
   endpoints, the HTTPS redirect, signing in through the real form and the two-factor
   step, staff pages, a calendar booklet built by the worker, and the feed imported
   by the worker when the scheduler queues it;
6. stops the stack with SIGTERM and checks every process stopped by itself, in time,
   and nothing logged a traceback.

Any failure exits 1 with what failed and the stack's last lines of output (all of it
is kept in a file named then). Only the standard library and the project's virtualenv
(psycopg) are used.

For a local run only: REDIS_URL=off runs without Redis, and SMOKE_TOLERATE_CHECKS=ID,...
lets `check --deploy` report exactly those check ids (it says so loudly). CI sets neither.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.cookiejar
import http.server
import importlib.util
import json
import os
import re
import secrets
import shlex
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import Message
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, NoReturn

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BIN = Path(sys.executable).parent

# The public address the TLS proxy would answer on, and the client it would report.
PUBLIC_HOST = "127.0.0.1"
PUBLIC_BASE = f"https://{PUBLIC_HOST}"
CLIENT_IP = "203.0.113.7"  # TEST-NET-3: never anyone's real address

COORDINATOR = "coordinator.ashfield@example.org"
DEMO_PASSWORD = "inspiring-demo-2026"  # noqa: S105 - the published demo password
AREA = "ashfield"
# What the README says a demo site (and this test) runs after the setup; a real site does not.
DEMO_COMMAND = "DEMO_MODE=1 python manage.py load_demo --quiet-logins"

READY_SECONDS = 120
BOOKLET_SECONDS = 120
FEED_SECONDS = 120
STOP_SECONDS = 30
SETUP_COMMAND_SECONDS = 600

# Environment variables passed through from the caller; every setting comes from here.
PASSED_THROUGH = ("PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ")
# A README environment variable the test may leave unset: Redis is optional.
OPTIONAL = {"REDIS_URL"}
# Log lines that fail the test wherever they appear in the stack's output.
BAD_OUTPUT = re.compile(
    r"Traceback \(most recent call last\)|^(ERROR|CRITICAL)\b|\[(ERROR|CRITICAL)\]"
)

STARTED = time.monotonic()


class SmokeFailed(Exception):
    """A step failed; the message says what was expected and what happened."""


def fail(message: str) -> NoReturn:
    raise SmokeFailed(message)


def say(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f}s] {message}", flush=True)


# (step, seconds) of each step done, for the summary.
DONE: list[tuple[str, float]] = []


@contextlib.contextmanager
def step(name: str) -> Iterator[None]:
    say(f"{name} ...")
    began = time.monotonic()
    yield
    took = time.monotonic() - began
    DONE.append((name, took))
    say(f"{name}: ok ({took:.1f}s)")


def summary() -> str:
    width = min(max(len(name) for name, _ in DONE), 76)
    rows = [f"  {name[:width]:{width}}  {took:6.1f}s" for name, took in DONE]
    return "\n".join(["Summary:", *rows])


def wait_for(what: str, seconds: float, check: Callable[[], Any], every: float = 1.0) -> Any:
    """Call `check` until it returns something truthy; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    last = None
    while True:
        last = check()
        if last:
            return last
        if time.monotonic() > deadline:
            fail(f"Gave up after {seconds:.0f}s waiting for {what}.")
        time.sleep(every)


# --- The README ------------------------------------------------------------------


def readme_blocks() -> dict[str, list[str]]:
    """The commands of each fenced block after a `<!-- smoke: NAME -->` marker in the
    README's "Running in production" section (continuation lines joined)."""
    text = README.read_text(encoding="utf-8")
    section = re.search(r"^## Running in production\n(.*?)(?=^## )", text, re.M | re.S)
    if section is None:
        fail('README.md has no "## Running in production" section.')
    blocks: dict[str, list[str]] = {}
    marked = re.finditer(
        r"<!-- smoke: ([a-z-]+) -->\s*\n```[a-z]*\n(.*?)\n```", section.group(1), re.S
    )
    for match in marked:
        joined = match.group(2).replace("\\\n", " ")
        blocks[match.group(1)] = [line.strip() for line in joined.splitlines() if line.strip()]
    for name in ("environment", "setup", "start"):
        if name not in blocks:
            fail(f"README.md's production section has no block marked <!-- smoke: {name} -->.")
    if DEMO_COMMAND not in section.group(1):
        fail(f"README.md's production section no longer mentions `{DEMO_COMMAND}`.")
    return blocks


def without_comment(line: str) -> str:
    return re.sub(r"\s+#\s.*$", "", line).strip()


def is_install(line: str) -> bool:
    return bool(re.match(r"(pip|pip3|npm|python -m pip)\s", line))


# --- The environment ---------------------------------------------------------------


def database_urls(given: str) -> tuple[str, str]:
    """(the URL to connect to for creating databases, the URL of a new one's name)."""
    parts = urllib.parse.urlsplit(given)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        shown = f"not {parts.scheme or given}" if given else "which is not set"
        fail(
            f"DATABASE_URL must name a PostgreSQL server (postgres://user@host:port/db), "
            f"{shown}: the smoke test runs production, which uses PostgreSQL (SQLite is for "
            "development and small sites)."
        )
    name = f"inspiring_smoke_{os.getpid()}_{secrets.token_hex(3)}"
    return given, urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def pg_connect(url: str) -> Any:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=urllib.parse.unquote(parts.username or "postgres"),
        password=urllib.parse.unquote(parts.password) if parts.password else None,
        dbname=parts.path.lstrip("/") or "postgres",
        autocommit=True,
        connect_timeout=10,
    )


def pg_server(url: str) -> Any:
    """A connection for creating and dropping databases: to the server's `postgres`
    database (as Django's test runner does), else to the one DATABASE_URL names."""
    try:
        return pg_connect(
            urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path="/postgres"))
        )
    except Exception:
        return pg_connect(url)


def create_database(server_url: str, name: str) -> None:
    try:
        with pg_server(server_url) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as error:
        fail(f"Could not create the database {name} with DATABASE_URL's server: {error}")


def drop_database(server_url: str, name: str) -> None:
    """Drop the test's database; while the server does not answer (restarting), try
    again for a minute."""
    deadline = time.monotonic() + 60
    while True:
        try:
            with pg_server(server_url) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except Exception as error:
            if time.monotonic() < deadline:
                time.sleep(3)
                continue
            print(f"!! Could not drop the database {name}: {error}", file=sys.stderr, flush=True)
            raise
        say(f"Dropped the database {name}.")
        return


def redis_command(url: str, *words: str) -> str:
    """Send one command to Redis; its first reply line ('' if it does not answer)."""
    parts = urllib.parse.urlsplit(url)
    database = parts.path.lstrip("/") or "0"
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 2) as s:
            payload = b""
            for command in (("SELECT", database), words):
                payload += f"*{len(command)}\r\n".encode()
                for word in command:
                    payload += f"${len(word.encode())}\r\n{word}\r\n".encode()
            s.sendall(payload)
            s.settimeout(2)
            reply = b""
            while reply.count(b"\r\n") < 2:
                chunk = s.recv(1024)
                if not chunk:
                    break
                reply += chunk
    except OSError:
        return ""
    lines = reply.decode(errors="replace").split("\r\n")
    return lines[1] if len(lines) > 1 and lines[0] == "+OK" else ""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# --- A calendar feed served on loopback ---------------------------------------------


@dataclass
class Feed:
    title: str
    body: bytes
    fetched: int = 0


def weekly_calendar(title: str) -> bytes:
    start = (datetime.now(UTC) + timedelta(days=2)).replace(hour=10, minute=0, second=0)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Inspiring//Smoke test//EN",
        "X-WR-CALNAME:Smoke test calendar",
        "BEGIN:VEVENT",
        f"UID:smoke-{secrets.token_hex(4)}@smoke.example.org",
        f"DTSTAMP:{stamp}",
        f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
        f"DTEND:{start + timedelta(hours=1):%Y%m%dT%H%M%SZ}",
        "RRULE:FREQ=WEEKLY",
        f"SUMMARY:{title}",
        "DESCRIPTION:A weekly walk from the smoke test's calendar feed.",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


def serve_feed(feed: Feed) -> http.server.ThreadingHTTPServer:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/smoke.ics":
                self.send_error(404)
                return
            feed.fetched += 1
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar; charset=utf-8")
            self.send_header("Content-Length", str(len(feed.body)))
            self.end_headers()
            self.wfile.write(feed.body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, name="feed", daemon=True).start()
    return server


# --- Running commands ------------------------------------------------------------------


def run(
    line: str, env: dict[str, str], *, timeout: float = SETUP_COMMAND_SECONDS
) -> subprocess.CompletedProcess[str]:
    """Run one shell line in the project directory (output captured)."""
    try:
        return subprocess.run(  # noqa: S603 - our own command lines
            ["/bin/sh", "-c", line],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        fail(f"`{line}` did not finish in {timeout:.0f}s.")


def tail(text: str, lines: int = 30) -> str:
    return "\n".join("    " + line for line in text.rstrip().splitlines()[-lines:])


def run_ok(line: str, env: dict[str, str]) -> str:
    done = run(line, env)
    if done.returncode != 0:
        fail(f"`{line}` exited {done.returncode}:\n{tail(done.stdout + done.stderr)}")
    return done.stdout


def shell(code: str, env: dict[str, str]) -> Any:
    """Run Python in `manage.py shell` (production settings); the JSON it printed last."""
    out = run_ok(f"python manage.py shell -c {shlex.quote(code)}", env)
    lines = [line for line in out.splitlines() if line.strip()]
    if not lines:
        fail("manage.py shell printed nothing.")
    return json.loads(lines[-1])


PREPARE = """
import json
from django_otp.plugins.otp_totp.models import TOTPDevice
from inspiring.accounts.models import User
from inspiring.directory.models import Category, Organisation
from inspiring.feeds.models import FeedSource

user = User.objects.get(email=COORDINATOR)
TOTPDevice.objects.create(user=user, name="Smoke test", key=KEY, confirmed=True)
organisation = (
    Organisation.objects.filter(home_area__slug=AREA, trusted=True, venues__isnull=False)
    .order_by("name").first()
)
feed = FeedSource.objects.create(
    organisation=organisation, url=URL, default_venue=organisation.venues.first()
)
feed.default_categories.set(Category.objects.filter(slug="walking"))
print(json.dumps({"feed": str(feed.public_id), "organisation": organisation.name}))
"""

CONFIRM = """
import json
from inspiring.accounts.models import AuditEntry
from inspiring.directory.models import Booklet
from inspiring.feeds.models import FeedSource
from django_tasks_db.models import DBTaskResult

feed = FeedSource.objects.get(public_id=FEED)
signed_in = AuditEntry.objects.filter(action="auth.two_factor_verified").order_by("-pk").first()
print(json.dumps({
    "feed_health": feed.health,
    "feed_imports": [i.outcome for i in feed.imports.all()],
    "booklets": [b.status for b in Booklet.objects.all()],
    "two_factor_ip": signed_in.ip_address if signed_in else None,
    "tasks_failed": DBTaskResult.objects.filter(status="FAILED").count(),
    "tasks_waiting": DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).count(),
}))
"""


def with_values(code: str, **values: str) -> str:
    return "".join(f"{name} = {value!r}\n" for name, value in values.items()) + code


# --- The stack ---------------------------------------------------------------------------


@dataclass
class Stack:
    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)
    # Each Procfile process's pid (honcho starts each in a process group of its own).
    pids: dict[str, int] = field(default_factory=dict)
    reader: threading.Thread | None = None

    def read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            line = raw.rstrip("\n")
            self.output.append(line)
            started = re.search(r"system\s*\| (\S+) started \(pid=(\d+)\)", line)
            if started:
                self.pids[started.group(1)] = int(started.group(2))

    def running(self) -> bool:
        return self.process.poll() is None

    def alive_groups(self) -> list[str]:
        alive = []
        for name, pid in self.pids.items():
            try:
                os.killpg(pid, 0)
            except ProcessLookupError:
                continue
            except PermissionError:
                pass
            alive.append(name)
        return alive

    def describe(self, names: list[str]) -> str:
        return ", ".join(f"{name} (process group {self.pids[name]})" for name in names)

    def lines_of(self, name: str) -> list[str]:
        """What the process `name` (web.1, ...) wrote."""
        return [
            line.split("| ", 1)[1]
            for line in self.output
            if "| " in line and line.split()[1:2] == [name]
        ]

    def last_lines(self, count: int = 60) -> str:
        return "\n".join("    " + line for line in self.output[-count:])

    def save_output(self) -> Path:
        """All the stack's output, in a file kept after the test (for a failure)."""
        handle, name = tempfile.mkstemp(prefix="inspiring-smoke-", suffix=".log")
        with os.fdopen(handle, "w") as out:
            out.write("\n".join(self.output) + "\n")
        return Path(name)

    def force_stop(self) -> None:
        """After a failure: stop whatever still runs, harder each time."""
        if self.running():
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(15)
        if self.running():
            self.process.kill()
            self.process.wait(5)
        for name in self.alive_groups():
            pid = self.pids[name]
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while self.alive_groups() and time.monotonic() < deadline:
            time.sleep(0.2)
        if self.reader is not None:
            self.reader.join(5)


def start_stack(line: str, env: dict[str, str]) -> Stack:
    command = shlex.split(line)
    if command[:2] != ["honcho", "start"]:
        fail(f"README's start block should run `honcho start`, not `{line}`.")
    if (ROOT / ".env").exists():
        # honcho would read it over this test's production environment.
        say("Note: a .env file is here; the stack is started with --env /dev/null instead.")
        command += ["--env", "/dev/null"]
    executable = BIN / command[0]
    process = subprocess.Popen(  # noqa: S603 - the README's command
        [str(executable), *command[1:]],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    stack = Stack(process)
    stack.reader = threading.Thread(target=stack.read, name="honcho-output", daemon=True)
    stack.reader.start()
    return stack


# --- HTTP through the "proxy" --------------------------------------------------------------


class BehindProxyCookies(http.cookiejar.DefaultCookiePolicy):
    """The site's cookies are Secure: the TLS proxy (here, this test) sends them on over
    plain HTTP on loopback, as a real proxy does."""

    def return_ok_secure(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return True


class NoRaise(urllib.request.HTTPErrorProcessor):
    """Every response is returned as it is: redirects are followed by Browser, by hand."""

    def http_response(self, request: Any, response: Any) -> Any:
        return response


@dataclass
class Page:
    url: str
    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class Browser:
    """A client behind the TLS proxy: every request carries the headers the proxy adds
    (Host, X-Forwarded-Proto, X-Forwarded-For), with cookies kept in a cookie jar."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.jar = http.cookiejar.CookieJar(BehindProxyCookies())
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRaise()
        )

    def fetch(
        self,
        path: str,
        *,
        data: dict[str, str] | None = None,
        proxied: bool = True,
        referer: str | None = None,
        follow: bool = True,
    ) -> Page:
        for _ in range(10):
            url = f"http://127.0.0.1:{self.port}{path}"
            body = urllib.parse.urlencode(data).encode() if data is not None else None
            request = urllib.request.Request(url, data=body)
            request.add_header("Host", PUBLIC_HOST)
            if proxied:
                request.add_header("X-Forwarded-Proto", "https")
                request.add_header("X-Forwarded-For", CLIENT_IP)
            if referer:
                request.add_header("Referer", PUBLIC_BASE + referer)
                request.add_header("Origin", PUBLIC_BASE)
            try:
                with self.opener.open(request, timeout=30) as response:
                    page = Page(path, response.status, response.headers, response.read())
            except (urllib.error.URLError, OSError) as error:
                fail(f"{'POST' if data is not None else 'GET'} {path}: {error}")
            location = page.headers.get("Location")
            if not follow or page.status not in (301, 302, 303, 307, 308) or not location:
                return page
            target = urllib.parse.urlsplit(urllib.parse.urljoin(PUBLIC_BASE + path, location))
            if target.hostname != PUBLIC_HOST:
                fail(f"{path} redirected off the site, to {location}")
            path = target.path + (f"?{target.query}" if target.query else "")
            if page.status in (301, 302, 303):
                data, referer = None, None
        fail(f"Too many redirects from {path}.")

    def get(self, path: str, *, expect: int = 200, contains: str = "", **options: Any) -> Page:
        page = self.fetch(path, **options)
        if page.status != expect:
            fail(f"GET {path} answered {page.status}, not {expect}:\n{tail(page.text, 15)}")
        if contains and contains not in page.text:
            fail(f"GET {path} ({page.url}) does not contain {contains!r}:\n{tail(page.text, 15)}")
        return page

    def submit(self, page: Page, field_name: str, values: dict[str, str]) -> Page:
        """Fill in and post the form of `page` that has the field `field_name`."""
        forms = FormParser.parse(page.text)
        chosen = next((form for form in forms if field_name in form.fields), None)
        if chosen is None:
            fail(f"{page.url} has no form with a {field_name!r} field.")
        action = chosen.action or page.url
        return self.fetch(action, data=chosen.fields | values, referer=page.url)


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)


class FormParser(HTMLParser):
    """The forms of a page, with each field's current value (selects: the selected option)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._first_option: str | None = None

    @classmethod
    def parse(cls, html: str) -> list[Form]:
        parser = cls()
        parser.feed(html)
        return parser.forms

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._form = Form(values.get("action", ""), values.get("method", "get").lower())
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and values.get("name"):
            kind = values.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in values:
                return
            if kind not in ("submit", "button", "image"):
                self._form.fields[values["name"]] = values.get("value", "")
        elif tag == "textarea" and values.get("name"):
            self._form.fields[values["name"]] = ""
        elif tag == "select" and values.get("name"):
            self._select, self._first_option = values["name"], None
        elif tag == "option" and self._select is not None:
            value = values.get("value", "")
            if self._first_option is None:
                self._first_option = value
                self._form.fields[self._select] = value
            if "selected" in values:
                self._form.fields[self._select] = value

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def totp(hex_key: str, at: float | None = None) -> str:
    """The 6-digit code an authenticator app shows now (RFC 6238: SHA-1, 30 s steps)."""
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(bytes.fromhex(hex_key), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def links(html: str, pattern: str) -> list[str]:
    return re.findall(rf'href="({pattern})"', html)


# --- The test ----------------------------------------------------------------------------


def ready_state(browser: Browser, stack: Stack) -> dict[str, Any] | None:
    if not stack.running():
        fail(f"The stack stopped while starting (honcho exited {stack.process.returncode}).")
    try:
        page = browser.fetch("/health/ready/", proxied=False, follow=False)
    except SmokeFailed:
        return None  # not listening yet
    if page.status != 200:
        return None
    state: dict[str, Any] = json.loads(page.body)
    return state


def check_public_pages(browser: Browser) -> None:
    insecure = browser.fetch("/", proxied=False, follow=False)
    location = insecure.headers.get("Location", "")
    if insecure.status != 301 or not location.startswith(f"{PUBLIC_BASE}/"):
        fail(
            f"GET / without X-Forwarded-Proto answered {insecure.status} {location!r}, not a "
            f"301 to {PUBLIC_BASE}/"
        )
    browser.get("/health/", proxied=False)

    home = browser.get("/")
    hsts = home.headers.get("Strict-Transport-Security", "")
    if "max-age=31536000" not in hsts:
        fail(f"The home page has no year-long Strict-Transport-Security header: {hsts!r}")
    stylesheets = links(home.text, r"/static/[^\"]+\.css")
    if not stylesheets:
        fail("The home page links no stylesheet under /static/.")
    css = browser.get(stylesheets[0])
    if not re.search(r"\.[0-9a-f]{12}\.css$", stylesheets[0]) or not css.body:
        fail(f"The stylesheet {stylesheets[0]} is not a collected, hashed file.")

    area = browser.get(f"/{AREA}/")
    whats_on = browser.get(f"/{AREA}/whats-on/")
    activities = links(area.text + whats_on.text, rf"/{AREA}/activities/[0-9a-f-]{{36}}/")
    if not activities:
        fail(f"Neither /{AREA}/ nor its What's on links an activity.")
    browser.get(activities[0])
    browser.get(f"/{AREA}/calendar/")
    ics = browser.get(f"/{AREA}/calendar.ics", contains="BEGIN:VCALENDAR")
    if "text/calendar" not in ics.headers.get("Content-Type", ""):
        fail(f"/{AREA}/calendar.ics is {ics.headers.get('Content-Type')}, not text/calendar.")
    services = json.loads(browser.get("/api/openreferral/services").body)
    if not services.get("contents"):
        fail("The Open Referral services endpoint lists no services.")
    browser.get("/api/openactive/")
    series = json.loads(browser.get("/api/openactive/session-series").body)
    if not series.get("items"):
        fail("The OpenActive session-series feed has no items.")
    browser.get("/no-such-page-here/", expect=404)


def sign_in(browser: Browser, key: str) -> None:
    form = browser.get("/accounts/sign-in/")
    page = browser.submit(form, "password", {"username": COORDINATOR, "password": DEMO_PASSWORD})
    if page.status != 200 or "verify" not in page.url:
        fail(f"Signing in led to {page.url} ({page.status}), not the two-factor step.")
    # A code is used once per 30 s step: wait out the last seconds of this one.
    if time.time() % 30 > 27:
        time.sleep(4)
    page = browser.submit(page, "code", {"code": totp(key)})
    if page.status != 200 or urllib.parse.urlsplit(page.url).path != "/staff/":
        fail(
            f"The two-factor step led to {page.url} ({page.status}), not /staff/:\n"
            f"{tail(page.text, 15)}"
        )


def check_staff_pages(browser: Browser, feed: str) -> None:
    for path in (
        "/staff/",
        "/staff/listings/",
        "/staff/curation/",
        "/staff/planning/",
        "/staff/team/",
        "/staff/feeds/",
        f"/staff/feeds/{feed}/",
        "/staff/account/",
    ):
        page = browser.get(path)
        if urllib.parse.urlsplit(page.url).path != path.split("?")[0]:
            fail(f"{path} led to {page.url}: the session is not signed in.")
        if "no-store" not in page.headers.get("Cache-Control", ""):
            fail(f"{path} (a staff page) is not Cache-Control: no-store.")


def build_booklet(browser: Browser) -> int:
    form = browser.get(f"/{AREA}/calendar/booklet/")
    page = browser.submit(form, "start", {})
    progress = urllib.parse.urlsplit(page.url).path
    if page.status != 200 or not re.fullmatch(
        rf"/{AREA}/calendar/booklet/[0-9a-f-]{{36}}/", progress
    ):
        fail(f"Asking for a booklet led to {page.url} ({page.status}).")

    def built() -> Page | None:
        current = browser.get(progress)
        if "could not be made" in current.text:
            fail(f"The worker could not make the booklet:\n{tail(current.text, 15)}")
        return current if "Your booklet is ready" in current.text else None

    ready: Page = wait_for("the worker to build the booklet", BOOKLET_SECONDS, built, every=2)
    pdfs = links(ready.text, rf"{re.escape(progress)}pdf/")
    if not pdfs:
        fail("The booklet's page links no PDF.")
    pdf = browser.get(pdfs[0])
    if not pdf.body.startswith(b"%PDF"):
        fail(f"The booklet is not a PDF: it starts {pdf.body[:20]!r}")
    return len(pdf.body)


# What each process says as it stops by itself on SIGTERM.
STOPPED_CLEANLY = {
    "web": "Shutting down: Master",
    "worker": "shutting down gracefully",
    "scheduler": "Scheduler stopped.",
}


def stop_stack(stack: Stack) -> None:
    """SIGTERM to honcho, as a supervisor or Ctrl+C would: honcho passes it on to each
    process's group, and every process must finish by itself in time."""
    sent = time.monotonic()
    stack.process.send_signal(signal.SIGTERM)
    try:
        code = stack.process.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        fail(f"honcho had not stopped {STOP_SECONDS}s after SIGTERM.")
    if stack.reader is not None:
        stack.reader.join(5)
    if code != 143:  # honcho's own code for "stopped by SIGTERM"
        fail(f"honcho exited {code} after SIGTERM, not 143.")
    while stack.alive_groups():
        if time.monotonic() - sent > STOP_SECONDS:
            left = stack.describe(stack.alive_groups())
            fail(f"Still running {STOP_SECONDS}s after SIGTERM: {left}")
        time.sleep(0.2)
    if any("sending SIGKILL" in line for line in stack.output):
        fail("honcho had to SIGKILL a process that did not stop on SIGTERM.")
    text = "\n".join(stack.output)
    stopped = dict(re.findall(r"system\s*\| (\S+) stopped \(rc=(-?\d+)\)", text))
    for name in stack.pids:
        # -15: the Procfile's line runs under `sh -c`, which the same SIGTERM ends.
        if stopped.get(name) not in ("0", "-15"):
            fail(f"{name} stopped with {stopped.get(name, 'no exit status')}, not by SIGTERM.")
        said = STOPPED_CLEANLY.get(name.split(".")[0], "")
        if said not in "\n".join(stack.lines_of(name)):
            fail(f"{name} never said {said!r}: it did not stop by itself.")


def scan_output(stack: Stack) -> None:
    bad = []
    for line in stack.output:
        message = line.split("| ", 1)[-1]
        if BAD_OUTPUT.search(message):
            bad.append(line)
    if bad:
        fail("The stack logged errors:\n" + "\n".join("    " + line for line in bad[:20]))


def main() -> int:
    given = os.environ.get("DATABASE_URL", "")
    server_url, database_url = database_urls(given)
    database = urllib.parse.urlsplit(database_url).path.lstrip("/")
    if not (BIN / "honcho").exists():
        fail(f"Run this with the project's virtualenv (.venv/bin/python): no honcho in {BIN}.")
    if not (ROOT / "static" / "build").is_dir():
        fail("The front-end assets are not built: run `make assets` (npm ci && npm run build).")
    blocks = readme_blocks()
    tolerated = {c for c in os.environ.get("SMOKE_TOLERATE_CHECKS", "").split(",") if c}

    stack: Stack | None = None
    feed_server: http.server.ThreadingHTTPServer | None = None
    redis_url = ""
    created = False
    failed = True
    try:
        with step("Environment"):
            port = free_port()
            feed = Feed(f"Smoke test walk {secrets.token_hex(3)}", b"")
            feed.body = weekly_calendar(feed.title)
            feed_server = serve_feed(feed)
            feed_url = f"http://127.0.0.1:{feed_server.server_address[1]}/smoke.ics"
            env = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
            env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
            env |= {
                "DEBUG": "0",
                "SECRET_KEY": secrets.token_urlsafe(50),
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "SITE_URL": PUBLIC_BASE,
                "DATABASE_URL": database_url,
                "TASKS_BACKEND": "database",
                "BEHIND_TLS_PROXY": "1",
                "TRUSTED_PROXY_COUNT": "1",
                # This test's own: the feed is on loopback, the scheduler is required
                # by the readiness check and runs its jobs every minute.
                "FEEDS_ALLOW_PRIVATE_ADDRESSES": "1",
                "HEALTH_REQUIRE_SCHEDULER": "1",
                "SCHEDULE_EVERY_MINUTES": "1",
                # The stack: gunicorn on loopback only; output as it is written.
                "PORT": str(port),
                "BIND_ADDRESS": "127.0.0.1",
                "PYTHONUNBUFFERED": "1",
            }
            candidate = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379"
            redis_url = (
                urllib.parse.urlunsplit(urllib.parse.urlsplit(candidate)._replace(path="/15"))
                if candidate != "off"
                else ""
            )
            if redis_url and redis_command(redis_url, "FLUSHDB") == "+OK":
                env["REDIS_URL"] = redis_url
                if importlib.util.find_spec("redis") is None:
                    fail(
                        f"Redis answers at {redis_url}, but the virtualenv has no `redis` "
                        "package, which Django's RedisCache needs: with REDIS_URL set, every "
                        "page that uses the cache fails (calendar.ics, the rate limits)."
                    )
            else:
                redis_url = ""
            named = set(re.findall(r"\b([A-Z][A-Z0-9_]+)=", " ".join(blocks["environment"])))
            missing = sorted(named - set(env) - OPTIONAL)
            if missing:
                fail(
                    f"README's environment names {', '.join(missing)}: this test sets none of them."
                )
            say(
                f"  database {database}; web on 127.0.0.1:{port}; feed at {feed_url}; "
                f"Redis {redis_url or 'none (the in-process cache)'}"
            )

        with step(f"Create the database {database}"):
            create_database(server_url, database)
            created = True

        for line in blocks["setup"]:
            command = without_comment(line)
            if is_install(command):
                say(f"(skipped, CI has installed: {command})")
                continue
            with step(command):
                extra = {}
                if "createsuperuser" in command:
                    extra = {
                        "DJANGO_SUPERUSER_EMAIL": "admin@smoke.example.org",
                        "DJANGO_SUPERUSER_PASSWORD": secrets.token_urlsafe(18),
                        "DJANGO_SUPERUSER_FULL_NAME": "Smoke Test Administrator",
                    }
                done = run(command, env | extra)
                if done.returncode != 0 and "check --deploy" in command and tolerated:
                    issues = set(re.findall(r"\(([a-z_]+\.[EWIC]\d+)\)", done.stderr + done.stdout))
                    if issues and issues <= tolerated:
                        say(f"  !! tolerated by SMOKE_TOLERATE_CHECKS: {', '.join(sorted(issues))}")
                        continue
                if done.returncode != 0:
                    fail(
                        f"`{command}` exited {done.returncode}:\n{tail(done.stdout + done.stderr)}"
                    )

        with step(DEMO_COMMAND):
            run_ok(DEMO_COMMAND, env)

        key = secrets.token_hex(20)
        with step("An authenticator for the coordinator; a calendar feed on loopback"):
            prepared = shell(
                with_values(PREPARE, COORDINATOR=COORDINATOR, KEY=key, AREA=AREA, URL=feed_url),
                env,
            )
            say(f"  feed {prepared['feed']} for {prepared['organisation']}")

        start = without_comment(blocks["start"][0])
        with step(f"Start the stack: {start}"):
            stack = start_stack(start, env)
            browser = Browser(port)
            state = wait_for(
                "/health/ready/ to answer 200",
                READY_SECONDS,
                lambda: ready_state(browser, stack) if stack else None,
            )
            if set(state["checks"].values()) != {"ok"}:
                fail(f"/health/ready/ said 200 with {state['checks']}")
            say(f"  ready: {state['checks']}; processes {stack.pids}")

        with step("Public pages, open data and the HTTPS redirect, through the proxy headers"):
            check_public_pages(browser)

        with step(f"Sign in as {COORDINATOR} with the two-factor step"):
            sign_in(browser, key)

        with step("Staff pages"):
            check_staff_pages(browser, prepared["feed"])

        with step("A calendar booklet, built by the worker"):
            size = build_booklet(browser)
            say(f"  the PDF: {size:,} bytes")

        with step("The feed, queued by the scheduler and imported by the worker"):
            wait_for(
                f"{feed.title!r} in What's on",
                FEED_SECONDS,
                lambda: (
                    feed.title
                    in browser.get(
                        f"/{AREA}/whats-on/?{urllib.parse.urlencode({'q': feed.title})}"
                    ).text
                ),
                every=2,
            )
            if not feed.fetched:
                fail("The feed's page shows the event, but the feed server was never asked.")
            browser.get(f"/staff/feeds/{prepared['feed']}/", contains="Working")

        with step("Stop the stack (SIGTERM to honcho)"):
            stop_stack(stack)

        with step("What the database says"):
            found = shell(with_values(CONFIRM, FEED=prepared["feed"]), env)
            say(f"  {found}")
            if found["feed_health"] != "ok" or "imported" not in found["feed_imports"]:
                fail(f"The feed was not imported: {found}")
            if found["booklets"] != ["ready"]:
                fail(f"The booklets are {found['booklets']}, not one ready.")
            if found["two_factor_ip"] != CLIENT_IP:
                fail(
                    f"The sign-in was audited from {found['two_factor_ip']}, not {CLIENT_IP} "
                    "(X-Forwarded-For behind TRUSTED_PROXY_COUNT=1)."
                )
            if found["tasks_failed"]:
                fail(f"{found['tasks_failed']} background tasks failed.")

        with step("No errors or tracebacks in the stack's output"):
            scan_output(stack)
        failed = False
    finally:
        if stack is not None:
            if failed:
                time.sleep(2)  # what the stack logs about the failure
            if stack.running() or failed:
                stack.force_stop()
            if failed:
                print("\n---- the stack's last output ----", file=sys.stderr)
                print(stack.last_lines(), file=sys.stderr)
                print(f"---- all of it: {stack.save_output()}", file=sys.stderr, flush=True)
            left = stack.alive_groups()
            if left:
                print(f"!! Still running after the test: {stack.describe(left)}", file=sys.stderr)
                failed = True
        if feed_server is not None:
            feed_server.shutdown()
            feed_server.server_close()
        if created:
            try:
                drop_database(server_url, database)
            except Exception:
                failed = True
        if redis_url:
            redis_command(redis_url, "FLUSHDB")
    if failed:
        fail("Cleaning up failed (see above).")
    print("\n" + summary(), flush=True)
    say(f"Smoke test passed in {time.monotonic() - STARTED:.0f}s.")
    return 0


def interrupted(signum: int, frame: Any) -> NoReturn:
    raise SmokeFailed(f"Interrupted ({signal.Signals(signum).name}).")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    try:
        sys.exit(main())
    except SmokeFailed as failure:
        print(
            f"\nSMOKE TEST FAILED after {time.monotonic() - STARTED:.0f}s: {failure}",
            file=sys.stderr,
            flush=True,
        )
        sys.exit(1)
