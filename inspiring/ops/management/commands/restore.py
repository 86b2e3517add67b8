"""`manage.py restore FILE --database-url URL`: a backup into an empty database.

The target must be empty (PostgreSQL: a database just made by createdb) or not
exist yet (SQLite: a new file); anything else is refused and left as it was.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from inspiring.ops.backups import BackupError, backup_engine, restore, sha256


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup` into an EMPTY database: postgres://… (made "
        "with createdb) or sqlite:////path/to/new.sqlite3 (a file that does not exist). "
        "The URL may come from RESTORE_DATABASE_URL instead, to keep a password off the "
        "command line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The backup file.")
        parser.add_argument(
            "--database-url",
            default=os.environ.get("RESTORE_DATABASE_URL", ""),
            help="The empty database to restore into (default: $RESTORE_DATABASE_URL).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        url: str = options["database_url"]
        if not url:
            raise CommandError("Say where to restore: --database-url URL or RESTORE_DATABASE_URL")
        try:
            engine = backup_engine(options["file"])
            counts = restore(options["file"], url)
        except BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(count or 0 for count in counts.values())
        missing = [label for label, count in counts.items() if count is None]
        self.stdout.write(
            f"Restored the {engine} backup {options['file']} "
            f"(SHA-256 {sha256(options['file'])}): {rows:,} rows in "
            f"{len(counts) - len(missing)} tables."
        )
        if missing:
            self.stdout.write(
                f"{len(missing)} tables of this version's models are not in the backup "
                f"(an older version's?): run migrate there. First: {missing[0]}"
            )
        if options["verbosity"] > 1:
            for label, count in counts.items():
                self.stdout.write(f"  {label}: {count if count is not None else 'no table'}")
