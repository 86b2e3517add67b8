"""Benchmark: the survey summary over 100,000 responses, and scoring them in bulk.

    DEBUG=1 .venv/bin/python bench/surveys.py [--responses N] [--repeats R]
    DATABASE_URL=postgres://... (an empty database) for PostgreSQL

Builds one area (Ashfield) with a directory of about 700 activities and their sessions
(the calendar the summary sets wishes beside), its survey from the template, and N
synthetic responses (seeded, so every run has the same data) with ONS4 and ONS
loneliness answers stored as administrations. Then reports medians of:

- summarise(): every figure of the summary page (categories, barriers, by quintile
  and by age band, disclosure control, the calendar), beside the floor: ONE
  hand-written SQL statement producing the same figures (the three groupings'
  aggregates, UNION ALL). The figures are checked equal before anything is printed.
  Goal: within 2x of the floor, well under a second on PostgreSQL.
- scoring N stored administrations of the loneliness measure with measures' score()
  (the one set of scoring rules), beside a numpy floor: the same answers in an array,
  the UCLA-3 total as one vectorised sum. Totals checked equal.
Uses a throw-away SQLite database, or DATABASE_URL if set (it must be empty).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
_tmp = tempfile.TemporaryDirectory()
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_tmp.name}/bench.sqlite3")

import django

django.setup()

import numpy as np
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from inspiring.areas.models import Area
from inspiring.demo.directory import build_area_directory
from inspiring.demo.loading import load_demo
from inspiring.directory.materialise import materialise_all
from inspiring.directory.planning import window
from inspiring.measures import library
from inspiring.measures.instruments.base import score
from inspiring.surveys.choices import BARRIER_BITS, AgeBand, Mode
from inspiring.surveys.models import Response, Survey
from inspiring.surveys.summary import ASPECTS, QUINTILE_LABELS, Summary, summarise
from inspiring.surveys.template import build_template_survey

LONELINESS = "ons-loneliness"
UCLA = ("lack_companionship", "left_out", "isolated")


def line(label: str, figure: str) -> None:
    print(f"  {label:<62}{figure}")


def median_ms(seconds: list[float]) -> float:
    return statistics.median(seconds) * 1000


def timed(func: Callable[[], Any], repeats: int) -> tuple[list[float], Any]:
    func()  # warm: connection, caches, the planner's statistics
    times = []
    result = None
    for _ in range(repeats):
        began = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - began)
    return times, result


def build(responses: int) -> Survey:
    call_command("migrate", verbosity=0)
    call_command("load_geography", verbosity=0, stdout=io.StringIO())
    load_demo(directory=False)
    area = Area.objects.get(slug="ashfield")
    today = timezone.localdate()
    _, activities = build_area_directory(
        area, organisations=200, seed="bench-surveys", today=today, bulk=True
    )
    materialise_all()
    survey = build_template_survey(area)
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.OPEN, synthetic=True)
    survey.refresh_from_db()
    positions = list(survey.categories.values_list("position", flat=True))
    ages = [a for a in AgeBand.values] + [""]
    modes = list(Mode.values)
    rng = random.Random("bench-surveys")
    batch: list[Response] = []
    began = time.perf_counter()
    for _ in range(responses):
        decile = rng.choice([None, *range(1, 11)])

        def mask(share: float) -> int:
            return sum(1 << p for p in positions if rng.random() < share)

        ucla = {item: rng.randint(1, 3) for item in UCLA}
        batch.append(
            Response(
                survey=survey,
                mode=rng.choice(modes),
                submitted_on=date(2026, rng.randint(1, 12), rng.randint(1, 28)),
                knows_mask=mask(0.4),
                uses_mask=mask(0.15),
                wants_mask=mask(0.3),
                barriers_mask=sum(1 << bit for bit in BARRIER_BITS.values() if rng.random() < 0.25),
                imd_decile=decile,
                imd_quintile=None if decile is None else (decile + 1) // 2,
                age_band=rng.choice(ages),
                synthetic=True,
                measures={
                    LONELINESS: {
                        "version": "1",
                        "answers": {**ucla, "lonely": rng.randint(1, 5)},
                        "scores": {},
                        "complete": True,
                    }
                },
            )
        )
        if len(batch) == 5000:
            Response.objects.bulk_create(batch)
            batch = []
    Response.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as a live database has
    print(
        f"Built: {activities:,} activities, "
        f"{Response.objects.filter(survey=survey).count():,} responses in "
        f"{time.perf_counter() - began:.1f} s"
    )
    return survey


def floor_sql(survey: Survey) -> tuple[list[str], str, list[Any]]:
    """The hand-written statement: one row per (grouping, group), every figure summed,
    and the calendar's sessions by category as directory.planning counts them."""
    positions = list(survey.categories.order_by("position").values_list("position", flat=True))
    columns = ["COUNT(*)"]
    names = ["n"]
    for aspect in ASPECTS:
        for p in positions:
            columns.append(f"SUM((r.{aspect}_mask >> {p}) & 1)")
            names.append(f"{aspect}_{p}")
    for code, bit in BARRIER_BITS.items():
        columns.append(f"SUM((r.barriers_mask >> {bit}) & 1)")
        names.append(f"barrier_{code}")
    select = ", ".join(columns)
    # Positions and bits are integers from the database and this module, not input.
    parts = [
        f"SELECT '{kind}' AS kind, CAST({key} AS TEXT) AS grp, {select} "  # noqa: S608
        f"FROM surveys_response r WHERE r.survey_id = %s GROUP BY {key}"
        for kind, key in (("mode", "r.mode"), ("quintile", "r.imd_quintile"), ("age", "r.age_band"))
    ]
    area = survey.area
    areas = [area.pk, *Area.objects.filter(shares_with=area).values_list("pk", flat=True)]
    start, end = window()
    placeholders = ",".join(["%s"] * len(areas))
    zeros = ", ".join(["0"] * (len(names) - 1))
    parts.append(
        f"SELECT 'calendar', c.slug, COUNT(*), {zeros} "  # noqa: S608
        "FROM directory_session s "
        "JOIN directory_activity a ON a.id = s.activity_id "
        "JOIN directory_activity_categories ac ON ac.activity_id = a.id "
        "JOIN directory_category c ON c.id = ac.category_id "
        "WHERE a.revision_of_id IS NULL AND a.status = 'published' "
        f"AND a.home_area_id IN ({placeholders}) AND a.last_confirmed_at >= %s "
        "AND a.capacity_status <> 'paused' AND s.status = 'scheduled' "
        "AND s.local_date >= %s AND s.local_date < %s GROUP BY c.slug"
    )
    limit = timezone.now() - timedelta(days=settings.LISTING_HIDE_DAYS)
    params = [
        survey.pk,
        survey.pk,
        survey.pk,
        *areas,
        connection.ops.adapt_datetimefield_value(limit),
        start,
        end,
    ]
    return names, " UNION ALL ".join(parts), params


