"""Backups and restore, for both databases the site runs on.

PostgreSQL: `pg_dump --format=custom --no-owner` of the snapshot the row counts are
taken in (so they are the backup's), and `pg_restore --no-owner --exit-on-error
--single-transaction` into an EMPTY database (a failed restore leaves it empty).
SQLite (small sites): SQLite's online backup API, safe while the site runs, and a
restore that copies the backup to a path that does not exist yet.

Nothing here drops, truncates or overwrites anything: a target that is not
empty, or a file that exists, is refused. Passwords go to the PostgreSQL tools in
their environment (PGPASSWORD), never on a command line. Every failure is a
`BackupError` with a one-line message.

This module reads the database through Django's model registry, never by
importing another app (inspiring.ops imports no app).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dj_database_url
from django.apps import apps
from django.db import connection

POSTGRES = "postgresql"
SQLITE = "sqlite"
_PG_MAGIC = b"PGDMP"
_SQLITE_MAGIC = b"SQLite format 3\x00"
# Where Debian and Ubuntu install each major version's client tools.
PG_TOOL_DIRS = "/usr/lib/postgresql"
# Django's OPTIONS (and the URL's query parameters) that libpq understands.
_LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "service": "PGSERVICE",
    "passfile": "PGPASSFILE",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}


class BackupError(Exception):
    """A backup or restore that cannot be done, said in one line."""


@dataclass
class BackupResult:
    path: Path
    engine: str
    size: int
    sha256: str
    # Model label -> rows, as in the backup (None: the table is missing).
    counts: dict[str, int | None] = field(default_factory=dict)


# --- Row counts ---------------------------------------------------------------


def model_tables() -> dict[str, str]:
    """Every table the site's models keep rows in: model label -> table name."""
    tables: dict[str, str] = {}
    seen: set[str] = set()
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.db_table in seen:
            continue
        seen.add(meta.db_table)
        tables[meta.label] = meta.db_table
    return dict(sorted(tables.items()))


def _count(cursor: Any, existing: set[str]) -> dict[str, int | None]:
    counts: dict[str, int | None] = {}
    for label, table in model_tables().items():
        if table not in existing:
            counts[label] = None
            continue
        quoted = '"' + table.replace('"', '""') + '"'
        cursor.execute(f"SELECT COUNT(*) FROM {quoted}")  # noqa: S608 (a model's own table)
        counts[label] = int(cursor.fetchone()[0])
    return counts


_PG_TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = ANY(current_schemas(false))"
_SQLITE_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table'"


def _pg_count(cursor: Any) -> dict[str, int | None]:
    cursor.execute(_PG_TABLES)
    return _count(cursor, {row[0] for row in cursor.fetchall()})


def _sqlite_count(cursor: Any) -> dict[str, int | None]:
    cursor.execute(_SQLITE_TABLES)
    return _count(cursor, {row[0] for row in cursor.fetchall()})


def current_counts() -> dict[str, int | None]:
    """Rows of every model in the site's own database."""
    with connection.cursor() as cursor:
        return _pg_count(cursor) if connection.vendor == POSTGRES else _sqlite_count(cursor)


def counts_at(database_url: str) -> dict[str, int | None]:
    """Rows of every model in the database at `database_url` (read only)."""
    engine, settings = _parse_url(database_url)
    if engine == POSTGRES:
        with _pg_connect(settings) as conn, conn.cursor() as cursor:
            return _pg_count(cursor)
    path = Path(settings["NAME"])
    if not path.is_file():
        raise BackupError(f"No SQLite database at {path}")
    with _sqlite_readonly(path) as conn:
        return _sqlite_count(conn.cursor())


def compare_counts(
    here: dict[str, int | None], there: dict[str, int | None]
) -> list[tuple[str, int | None, int | None]]:
    """The models whose row counts differ: (label, here, there)."""
    return [
        (label, here.get(label), there.get(label))
        for label in sorted(set(here) | set(there))
        if here.get(label) != there.get(label)
    ]


# --- Backing up ----------------------------------------------------------------


def backup(path: str | Path) -> BackupResult:
    """Write a backup of the site's database to `path`, a file that must not exist yet.

    The file is written under a temporary name beside it (readable by its owner
    only) and renamed when complete, so a failed backup never leaves a file that
    looks like one.
    """
    path = Path(path)
    if path.exists():
        raise BackupError(
            f"{path} exists: give the backup a new name (backups are not overwritten)"
        )
    if not path.parent.is_dir():
        raise BackupError(f"No directory {path.parent} to write the backup in")
    partial = path.with_name(path.name + ".partial")
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BackupError(
            f"{partial} exists: another backup is running, or one failed (remove it)"
        ) from None
    os.close(fd)
    try:
        if connection.vendor == POSTGRES:
            engine, counts = POSTGRES, _pg_backup(partial)
        elif connection.vendor == SQLITE:
            engine, counts = SQLITE, _sqlite_backup(partial)
        else:
            raise BackupError(f"Cannot back up a {connection.vendor} database")
        partial.rename(path)
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(path, engine, path.stat().st_size, sha256(path), counts)


