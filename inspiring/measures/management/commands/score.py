"""Score answers with any instrument, from outside: so anyone can check a scoring rule.

    python manage.py score CODE [--version V] --json < answers.json
    python manage.py score CODE --items [--json]

Answers are a JSON object {"item_id": value, ...} on standard input; the item ids are
the instrument's own (`--items` lists them in the order they are asked). Works for
every instrument, switched on or not: scoring administers nothing. Bad answers are
listed in "problems"; input that is not a JSON object stops with status 2.
"""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from inspiring.measures import library
from inspiring.measures.instruments.base import Instrument, Result, items_json, score

BAD_INPUT = 2


class Command(BaseCommand):
    help = "Score answers (a JSON object on standard input) with an instrument."
    # call_command(..., stdin=StringIO(...)) in tests, as stdout= is.
    stealth_options = ("stdin",)

    def add_base_argument(self, parser: CommandParser, *args: Any, **kwargs: Any) -> None:
        # Django's own --version (the Django release) would take the name this command
        # needs for an instrument's version.
        if "--version" in args:
            return
        super().add_base_argument(parser, *args, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="The instrument's code, such as ons4")
        parser.add_argument(
            "--version", dest="instrument_version", help="A custom instrument's past version"
        )
        parser.add_argument("--json", action="store_true", help="Print JSON")
        parser.add_argument(
            "--items", action="store_true", help="List the items and their answers instead"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        code: str = options["code"]
        version: str | None = options["instrument_version"]
        instrument = library.get(code, version)
        if instrument is None:
            known = ", ".join(library.known_codes())
            if version is not None and library.get(code) is not None:
                raise CommandError(f"{code} has no version {version}", returncode=BAD_INPUT)
            raise CommandError(
                f"No instrument has the code {code!r}. Known codes: {known}",
                returncode=BAD_INPUT,
            )
        if options["items"]:
            self._items(instrument, as_json=options["json"])
            return
        stdin: TextIO = options.get("stdin") or sys.stdin
        answers = _read_answers(stdin)
        result = score(instrument, answers)
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
        else:
            self._readable(instrument, result)

    def _items(self, instrument: Instrument, *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(items_json(instrument), ensure_ascii=False))
            return
        self.stdout.write(f"{instrument.title} ({instrument.code}, version {instrument.version})")
        if instrument.introduction:
            self.stdout.write(instrument.introduction)
        for item in instrument.items:
            reverse = " (reverse keyed)" if item.reverse else ""
            self.stdout.write(f"\n{item.id}: {item.text}{reverse}")
            for option in item.options:
                self.stdout.write(f"  {option.value} = {option.label}")
        self._notices(instrument)

    def _readable(self, instrument: Instrument, result: Result) -> None:
        state = "complete" if result.complete else "incomplete"
        self.stdout.write(
            f"{instrument.title} ({instrument.code}, version {instrument.version}): {state}"
        )
        for scale in instrument.scales:
            value = result.scores[scale.name]
            band = result.bands[scale.name]
            shown = "no score" if value is None else f"{value:g}"
            kind = f" ({scale.bands_kind.value} band)" if band and scale.bands else ""
            self.stdout.write(f"  {scale.label}: {shown}{f', {band}' if band else ''}{kind}")
        if result.problems:
            self.stdout.write("Problems:")
            for problem in result.problems:
                self.stdout.write(f"  - {problem}")
        self._notices(instrument)

    def _notices(self, instrument: Instrument) -> None:
        if instrument.copyright_notice:
            self.stdout.write(f"\n{instrument.copyright_notice}")
        if instrument.template_note:
            self.stdout.write(f"\nTemplate: {instrument.template_note}")


def _read_answers(stdin: TextIO) -> dict[str, Any]:
    text = stdin.read()
    try:
        answers = json.loads(text)
    except json.JSONDecodeError as error:
        raise CommandError(
            f"The answers are not valid JSON ({error.msg}, line {error.lineno} column "
            f'{error.colno}): give an object such as {{"item_id": 3}}',
            returncode=BAD_INPUT,
        ) from None
    except (ValueError, RecursionError):
        # A number with thousands of digits (ValueError, not JSONDecodeError) or arrays
        # nested thousands deep: refused like any other bad file, never a traceback.
        raise CommandError(
            'The answers could not be read: give an object such as {"item_id": 3}',
            returncode=BAD_INPUT,
        ) from None
    if not isinstance(answers, dict):
        raise CommandError(
            f'The answers must be a JSON object such as {{"item_id": 3}}, not '
            f"{type(answers).__name__}",
            returncode=BAD_INPUT,
        )
    return answers
