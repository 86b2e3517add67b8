"""The periods monitoring reports on: financial quarters and years (April to March, as
the NHS and councils report), the last 12 months, or any dates given in the address.

A period is chosen by a short code in the address (`?period=2026-q1`, `?period=fy2026`,
`?period=last-12-months`, `?from=2026-04-01&to=2026-06-30` or, as the period list
offers dates once chosen, `?period=2026-04-01..2026-06-30`), so a page's address,
its downloads and a bookmark all say the same thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from lib.tallies import Period

LAST_12_MONTHS = "last-12-months"
_QUARTER = re.compile(r"^(\d{4})-q([1-4])$")
_YEAR = re.compile(r"^fy(\d{4})$")
# Any dates, as the period list offers them once chosen: "2026-01-05..2026-02-01".
_DATES = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
# No period starts before this or ends after 10 years from now: anything else is a typo.
EARLIEST = date(2000, 1, 1)


@dataclass(frozen=True)
class Choice:
    code: str
    label: str
    period: Period
    # What it is compared with: the quarter or year before, else as long just before.
    before: Period | None = None

    @property
    def previous(self) -> Period:
        return self.before or self.period.previous()


def quarter(year: int, number: int) -> Period:
    """Financial quarter `number` (1 = April to June) of the year starting in April `year`."""
    month = 4 + 3 * (number - 1)
    start_year = year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    start = date(start_year, month, 1)
    end_month = month + 3
    end = date(start_year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1) - timedelta(days=1)
    return Period(start, end)


def financial_year(year: int) -> Period:
    return Period(date(year, 4, 1), date(year + 1, 3, 31))


def quarter_of(day: date) -> tuple[int, int]:
    """(financial year, quarter number) of `day`."""
    year = day.year if day.month >= 4 else day.year - 1
    return year, (day.month - 4) % 12 // 3 + 1


def describe(period: Period) -> str:
    """ "1 April to 30 June 2026"; "1 January 2026 to 31 March 2027" across years."""
    if period.start.year == period.end.year:
        return f"{period.start:%-d %B} to {period.end:%-d %B %Y}"
    return f"{period.start:%-d %B %Y} to {period.end:%-d %B %Y}"


def quarter_label(year: int, number: int) -> str:
    period = quarter(year, number)
    return f"Q{number} {year}/{str(year + 1)[2:]}: {period.start:%B} to {period.end:%B %Y}"


def choices(today: date, *, quarters: int = 8) -> list[Choice]:
    """The quarters so far (this one first), the last 12 months, and the financial years."""
    out: list[Choice] = []
    year, number = quarter_of(today)
    for _ in range(quarters):
        out.append(_quarter_choice(year, number))
        number -= 1
        if number == 0:
            year, number = year - 1, 4
    out.append(
        Choice(
            LAST_12_MONTHS,
            "The last 12 months",
            Period(today - timedelta(days=364), today),
        )
    )
    this_year, _ = quarter_of(today)
    for fy in (this_year, this_year - 1):
        out.append(_year_choice(fy))
    return out


def previous_quarters(today: date, count: int) -> list[tuple[str, Period]]:
    """The last `count` whole-or-current quarters, oldest first, with short labels
    ("Q1 26/27"), for trend lines."""
    year, number = quarter_of(today)
    out: list[tuple[str, Period]] = []
    for _ in range(count):
        out.append((f"Q{number} {str(year)[2:]}/{str(year + 1)[2:]}", quarter(year, number)))
        number -= 1
        if number == 0:
            year, number = year - 1, 4
    return list(reversed(out))


def _quarter_choice(year: int, number: int) -> Choice:
    before = (year, number - 1) if number > 1 else (year - 1, 4)
    return Choice(
        f"{year}-q{number}", quarter_label(year, number), quarter(year, number), quarter(*before)
    )


def _year_choice(year: int) -> Choice:
    label = f"Financial year {year}/{str(year + 1)[2:]}"
    return Choice(f"fy{year}", label, financial_year(year), financial_year(year - 1))


class PeriodError(ValueError):
    pass


def parse(params: dict[str, str], today: date, *, default: str | None = None) -> Choice:
    """The period an address asks for, or PeriodError with a message for the person.
    Nothing asked: the current quarter (or `default`)."""
    start, end = params.get("from", "").strip(), params.get("to", "").strip()
    if match := _DATES.match(params.get("period", "").strip()):
        start, end = match[1], match[2]
    if start or end:
        try:
            first, last = date.fromisoformat(start), date.fromisoformat(end)
        except ValueError as error:
            raise PeriodError(
                "Give the period's first and last days as dates, like 2026-04-01"
            ) from error
        if last < first:
            raise PeriodError("The period must end on or after the day it starts")
        if first < EARLIEST or last > today + timedelta(days=3653):
            raise PeriodError(f"Choose a period between {EARLIEST.year} and 10 years from now")
        period = Period(first, last)
        return Choice(f"{first}..{last}", describe(period), period)
    code = params.get("period", "").strip() or default
    available = {choice.code: choice for choice in choices(today)}
    if not code:
        return next(iter(available.values()))
    if code in available:
        return available[code]
    if match := _QUARTER.match(code):
        year, number = int(match[1]), int(match[2])
        if year >= EARLIEST.year and year <= today.year + 10:
            return _quarter_choice(year, number)
    if match := _YEAR.match(code):
        year = int(match[1])
        if year >= EARLIEST.year and year <= today.year + 10:
            return _year_choice(year)
    raise PeriodError("There is no such period: choose one from the list")


# The kinds of period a page may offer. Figures with small numbers hidden are given for
# periods that never overlap and have ended (`Policy.hidden`): with a quarter and a
# year, or two rolling 12 months, side by side, a hidden count could be worked out from
# the difference; so could two downloads of a quarter still in progress, a week apart.
QUARTER, YEAR, ROLLING, DATES = "quarter", "year", "rolling", "dates"
ALL_KINDS = (QUARTER, YEAR, ROLLING, DATES)


def kind_of(choice: Choice) -> str:
    if _QUARTER.match(choice.code):
        return QUARTER
    if _YEAR.match(choice.code):
        return YEAR
    if choice.code == LAST_12_MONTHS:
        return ROLLING
    return DATES


def last_complete_quarter(today: date) -> str:
    """The code of the quarter before today's ("2026-q1" on 1 July 2026)."""
    year, number = quarter_of(today)
    year, number = (year, number - 1) if number > 1 else (year - 1, 4)
    return f"{year}-q{number}"


