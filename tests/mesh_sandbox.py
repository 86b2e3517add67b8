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

The server, its launcher, mailboxes, passwords and workflows are deploy/mesh_sandbox.py's
(the same sandbox `make run` starts beside the site), named again here for the tests.
What the sandbox is (its docstring says more):

- STORE_MODE=memory: messages in memory, cleared by DELETE /admin/reset (every
  mailbox) or /admin/reset/{mailbox} (`MeshSandbox.reset`).
- AUTH_MODE=full: a wrong password or shared key is 403; no client certificate.
- Endpoint lookup answers from the workflows' receivers and each mailbox's ODS code.
- Tracking shows "accepted" until the recipient acknowledges, then "acknowledged";
  `MeshSandbox.add_event` appends a status ("undeliverable", "error") as MESH would.
"""

from __future__ import annotations

import json
import subprocess
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from deploy import mesh_sandbox as sandbox_server
from deploy.mesh_sandbox import (  # noqa: F401 (the tests' names for them)
    AREA,
    CONSULT_REPORT,
    CONSULT_REPORT_ACK,
    LAUNCHER,
    MAILBOXES,
    OTHER_PRACTICE,
    OTHER_PRACTICE_ODS,
    PASSWORDS,
    PRACTICE,
    PRACTICE_ODS,
    REFERRAL,
    REFERRER,
    REFERRER_ODS,
    SANDBOX_PYTHON,
    SHARED_KEY,
    SITE,
    STARTUP_SECONDS,
    WORKFLOWS,
)
from lib.mesh import MeshMailbox, area_key

ROOT = sandbox_server.ROOT


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


def start_sandbox(directory: Path) -> tuple[subprocess.Popen[bytes], MeshSandbox]:
    """Start the sandbox on a free loopback port with the mailboxes of
    deploy/mesh_sandbox.py; return the process and how to reach it once it answers."""
    try:
        sandbox_server.sandbox_command(0)
    except sandbox_server.SandboxMissing as missing:
        pytest.fail(str(missing), pytrace=False)
    directory.mkdir(parents=True, exist_ok=True)
    log = directory / "sandbox.log"
    port = sandbox_server.free_port()
    process = sandbox_server.start(directory, port, log=log, label="inspiring-tests")
    sandbox = MeshSandbox(url=sandbox_server.url_for(port), shared_key=SHARED_KEY, log=log)
    if not sandbox_server.wait(sandbox.url, process):
        stop_sandbox(process)
        pytest.fail(
            f"The MESH sandbox did not start on port {port}:\n{log.read_text()[-3000:]}",
            pytrace=False,
        )
    return process, sandbox


def stop_sandbox(process: subprocess.Popen[bytes]) -> None:
    sandbox_server.stop(process)


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
