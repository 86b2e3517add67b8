"""The production processes, started for real and broken on purpose (issue 19, item 5).

Every test here is marked `faults` and skipped unless INSPIRING_FAULTS=1 and DATABASE_URL
names PostgreSQL (`make faults` runs them, alone: one restarts the database server).

- `database`: a new PostgreSQL database of its own for each test, copied from one
  migrated once per run by `manage.py migrate` in production mode (CREATE DATABASE …
  TEMPLATE, well under a second). The test's own ORM points at it for the test, so
  rows a test makes are the rows the processes it starts see (every write commits: no
  test transaction). Dropped afterwards.
- `stack`: starts the Procfile's processes (web, worker, scheduler) and one-off
  `manage.py` commands as subprocesses with a production environment (DEBUG=0, a
  generated SECRET_KEY, https SITE_URL, TASKS_BACKEND=database, loopback feeds
  allowed), each in a process group of its own with its output in a log file; every
  one still running is stopped (SIGTERM, then SIGKILL) when the test ends.
- `feed_server`: an HTTP server on loopback, in a thread, serving .ics files; told to
  trickle, it spreads each body over `trickle_seconds` and says how much it has sent.
- `postgres_bounce`: stops the PostgreSQL server, waits, starts it again. Here (root,
  Debian's pg_ctlcluster) it finds the cluster on DATABASE_URL's port; elsewhere (a
  container in CI) set INSPIRING_FAULTS_PG_STOP and INSPIRING_FAULTS_PG_START to shell
  commands that do it (`docker stop pg` / `docker start pg`). Without either the test
  that needs it is skipped. The server is always started again, whatever happened.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connections

ROOT = Path(settings.BASE_DIR)
# Where the production processes serve their collected static files from (var/ is not
# committed).
STATIC_ROOT = ROOT / "var" / "faults-static"
HERE = Path(__file__).parent
POSTGRES_ENGINE = "django.db.backends.postgresql"


# --- Only on purpose, only on PostgreSQL ---------------------------------------------------


def why_skipped() -> str | None:
    if os.environ.get("INSPIRING_FAULTS") != "1":
        return (
            "fault tests start the production processes, kill them and restart PostgreSQL: "
            "run them alone, on purpose, with `make faults` (INSPIRING_FAULTS=1)"
        )
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return (
            "fault tests restart PostgreSQL under any test running beside them: run them "
            "alone, without pytest-xdist (-n 0, as `make faults` does)"
        )
    if settings.DATABASES["default"]["ENGINE"] != POSTGRES_ENGINE:
        return (
            "fault tests need PostgreSQL (row locks, SKIP LOCKED, a server to restart): set "
            "DATABASE_URL=postgres://… for a user who may create databases"
        )
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = why_skipped()
    if reason is None:
        return
    for item in items:
        if item.get_closest_marker("faults") and item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.skip(reason=reason))


def wait_for(check: Callable[[], Any], *, timeout: float, what: str, every: float = 0.1) -> Any:
    """Call `check` until it answers something true (returned) or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        answer = check()
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"Waited {timeout:.0f} s for {what}")
        time.sleep(every)


# --- PostgreSQL: the server, a database per test ---------------------------------------------


def _server() -> Any:
    """The settings of the server DATABASE_URL names (its NAME is not used here)."""
    return settings.DATABASES["default"]


def admin_connection() -> Any:
    """A new autocommit connection to the server's `postgres` database (not the site's)."""
    import psycopg

    server = _server()
    return psycopg.connect(
        dbname="postgres",
        host=server["HOST"] or None,
        port=server["PORT"] or None,
        user=server["USER"] or None,
        password=server["PASSWORD"] or None,
        autocommit=True,
        connect_timeout=10,
    )


