"""Load GP practices, their primary care networks and list sizes from the NHS's files.

    python manage.py load_gp_practices epraccur.csv \\
        --pcns ePCN_core_partner_details.csv --list-sizes gp-reg-pat-prac-all.csv

Run load_geography first: a practice is on an area's list through its postcode's
district. Running it again with the same files changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from inspiring.areas.practices import PracticeFileError, PracticeLoadReport, load_gp_practices


class Command(BaseCommand):
    help = (
        "Load GP practices from the NHS ODS epraccur file, with their PCNs (ePCN) and "
        "list sizes (Patients Registered at a GP Practice) when given (idempotent)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "epraccur",
            type=Path,
            help="The ODS epraccur file (.csv, or the .zip it is published in)",
        )
        parser.add_argument(
            "--pcns",
            type=Path,
            help="The ODS ePCN 'PCN Core Partner Details', saved as CSV",
        )
        parser.add_argument(
            "--list-sizes",
            type=Path,
            help="NHS Digital's Patients Registered at a GP Practice, all practices CSV",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = load_gp_practices(
                epraccur=options["epraccur"],
                pcns=options["pcns"],
                list_sizes=options["list_sizes"],
            )
        except PracticeFileError as exc:
            raise CommandError(f"Nothing was loaded: {exc}") from exc
        for line in summary(report):
            self.stdout.write(line)
        if report.changed:
            self.stdout.write(self.style.SUCCESS("GP practices loaded."))
        else:
            self.stdout.write(self.style.SUCCESS("GP practices: nothing changed."))


def _practices(count: int) -> str:
    return f"{count:,} practice{'' if count == 1 else 's'}"


def summary(report: PracticeLoadReport) -> list[str]:
    """What a run did, in lines for the person running it."""
    lines = [
        f"GP practices: {report.created:,} created, {report.updated:,} updated, "
        f"{report.unchanged:,} unchanged"
    ]
    skipped = sum(report.not_practices.values())
    if skipped:
        settings = ", ".join(
            f"{count:,} of setting {setting}"
            for setting, count in sorted(report.not_practices.items())
        )
        lines.append(
            f"Skipped {skipped:,} row{'' if skipped == 1 else 's'} that are not GP practices "
            f"(prescribing setting other than 4: {settings})"
        )
    if report.outside_geography:
        examples = ", ".join(report.outside_geography[:5])
        more = ", …" if len(report.outside_geography) > 5 else ""
        lines.append(
            f"{_practices(len(report.outside_geography))} with a postcode outside the loaded "
            f"postcodes, so on no area's list ({examples}{more})"
        )
    if report.with_pcn is not None:
        lines.append(
            f"Primary care networks: {_practices(report.with_pcn)} in one; "
            f"{_practices(report.pcn_rows_unknown_practice)} in the file not in epraccur"
        )
    if report.with_list_size is not None:
        on = f" as at {report.list_size_on:%-d %B %Y}" if report.list_size_on else ""
        lines.append(
            f"List sizes{on}: {_practices(report.with_list_size)}; "
            f"{_practices(report.list_size_rows_unknown_practice)} in the file not in epraccur"
        )
    return lines
