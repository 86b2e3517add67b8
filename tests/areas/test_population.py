"""LSOA population from the Indices of Deprivation's File 6, and the areas' population
figures by IMD quintile and age (areas.figures), checked against the shipped files."""

from __future__ import annotations

import csv
from collections import Counter
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from inspiring.areas import figures
from inspiring.areas.loading import GeographyFileError, load_geography
from inspiring.areas.models import LSOA
from tests.personas import Personas

pytestmark = pytest.mark.django_db

DATA = Path(settings.GEOGRAPHY_DATA_DIR)
FILE_6 = DATA / "imd2019_file6_nottinghamshire.csv"
SHIPPED: dict[str, Any] = {
    "postcodes": DATA / "onspd_nov2025_ashfield_mansfield_newark.csv",
    "centroids": DATA / "lsoa11_pwc_nottinghamshire.csv",
    "imd": DATA / "imd2019_file1_nottinghamshire.csv",
}
ASHFIELD = "E07000170"


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))[1:]


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def _published(district: str) -> tuple[Counter[str], Counter[str]]:
    """Residents of the district's LSOAs by IMD quintile and by age, read straight from
    the shipped Files 1 and 6 (columns by position, as MHCLG publishes them)."""
    deciles = {row[0]: int(row[5]) for row in _rows(SHIPPED["imd"])}
    by_quintile: Counter[str] = Counter()
    by_age: Counter[str] = Counter()
    for row in _rows(FILE_6):
        if row[2] != district:
            continue
        by_quintile[str((deciles[row[0]] + 1) // 2)] += _number(row[4])
        by_age["0-15"] += _number(row[5])
        by_age["16-59"] += _number(row[6])
        by_age["60+"] += _number(row[7])
    return by_quintile, by_age


def test_the_shipped_file_6_gives_every_lsoa_its_population() -> None:
    # Loaded once for the whole run (tests/conftest.py), by default.
    assert not LSOA.objects.filter(population__isnull=True).exists()
    lsoa = LSOA.objects.get(code="E01013810")  # File 6's first row: "1,761",516,"1,091",154
    assert (
        lsoa.population,
        lsoa.population_0_15,
        lsoa.population_16_59,
        lsoa.population_60_plus,
    ) == (1761, 516, 1091, 154)


def test_ashfields_population_by_quintile_and_age_matches_file_6(personas: Personas) -> None:
    by_quintile, by_age = _published(ASHFIELD)
    quintiles = figures.population_by_imd_quintile([personas.ashfield.pk])
    ages = figures.population_by_age_band([personas.ashfield.pk])
    assert quintiles.counts == {q: by_quintile[q] for q in ("1", "2", "3", "4", "5")}
    assert ages.counts == {band: by_age[band] for band in ("0-15", "16-59", "60+")}
    # Ashfield's 74 LSOAs: 123,577 people in mid-2015, the two breakdowns alike.
    assert quintiles.total == ages.total == sum(by_quintile.values()) == 123_577
    assert quintiles.exclusive and ages.exclusive
    assert quintiles.labels["1"] == "1 (most deprived fifth)"


def test_several_areas_add_up(personas: Personas) -> None:
    both = figures.population_by_age_band([personas.ashfield.pk, personas.mansfield.pk])
    one = figures.population_by_age_band([personas.ashfield.pk])
    other = figures.population_by_age_band([personas.mansfield.pk])
    assert both.total == one.total + other.total
    assert both.counts["60+"] == one.counts["60+"] + other.counts["60+"]


def test_without_population_the_figures_are_noughts(personas: Personas) -> None:
    LSOA.objects.update(
        population=None, population_0_15=None, population_16_59=None, population_60_plus=None
    )
    for tally in (
        figures.population_by_imd_quintile([personas.ashfield.pk]),
        figures.population_by_age_band([personas.ashfield.pk]),
    ):
        assert tally.total == 0 and set(tally.counts.values()) == {0}


def test_loading_without_a_population_file_leaves_the_population_as_it_was() -> None:
    report = load_geography(**SHIPPED, force=True)
    assert report.lsoa_population is None and not report.changed
    assert LSOA.objects.get(code="E01013810").population == 1761


def test_the_command_reads_the_shipped_file_6_and_refuses_a_missing_one() -> None:
    out = StringIO()
    call_command("load_geography", "--force", stdout=out)
    assert "LSOA population: 679 LSOAs" in out.getvalue()
    with pytest.raises(CommandError, match=r"nowhere\.csv: file not found"):
        call_command("load_geography", "--population", "nowhere.csv", stdout=StringIO())


def test_a_shipped_file_6_left_out_leaves_the_population_empty(
    tmp_path: Path, settings: object
) -> None:
    """A deployment without the File 6 subset: the geography loads, and the report says
    the population is empty."""
    settings.GEOGRAPHY_DATA_DIR = tmp_path  # type: ignore[attr-defined]
    LSOA.objects.update(population=None)
    out = StringIO()
    files = [f"--{name}={path}" for name, path in SHIPPED.items()]
    call_command("load_geography", "--force", *files, stdout=out)
    assert "no population file" in out.getvalue()
    assert not LSOA.objects.filter(population__isnull=False).exists()


def test_a_bad_population_file_changes_nothing(tmp_path: Path) -> None:
    text = FILE_6.read_text(encoding="utf-8-sig")
    bad = tmp_path / "file6.csv"
    bad.write_text(text.replace('"1,761"', "many", 1), encoding="utf-8")
    with pytest.raises(GeographyFileError, match="line 2"):
        load_geography(**SHIPPED, population=bad, force=True)
    headless = tmp_path / "not6.csv"
    headless.write_text("LSOA code (2011),Something else\nE01013810,1\n", encoding="utf-8")
    with pytest.raises(GeographyFileError, match="no total population column"):
        load_geography(**SHIPPED, population=headless, force=True)
    assert LSOA.objects.get(code="E01013810").population == 1761