def _pg_backup(path: Path) -> dict[str, int | None]:
    settings = connection.settings_dict
    with _pg_connect(settings) as conn:
        # Count in a snapshot and dump that same snapshot: the counts are the backup's.
        conn.isolation_level = _psycopg().IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            row = cursor.fetchone()
            assert row is not None
            snapshot = str(row[0])
            counts = _pg_count(cursor)
        pg_dump = find_pg_tool("pg_dump", server_major=_server_major(conn))
        _run(
            [
                pg_dump,
                "--format=custom",
                "--no-owner",
                f"--snapshot={snapshot}",
                f"--file={path}",
            ],
            env=_pg_env(settings),
        )
    return counts


def _sqlite_backup(path: Path) -> dict[str, int | None]:
    connection.ensure_connection()
    source = connection.connection
    target = sqlite3.connect(path)
    try:
        # The online backup API: a consistent copy while the site keeps working.
        source.backup(target)
        target.commit()
        counts = _sqlite_count(target.cursor())
    except sqlite3.Error as error:
        raise BackupError(f"SQLite backup failed: {error}") from error
    finally:
        target.close()
    return counts


def sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- Restoring -------------------------------------------------------------------


def backup_engine(path: str | Path) -> str:
    """POSTGRES or SQLITE, from the file's first bytes; BackupError for anything else."""
    path = Path(path)
    try:
        with path.open("rb") as file:
            head = file.read(len(_SQLITE_MAGIC))
    except OSError as error:
        raise BackupError(f"Cannot read {path}: {error.strerror}") from error
    if head.startswith(_PG_MAGIC):
        return POSTGRES
    if head == _SQLITE_MAGIC:
        return SQLITE
    raise BackupError(
        f"{path} is not a backup: neither a PostgreSQL custom-format dump nor an SQLite database"
    )


def restore(path: str | Path, database_url: str) -> dict[str, int | None]:
    """Restore the backup at `path` into the empty database at `database_url`.

    PostgreSQL: the database must exist (createdb) and hold nothing yet. SQLite: the
    URL's file must not exist yet. Returns the restored database's row counts.
    """
    path = Path(path)
    kind = backup_engine(path)
    engine, settings = _parse_url(database_url)
    if kind != engine:
        names = {POSTGRES: "PostgreSQL", SQLITE: "SQLite"}
        raise BackupError(
            f"{path} is a {names[kind]} backup: it cannot be restored into {names[engine]}"
        )
    if engine == POSTGRES:
        _pg_restore(path, settings)
    else:
        _sqlite_restore(path, Path(settings["NAME"]))
    return counts_at(database_url)


def _pg_restore(path: Path, settings: dict[str, Any]) -> None:
    with _pg_connect(settings) as conn:
        conn.autocommit = True
        major = _server_major(conn)
        objects = conn.execute(
            """
            SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
              AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
            """
        ).fetchone()
        functions = conn.execute(
            """
            SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
            """
        ).fetchone()
    if (objects and objects[0]) or (functions and functions[0]):
        raise BackupError(
            f"The database {settings['NAME']} is not empty: restore only into a new, empty "
            "database (createdb); nothing was changed"
        )
    pg_restore = find_pg_tool("pg_restore", server_major=major)
    env = _pg_env(settings)
    # Read the archive's table of contents first: a file that is no dump fails here.
    try:
        listing = _run([pg_restore, "--list", str(path)], env=env)
    except BackupError as error:
        raise BackupError(f"{path} is damaged or truncated ({error})") from None
    if " TABLE " not in listing or " django_migrations " not in listing:
        raise BackupError(f"{path} is a PostgreSQL dump, but not of this site (no migrations)")
    try:
        _run(
            [
                pg_restore,
                "--no-owner",
                "--exit-on-error",
                # All or nothing: a failure (a truncated file) leaves the target empty.
                "--single-transaction",
                f"--dbname={settings['NAME']}",
                str(path),
            ],
            env=env,
        )
    except BackupError as error:
        raise BackupError(
            f"Restore of {path} failed, nothing was restored (damaged or truncated?): {error}"
        ) from None


def _sqlite_restore(path: Path, target: Path) -> None:
    if str(target) in ("", ":memory:") or str(target).startswith("file:"):
        raise BackupError("Restore an SQLite backup into a file: sqlite:////path/to/new.sqlite3")
    if not target.parent.is_dir():
        raise BackupError(f"No directory {target.parent} to restore into")
    _check_sqlite_file(path)
    try:
        out = target.open("xb")  # refuses a file that exists, atomically
    except FileExistsError:
        raise BackupError(
            f"{target} exists: restore only to a new file; nothing was changed"
        ) from None
    target.chmod(0o600)
    try:
        with out, path.open("rb") as source:
            shutil.copyfileobj(source, out, 1 << 20)
    except OSError as error:
        target.unlink(missing_ok=True)  # the partial copy this function made
        raise BackupError(f"Restore failed: {error}") from error