def last_complete_year(today: date) -> str:
    year, _ = quarter_of(today)
    return f"fy{year - 1}"


@dataclass(frozen=True)
class Policy:
    """Which periods a page offers: `kinds`, and whether only ended ones."""

    kinds: tuple[str, ...] = ALL_KINDS
    ended_only: bool = False

    @classmethod
    def hidden(cls, kind: str = QUARTER) -> Policy:
        """For anyone who sees small numbers hidden: whole quarters (or years) that
        have ended."""
        return cls((kind,), ended_only=True)

    def default(self, today: date) -> str | None:
        if not self.ended_only:
            return None
        return last_complete_year(today) if self.kinds == (YEAR,) else last_complete_quarter(today)

    def offers(self, choice: Choice, today: date) -> bool:
        return kind_of(choice) in self.kinds and not (
            self.ended_only and choice.period.end >= today
        )

    def choices(self, today: date) -> list[Choice]:
        found = [choice for choice in choices(today) if self.offers(choice, today)]
        default = self.default(today)
        if default and not any(choice.code == default for choice in found):
            found.insert(0, parse({"period": default}, today))
        return found

    def choose(self, params: dict[str, str], today: date) -> Choice:
        """The period asked for, or PeriodError saying why it is not offered."""
        choice = parse(params, today, default=self.default(today))
        if kind_of(choice) not in self.kinds:
            what = "quarters" if self.kinds == (QUARTER,) else "years"
            raise PeriodError(
                f"With counts under 5 hidden, figures are given for whole financial {what} "
                "only: periods that overlap would let a hidden count be worked out from the "
                "difference"
            )
        if self.ended_only and choice.period.end >= today:
            raise PeriodError(
                "With counts under 5 hidden, figures are given once the period has ended: "
                "figures still coming in would let a hidden count be worked out from two "
                "downloads"
            )
        return choice

    def fallback(self, today: date) -> Choice:
        return parse({}, today, default=self.default(today))
