"""NHS England's MESH sandbox on loopback, for the tests that send and receive through
MESH (lib/mesh.py and whatever uses it). No mocks: the real server, `mesh-sandbox`,
in its own virtualenv (.venv-mesh, built by `make .stamps/mesh-sandbox`: it pins an
older gunicorn than the site's, so it cannot share .venv).

Use it from a test module:

    from tests.mesh_sandbox import SITE, empty_mesh_sandbox, mesh_sandbox  # noqa: F401

    def test_something(empty_mesh_sandbox):  # noqa: F811
        site = empty_mesh_sandbox.mailbox(SITE)  # a lib.mesh.MeshMailbox
        ...

`mesh_sandbox` is session-scoped (one server per xdist worker, each on its own free
port); `empty_mesh_sandbox` is the same server with every mailbox emptied first.
Settings for code that reads them (lib.mesh.mailbox_for): `MeshSandbox.settings(SITE)`
gives MESH_* values for Django's `settings` fixture or override_settings.

The sandbox's mailboxes and workflows come from two files it reads from its own
package (its docs mount other files over them in Docker). Here a small launcher
points its store at files written to a temporary directory instead, so the
installed package is never changed. What the sandbox is:

- STORE_MODE=memory: messages in memory, cleared by DELETE /admin/reset (every
  mailbox) or /admin/reset/{mailbox} (`MeshSandbox.reset`).
- AUTH_MODE=full: every request's NHSMESH token is checked against the mailbox's
  password and the shared key (a wrong password is 403). It checks no client
  certificate (plain HTTP on loopback) and not the token's time or nonce.
- Endpoint lookup (ODS code + workflow -> mailbox) answers from the workflows'
  receivers and each mailbox's ODS code; it does not check who may send what: a
  message to any known mailbox is accepted whatever its workflow.
- Tracking by message id shows "accepted" until the recipient acknowledges, then
  "acknowledged". Nothing expires or turns undeliverable on its own:
  `MeshSandbox.add_event` appends a status ("undeliverable", "error") as MESH would.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from lib.mesh import MeshMailbox, area_key

ROOT = Path(__file__).resolve().parent.parent
SANDBOX_PYTHON = ROOT / ".venv-mesh" / "bin" / "python"

SHARED_KEY = "InspiringTestKey"

# The mailboxes, named for what they stand for in the tests.
SITE = "X26INSPIRE1"  # Inspiring's own (site-wide) mailbox
AREA = "X26INSPIRE2"  # an area's own mailbox (Ashfield's, say)
PRACTICE = "Y90001GP01"  # the registered GP practice, ODS Y90001: takes GPFED_CONSULT_REPORT
REFERRER = "Y90002GP01"  # a GP practice that sends referrals, ODS Y90002
OTHER_PRACTICE = "Y90003GP01"  # a practice on MESH that has not registered the workflow

PRACTICE_ODS = "Y90001"
REFERRER_ODS = "Y90002"
OTHER_PRACTICE_ODS = "Y90003"

CONSULT_REPORT = "GPFED_CONSULT_REPORT"  # GP Connect Send Document: the message back to the GP
CONSULT_REPORT_ACK = "GPFED_CONSULT_REPORT_ACK"  # the practice's system's reply to one
# No national workflow for social prescribing referrals is assumed: a stand-in name.
REFERRAL = "INSPIRING_REFERRAL"

PASSWORDS = {
    SITE: "site-password",
    AREA: "area-password",
    PRACTICE: "practice-password",
    REFERRER: "referrer-password",
    OTHER_PRACTICE: "other-password",
}

MAILBOXES = [
    {"mailbox_id": SITE, "mailbox_name": "Inspiring", "ods_code": "X26", "org_code": "X26"},
    {
        "mailbox_id": AREA,
        "mailbox_name": "Inspiring Ashfield",
        "ods_code": "X26",
        "org_code": "X26",
    },
    {
        "mailbox_id": PRACTICE,
        "mailbox_name": "Test Practice One",
        "ods_code": PRACTICE_ODS,
        "org_code": PRACTICE_ODS,
    },
    {
        "mailbox_id": REFERRER,
        "mailbox_name": "Test Practice Two",
        "ods_code": REFERRER_ODS,
        "org_code": REFERRER_ODS,
    },
    {
        "mailbox_id": OTHER_PRACTICE,
        "mailbox_name": "Test Practice Three",
        "ods_code": OTHER_PRACTICE_ODS,
        "org_code": OTHER_PRACTICE_ODS,
    },
]

WORKFLOWS = [
    {"workflow_id": CONSULT_REPORT, "senders": [SITE, AREA], "receivers": [PRACTICE]},
    {"workflow_id": CONSULT_REPORT_ACK, "senders": [PRACTICE], "receivers": [SITE, AREA]},
    {"workflow_id": REFERRAL, "senders": [REFERRER, PRACTICE], "receivers": [SITE, AREA]},
]

# Run by the sandbox's Python: its store reads mailboxes.jsonl and workflows.jsonl
# from the directory named by INSPIRING_MESH_DATA (it would read its own package's).
LAUNCHER = """
import os, sys
import uvicorn
from mesh_sandbox.store.canned_store import CannedStore

_initialise = CannedStore.initialise

