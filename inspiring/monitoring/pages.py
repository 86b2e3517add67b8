"""What every monitoring page does alike: links to its own files, and its period list."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import urlencode

from . import periods


def query_without(request: HttpRequest, *drop: str) -> str:
    """The page's own query string without `drop` (for links to its files)."""
    return urlencode(
        [
            (key, value)
            for key in request.GET
            for value in request.GET.getlist(key)
            if key not in drop
        ]
    )


def period_options(options: list[periods.Choice], choice: periods.Choice) -> list[periods.Choice]:
    """The list to choose from, with the period shown in it even when it is not one of
    the usual ones (an older quarter, dates given in the address: its code sends the
    same dates again)."""
    if any(option.code == choice.code for option in options):
        return options
    return [choice, *options]
