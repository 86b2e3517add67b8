"""Benchmark: loading and resolving postcodes.

    make bench          (or: DEBUG=1 .venv/bin/python bench/geography_load.py)

Prints, for the shipped files (10,987 postcodes, 679 LSOAs):
- the floor: reading and parsing the three CSV files with the csv module alone;
- load_geography on an empty database, then a forced re-load (all rows
  compared, nothing written), then the unchanged-files shortcut;
- resolve_postcode per second, beside the floor of one indexed SELECT by key.
Uses a throw-away SQLite database (or DATABASE_URL if set).
"""

from __future__ import annotations

import csv
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
_tmp = tempfile.TemporaryDirectory()
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_tmp.name}/bench.sqlite3")

import django

django.setup()

from django.conf import settings
from django.core.management import call_command
from django.db import connection

from inspiring.areas.geography import resolve_postcode
from inspiring.areas.loading import load_geography
from inspiring.areas.models import Postcode

DATA = Path(settings.GEOGRAPHY_DATA_DIR)
FILES: dict[str, Any] = {
    "postcodes": DATA / "onspd_nov2025_ashfield_mansfield_newark.csv",
    "centroids": DATA / "lsoa11_pwc_nottinghamshire.csv",
    "imd": DATA / "imd2019_file1_nottinghamshire.csv",
}


def timed(label: str, func, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    print(f"  {label:<58} {best * 1000:9.1f} ms")
    return best


def parse_only() -> None:
    for path in FILES.values():
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for _ in csv.DictReader(handle):
                pass


def main() -> None:
    call_command("migrate", verbosity=0)
    print(f"Database: {connection.vendor}")
    print("Loading (best of 3 where repeated):")
    floor = timed("floor: parse the three CSV files (csv module only)", parse_only)
    first = timed("load_geography, empty database", lambda: load_geography(**FILES), repeat=1)
    again = timed(
        "load_geography --force, nothing changed", lambda: load_geography(**FILES, force=True)
    )
    timed("load_geography, same files (fingerprint shortcut)", lambda: load_geography(**FILES))
    print(
        f"  first load is {first / floor:.1f}x the parse floor; forced re-load {again / floor:.1f}x"
    )

    codes = list(Postcode.objects.values_list("postcode", flat=True))
    sample = random.Random(2026).sample(codes, 2000)
    # Typed the way people type them: lower case, no space.
    typed = [code.lower().replace(" ", "") for code in sample]
    print("Resolving 2,000 postcodes:")

    def resolve_all() -> None:
        for code in typed:
            resolve_postcode(code)

    def select_all() -> None:
        with connection.cursor() as cursor:
            for code in sample:
                cursor.execute("SELECT id FROM areas_postcode WHERE postcode = %s", [code])
                cursor.fetchone()

    resolved = timed("resolve_postcode (parse, one ORM query, build Place)", resolve_all)
    floor_select = timed("floor: one indexed SELECT by postcode", select_all)
    print(
        f"  resolve_postcode: {2000 / resolved:,.0f}/s; floor {2000 / floor_select:,.0f}/s "
        f"({resolved / floor_select:.1f}x)"
    )


if __name__ == "__main__":
    main()