def _check_sqlite_file(path: Path) -> None:
    """Refuse a truncated or damaged SQLite backup, or one of something else."""
    with path.open("rb") as file:
        header = file.read(100)
    if len(header) < 100:
        raise BackupError(f"{path} is truncated: not a whole SQLite database")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if pages and path.stat().st_size < page_size * pages:
        raise BackupError(
            f"{path} is truncated: {path.stat().st_size:,} bytes of {page_size * pages:,}"
        )
    try:
        with _sqlite_readonly(path) as conn:
            problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            tables = {row[0] for row in conn.execute(_SQLITE_TABLES)}
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is damaged: {error}") from error
    if problems != ["ok"]:
        raise BackupError(f"{path} is damaged: {problems[0]}")
    if "django_migrations" not in tables:
        raise BackupError(f"{path} is an SQLite database, but not of this site (no migrations)")


@contextlib.contextmanager
def _sqlite_readonly(path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        yield conn
    finally:
        conn.close()


# --- PostgreSQL's connection and tools ----------------------------------------------


def _parse_url(database_url: str) -> tuple[str, dict[str, Any]]:
    try:
        settings = dj_database_url.parse(database_url)
    except Exception as error:  # dj_database_url raises several kinds
        raise BackupError(f"Not a database URL: {error}") from None
    engine = settings.get("ENGINE", "")
    if engine.endswith("postgresql"):
        return POSTGRES, dict(settings)
    if engine.endswith("sqlite3"):
        return SQLITE, dict(settings)
    raise BackupError("The database URL must be postgres://… or sqlite:///…")


def _libpq_params(settings: dict[str, Any]) -> dict[str, str]:
    params = {
        "dbname": settings.get("NAME"),
        "user": settings.get("USER"),
        "password": settings.get("PASSWORD"),
        "host": settings.get("HOST"),
        "port": settings.get("PORT"),
    }
    options = settings.get("OPTIONS") or {}
    params.update({key: options[key] for key in _LIBPQ_OPTIONS if options.get(key)})
    return {key: str(value) for key, value in params.items() if value}


def _pg_env(settings: dict[str, Any]) -> dict[str, str]:
    """The environment for pg_dump and pg_restore: the connection, password included."""
    names = {
        "dbname": "PGDATABASE",
        "user": "PGUSER",
        "password": "PGPASSWORD",
        "host": "PGHOST",
        "port": "PGPORT",
        **_LIBPQ_OPTIONS,
    }
    env = dict(os.environ)
    env.update({names[key]: value for key, value in _libpq_params(settings).items()})
    return env


def _psycopg() -> Any:
    import psycopg

    return psycopg


def _pg_connect(settings: dict[str, Any]) -> Any:
    psycopg = _psycopg()
    try:
        return psycopg.connect(**_libpq_params(settings))
    except psycopg.Error as error:
        message = " ".join(str(error).split())
        raise BackupError(f"Cannot connect to {settings.get('NAME')}: {message}") from None


def _server_major(conn: Any) -> int:
    return int(conn.info.server_version) // 10000


def _tool_major(tool: str) -> int | None:
    try:
        out = subprocess.run(  # noqa: S603 (a PostgreSQL tool we found ourselves)
            [tool, "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except OSError:
        return None
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", out)
    return int(match.group(1)) if match else None


def find_pg_tool(name: str, *, server_major: int) -> str:
    """`name` (pg_dump, pg_restore) on PATH, else the highest under /usr/lib/postgresql;
    the first whose major version is at least the server's."""
    candidates = []
    on_path = shutil.which(name)
    if on_path:
        candidates.append(on_path)
    versions = sorted((int(d.name), d) for d in Path(PG_TOOL_DIRS).glob("*") if d.name.isdigit())
    candidates += [
        str(d / "bin" / name) for _, d in reversed(versions) if (d / "bin" / name).exists()
    ]
    if not candidates:
        raise BackupError(
            f"{name} not found: install the PostgreSQL client tools "
            f"(postgresql-client-{server_major}) or put {name} on PATH"
        )
    found = []
    for tool in candidates:
        major = _tool_major(tool)
        if major is not None and major >= server_major:
            return tool
        found.append(f"{tool} ({major or 'unknown version'})")
    raise BackupError(
        f"The server is PostgreSQL {server_major}, newer than {name}: "
        f"{', '.join(found)}; install postgresql-client-{server_major}"
    )


def _run(command: list[str], *, env: dict[str, str]) -> str:
    """Run a PostgreSQL tool; its stdout, or BackupError with its last words."""
    try:
        result = subprocess.run(  # noqa: S603 (our own arguments; no shell)
            command, env=env, capture_output=True, text=True, check=False
        )
    except OSError as error:
        raise BackupError(f"Cannot run {command[0]}: {error.strerror}") from error
    if result.returncode != 0:
        lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if "error:" in line] or lines or ["no message"]
        tool = Path(command[0]).name
        message = errors[0].split("error:", 1)[-1].strip()
        raise BackupError(f"{tool} failed: {message}")
    return result.stdout
