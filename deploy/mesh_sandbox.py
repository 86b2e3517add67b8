"""NHS England's MESH sandbox (`mesh-sandbox`) on loopback with Inspiring's mailboxes: the
MESH that `make run` starts beside the site, and that the tests send and receive through
(tests/mesh_sandbox.py, their fixtures, imports this). The real server in its own
virtualenv (.venv-mesh, built by `make .stamps/mesh-sandbox`: it pins an older gunicorn
than the site's, so it cannot share .venv). Only the standard library here, so any
Python runs it:

    .venv/bin/python deploy/mesh_sandbox.py serve [--port 8700]   # until stopped
    .venv/bin/python deploy/mesh_sandbox.py wait [--port 8700]    # 0 once it answers
    .venv/bin/python deploy/mesh_sandbox.py env [--port 8700]     # MESH_* for the site

`env` prints the site's settings for the sandbox (NAME=value, space-separated: the
site's mailbox, Ashfield's own mailbox and the shared key), or nothing where MESH_URL,
MESH_MAILBOX_ID, MESH_PASSWORD, MESH_SHARED_KEY or an area's mailbox is set already:
whoever sets one configures MESH themselves (`MESH_URL= make run` runs without it).

The sandbox's mailboxes and workflows come from two files it reads from its own
package (its docs mount other files over them in Docker). A small launcher points its
store at files written to a directory of ours instead, so the installed package is
never changed. What the sandbox is:

- STORE_MODE=memory: messages in memory (gone when it stops), cleared by DELETE
  /admin/reset (every mailbox) or /admin/reset/{mailbox}.
- AUTH_MODE=full: every request's NHSMESH token is checked against the mailbox's
  password and the shared key (a wrong password is 403). It checks no client
  certificate (plain HTTP on loopback) and not the token's time or nonce.
- Endpoint lookup (ODS code + workflow -> mailbox) answers from the workflows'
  receivers and each mailbox's ODS code; it does not check who may send what: a
  message to any known mailbox is accepted whatever its workflow.
- Tracking by message id shows "accepted" until the recipient acknowledges, then
  "acknowledged". Nothing expires or turns undeliverable on its own: POST
  /admin/message/{id}/event appends a status ("undeliverable", "error") as MESH would.

Every mailbox, password and key here is made up, for loopback only.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SANDBOX_PYTHON = ROOT / ".venv-mesh" / "bin" / "python"
DEFAULT_PORT = 8700
STARTUP_SECONDS = 30

SHARED_KEY = "InspiringTestKey"

# The mailboxes, named for what they stand for.
SITE = "X26INSPIRE1"  # Inspiring's own (site-wide) mailbox
AREA = "X26INSPIRE2"  # an area's own mailbox (Ashfield's in development)
PRACTICE = "Y90001GP01"  # the registered GP practice, ODS Y90001: takes GPFED_CONSULT_REPORT
REFERRER = "Y90002GP01"  # a GP practice that sends referrals, ODS Y90002
OTHER_PRACTICE = "Y90003GP01"  # a practice on MESH that has not registered the workflow

PRACTICE_ODS = "Y90001"
REFERRER_ODS = "Y90002"
OTHER_PRACTICE_ODS = "Y90003"

# The area whose own mailbox AREA is in development (`env`).
AREA_SLUG = "ashfield"

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

# What `env` gives the site, and what stops it giving anything when set already.
_SITE_VARIABLES = ("MESH_URL", "MESH_MAILBOX_ID", "MESH_PASSWORD", "MESH_SHARED_KEY")


class SandboxMissing(RuntimeError):
    """.venv-mesh is not built."""


def url_for(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def write_store(directory: Path) -> Path:
    """The mailboxes and workflows above as the sandbox's store reads them, in
    `directory`/data (made if need be); returns that directory."""
    data = directory / "data"
    data.mkdir(parents=True, exist_ok=True)
    (data / "mailboxes.jsonl").write_text(
        "".join(
            json.dumps({**mailbox, "password": PASSWORDS[str(mailbox["mailbox_id"])]}) + "\n"
            for mailbox in MAILBOXES
        )
    )
    (data / "workflows.jsonl").write_text("".join(json.dumps(w) + "\n" for w in WORKFLOWS))
    return data


def sandbox_command(port: int) -> list[str]:
    """The sandbox's own interpreter running our fixed launcher."""
    if not SANDBOX_PYTHON.exists():
        raise SandboxMissing(
            f"The MESH sandbox is not installed ({SANDBOX_PYTHON} is missing): "
            "run `make .stamps/mesh-sandbox` (`make run` and `make test` build it)."
        )
    return [str(SANDBOX_PYTHON), "-c", LAUNCHER, str(port)]


