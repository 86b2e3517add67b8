"""The community survey's named aggregates for monitoring: what residents would like.

People's answers: monitoring suppresses small counts. Synthetic (demo) responses are
counted with real ones only where the survey summary does; the tally says how many
were synthetic so the page can say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lib.tallies import Tally


@dataclass(frozen=True)
class Wishes:
    survey_title: str
    synthetic: int  # of the responses counted, how many are made-up demo data
    # Not exclusive: directory category slug (or the survey category's own code when it
    # has none) -> responses that would like to do it; total = responses.
    want: Tally


def wishes(area_ids: Sequence[int]) -> list[Wishes]:
    """For each area's most recent survey that residents have answered (open or closed)."""
    raise NotImplementedError