def initialise(self):
    self._canned_data_dir = os.environ["INSPIRING_MESH_DATA"]
    self._mailboxes_data_dir = self.get_mailboxes_data_dir()
    _initialise(self)

CannedStore.initialise = initialise
uvicorn.run(
    "mesh_sandbox.api:app", host="127.0.0.1", port=int(sys.argv[1]), workers=1,
    log_level="warning",
)
"""

STARTUP_SECONDS = 30


@dataclass(frozen=True)
class MeshSandbox:
    url: str
    shared_key: str
    log: Path

    def mailbox(self, mailbox_id: str, *, password: str | None = None) -> MeshMailbox:
        """How lib.mesh reaches one of the sandbox's mailboxes (another password to be
        refused)."""
        return MeshMailbox(
            url=self.url,
            mailbox_id=mailbox_id,
            password=PASSWORDS[mailbox_id] if password is None else password,
            shared_key=self.shared_key,
            timeout=10,
        )

    def settings(
        self, mailbox_id: str = SITE, *, areas: dict[str, str] | None = None
    ) -> dict[str, object]:
        """MESH_* settings naming the sandbox: the site's mailbox, and each area slug's
        own mailbox in `areas` ({"ashfield": AREA}). For override_settings(**...)."""
        return {
            "MESH_URL": self.url,
            "MESH_MAILBOX_ID": mailbox_id,
            "MESH_PASSWORD": PASSWORDS[mailbox_id],
            "MESH_SHARED_KEY": self.shared_key,
            "MESH_CLIENT_CERT": "",
            "MESH_CLIENT_KEY": "",
            "MESH_CA_CERT": "",
            "MESH_TIMEOUT": 10,
            "MESH_AREA_MAILBOXES": {
                area_key(slug): {"mailbox_id": area, "password": PASSWORDS[area]}
                for slug, area in (areas or {}).items()
            },
        }

    def _admin(self, method: str, path: str, body: dict[str, object] | None = None) -> None:
        request = urllib.request.Request(  # noqa: S310 (the sandbox on loopback)
            self.url + path,
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            response.read()

    def reset(self, mailbox_id: str | None = None) -> None:
        """Empty every mailbox (inboxes, outboxes, tracking), or just one."""
        self._admin("DELETE", f"/admin/reset/{mailbox_id}" if mailbox_id else "/admin/reset")

    def add_event(
        self, message_id: str, status: str, *, code: str = "", description: str = ""
    ) -> None:
        """Append a status to a message as MESH would (e.g. "error" with code 14 when it
        was not collected in time): tracking shows it from then on."""
        body: dict[str, object] = {"status": status, "event": "TRANSFER"}
        if code:
            body["code"] = code
        if description:
            body["description"] = description
        self._admin("POST", f"/admin/message/{message_id}/event", body)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/health", timeout=1) as response:  # noqa: S310
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def start_sandbox(directory: Path) -> tuple[subprocess.Popen[bytes], MeshSandbox]:
    """Start the sandbox on a free loopback port with the mailboxes above; return the
    process and how to reach it once it answers."""
    if not SANDBOX_PYTHON.exists():
        pytest.fail(
            f"The MESH sandbox is not installed ({SANDBOX_PYTHON} is missing): "
            "run `make .stamps/mesh-sandbox` (or `make test`, which builds it).",
            pytrace=False,
        )
    data = directory / "data"
    data.mkdir(parents=True, exist_ok=True)
    (data / "mailboxes.jsonl").write_text(
        "".join(
            json.dumps({**mailbox, "password": PASSWORDS[str(mailbox["mailbox_id"])]}) + "\n"
            for mailbox in MAILBOXES
        )
    )
    (data / "workflows.jsonl").write_text("".join(json.dumps(w) + "\n" for w in WORKFLOWS))
    log = directory / "sandbox.log"
    port = _free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "ENV": "local",
        "BUILD_LABEL": "inspiring-tests",
        "AUTH_MODE": "full",
        "STORE_MODE": "memory",
        "SHARED_KEY": SHARED_KEY,
        "INSPIRING_MESH_DATA": str(data),
        "MAILBOXES_DATA_DIR": str(directory / "store"),
    }
    with log.open("wb") as output:
        process = subprocess.Popen(  # the sandbox's own interpreter, our fixed launcher
            [str(SANDBOX_PYTHON), "-c", LAUNCHER, str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=directory,
        )
    sandbox = MeshSandbox(url=f"http://127.0.0.1:{port}", shared_key=SHARED_KEY, log=log)
    deadline = time.monotonic() + STARTUP_SECONDS
    while not _answers(sandbox.url):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_sandbox(process)
            pytest.fail(
                f"The MESH sandbox did not start on port {port}:\n{log.read_text()[-3000:]}",
                pytrace=False,
            )
        time.sleep(0.1)
    return process, sandbox


def stop_sandbox(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def mesh_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MeshSandbox]:
    """The MESH sandbox, running for the whole session (one per xdist worker)."""
    process, sandbox = start_sandbox(tmp_path_factory.mktemp("mesh-sandbox"))
    try:
        yield sandbox
    finally:
        stop_sandbox(process)


@pytest.fixture
def empty_mesh_sandbox(mesh_sandbox: MeshSandbox) -> MeshSandbox:
    """The MESH sandbox with every mailbox empty."""
    mesh_sandbox.reset()
    return mesh_sandbox