def sandbox_environ(directory: Path, *, label: str) -> dict[str, str]:
    """The sandbox's environment, its store written to `directory` first."""
    data = write_store(directory)
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "ENV": "local",
        "BUILD_LABEL": label,
        "AUTH_MODE": "full",
        "STORE_MODE": "memory",
        "SHARED_KEY": SHARED_KEY,
        "INSPIRING_MESH_DATA": str(data),
        "MAILBOXES_DATA_DIR": str(directory / "store"),
    }


def start(
    directory: Path, port: int, *, log: Path, label: str = "inspiring"
) -> subprocess.Popen[bytes]:
    """Start the sandbox on 127.0.0.1:`port` with its store in `directory`, its output
    to `log`; it may not answer yet (`wait`)."""
    command = sandbox_command(port)
    env = sandbox_environ(directory, label=label)
    with log.open("wb") as output:
        return subprocess.Popen(  # noqa: S603 (our fixed launcher, the sandbox's interpreter)
            command, env=env, stdout=output, stderr=subprocess.STDOUT, cwd=directory
        )


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/health", timeout=1) as response:  # noqa: S310
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def wait(
    url: str,
    process: subprocess.Popen[bytes] | None = None,
    *,
    seconds: float = STARTUP_SECONDS,
) -> bool:
    """Whether the sandbox at `url` answers within `seconds` (False at once if its
    `process` ends first)."""
    deadline = time.monotonic() + seconds
    while not answers(url):
        if (process is not None and process.poll() is not None) or time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def site_environ(url: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The site's MESH_* settings for the sandbox at `url`: the site's mailbox, and
    Ashfield's own. Nothing where `environ` (os.environ) sets MESH already."""
    environ = os.environ if environ is None else environ
    if any(name in environ for name in _SITE_VARIABLES) or any(
        name.startswith("MESH_MAILBOX_ID__") for name in environ
    ):
        return {}
    area = AREA_SLUG.upper()
    return {
        "MESH_URL": url,
        "MESH_MAILBOX_ID": SITE,
        "MESH_PASSWORD": PASSWORDS[SITE],
        "MESH_SHARED_KEY": SHARED_KEY,
        f"MESH_MAILBOX_ID__{area}": AREA,
        f"MESH_PASSWORD__{area}": PASSWORDS[AREA],
    }


def _serve(port: int) -> int:
    """Become the sandbox (exec), so stopping this process stops it."""
    if not port_is_free(port):
        print(
            f"MESH sandbox: port {port} is in use (another `make run`?). "
            "Choose another with MESH_SANDBOX_PORT.",
            file=sys.stderr,
        )
        return 1
    try:
        command = sandbox_command(port)
    except SandboxMissing as missing:
        print(missing, file=sys.stderr)
        return 1
    directory = Path(tempfile.gettempdir()) / f"inspiring-mesh-sandbox-{port}"
    env = sandbox_environ(directory, label="inspiring-development")
    os.chdir(directory)
    # It logs every request: to a file, not over the site's output.
    log = directory / "sandbox.log"
    print(f"MESH sandbox on {url_for(port)} (its log: {log})", file=sys.stderr, flush=True)
    output = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.execve(command[0], command, env)  # noqa: S606 (our fixed launcher)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["serve", "wait", "env"])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    arguments = parser.parse_args(argv)
    url = url_for(arguments.port)
    if arguments.what == "serve":
        return _serve(arguments.port)
    if arguments.what == "wait":
        if wait(url):
            return 0
        print(f"The MESH sandbox did not answer at {url}.", file=sys.stderr)
        return 1
    print(" ".join(f"{name}={value}" for name, value in site_environ(url).items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
