"""monitoring.periods: financial quarters and years, and what an address may ask for."""

from __future__ import annotations

from datetime import date

import pytest

from inspiring.monitoring import periods
from lib.tallies import Period

TODAY = date(2026, 12, 6)


def test_financial_quarters_run_april_to_march() -> None:
    assert periods.quarter(2026, 1) == Period(date(2026, 4, 1), date(2026, 6, 30))
    assert periods.quarter(2026, 3) == Period(date(2026, 10, 1), date(2026, 12, 31))
    assert periods.quarter(2026, 4) == Period(date(2027, 1, 1), date(2027, 3, 31))
    assert periods.quarter_of(date(2027, 2, 1)) == (2026, 4)
    assert periods.quarter_of(date(2026, 4, 1)) == (2026, 1)


def test_a_quarter_is_compared_with_the_quarter_before_and_dates_with_as_many_days() -> None:
    assert periods.parse({"period": "2026-q1"}, TODAY).previous == periods.quarter(2025, 4)
    assert periods.parse({"period": "fy2026"}, TODAY).previous == periods.financial_year(2025)
    dates = periods.parse({"from": "2026-01-11", "to": "2026-01-20"}, TODAY)
    assert dates.previous == Period(date(2026, 1, 1), date(2026, 1, 10))


def test_nothing_asked_is_the_current_quarter() -> None:
    choice = periods.parse({}, TODAY)
    assert choice.code == "2026-q3"
    assert choice.period == Period(date(2026, 10, 1), date(2026, 12, 31))


@pytest.mark.parametrize(
    ("params", "start", "end"),
    [
        ({"period": "2025-q4"}, date(2026, 1, 1), date(2026, 3, 31)),
        ({"period": "fy2025"}, date(2025, 4, 1), date(2026, 3, 31)),
        ({"period": "2019-q1"}, date(2019, 4, 1), date(2019, 6, 30)),
        ({"period": "last-12-months"}, date(2025, 12, 7), TODAY),
        ({"from": "2026-01-05", "to": "2026-02-01"}, date(2026, 1, 5), date(2026, 2, 1)),
        ({"period": "2026-01-05..2026-02-01"}, date(2026, 1, 5), date(2026, 2, 1)),
    ],
)
def test_periods_in_the_address(params: dict[str, str], start: date, end: date) -> None:
    assert periods.parse(params, TODAY).period == Period(start, end)


@pytest.mark.parametrize(
    "params",
    [
        {"period": "2026-q5"},
        {"period": "nonsense"},
        {"period": "1066-q1"},
        {"from": "2026-02-01", "to": "2026-01-01"},
        {"from": "2026-02-30", "to": "2026-03-01"},
        {"from": "2026-01-01"},
        {"from": "9999-01-01", "to": "9999-02-01"},
        {"period": "2026-02-01..2026-01-01"},
    ],
)
def test_a_period_that_cannot_be_is_refused_in_words(params: dict[str, str]) -> None:
    with pytest.raises(periods.PeriodError):
        periods.parse(params, TODAY)


def test_trend_quarters_are_oldest_first() -> None:
    labels = [label for label, _ in periods.previous_quarters(TODAY, 3)]
    assert labels == ["Q1 26/27", "Q2 26/27", "Q3 26/27"]


def test_dates_chosen_come_back_as_a_choice_the_list_can_send_again() -> None:
    choice = periods.parse({"from": "2026-01-05", "to": "2026-02-01"}, TODAY)
    assert periods.parse({"period": choice.code}, TODAY) == choice
