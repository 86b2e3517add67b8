"""Import one calendar feed by hand, or preview what it would produce.

    python manage.py import_feed SOURCE [--organisation ID]
    python manage.py import_feed --dry-run --json --from 2026-12-01 --to 2026-12-31 SOURCE

SOURCE is a URL or a file. A URL that is already linked to an organisation is
imported into it (as the scheduled job does); anything else needs
--organisation (the organisation's public id). --dry-run stores nothing and,
with --json, prints every session the feed would produce in the window as a
JSON list of {"uid", "title", "start", "end", "status"} (ISO 8601 with offsets) on
standard output, and the events it would not list, each with the reason, on standard
error (so the JSON stays readable by a program).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.utils import timezone

from inspiring.directory.models import Organisation
from inspiring.feeds.fetch import FetchError, fetch
from inspiring.feeds.ical import FeedError
from inspiring.feeds.importing import preview_report, run_import
from inspiring.feeds.models import FeedSource


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date like 2026-12-01") from None


class Command(BaseCommand):
    help = "Import a calendar feed (URL or file), or preview it with --dry-run --json."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="An http(s) address or a file path")
        parser.add_argument("--organisation", help="Public id of the organisation to import into")
        parser.add_argument("--dry-run", action="store_true", help="Store nothing")
        parser.add_argument("--json", action="store_true", help="Print the sessions as JSON")
        parser.add_argument("--from", dest="start", type=_date, help="First date (default today)")
        parser.add_argument("--to", dest="end", type=_date, help="Last date (default +1 year)")

    def _content(self, source: str) -> bytes:
        if source.startswith(("http://", "https://")):
            try:
                return fetch(source).content
            except FetchError as problem:
                raise CommandError(str(problem)) from None
        path = Path(source)
        if not path.is_file():
            raise CommandError(f"{source}: no such file, and not an http(s) address")
        return path.read_bytes()

    def handle(self, *args: Any, **options: Any) -> None:
        source: str = options["source"]
        if options["dry_run"]:
            start = options["start"] or timezone.localdate()
            end = options["end"] or start + timedelta(days=365)
            if end < start:
                raise CommandError("--to must be on or after --from")
            # A linked address is previewed with what that feed leaves out.
            linked = FeedSource.objects.filter(url=source)
            if options["organisation"]:
                linked = linked.filter(organisation__public_id=options["organisation"])
            feed = linked.first()
            try:
                sessions, skipped = preview_report(
                    self._content(source),
                    start,
                    end,
                    exclusions=feed.exclusions() if feed is not None else None,
                )
            except FeedError as problem:
                raise CommandError(str(problem)) from None
            if options["json"]:
                self.stdout.write(json.dumps(sessions, indent=2, ensure_ascii=False))
                if skipped:
                    self.stderr.write(f"{len(skipped)} skipped")
                self._skipped(skipped, self.stderr)
            else:
                for session in sessions:
                    self.stdout.write(
                        f"{session['start']}  {session['title']}  ({session['status']})"
                    )
                self._skipped(skipped, self.stdout)
                self.stdout.write(
                    f"{len(sessions)} sessions from {start} to {end}, {len(skipped)} skipped; "
                    "nothing stored."
                )
            return
        linked = FeedSource.objects.filter(url=source).select_related("organisation__home_area")
        if options["organisation"]:
            organisation = Organisation.objects.filter(public_id=options["organisation"]).first()
            if organisation is None:
                raise CommandError(f"No organisation has the id {options['organisation']}")
            linked = linked.filter(organisation=organisation)
        feed = linked.first()
        if feed is not None:
            record = run_import(feed, force=True)
            if record.outcome == record.Outcome.FAILED:
                raise CommandError(f"Nothing was changed: {record.error}")
            self._report(
                record.created, record.updated, record.withdrawn, record.unchanged, record.skipped
            )
            return
        if not options["organisation"]:
            raise CommandError(
                "This address is not linked to an organisation: give --organisation, or link "
                "the feed on the organisation's page."
            )
        # A file (or an unlinked address) imported into an organisation: linked as a feed.
        address = source if source.startswith("http") else f"file:{Path(source).resolve()}"
        # Kept as an inactive feed: the scheduled job never fetches a file.
        feed, _ = FeedSource.objects.get_or_create(
            organisation=organisation,
            url=address,
            defaults={"active": address.startswith("http")},
        )
        record = run_import(feed, force=True, content=self._content(source))
        if record.outcome == record.Outcome.FAILED:
            raise CommandError(f"Nothing was changed: {record.error}")
        self._report(
            record.created, record.updated, record.withdrawn, record.unchanged, record.skipped
        )

    def _report(
        self,
        created: int,
        updated: int,
        withdrawn: int,
        unchanged: int,
        skipped: list[dict[str, str]],
    ) -> None:
        self.stdout.write(
            f"{created} created, {updated} updated, {withdrawn} withdrawn, {unchanged} unchanged, "
            f"{len(skipped)} skipped"
        )
        self._skipped([(entry["uid"], entry["reason"]) for entry in skipped], self.stdout)

    def _skipped(self, skipped: list[tuple[str, str]], out: OutputWrapper) -> None:
        for uid, reason in skipped:
            # Private and left-out events have no UID here, on purpose.
            which = f"{uid}: " if uid else ""
            out.write(f"  skipped {which}{reason}")
