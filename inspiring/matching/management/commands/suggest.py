"""Print what the link worker sees for a client: for support staff checking a suggestion.

    python manage.py suggest CLIENT_PUBLIC_ID [--json]

Reads a client's record, so it is written to the audit log (as the command line).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from inspiring.accounts import audit
from inspiring.casework.models import Client
from inspiring.matching.service import as_json, suggestions_for


class Command(BaseCommand):
    help = "Suggest activities for a client (their public id), with reasons."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("client", help="The client's public id")
        parser.add_argument("--json", action="store_true", help="Print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            public_id = uuid.UUID(options["client"])
        except ValueError:
            raise CommandError(f"{options['client']!r} is not a client id (a UUID)") from None
        client = (
            Client.objects.filter(public_id=public_id, erased_at__isnull=True)
            .select_related("area")
            .first()
        )
        if client is None:
            raise CommandError(f"No client has the id {public_id}")
        audit.record(None, "suggestions.viewed", client, area=client.area, detail={"via": "cli"})
        result = as_json(suggestions_for(client))
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))
            return
        for note in result["notes"]:
            self.stdout.write(f"Note: {note}")
        for n, item in enumerate(result["suggestions"], start=1):
            self.stdout.write(
                f"{n:2}. {item['title']} ({item['score']}): {'; '.join(item['reasons'])}"
            )
            self.stdout.write(f"    {self.about(item)}")
            if item["misfits"]:
                self.stdout.write(f"    did not fit: {'; '.join(item['misfits'])}")
        if not result["suggestions"]:
            self.stdout.write("No activity fits every limit.")
        for item in result["near_misses"]:
            self.stdout.write(f"Near miss: {item['title']}: {item['missed']}")
            self.stdout.write(f"    {self.about(item)}")

    @staticmethod
    def about(item: dict[str, Any]) -> str:
        """Who runs it, where, and when it meets: "Kirkby Singers, Kirkby Methodist Hall,
        Kirkby-in-Ashfield; Every Thursday, 14:00 to 15:00"."""
        return "; ".join([f"{item['organiser']}, {item['place']}", *item["when"]])