def database_url(name: str) -> str:
    server = _server()
    user = quote(server["USER"] or "", safe="")
    password = server["PASSWORD"] or ""
    credentials = f"{user}:{quote(password, safe='')}" if password else user
    host = server["HOST"] or "localhost"
    port = server["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{name}"


def _drop(name: str) -> None:
    with admin_connection() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def production_env(url: str, **extra: str) -> dict[str, str]:
    """The environment of a production process: what the README tells an operator to set."""
    env = {
        key: value
        for key, value in os.environ.items()
        # The test run's own settings (config.test_env) and anything pointing elsewhere.
        if key
        not in {
            "DEBUG",
            "DEMO_MODE",
            "SECRET_KEY",
            "DATABASE_URL",
            "DATABASE_CONN_MAX_AGE",
            "REDIS_URL",
            "SENTRY_DSN",
            "TASKS_BACKEND",
            "LOG_LEVEL",
            "SITE_URL",
            "PYTEST_XDIST_WORKER",
            "PYTEST_CURRENT_TEST",
        }
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        DEMO_MODE="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL="https://inspiring.test",
        DATABASE_URL=url,
        TASKS_BACKEND="database",
        FEEDS_ALLOW_PRIVATE_ADDRESSES="1",
        SECURE_SSL_REDIRECT="0",
        # The tests write the heartbeats themselves; a beat an hour old still counts.
        HEALTH_STALE_SECONDS="3600",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
        # Collected once per run by `migrated_template` (production serves the hashed
        # files whitenoise finds there).
        STATIC_ROOT=str(STATIC_ROOT),
    )
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def migrated_template() -> Iterator[str]:
    """A database migrated once per run, as a deployment migrates (a subprocess, DEBUG=0)."""
    name = f"inspiring_faults_template_{uuid.uuid4().hex[:10]}"
    with admin_connection() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        # As a deployment does: migrate, then collect the static files production serves.
        for command in ("migrate", "collectstatic"):
            done = subprocess.run(
                [sys.executable, "manage.py", command, "--noinput", "-v", "0"],
                cwd=ROOT,
                env=production_env(database_url(name)),
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            assert done.returncode == 0, (
                f"{command} failed:\n{done.stdout[-2000:]}{done.stderr[-4000:]}"
            )
        yield name
    finally:
        _drop(name)


@dataclass(frozen=True)
class Database:
    name: str
    url: str


@pytest.fixture
def database(migrated_template: str, django_db_blocker: Any) -> Iterator[Database]:
    """A fresh, migrated database for this test; the test's ORM uses it until the end."""
    name = f"inspiring_faults_{uuid.uuid4().hex[:10]}"
    with admin_connection() as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{migrated_template}"')
    default = connections["default"]
    previous = default.settings_dict["NAME"]
    default.close()
    default.settings_dict["NAME"] = name
    try:
        with django_db_blocker.unblock():
            yield Database(name, database_url(name))
    finally:
        # (A connection the server dropped closes without complaint.)
        connections.close_all()
        default.settings_dict["NAME"] = previous
        _drop(name)


def backends(database: Database) -> list[dict[str, Any]]:
    """The server's connections to `database` (pg_stat_activity), but the asker's own."""
    with admin_connection() as admin, admin.cursor() as cursor:
        cursor.execute(
            """
            SELECT pid, application_name, state, wait_event_type, backend_xid::text AS xid,
                   query
            FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()
            """,
            [database.name],
        )
        names = [column.name for column in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# --- The production processes ---------------------------------------------------------------


def procfile() -> dict[str, list[str]]:
    """The Procfile's commands, run with this virtualenv's interpreter and scripts."""
    bin_dir = Path(sys.executable).parent
    commands: dict[str, list[str]] = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, command = line.split(":", 1)
        words = shlex.split(command)
        if words[0] == "python":
            words[0] = sys.executable
        elif (bin_dir / words[0]).exists():
            words[0] = str(bin_dir / words[0])
        commands[name.strip()] = words
    return commands


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def children(pid: int) -> set[int]:
    """The ids of the processes whose parent is `pid` (from /proc)."""
    found: set[int] = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            # "pid (name) state ppid ...": the name may hold spaces and parentheses.
            after_name = stat.read_text().rsplit(")", 1)[1].split()
            if int(after_name[1]) == pid:
                found.add(int(stat.parent.name))
    return found


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def alive(self) -> bool:
        return self.popen.poll() is None

    def wait_for_output(self, text: str, *, timeout: float) -> str:
        def said() -> bool:
            if not self.alive() and text not in self.output():
                raise AssertionError(
                    f"{self.name} exited ({self.popen.returncode}) before saying {text!r}:\n"
                    + self.output()[-3000:]
                )
            return text in self.output()

        wait_for(said, timeout=timeout, what=f"{self.name} to say {text!r}", every=0.2)
        return self.output()

    def kill(self) -> None:
        """SIGKILL, as the kernel's OOM killer or a lost machine would: no clean-up at all."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self, *, grace: float = 15) -> int | None:
        """SIGTERM (a graceful stop, as a deployment's), then SIGKILL after `grace` seconds."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.kill()
        # Anything left in its group (a gunicorn worker orphaned by a killed master).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        return self.popen.returncode


@dataclass
class Stack:
    env: dict[str, str]
    logs: Path
    processes: list[Process] = field(default_factory=list)

    def start(self, kind: str, *extra: str, name: str = "", **env: str) -> Process:
        """Start the Procfile's `kind` process (web, worker, scheduler), with extra
        arguments and environment variables."""
        name = name or f"{kind}-{len(self.processes) + 1}"
        log = self.logs / f"{name}.log"
        with log.open("wb") as out:
            popen = subprocess.Popen(
                [*procfile()[kind], *extra],
                cwd=ROOT,
                env={**self.env, **env},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    @staticmethod
    def worker_id(worker: Process) -> str:
        """The id a started `db_worker` says it has (a claim records it on the task), once
        it is polling the queue."""
        said = worker.wait_for_output("Starting worker worker_id=", timeout=120)
        return said.split("Starting worker worker_id=", 1)[1].split()[0]

    def manage(self, *args: str, timeout: float = 180, **env: str) -> str:
        """Run `manage.py` once, as an operator or cron would; its output (it must succeed)."""
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}"
        return done.stdout

    def stop_all(self) -> None:
        for process in reversed(self.processes):
            process.stop(grace=10)


@pytest.fixture
def stack(database: Database, tmp_path: Path) -> Iterator[Stack]:
    running = Stack(production_env(database.url), tmp_path)
    try:
        yield running
    finally:
        running.stop_all()


# --- A calendar server on loopback -----------------------------------------------------------


@dataclass
class FeedServer:
    port: int = 0
    # path -> the .ics served there (anything else: 404).
    bodies: dict[str, bytes] = field(default_factory=dict)
    # Spread each body over this long (in CHUNKS writes); 0: all at once.
    trickle_seconds: float = 0.0
    hits: Counter[str] = field(default_factory=Counter)
    # path -> bytes of the body sent in its latest response; whether the client left early.
    sent: dict[str, int] = field(default_factory=dict)
    cut_off: Counter[str] = field(default_factory=Counter)

    CHUNKS = 40

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def _handler(state: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.hits[self.path] += 1
            body = state.bodies.get(self.path)
            if body is None:
                self.send_error(404, "Not Found")
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            state.sent[self.path] = 0
            pause = state.trickle_seconds / state.CHUNKS
            size = max(1, -(-len(body) // state.CHUNKS)) if pause else len(body)
            try:
                for start in range(0, len(body), size):
                    self.wfile.write(body[start : start + size])
                    self.wfile.flush()
                    state.sent[self.path] = min(len(body), start + size)
                    if pause:
                        time.sleep(pause)
            except (BrokenPipeError, ConnectionResetError):
                state.cut_off[self.path] += 1

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return Handler


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    state = FeedServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.port = int(httpd.server_address[1])
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


# --- Restarting PostgreSQL -------------------------------------------------------------------


def _local_cluster() -> tuple[str, str] | None:
    """(version, name) of the Debian cluster on DATABASE_URL's port, if this machine runs
    it and we may restart it (root)."""
    server = _server()
    if (server["HOST"] or "localhost") not in {"localhost", "127.0.0.1", "::1"}:
        return None
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("pg_lsclusters"):
        return None
    listed = subprocess.run(
        [shutil.which("pg_lsclusters") or "pg_lsclusters", "--no-header"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    ).stdout
    for line in listed.splitlines():
        words = line.split()
        if len(words) >= 3 and words[2] == str(server["PORT"] or 5432):
            return words[0], words[1]
    return None


def _postgres_commands() -> tuple[str, str] | None:
    stop, start = (
        os.environ.get("INSPIRING_FAULTS_PG_STOP"),
        os.environ.get("INSPIRING_FAULTS_PG_START"),
    )
    if stop and start:
        return stop, start
    cluster = _local_cluster()
    if cluster is None:
        return None
    ctl = f"pg_ctlcluster --skip-systemctl-redirect {cluster[0]} {cluster[1]}"
    # "fast": connections are ended at once, as in a restart for an upgrade or failover.
    return f"{ctl} stop -m fast", f"{ctl} start"


def postgres_answers() -> bool:
    try:
        with admin_connection() as admin:
            admin.execute("SELECT 1")
    except Exception:
        return False
    return True


@dataclass(frozen=True)
class Bounce:
    stopping: float  # time.monotonic() as the stop began
    stopped: float  # ...as the server had stopped
    started: float  # ...as the server answered again


@pytest.fixture
def postgres_bounce() -> Iterator[Callable[[float], Bounce]]:
    """bounce(down_seconds): stop PostgreSQL, keep it down that long, start it again."""
    commands = _postgres_commands()
    if commands is None:
        pytest.skip(
            "no way to restart PostgreSQL here: run as root beside a Debian cluster "
            "(pg_ctlcluster), or set INSPIRING_FAULTS_PG_STOP and INSPIRING_FAULTS_PG_START"
        )
    stop, start = commands

    def run(command: str) -> None:
        subprocess.run(command, shell=True, check=True, timeout=120, capture_output=True)  # noqa: S602 - the operator's own commands

    def bounce(down_seconds: float) -> Bounce:
        stopping = time.monotonic()
        try:
            run(stop)
            stopped = time.monotonic()
            time.sleep(down_seconds)
        finally:
            run(start)
        wait_for(postgres_answers, timeout=60, what="PostgreSQL to answer again", every=0.2)
        # This process's own connections died with the server.
        connections.close_all()
        return Bounce(stopping, stopped, time.monotonic())

    try:
        yield bounce
    finally:
        if not postgres_answers():
            # Whatever went wrong, the server is left running.
            with contextlib.suppress(Exception):
                run(start)
            wait_for(postgres_answers, timeout=60, what="PostgreSQL to start", every=0.5)
