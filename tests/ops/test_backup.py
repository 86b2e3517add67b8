"""Backups and the restore drill (issue 19, item 6), on the engine the suite runs on.

Back up a database with real rows in it, restore into a fresh empty database,
and check what the README's drill checks: migrations all applied, `check`
passes, every model's row count equal, and (PostgreSQL) the audit log's trigger
still refuses UPDATE and DELETE. A target that is not empty and a damaged
backup are refused, changing nothing.
"""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import RequestFactory

from inspiring.accounts.audit import record
from inspiring.ops import backups
from inspiring.ops.backups import BackupError
from inspiring.ops.models import beat

from ..personas import build_personas

POSTGRES = connection.vendor == "postgresql"


def _server_url(name: str, *, password: str | None = None) -> str:
    """A postgres:// URL to database `name` on the test database's server."""
    s = connection.settings_dict
    user = quote(s["USER"] or "postgres", safe="")
    secret = password if password is not None else s["PASSWORD"]
    auth = f"{user}:{quote(secret, safe='')}" if secret else user
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def _admin() -> Any:
    import psycopg

    s = connection.settings_dict
    return psycopg.connect(
        dbname="postgres",
        user=s["USER"] or None,
        password=s["PASSWORD"] or None,
        host=s["HOST"] or None,
        port=s["PORT"] or None,
        autocommit=True,
    )


