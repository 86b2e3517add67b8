"""SQL the ORM cannot say: a query read as a derived table the planner may not merge,
a queryset read from its statement with a WITH clause in front, many integers as one
parameter, and a statement prepared once per connection."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any, TypeVar

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.postgresql.base import (  # type: ignore[attr-defined]
    ServerBindingCursor,  # defined under psycopg 3, which the lock installs
)
from django.db.models import Field, ForeignObject, Lookup, Model, Q, QuerySet
from django.db.models.query import (  # type: ignore[attr-defined]
    get_related_populators,  # how ModelIterable reads select_related: no stub names it
)

M = TypeVar("M", bound=Model)


def fenced(queryset: QuerySet[Any, Any]) -> tuple[str, tuple[Any, ...]]:
    """`queryset`'s SQL as a derived table "(...) AS <alias>" that the database reads
    as written, then filters and sorts outside (OFFSET 0 on PostgreSQL, LIMIT -1
    OFFSET 0 on SQLite: neither merges a subquery with a limit into the outer query).

    Merged, PostgreSQL may test an expensive condition of the outer query (a
    correlated subquery's result) before the cheap ones inside, or walk an index in
    the outer order through every row to find the few that pass. Every value stays
    a parameter; name the columns the outer query reads with annotations.
    """
    sql, params = queryset.query.sql_with_params()
    fence = "OFFSET 0" if connection.vendor == "postgresql" else "LIMIT -1 OFFSET 0"
    return f"({sql} {fence})", tuple(params)


def read_with(queryset: QuerySet[M, M], common: str, common_params: Sequence[Any] = ()) -> list[M]:
    """The instances of `queryset` (its select_related and annotations too), read by
    Django from its own statement with `common` in front: a WITH clause naming tables
    its conditions and annotations read (RawSQL), in the same statement.

    For a page worked out in SQL and the rows it shows in one round trip: the page (ids,
    count, place) is a WITH table and the queryset reads its listings by it, where
    reading the ids first and the listings after took a second statement and its
    planning. `common` is fixed text of the caller's, never a request's; its values are
    `common_params`. Django's own reading (ModelIterable) is followed: its columns,
    converters and related instances are those of `queryset`.
    """
    db = queryset.db
    compiler = queryset.query.get_compiler(using=db)
    sql, params = compiler.as_sql()  # fills compiler.select and klass_info as well
    with connections[db].cursor() as cursor:
        cursor.execute(f"{common} {sql}", (*common_params, *params))
        rows = cursor.fetchall()
    select, klass_info = compiler.select, compiler.klass_info
    assert klass_info is not None, "read_with reads model instances, not values"
    first, last = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    names = [column[0].target.attname for column in select[first:last]]
    related = get_related_populators(klass_info, select, db)
    annotations = compiler.annotation_col_map or {}
    found: list[M] = []
    for row in compiler.results_iter([rows]):
        instance = queryset.model.from_db(db, names, row[first:last])
        for populator in related:
            populator.populate(row, instance)
        for name, position in annotations.items():
            setattr(instance, name, row[position])
        found.append(instance)
    return found


class OneOf(Lookup[Any]):
    """`field__one_of=[1, 2, ...]`: the field is one of many integers, sent as one
    parameter (an array on PostgreSQL, JSON on SQLite) instead of one a value.

    `__in` prepares and places every value on its own: 7 ms of Python to build a
    query for a page's 500 ids, four times a page. Integers only; no list is too long.
    """

    lookup_name = "one_of"
    prepare_rhs = False

    def get_prep_lookup(self) -> list[int]:
        return [int(value) for value in self.rhs]

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s::bigint[])", [*lhs_params, self.rhs]
        # `lhs` is the compiled column, never a value.
        sql = f"{lhs} IN (SELECT value FROM json_each(%s))"  # noqa: S608
        return sql, [*lhs_params, json.dumps(self.rhs)]


Field.register_lookup(OneOf)
ForeignObject.register_lookup(OneOf)


def one_of(field: str, ids: Iterable[int]) -> Q:
    """`field` is one of `ids` (OneOf: a page's hundreds of ids as one parameter)."""
    return Q(**{f"{field}__{OneOf.lookup_name}": list(ids)})


@contextmanager
def prepared(using: str = DEFAULT_DB_ALIAS, *, generic: bool = False) -> Iterator[None]:
    """The statements run inside are prepared on PostgreSQL: parsed and planned once a
    connection, then executed by name with their parameters bound by the server.

    For the few statements run on every request with only their parameters changing
    (an activity's page, an Open Referral service): their planning, done afresh each
    time otherwise, cost more than their running at national scale (ADR 0010). Only
    where the connection outlives the request (CONN_MAX_AGE, on by default for
    PostgreSQL) and DATABASE_PREPARED is on (off behind a PgBouncer in transaction
    mode older than 1.21, which cannot carry prepared statements between its
    connections); elsewhere, and on SQLite (whose driver keeps compiled statements
    already), nothing changes. Django reads rows the same either way.

    PostgreSQL still plans a prepared statement again for each execution while it
    judges a plan made for the values given cheaper than one made for any values, and
    for some statements it always does. With `generic=True` the statements inside are
    held to the plan made once (plan_cache_mode, set for the block only): for a
    statement whose best plan is the same whatever the values, such as the activity
    page's, read by its unique public id (planned afresh 50 times in 50 by the national
    benchmark, its planning three times its running). Not for the searches, whose
    best plan depends on the values: held to one plan, an Open Referral page of
    services took 478 ms instead of 40.
    """
    wrapper = connections[using]
    if not (
        wrapper.vendor == "postgresql"
        and wrapper.settings_dict.get("CONN_MAX_AGE")
        and getattr(settings, "DATABASE_PREPARED", False)
    ):
        yield
        return
    wrapper.ensure_connection()
    raw = wrapper.connection
    before = raw.cursor_factory, raw.prepare_threshold
    # Django turns psycopg's preparing off (prepare_threshold None); a threshold never
    # reached prepares only what asks to be (_Preparing), and keeps what was prepared.
    if generic:
        # On the driver's connection, so not counted among the request's queries.
        raw.execute("SET plan_cache_mode = force_generic_plan")
    raw.cursor_factory, raw.prepare_threshold = _Preparing, sys.maxsize
    try:
        yield
    finally:
        raw.cursor_factory, raw.prepare_threshold = before
        if generic:
            # If the transaction failed, rolling it back takes the SET back with it.
            with suppress(psycopg.Error):
                raw.execute("RESET plan_cache_mode")


class _Preparing(ServerBindingCursor):
    """Binds parameters on the server and prepares every statement it runs."""

    def execute(self, query: Any, params: Any = None, **options: Any) -> Any:
        options.setdefault("prepare", True)
        return super().execute(query, params, **options)
