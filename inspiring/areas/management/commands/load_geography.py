"""Load postcodes, LSOA centroids and deprivation deciles from CSV files.

    python manage.py load_geography                      # the files the project ships
    python manage.py load_geography --postcodes ONSPD.csv --centroids PWC.csv \
        --imd File_1.csv.gz --population File_6.csv --district E07000170
    python manage.py load_geography --postcodes one.csv --postcodes two.csv

The shipped postcodes are two files (Ashfield, Mansfield and Newark and Sherwood; and
Gedling), both loaded by default.

Running it again with the same files changes nothing (and returns at once).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from inspiring.areas.loading import GeographyFileError, load_geography

DEFAULT_POSTCODES = ("onspd_nov2025_ashfield_mansfield_newark.csv", "onspd_nov2025_gedling.csv")
DEFAULT_CENTROIDS = "lsoa11_pwc_nottinghamshire.csv"
DEFAULT_IMD = "imd2019_file1_nottinghamshire.csv"
DEFAULT_POPULATION = "imd2019_file6_nottinghamshire.csv"


def default_postcodes() -> list[Path]:
    """The shipped postcode files, in the order they are read."""
    return [Path(settings.GEOGRAPHY_DATA_DIR) / name for name in DEFAULT_POSTCODES]


class Command(BaseCommand):
    help = "Load postcodes, LSOA centroids and IMD 2019 deciles from CSV files (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        data = Path(settings.GEOGRAPHY_DATA_DIR)
        parser.add_argument(
            "--postcodes",
            type=Path,
            action="append",
            help=(
                "ONS Postcode Directory CSV, or an extract with its columns (.csv or .csv.gz); "
                "repeat for several files. Default: the shipped files, "
                + ", ".join(DEFAULT_POSTCODES)
            ),
        )
        parser.add_argument(
            "--centroids",
            type=Path,
            default=data / DEFAULT_CENTROIDS,
            help="LSOA 2011 population-weighted centroids CSV (lsoa11cd, lsoa11nm, X, Y)",
        )
        parser.add_argument(
            "--imd",
            type=Path,
            default=data / DEFAULT_IMD,
            help="English Indices of Deprivation 2019, File 1 or File 2 (.csv or .csv.gz)",
        )
        parser.add_argument(
            "--population",
            type=Path,
            help=(
                "English Indices of Deprivation 2019, File 6 (population denominators). "
                f"Default: {DEFAULT_POPULATION} when it is there; without one, the LSOAs' "
                "population is left as it is"
            ),
        )
        parser.add_argument(
            "--district",
            action="append",
            dest="districts",
            metavar="GSS_CODE",
            help="Load only postcodes in this district (repeat for several). Default: all rows.",
        )
        parser.add_argument(
            "--force", action="store_true", help="Reload even if these files were loaded last time"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        districts = set(options["districts"]) if options["districts"] else None
        # Optional: a file named on the command line must be there; the shipped one may
        # have been left out of a deployment.
        population = options["population"]
        if population is None:
            shipped = Path(settings.GEOGRAPHY_DATA_DIR) / DEFAULT_POPULATION
            population = shipped if shipped.is_file() else None
        try:
            report = load_geography(
                postcodes=options["postcodes"] or default_postcodes(),
                centroids=options["centroids"],
                imd=options["imd"],
                population=population,
                districts=districts,
                force=options["force"],
                progress=self.stdout.write,
            )
        except GeographyFileError as exc:
            raise CommandError(f"Nothing was loaded: {exc}") from exc
        if report.already_loaded:
            self.stdout.write("Geography is already loaded from these files: nothing to do.")
            return
        for label, counts in (
            ("Districts", report.districts),
            ("LSOAs", report.lsoas),
            ("Postcodes", report.postcodes),
        ):
            removed = f", {counts.removed:,} removed (terminated)" if counts.removed else ""
            self.stdout.write(
                f"{label}: {counts.created:,} created, {counts.updated:,} updated, "
                f"{counts.unchanged:,} unchanged{removed}"
            )
        self.stdout.write(
            f"LSOA of each postcode: {report.lsoa_exact:,} from the file, "
            f"{report.lsoa_approximate:,} approximate (nearest centroid)"
        )
        if report.lsoa_population is None:
            self.stdout.write(
                "LSOA population: no population file (IMD 2019 File 6), so left as it was "
                "(empty if never loaded): equity figures have no population to compare with"
            )
        else:
            self.stdout.write(f"LSOA population: {report.lsoa_population:,} LSOAs")
        for reason, count in sorted(report.skipped.items()):
            lines = report.skipped_lines.get(reason)
            where = (
                f" (lines {', '.join(map(str, lines))}{', …' if count > len(lines) else ''})"
                if lines
                else ""
            )
            self.stdout.write(f"Skipped {count:,}: {reason}{where}")
        self.stdout.write(self.style.SUCCESS("Geography loaded."))
