"""Grants: recording them (audited, with optimistic locking) and what each bought.

A grant's cost per person supported, per connection and per attendance divides its
amount by what casework counted over the grant's period (casework.figures.supported:
the whole programme, or the partners or activities it supports). The counts go through
`tables` like every other figure; a cost over fewer than 5 is never shown, whoever
looks (one or two people make a cost per person that says nothing about value).

A grant for some partners or some activities of which none is left (each deleted
since, or none chosen) is never costed as the whole programme: it has no figures, and
its page asks for what it supports (`SUPPORTS_NOTHING`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.http import HttpRequest
from django.utils.text import slugify

from inspiring.accounts import audit
from inspiring.areas.models import Area
from inspiring.casework.figures import Supported, supported
from inspiring.directory.models import Activity, Organisation
from lib.disclosure import SMALL
from lib.tallies import Period, Spread

from . import periods, tables
from .exports import Report
from .models import Grant
from .tables import Cell, Row, Section, Table

STALE = (
    "Someone else changed this grant while you were editing it. Your changes have not "
    "been saved: what you typed is below, beside what is saved now. Check it and save "
    "again."
)
SUPPORTS_NOTHING = "This grant supports no partner or activity now: choose what it supports"
COST_NOT_SHOWN = (
    "A cost per person, connection or attendance over fewer than 5 is not shown "
    "(\N{EN DASH}): it would say little about value for money."
)


class StaleGrant(Exception):
    """Someone saved the grant since this form was opened."""


# --- Recording ------------------------------------------------------------------------


def _supported_ids(
    grant: Grant, organisations: Iterable[Organisation], activities: Iterable[Activity]
) -> tuple[list[Organisation], list[Activity]]:
    """Only what the grant's kind of support names: a grant changed from "some partners"
    to "the whole programme" forgets the partners."""
    chosen_organisations = list(organisations) if grant.supports == Grant.Supports.PARTNERS else []
    chosen_activities = list(activities) if grant.supports == Grant.Supports.ACTIVITIES else []
    return chosen_organisations, chosen_activities


def do_create_grant(
    request: HttpRequest,
    grant: Grant,
    *,
    organisations: Iterable[Organisation] = (),
    activities: Iterable[Activity] = (),
) -> Grant:
    chosen_organisations, chosen_activities = _supported_ids(grant, organisations, activities)
    with transaction.atomic():
        user = request.user
        grant.created_by = user if user.is_authenticated else None
        grant.version = 1
        grant.save()
        grant.organisations.set(chosen_organisations)
        grant.activities.set(chosen_activities)
        audit.record(request, "grant.created", grant, area=grant.area)
    return grant


def do_update_grant(
    request: HttpRequest,
    grant: Grant,
    fields: Iterable[str],
    *,
    seen_version: int,
    organisations: Iterable[Organisation] = (),
    activities: Iterable[Activity] = (),
) -> Grant:
    """Save changes to a grant, unless someone else saved it since `seen_version`."""
    chosen_organisations, chosen_activities = _supported_ids(grant, organisations, activities)
    with transaction.atomic():
        current = Grant.objects.select_for_update().get(pk=grant.pk)
        if current.version != seen_version:
            raise StaleGrant(STALE)
        grant.version = current.version + 1
        grant.save()
        grant.organisations.set(chosen_organisations)
        grant.activities.set(chosen_activities)
        audit.record(
            request,
            "grant.changed",
            grant,
            area=grant.area,
            detail={"fields": sorted(set(fields) - {"version"})},
        )
    return grant


def do_delete_grant(request: HttpRequest, grant: Grant) -> None:
    with transaction.atomic():
        audit.record(
            request,
            "grant.deleted",
            grant,
            area=grant.area,
            detail={
                "funder": grant.funder,
                "reference": grant.reference,
                "amount": str(grant.amount),
                "starts": str(grant.starts_on),
                "ends": str(grant.ends_on),
            },
        )
        grant.delete()


# --- What it bought -------------------------------------------------------------------


@dataclass
class GrantFigures:
    """A grant's counts and costs as shown (`table` None: it has not started yet, or it
    supports nothing now)."""

    grant: Grant
    period: Period | None
    table: Table | None
    ongoing: bool = False
    # For some partners or activities, none of which is left: no figures, no costs.
    supports_nothing: bool = False

    @property
    def started(self) -> bool:
        return self.period is not None


def people_label(grant: Grant) -> str:
    if grant.supports == Grant.Supports.PROGRAMME:
        return "People supported"
    return "People connected to them"


def _cost(amount: Decimal, count: int) -> float | None:
    if count < SMALL:
        return None
    return float(amount) / count


def cost_table(grant: Grant, counted: Supported, *, reveal: bool) -> Table:
    rows = [
        (people_label(grant), counted.people),
        ("Connections made", counted.connections),
        ("Attendances", counted.attendances),
    ]
    table = tables.spreads(
        f"grant-{grant.public_id}",
        "What the grant supported, and the cost of each",
        "What",
        [
            (label, Spread(n=count, values={"cost": _cost(grant.amount, count)}))
            for label, count in rows
        ],
        [("cost", "Cost of each (£)")],
        reveal=reveal,
        n_heading="Number",
        places=2,
        note=COST_NOT_SHOWN if any(0 < count < SMALL for _, count in rows) else "",
    )
    # Costs of different things are not one scale to draw.
    table.chart = None
    return table


def supports_nothing(grant: Grant) -> bool:
    """For some partners or some activities, none of which is left (deleted since, or
    none chosen): costing it as the whole programme would be wrong (its partners or
    activities prefetched, or one query)."""
    if grant.supports == Grant.Supports.PARTNERS:
        return len(grant.organisations.all()) == 0
    if grant.supports == Grant.Supports.ACTIVITIES:
        return len(grant.activities.all()) == 0
    return False


def figures(grant: Grant, *, today: date, reveal: bool) -> GrantFigures:
    """What the grant supported from its start to its end (or to today, while it runs)."""
    if supports_nothing(grant):
        return GrantFigures(grant, None, None, supports_nothing=True)
    if grant.starts_on > today:
        return GrantFigures(grant, None, None)
    period = Period(grant.starts_on, min(grant.ends_on, today))
    if grant.supports == Grant.Supports.PROGRAMME:
        counted = supported(grant.area_id, period)
    else:
        counted = supported(
            grant.area_id,
            period,
            organisation_ids=[organisation.pk for organisation in grant.organisations.all()],
            activity_ids=[activity.pk for activity in grant.activities.all()],
        )
    return GrantFigures(
        grant, period, cost_table(grant, counted, reveal=reveal), ongoing=grant.ends_on > today
    )


def supports_text(grant: Grant) -> str:
    """What a grant supports, in words (its partners and activities prefetched)."""
    if grant.supports == Grant.Supports.PARTNERS:
        names = [o.name for o in grant.organisations.all()]
        return "Partners: " + (", ".join(names) or "none now")
    if grant.supports == Grant.Supports.ACTIVITIES:
        titles = [a.title for a in grant.activities.all()]
        return "Activities: " + (", ".join(titles) or "none now")
    return "The whole programme"


def grant_label(grant: Grant) -> str:
    return f"{grant.funder}: {grant.reference}" if grant.reference else grant.funder


def grant_report(row: GrantFigures, *, reveal: bool) -> Report | None:
    """One grant's figures as its page shows them, the very table (for its CSV and
    XLSX); None while it has none (not started, or it supports nothing now)."""
    if row.table is None or row.period is None:
        return None
    grant = row.grant
    label = grant_label(grant)
    so_far = " (so far: the grant runs on)" if row.ongoing else ""
    name = slugify(grant.funder)[:50] or "grant"
    return Report(
        title=f"Grant: {label}",
        covers=(
            f"{grant.area.programme_name}: {supports_text(grant)}; "
            f"{periods.describe(row.period)}{so_far}"
        ),
        sections=[Section("grant", label, [row.table])],
        slug=f"grant-{name}-{row.period.start}-to-{row.period.end}",
        revealed=reveal,
    )


LIST_COLUMNS = [
    "Amount (£)",
    "Period",
    "Supports",
    "People",
    "Cost per person (£)",
    "Connections",
    "Cost per connection (£)",
    "Attendances",
    "Cost per attendance (£)",
]
NOT_STARTED = "Not started yet"


def list_report(area: Area, rows: Sequence[GrantFigures], *, reveal: bool, today: date) -> Report:
    """The grants as one table (for the list's CSV and XLSX): each grant's amount and its
    counts and costs as its own page shows them."""
    out: list[Row] = []
    total = Decimal(0)
    for row in rows:
        grant = row.grant
        total += grant.amount
        cells = [
            Cell.number(float(grant.amount), 2),
            Cell(periods.describe(Period(grant.starts_on, grant.ends_on))),
            Cell(supports_text(grant)),
        ]
        if row.supports_nothing:
            cells += [Cell(SUPPORTS_NOTHING)] + [Cell.blank()] * 5
        elif row.table is None:
            cells += [Cell(NOT_STARTED)] + [Cell.blank()] * 5
        else:
            for counted in row.table.rows:
                cells += counted.cells
        out.append(Row(grant_label(grant), cells))
    out.append(
        Row(
            "Total",
            [Cell.number(float(total), 2), *([Cell.blank()] * (len(LIST_COLUMNS) - 1))],
            is_total=True,
        )
    )
    table = Table(
        key="grants",
        title="Grants",
        row_heading="Funder",
        columns=LIST_COLUMNS,
        rows=out,
        chart=None,
        note=(
            "People, connections and attendances over each grant's period, to today while "
            "it runs. " + COST_NOT_SHOWN
        ),
    )
    table.has_hidden = any(cell.hidden for row in out for cell in row.cells)
    return Report(
        title=f"Funding: {area.programme_name}",
        covers=f"{area.programme_name}: grants recorded on {today:%-d %B %Y}",
        sections=[Section("grants", "Grants", [table])],
        slug=f"grants-{area.slug}-{today}",
        revealed=reveal,
    )
