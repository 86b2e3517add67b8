"""Import another directory's Open Referral UK services into an area.

    python manage.py import_openreferral https://example.org/api/openreferral --area ashfield
    python manage.py import_openreferral services.json --area ashfield

SOURCE is an ORUK API address (its /services are read page by page, and each
service in full) or a JSON file (a page, a list of services or one service).
Services are upserted by id; the report lists what was skipped and why.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from inspiring.accounts import audit
from inspiring.areas.models import Area
from inspiring.opendata.oruk_import import OrukSourceError, read_api, read_file, store


class Command(BaseCommand):
    help = "Import Open Referral UK services (an API address or a JSON file) into an area."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="An ORUK API address, or a JSON file")
        parser.add_argument("--area", required=True, help="The area's web address name (slug)")

    def handle(self, *args: Any, **options: Any) -> None:
        area = Area.objects.filter(slug=options["area"]).first()
        if area is None:
            raise CommandError(f"There is no area called {options['area']!r}")
        source: str = options["source"]
        try:
            if source.startswith(("http://", "https://")):
                services = read_api(source)
            else:
                path = Path(source)
                if not path.is_file():
                    raise CommandError(f"{source}: no such file, and not an http(s) address")
                services = read_file(path.read_bytes())
        except OrukSourceError as problem:
            raise CommandError(str(problem)) from None
        report = store(services, area)
        audit.record(
            None,
            "openreferral.imported",
            area,
            area=area,
            detail={
                "source": source[:300],
                "created": report.created,
                "updated": report.updated,
                "withdrawn": report.withdrawn,
                "skipped": len(report.skipped),
            },
        )
        for label, reason in report.skipped:
            self.stdout.write(f"Skipped {label}: {reason}")
        self.stdout.write(
            f"{len(services)} services read: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.withdrawn} withdrawn, "
            f"{len(report.skipped)} skipped."
        )