@pytest.fixture
def target(tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, empty database to restore into (dropped afterwards)."""
    if not POSTGRES:
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"inspiring_restore_{uuid.uuid4().hex[:16]}"
    with _admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _server_url(name)
    finally:
        with _admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def site_data() -> None:
    """Real rows: the personas, audit entries written as the site writes them, a heartbeat."""
    people = build_personas()
    request = RequestFactory().get("/staff/team/", REMOTE_ADDR="192.0.2.10")
    request.user = people.coordinator
    record(request, "auth.signed_in")
    record(request, "area.chosen", people.ashfield, area=people.ashfield)
    record(None, "membership.created", people.link_worker, actor=people.coordinator)
    beat("scheduler")


def _manage(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _tables(url: str) -> list[str]:
    if POSTGRES:
        import psycopg

        with psycopg.connect(url) as conn:
            rows = conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            ).fetchall()
        return [row[0] for row in rows]
    path = Path(url.removeprefix("sqlite:///"))
    if not path.exists():
        return []
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return sorted(row[0] for row in rows)


@pytest.mark.django_db(transaction=True)
def test_the_restore_drill(
    site_data: None, target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The tools see the password in their environment, never on their command line
    # (the target's URL has one; a server that trusts us ignores it).
    password = connection.settings_dict["PASSWORD"] or "drill-password-not-on-a-command-line"
    if POSTGRES:
        target = _server_url(target.rsplit("/", 1)[1], password=password)
    runs: list[tuple[list[str], dict[str, str]]] = []
    real_run = subprocess.run

    def watching_run(command: list[str], **kwargs: Any) -> Any:
        runs.append((list(command), dict(kwargs.get("env") or {})))
        return real_run(command, **kwargs)

    monkeypatch.setattr(backups.subprocess, "run", watching_run)

    here = backups.current_counts()
    assert here["accounts.AuditEntry"] == 3
    assert here["accounts.User"] and here["areas.Area"] and here["ops.Heartbeat"] == 1

    result = backups.backup(tmp_path / "site.backup")
    assert result.engine == ("postgresql" if POSTGRES else "sqlite")
    assert result.size == (tmp_path / "site.backup").stat().st_size > 0
    assert result.sha256 == backups.sha256(tmp_path / "site.backup")
    assert result.counts == here
    assert (tmp_path / "site.backup").stat().st_mode & 0o077 == 0  # its owner's only
    assert not (tmp_path / "site.backup.partial").exists()

    assert backups.restore(tmp_path / "site.backup", target) == here
    monkeypatch.setattr(backups.subprocess, "run", real_run)

    if POSTGRES:
        tools = {Path(command[0]).name for command, _ in runs}
        assert {"pg_dump", "pg_restore"} <= tools
        for command, env in runs:
            assert not any(password in part for part in command)
            if Path(command[0]).name == "pg_restore" and "--version" not in command:
                assert env["PGPASSWORD"] == password

    # The application starts on the restored database: every migration applied, checks pass.
    migrated = _manage("migrate", "--check", database_url=target)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    checked = _manage("check", database_url=target)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    # Every model's row count is equal, as `backup_check` reports.
    assert backups.counts_at(target) == here
    out = io.StringIO()
    call_command("backup_check", database_url=target, stdout=out)
    assert "every count equal" in out.getvalue()

    # The audit log is still append-only in the restored database.
    if POSTGRES:
        import psycopg

        for statement in (
            "DELETE FROM accounts_auditentry",
            "UPDATE accounts_auditentry SET action = 'rewritten'",
        ):
            with (
                psycopg.connect(target) as conn,
                pytest.raises(psycopg.errors.InsufficientPrivilege),
            ):
                conn.execute(statement)
        with psycopg.connect(target) as conn:
            row = conn.execute(
                "SELECT count(*) FROM accounts_auditentry WHERE action <> 'rewritten'"
            ).fetchone()
        assert row is not None and row[0] == 3
    else:
        # SQLite's trigger refuses UPDATE (DELETE is left to the model: migration 0002).
        path = target.removeprefix("sqlite:///")
        with (
            sqlite3.connect(path) as restored,
            pytest.raises(sqlite3.DatabaseError, match="append-only"),
        ):
            restored.execute("UPDATE accounts_auditentry SET action = 'rewritten'")


@pytest.mark.django_db(transaction=True)
def test_the_commands_print_what_they_did(site_data: None, target: str, tmp_path: Path) -> None:
    file = tmp_path / "site.backup"
    out = io.StringIO()
    call_command("backup", str(file), stdout=out)
    text = out.getvalue()
    assert f"{file.stat().st_size:,} bytes" in text
    assert f"SHA-256 {backups.sha256(file)}" in text
    assert f"in {len(backups.model_tables())} tables" in text

    out = io.StringIO()
    call_command("restore", str(file), database_url=target, verbosity=2, stdout=out)
    text = out.getvalue()
    assert "Restored the" in text and backups.sha256(file) in text
    assert "  accounts.AuditEntry: 3" in text

    # A backup is never written over another.
    with pytest.raises(CommandError, match="exists"):
        call_command("backup", str(file), stdout=io.StringIO())

    # backup_check names a model whose count differs.
    record(None, "auth.signed_out")
    with pytest.raises(CommandError, match=r"accounts\.AuditEntry 4 here, 3 there"):
        call_command("backup_check", database_url=target, stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_a_target_that_is_not_empty_is_refused_and_left_alone(
    site_data: None, target: str, tmp_path: Path
) -> None:
    file = backups.backup(tmp_path / "site.backup").path
    if POSTGRES:
        import psycopg

        with psycopg.connect(target) as conn:
            conn.execute("CREATE TABLE precious (note text)")
            conn.execute("INSERT INTO precious VALUES ('keep me')")
        with pytest.raises(BackupError, match=r"is not empty.*nothing was changed"):
            backups.restore(file, target)
        assert _tables(target) == ["precious"]
        with psycopg.connect(target) as conn:
            assert conn.execute("SELECT note FROM precious").fetchall() == [("keep me",)]
    else:
        existing = Path(target.removeprefix("sqlite:///"))
        existing.write_bytes(b"someone else's file")
        with pytest.raises(BackupError, match=r"exists.*nothing was changed"):
            backups.restore(file, target)
        assert existing.read_bytes() == b"someone else's file"
        # Not even an empty SQLite database of the same name is overwritten.
        existing.unlink()
        sqlite3.connect(existing).close()
        with pytest.raises(BackupError, match="exists"):
            backups.restore(file, target)
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("restore", str(file), database_url=target, stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_a_damaged_backup_is_refused_and_restores_nothing(
    site_data: None, target: str, tmp_path: Path
) -> None:
    garbage = tmp_path / "garbage.backup"
    garbage.write_bytes(b"<html>404 Not Found</html>\n" * 100)
    with pytest.raises(BackupError, match="is not a backup"):
        backups.restore(garbage, target)
    with pytest.raises(CommandError, match="is not a backup"):
        call_command("restore", str(garbage), database_url=target, stdout=io.StringIO())

    whole = backups.backup(tmp_path / "site.backup").path.read_bytes()
    for size in (len(whole) // 2, 2000, 10):
        truncated = tmp_path / f"truncated-{size}.backup"
        truncated.write_bytes(whole[:size])
        with pytest.raises(BackupError) as refused:
            backups.restore(truncated, target)
        message = str(refused.value)
        assert "\n" not in message
        assert "truncated" in message or "damaged" in message or "not a backup" in message
        assert _tables(target) == []  # all or nothing: the target is still empty

    # The wrong kind of backup for the target.
    other = "sqlite:///" + str(tmp_path / "other.sqlite3") if POSTGRES else _fake_pg_url()
    with pytest.raises(BackupError, match="cannot be restored into"):
        backups.restore(tmp_path / "site.backup", other)


def _fake_pg_url() -> str:
    return "postgres://nobody@127.0.0.1:1/none"


def test_the_postgresql_tools_are_found_by_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fake_tool(directory: Path, major: int) -> Path:
        directory.mkdir(parents=True)
        tool = directory / "pg_dump"
        tool.write_text(f"#!/bin/sh\necho 'pg_dump (PostgreSQL) {major}.3'\n")
        tool.chmod(0o755)
        return tool

    on_path = fake_tool(tmp_path / "path", 14)
    lib = tmp_path / "lib"
    newest = fake_tool(lib / "16" / "bin", 16)
    fake_tool(lib / "15" / "bin", 15)
    monkeypatch.setenv("PATH", str(on_path.parent))
    monkeypatch.setattr(backups, "PG_TOOL_DIRS", str(lib))

    assert backups.find_pg_tool("pg_dump", server_major=14) == str(on_path)
    assert backups.find_pg_tool("pg_dump", server_major=16) == str(newest)
    with pytest.raises(
        BackupError, match=r"PostgreSQL 17, newer than pg_dump.*postgresql-client-17"
    ):
        backups.find_pg_tool("pg_dump", server_major=17)

    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    monkeypatch.setattr(backups, "PG_TOOL_DIRS", str(tmp_path / "nowhere"))
    with pytest.raises(BackupError, match="pg_restore not found: install"):
        backups.find_pg_tool("pg_restore", server_major=16)


def test_the_password_goes_in_the_environment() -> None:
    env = backups._pg_env(
        {
            "NAME": "inspiring",
            "USER": "site",
            "PASSWORD": "s3cret",
            "HOST": "db.internal",
            "PORT": 5433,
            "OPTIONS": {"sslmode": "verify-full", "options": "-c jit=off"},
        }
    )
    assert env["PGPASSWORD"] == "s3cret"
    assert (env["PGDATABASE"], env["PGUSER"], env["PGHOST"], env["PGPORT"]) == (
        "inspiring",
        "site",
        "db.internal",
        "5433",
    )
    assert env["PGSSLMODE"] == "verify-full"
