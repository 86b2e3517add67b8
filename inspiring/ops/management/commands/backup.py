"""`manage.py backup FILE`: a backup of the site's database (README "Backups and restore").

PostgreSQL: a pg_dump custom-format archive. SQLite: a copy by SQLite's online
backup API, safe while the site runs. Prints the size, the row counts and the
file's SHA-256 (keep it with the backup: `restore` can be checked against it).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from inspiring.ops.backups import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database to FILE (a new file; it holds patients' data: keep it "
        "encrypted, off this machine). Prints its size, row counts and SHA-256."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The backup file to write (must not exist yet).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = backup(options["file"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(count or 0 for count in result.counts.values())
        self.stdout.write(
            f"Backed up the {result.engine} database to {result.path}: "
            f"{result.size:,} bytes, {rows:,} rows in {len(result.counts)} tables."
        )
        if options["verbosity"] > 1:
            for label, count in result.counts.items():
                self.stdout.write(f"  {label}: {count if count is not None else 'no table'}")
        self.stdout.write(f"SHA-256 {result.sha256}  {result.path.name}")
