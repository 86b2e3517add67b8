"""`manage.py backup_check --database-url URL`: the restore drill's count comparison.

Compares the rows of every model in the site's database with those in another (a
restored backup). Exit 0 when every count is equal, 1 naming the differences.
On a site in use, compare soon after the backup, or with the counts `backup`
printed (`backup -v 2`).
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from inspiring.ops.backups import BackupError, compare_counts, counts_at, current_counts


class Command(BaseCommand):
    help = (
        "Compare the row counts of every model here with those in the database at "
        "--database-url (default $RESTORE_DATABASE_URL), a restored backup."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--database-url",
            default=os.environ.get("RESTORE_DATABASE_URL", ""),
            help="The restored database (default: $RESTORE_DATABASE_URL).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        url: str = options["database_url"]
        if not url:
            raise CommandError("Say what to compare with: --database-url URL")
        try:
            here = current_counts()
            there = counts_at(url)
        except BackupError as error:
            raise CommandError(str(error)) from None
        differences = compare_counts(here, there)
        if differences:
            shown = "; ".join(
                f"{label} {_n(a)} here, {_n(b)} there" for label, a, b in differences[:5]
            )
            more = f" and {len(differences) - 5} more" if len(differences) > 5 else ""
            raise CommandError(f"{len(differences)} of {len(here)} tables differ: {shown}{more}")
        rows = sum(count or 0 for count in here.values())
        self.stdout.write(f"The same: {rows:,} rows in {len(here)} tables, every count equal.")


def _n(count: int | None) -> str:
    return "no table" if count is None else f"{count:,}"