def single_scan_sql(survey: Survey, sql: str, params: list[Any]) -> tuple[str, list[Any]]:
    """The least the summary's own plan can cost: its one scan, grouped by the four keys
    together, and the calendar's count, by hand (the few hundred rows the figures are
    summed from, not the figures themselves)."""
    select = sql.split(" FROM surveys_response", 1)[0].split("AS grp, ", 1)[1]
    calendar = sql.split(" UNION ALL ")[-1]
    grouped = (
        f"SELECT r.mode || '|' || r.synthetic || '|' || COALESCE(CAST(r.imd_quintile AS TEXT), '') "  # noqa: S608
        f"|| '|' || r.age_band AS grp, {select} FROM surveys_response r WHERE r.survey_id = %s "
        "GROUP BY r.mode, r.synthetic, r.imd_quintile, r.age_band"
    )
    # Only this module's own SQL is put together here; every value is a parameter.
    union = f"SELECT 'groups' AS kind, g.* FROM ({grouped}) g UNION ALL {calendar}"  # noqa: S608
    return union, [
        survey.pk,
        *params[3:],
    ]


def run_floor(names: list[str], sql: str, params: list[Any]) -> dict[tuple[str, str | None], dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {
            (kind, group): dict(zip(names, (int(v or 0) for v in values), strict=True))
            for kind, group, *values in cursor.fetchall()
        }


def check_equal(
    summary: Summary, floor: dict[tuple[str, str | None], dict], survey: Survey
) -> None:
    """Every count the summary shows (with small numbers visible) against the floor's."""
    categories = list(survey.categories.order_by("position"))
    modes = [row for (kind, _), row in floor.items() if kind == "mode"]

    def overall(key: str) -> int:
        return sum(row[key] for row in modes)

    assert summary.responses.count == overall("n")
    for row, c in zip(summary.categories, categories, strict=True):
        assert row.knows.figure.count == overall(f"knows_{c.position}")
        assert row.uses.figure.count == overall(f"uses_{c.position}")
        assert row.wants.figure.count == overall(f"wants_{c.position}")
    for barrier, code in zip(summary.barriers, BARRIER_BITS, strict=True):
        assert barrier.cell.figure.count == overall(f"barrier_{code}")
    quintiles = summary.breakdowns[0]
    for index, quintile in enumerate(QUINTILE_LABELS):
        found = floor.get(("quintile", None if quintile is None else str(quintile)), {})
        assert quintiles.responses[index].count == found.get("n", 0)
        for c_row, c in zip(quintiles.tables[2].rows, categories, strict=True):
            assert c_row.cells[index].figure.count == found.get(f"wants_{c.position}", 0)
    ages = summary.breakdowns[1]
    for index, band in enumerate([*AgeBand.values, ""]):
        found = floor.get(("age", band), {})
        assert ages.responses[index].count == found.get("n", 0)
        for b_row, code in zip(ages.tables[3].rows, BARRIER_BITS, strict=True):
            assert b_row.cells[index].figure.count == found.get(f"barrier_{code}", 0)
    slugs = dict(survey.categories.values_list("label", "category__slug"))
    assert summary.calendar, "the bench's directory should meet some wishes"
    for offered in summary.calendar:
        wanted = floor.get(("calendar", slugs[offered.label]), {})
        assert offered.sessions == wanted.get("n", 0)


def bench_summary(survey: Survey, repeats: int) -> None:
    names, sql, params = floor_sql(survey)
    summary_times, summary = timed(lambda: summarise(survey, small_numbers_visible=True), repeats)
    floor_times, floor = timed(lambda: run_floor(names, sql, params), repeats)
    check_equal(summary, floor, survey)
    hidden_times, _ = timed(lambda: summarise(survey, small_numbers_visible=False), repeats)
    scan_sql, scan_params = single_scan_sql(survey, sql, params)

    def single_scan() -> list[Any]:
        with connection.cursor() as cursor:
            cursor.execute(scan_sql, scan_params)
            return cursor.fetchall()

    scan_times, _ = timed(single_scan, repeats)
    ours, best, scan = median_ms(summary_times), median_ms(floor_times), median_ms(scan_times)
    print(f"Summary of {summary.responses.count:,} responses, {repeats} runs (medians):")
    line("summarise(), small numbers visible (the area's coordinator)", f"{ours:8.1f} ms")
    line("summarise(), suppressed (everyone else)", f"{median_ms(hidden_times):8.1f} ms")
    line("floor: one hand-written SQL statement, the same figures", f"{best:8.1f} ms")
    line("the summary's own single scan + calendar count, by hand", f"{scan:8.1f} ms")
    line("ratio summarise() / floor (goal: at most 2x)", f"{ours / best:8.2f}x")
    line("ratio summarise() / its own scan by hand", f"{ours / scan:8.2f}x")


def bench_scoring(survey: Survey, repeats: int) -> None:
    instrument = library.get(LONELINESS)
    assert instrument is not None
    began = time.perf_counter()
    stored = [
        measures[LONELINESS]["answers"]
        for measures in Response.objects.filter(survey=survey)
        .values_list("measures", flat=True)
        .iterator(chunk_size=5000)
    ]
    loading = time.perf_counter() - began

    def ours() -> list[float | None]:
        return [score(instrument, answers).scores["ucla3"] for answers in stored]

    table = np.array([[answers[item] for item in UCLA] for answers in stored], dtype=np.int16)

    def floor() -> Any:
        return table.sum(axis=1)

    repeats = max(3, repeats // 3)
    our_times, totals = timed(ours, repeats)
    floor_times, vector = timed(floor, repeats)
    assert [int(t) for t in totals] == vector.tolist(), "scores differ from the numpy floor"
    ms, best = median_ms(our_times), median_ms(floor_times)
    print(f"Scoring {len(stored):,} stored administrations of {LONELINESS} (UCLA-3 total):")
    line("loading the stored answers (one query, JSON)", f"{loading * 1000:8.1f} ms")
    rate = len(stored) / (ms / 1000)
    line("measures' score(): items checked, every scale, bands", f"{ms:8.1f} ms ({rate:,.0f}/s)")
    line("floor: numpy, one vectorised sum of the same answers", f"{best:8.2f} ms")
    line("ratio", f"{ms / best:8.0f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    print(f"Database: {connection.vendor}")
    survey = build(args.responses)
    bench_summary(survey, args.repeats)
    bench_scoring(survey, args.repeats)


if __name__ == "__main__":
    main()
