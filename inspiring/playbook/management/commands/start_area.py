"""Start a new area from another, and load its district's geography.

    python manage.py start_area --name "Inspiring Gedling" --slug gedling \\
        --district E07000173 --from ashfield

A programme covering several districts repeats --district, the lead district first
(--district E07000170 --district E07000174). Idempotent: run again with the same
details, it changes nothing and says so. The districts' postcodes come from the
shipped files unless --postcodes (and the other files) name the national ones, as
`load_geography` takes them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from inspiring.areas.loading import GeographyFileError
from inspiring.areas.management.commands.load_geography import (
    DEFAULT_CENTROIDS,
    DEFAULT_IMD,
    DEFAULT_POPULATION,
    default_postcodes,
)
from inspiring.areas.models import Area

from ...starting import (
    NEVER_COPIED,
    SITE_WIDE,
    StartRefused,
    area_name_from,
    district_codes,
    load_districts,
    postcodes_loaded,
    start_area,
)


class Command(BaseCommand):
    help = (
        "Start a new area (a local programme) from an existing one: its playbook stages "
        "and tasks and its barrier table are copied and a draft community survey made; "
        f"never its {NEVER_COPIED}. Then load its districts' postcodes. Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        data = Path(settings.GEOGRAPHY_DATA_DIR)
        parser.add_argument(
            "--name",
            required=True,
            help=(
                "The programme's name, for example \"Inspiring Gedling\". The area's own "
                'name is this without a leading "Inspiring " ("Gedling") unless '
                "--area-name gives it"
            ),
        )
        parser.add_argument("--area-name", help="The area's name, for example Gedling")
        parser.add_argument(
            "--programme-name",
            help="The programme's name, if --name is to be the area's name instead",
        )
        parser.add_argument(
            "--slug", required=True, help="The web address of its public pages: /<slug>/"
        )
        parser.add_argument(
            "--district",
            required=True,
            action="append",
            metavar="GSS_CODE",
            help=(
                "The local authority district's GSS code, for example E07000173 (Gedling). "
                "Repeat it for a programme covering several districts, the lead one first"
            ),
        )
        parser.add_argument(
            "--from",
            dest="source",
            required=True,
            metavar="SLUG",
            help="The web address (slug) of the area to start from, for example ashfield",
        )
        parser.add_argument(
            "--lead-organisation",
            help=(
                'The organisation that coordinates it. Default: "<area name> Council for '
                'Voluntary Service"'
            ),
        )
        parser.add_argument(
            "--postcodes",
            type=Path,
            action="append",
            help=(
                "ONS Postcode Directory CSV (or an extract with its columns) to take the "
                "districts' postcodes from; repeat for several. Default: the shipped files"
            ),
        )
        parser.add_argument(
            "--centroids",
            type=Path,
            default=data / DEFAULT_CENTROIDS,
            help="LSOA 2011 population-weighted centroids CSV. Default: the shipped file",
        )
        parser.add_argument(
            "--imd",
            type=Path,
            default=data / DEFAULT_IMD,
            help="English Indices of Deprivation 2019, File 1. Default: the shipped file",
        )
        parser.add_argument(
            "--population",
            type=Path,
            help="Indices of Deprivation 2019, File 6. Default: the shipped file, when there",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["programme_name"]:
            programme_name = options["programme_name"]
            name = options["area_name"] or options["name"]
        else:
            programme_name = options["name"]
            name = options["area_name"] or area_name_from(programme_name)
        source = Area.objects.filter(slug=options["source"].strip().lower()).first()
        if source is None:
            known = ", ".join(Area.objects.order_by("slug").values_list("slug", flat=True))
            raise CommandError(
                f"No area has the web address /{options['source']}/ to start from "
                f"(there are: {known or 'none'})."
            )
        lead = options["lead_organisation"] or f"{name} Council for Voluntary Service"
        try:
            started = start_area(
                name=name,
                programme_name=programme_name,
                slug=options["slug"],
                districts=district_codes(options["district"]),
                lead_organisation=lead,
                source=source,
                by=None,
            )
        except StartRefused as refused:
            raise CommandError(f"Nothing was started: {refused}") from refused

        area = started.area
        if started.created:
            self.stdout.write(self.style.SUCCESS(started.message))
        else:
            self.stdout.write(started.message)
        population = options["population"]
        if population is None:
            shipped = Path(settings.GEOGRAPHY_DATA_DIR) / DEFAULT_POPULATION
            population = shipped if shipped.is_file() else None
        try:
            report = load_districts(
                area.district_codes(),
                postcodes=options["postcodes"] or default_postcodes(),
                centroids=options["centroids"],
                imd=options["imd"],
                population=population,
            )
        except GeographyFileError as exc:
            raise CommandError(
                f"{area.programme_name} is started, but its geography was not loaded: {exc}. "
                "Run the command again with the files."
            ) from exc
        if report.already_loaded:
            geography = "already loaded from these files"
        else:
            geography = (
                f"{report.postcodes.created:,} postcodes added, "
                f"{report.postcodes.updated:,} updated, {report.postcodes.unchanged:,} unchanged"
            )
        codes = area.district_codes()
        loaded = ", ".join(codes)
        count = postcodes_loaded(codes)
        self.stdout.write(
            f"Geography of {loaded}: {geography}; {count:,} postcodes of "
            f"{'its districts' if len(codes) > 1 else 'the district'} loaded."
        )
        missing = [code for code in codes if not postcodes_loaded([code])]
        if count and missing:
            self.stdout.write(
                self.style.WARNING(
                    f"No postcodes of {', '.join(missing)} are in these files: residents "
                    "there cannot find the programme by postcode until they are loaded."
                )
            )
        if count == 0:
            self.stdout.write(
                self.style.WARNING(
                    f"No postcodes of {loaded} are in these files: residents cannot find "
                    f"/{area.slug}/ by postcode until they are loaded (give --postcodes the "
                    "ONS Postcode Directory; see the README, Loading another region)."
                )
            )
        if started.created:
            self.stdout.write(
                f"Copied from {source.name}: {started.stages} playbook stages with "
                f"{started.tasks} tasks; {started.barrier_rules} barrier table rows"
                + (" (it uses the default table)" if not started.barrier_rules else "")
                + "; a draft community survey from the template, ready to open."
            )
            self.stdout.write(
                "Already shared by every area, so not copied: "
                + "; ".join(s[0].lower() + s[1:] for s in SITE_WIDE)
                + "."
            )
            self.stdout.write(f"Never copied: {NEVER_COPIED}.")
            self.stdout.write(
                f"Next: invite {area.name}'s first coordinator from the area's team page."
            )
