"""Benchmark: a built-in mediation report end to end, as a researcher asks for it.

    DEBUG=1 .venv/bin/python bench/evaluation_report.py [--repeats R]
    DATABASE_URL=postgres://... (an empty database) for PostgreSQL

Builds the demo's Ashfield community survey (400 synthetic responses) in a throw-away
SQLite database (or DATABASE_URL if set: it must be empty), then times, as medians of
R runs, the programme's own question "identification-needs-wellbeing" (neighbourhood
identification -> needs satisfaction -> life satisfaction, 5,000 bootstrap resamples):

- the background job (`runner.execute`): extract the pseudonymised rows, fingerprint
  them, run the mediation, store the result;
- the report page as the server renders it (summary, tables, path diagram and plots),
  through Django's test client, signed in as the demo researcher;
- the PDF (WeasyPrint);

beside the floor: the statistics core's `mediate()` alone on the same rows with the same
seed and resamples (the part no report can avoid). The report's numbers are checked equal
to the floor's before anything is printed.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DEBUG", "1")
# The demo researcher signs in as on the demo site (no second factor asked).
os.environ.setdefault("DEMO_MODE", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
_tmp = tempfile.TemporaryDirectory()
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_tmp.name}/bench.sqlite3")

import django

django.setup()

from django.core.management import call_command
from django.db import connection
from django.test import Client

from inspiring.accounts.models import User
from inspiring.areas.models import Area
from inspiring.demo.loading import load_demo
from inspiring.demo.surveys import load_demo_surveys
from inspiring.evaluation import questions
from inspiring.evaluation.extracts import extract
from inspiring.evaluation.models import Analysis
from inspiring.evaluation.pdf import render_pdf
from inspiring.evaluation.runner import execute
from inspiring.evaluation.stats import mediate
from inspiring.surveys.models import Survey

QUESTION = "identification-needs-wellbeing"


def median_ms(func: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    func()  # warm: imports, the connection, template loading
    times, result = [], None
    for _ in range(repeats):
        began = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5, help="runs to time (5)")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    call_command("load_geography", verbosity=0, stdout=io.StringIO())
    load_demo(directory=False)
    area = Area.objects.get(slug="ashfield")
    researcher = User.objects.get(email="researcher@example.org")
    coordinator = User.objects.get(email="coordinator.ashfield@example.org")
    load_demo_surveys({"ashfield": area}, lambda _area: coordinator)
    survey = Survey.objects.get(area=area)
    question = questions.get(QUESTION)
    assert question is not None
    spec = question.build(survey=survey)
    options = spec["options"]

    def job() -> Analysis:
        analysis = Analysis.objects.create(title=question.title, spec=spec, created_by=researcher)
        analysis.areas.set([area])
        return execute(analysis)

    job_ms, analysis = median_ms(job, args.repeats)
    assert analysis.status == Analysis.Status.DONE, analysis.error
    rows = extract(spec, analysis.salt)

    def floor() -> Any:
        return mediate(
            rows,
            options["x"],
            list(options["m"]),
            options["y"],
            n_boot=int(options["boot"]),
            seed=analysis.seed,
            ci=options.get("ci", "percentile"),
        )

    floor_ms, core = median_ms(floor, args.repeats)
    stored = analysis.result.get("result", analysis.result)
    expected = core.to_dict()
    assert abs(stored["c"] - expected["c"]) < 1e-9, (stored["c"], expected["c"])
    assert stored["total_indirect"] == expected["total_indirect"]

    browser = Client(HTTP_HOST="localhost")
    browser.force_login(researcher)
    page = f"/staff/evaluation/{analysis.public_id}/"
    page_ms, response = median_ms(lambda: browser.get(page), args.repeats)
    assert response.status_code == 200, response.status_code
    assert b"<svg" in response.content
    pdf_ms, pdf = median_ms(lambda: render_pdf(analysis, reveal=True), args.repeats)
    assert pdf.startswith(b"%PDF")

    print(
        f"Built-in mediation report '{QUESTION}' on {connection.vendor}: {len(rows)} rows, "
        f"{int(options['boot']):,} resamples, median of {args.repeats} runs"
    )
    print(f"  floor  mediate() alone on the same rows and seed:   {floor_ms:8.1f} ms")
    print(f"  ours   the job: extract, fingerprint, run, store:   {job_ms:8.1f} ms")
    print(f"  ours   the report page (tables, diagram, plots):     {page_ms:8.1f} ms")
    print(f"  ours   the PDF:                                      {pdf_ms:8.1f} ms")
    total = job_ms + page_ms + pdf_ms
    print(f"  end to end {total:,.0f} ms: {total / floor_ms:,.1f}x the bare mediation")


if __name__ == "__main__":
    main()
