"""The geography the suite loads once per test database, put back after a flush.

tests/conftest.py loads the geography the project ships (load_geography) into each test
database once. A transactional or live-server test ends with a flush that empties its
tables, so the fixtures of the tests that need it afterwards (the browser tests' above
all) loaded it again: the CSV files read and parsed and about 15,000 rows written through
the ORM, 1.8 s each time, some 258 s of the SQLite pass in the browser tests alone.

`capture()` keeps the rows of that first load in memory, once per worker, and
`ensure_geography()` writes them back into the emptied tables (500 rows an INSERT, or
one COPY on PostgreSQL):
what load_geography writes into empty tables (the same files, read the same way, the
same rows; its record of the load made again, dated now), in 0.1 s, not 1 s.
Tables that are not all empty (a test of the loader's own, or a load not captured) are
left to load_geography itself, which does nothing where the same files were loaded last
time."""

from __future__ import annotations

from io import StringIO
from typing import Any

from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Model

# Their foreign keys' tables first.
_TABLES: tuple[str, ...] = ("District", "LSOA", "Postcode")
BATCH = 500
_captured: dict[str, tuple[str, list[tuple[Any, ...]]]] = {}
_loads: list[dict[str, Any]] = []


def _models() -> list[type[Model]]:
    from inspiring.areas import models

    return [getattr(models, name) for name in _TABLES]


def capture() -> None:
    """Keep the geography's rows as they are now: just after the first load."""
    from inspiring.areas.models import GeographyLoad

    quote = connection.ops.quote_name
    _captured.clear()
    with connection.cursor() as cursor:
        for model in _models():
            meta = model._meta
            columns = [field.column for field in meta.concrete_fields]
            # The models' own table and column names, quoted: no outside text.
            names = ", ".join(quote(column) for column in columns)
            table, pk = quote(meta.db_table), quote(meta.pk.column)
            cursor.execute(f"SELECT {names} FROM {table} ORDER BY {pk}")  # noqa: S608
            _captured[meta.label] = (f"{table} ({names})", cursor.fetchall())
    _loads[:] = [
        dict(load)
        for load in GeographyLoad.objects.order_by("pk").values("sources", "fingerprint", "report")
    ]


def ensure_geography() -> None:
    """The geography loaded, as `call_command("load_geography")` leaves it."""
    from inspiring.areas.models import GeographyLoad

    models = _models()
    everything: list[type[Model]] = [*models, GeographyLoad]
    emptied = not any(model._default_manager.exists() for model in everything)
    if not (_captured and _loads and emptied):
        call_command("load_geography", verbosity=0, stdout=StringIO())
        return
    with transaction.atomic(), connection.cursor() as cursor:
        for model in models:
            into, rows = _captured[model._meta.label]
            if connection.vendor == "postgresql":
                # One COPY: an INSERT a row (executemany) took 0.7 s, 500 rows an
                # INSERT 1.3 s (the parameters adapted one by one).
                with cursor.cursor.copy(f"COPY {into} FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                continue
            for start in range(0, len(rows), BATCH):
                batch = rows[start : start + BATCH]
                marks = ", ".join(["%s"] * len(batch[0]))
                values = ", ".join([f"({marks})"] * len(batch))
                cursor.execute(
                    f"INSERT INTO {into} VALUES {values}",  # noqa: S608
                    [value for row in batch for value in row],
                )
        for load in _loads:
            GeographyLoad.objects.create(**load)
        # Written with their ids: a sequence is never left behind them (PostgreSQL).
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)
