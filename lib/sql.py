"""SQL the ORM cannot say: a query read as a derived table the planner may not merge."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import QuerySet


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
