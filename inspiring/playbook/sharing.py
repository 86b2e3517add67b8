"""Sharing across areas: what neighbouring areas offer that an area's own calendar
lacks, and proposals to share (propose, accept or decline, withdraw).

The figures (plain functions, tested on a small made-up directory):

- An area's *offer*: the categories of its own published activities (home area, not
  hidden as unconfirmed, not paused) with sessions going ahead in the next 8 weeks
  (`WEEKS`), and on which days of the week (`offer`).
- An area's *centre*: where its residents live, on average: the population-weighted
  mean of its district's LSOA population-weighted centroids (`centre`). Distances
  between areas are between these centres, in miles as the crow flies (`miles`).
- For each other area, nearest first (`neighbours`): the categories it offers that
  this area's own calendar has none of, and the days of the week it offers a
  category this area has on no such day. An area already sharing with this one
  (its `shares_with` holds this area: its activities are in this area's calendar
  already) is marked.

Activities are never copied: accepting a proposal adds the asking area to the offering
area's `shares_with`, so the asking area's residents see the offering area's
activities in What's on.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from inspiring.accounts import audit
from inspiring.areas.models import LSOA, Area
from inspiring.directory.models import Activity, Category, Session
from lib.actions import ActionRefused
from lib.geo import miles_between

from .models import ShareProposal

WEEKS = 8
DAY_NAMES = tuple(calendar.day_name)  # Monday first, as Session.weekday counts

# What an area offers: category slug -> the weekdays (0 = Monday) it has sessions.
Offer = dict[str, set[int]]


# --- The figures ----------------------------------------------------------------------


@dataclass(frozen=True)
class Centre:
    latitude: float
    longitude: float
    residents: int  # the population the centre is weighted by (0: unweighted)


def centres(areas: list[Area]) -> dict[int, Centre | None]:
    """Each area's residents' centre over all its districts (None: no LSOA of them is
    loaded). LSOAs without a population count equally, only when none of the area's
    has one."""
    codes = {area.pk: area.district_codes() for area in areas}
    rows: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
    wanted = {code for area_codes in codes.values() for code in area_codes}
    for code, lat, lng, population in LSOA.objects.filter(district_code__in=wanted).values_list(
        "district_code", "latitude", "longitude", "population"
    ):
        rows[code].append((lat, lng, population or 0))
    found: dict[int, Centre | None] = {}
    for area in areas:
        points = [point for code in codes[area.pk] for point in rows.get(code, [])]
        found[area.pk] = _weighted_centre(points)
    return found


def _weighted_centre(points: list[tuple[float, float, int]]) -> Centre | None:
    if not points:
        return None
    residents = sum(weight for _, _, weight in points)
    if residents == 0:
        return Centre(
            sum(lat for lat, _, _ in points) / len(points),
            sum(lng for _, lng, _ in points) / len(points),
            0,
        )
    return Centre(
        sum(lat * weight for lat, _, weight in points) / residents,
        sum(lng * weight for _, lng, weight in points) / residents,
        residents,
    )


def centre(area: Area) -> Centre | None:
    return centres([area])[area.pk]


def miles(a: Centre | None, b: Centre | None) -> float | None:
    if a is None or b is None:
        return None
    return miles_between(a.latitude, a.longitude, b.latitude, b.longitude)


def window(today: date | None = None) -> tuple[date, date]:
    """The next WEEKS weeks: from today, up to (not including) the day 8 weeks on."""
    start = today or timezone.localdate()
    return start, start + timedelta(weeks=WEEKS)


def offers(areas: list[Area], today: date | None = None) -> dict[int, Offer]:
    """area id -> its offer over the next WEEKS weeks (one query)."""
    start, end = window(today)
    activities = Activity.objects.published().not_hidden_as_unconfirmed().running()
    rows = (
        Session.objects.going_ahead()
        .filter(
            activity__in=activities,
            activity__home_area__in=areas,
            local_date__gte=start,
            local_date__lt=end,
            activity__categories__isnull=False,
        )
        .values_list("activity__home_area_id", "activity__categories__slug", "weekday")
        .distinct()
    )
    found: dict[int, Offer] = {area.pk: {} for area in areas}
    for area_id, slug, weekday in rows:
        found[area_id].setdefault(slug, set()).add(weekday)
    return found


def offer(area: Area, today: date | None = None) -> Offer:
    return offers([area], today)[area.pk]


@dataclass(frozen=True)
class Lack:
    """A category the other area offers that this area lacks: entirely (`whole`), or on
    some days of the week (`days`, those the other has it and this area has not)."""

    category: Category
    whole: bool
    days: tuple[int, ...]

    @property
    def day_names(self) -> list[str]:
        return [DAY_NAMES[day] for day in self.days]


def lacking(here: Offer, there: Offer, categories: dict[str, Category]) -> list[Lack]:
    """What `there` offers that `here` lacks: the whole categories first, then the
    categories lacking on some days, each in the taxonomy's order."""
    out: list[Lack] = []
    for slug, category in categories.items():
        theirs = there.get(slug)
        if not theirs:
            continue
        ours = here.get(slug, set())
        days = tuple(sorted(theirs - ours))
        if days:
            out.append(Lack(category, whole=not ours, days=days))
    return sorted(out, key=lambda lack: not lack.whole)


@dataclass
class Neighbour:
    area: Area
    miles: float | None  # between the two areas' residents' centres
    shared: bool  # it shares with this area already: its activities are in our calendar
    shares_back: bool  # this area shares its activities with it
    lacks: list[Lack] = field(default_factory=list)

    @property
    def categories(self) -> list[Lack]:
        """The categories this area has none of."""
        return [lack for lack in self.lacks if lack.whole]

    @property
    def on_other_days(self) -> list[Lack]:
        """Categories this area has, but not on these days."""
        return [lack for lack in self.lacks if not lack.whole]


def neighbours(area: Area, today: date | None = None) -> list[Neighbour]:
    """Every other area, nearest first (those without a centre last, by name), with
    what it offers over the next WEEKS weeks that `area`'s own calendar lacks."""
    areas = list(Area.objects.order_by("name"))
    others = [other for other in areas if other.pk != area.pk]
    found = centres(areas)
    offered = offers(areas, today)
    categories = {c.slug: c for c in Category.objects.order_by("order", "name")}
    sharing_here = set(area.shared_by.values_list("pk", flat=True))
    shared_to = set(area.shares_with.values_list("pk", flat=True))
    out = [
        Neighbour(
            area=other,
            miles=miles(found[area.pk], found[other.pk]),
            shared=other.pk in sharing_here,
            shares_back=other.pk in shared_to,
            lacks=lacking(offered[area.pk], offered[other.pk], categories),
        )
        for other in others
    ]
    return sorted(
        out,
        key=lambda n: (n.miles is None, n.miles if n.miles is not None else 0.0, n.area.name),
    )


def neighbour(area: Area, other: Area, today: date | None = None) -> Neighbour:
    """One other area's row, as `neighbours` works it out."""
    for row in neighbours(area, today):
        if row.area.pk == other.pk:
            return row
    raise ValueError(f"{other} is {area}")


# --- Proposals ------------------------------------------------------------------------

ALREADY_OPEN = (
    "{asking} has already asked {offering} to share, and is waiting for an answer. "
    "Only one proposal between two areas can wait at a time."
)
ALREADY_SHARED = "{offering} already shares its activities with {asking}."
ANSWERED_MEANWHILE = (
    "This proposal was {status} by someone else while you were looking at it: "
    "your answer has not been saved. It is shown below as it is now."
)


class ProposalRefused(ActionRefused):
    """The proposal cannot be made, answered or withdrawn (str: why)."""


class StaleProposal(ProposalRefused):
    """Someone answered or withdrew the proposal since the page was opened."""


def _stale(current: ShareProposal) -> StaleProposal:
    said = {
        ShareProposal.Status.ACCEPTED: "accepted",
        ShareProposal.Status.DECLINED: "declined",
        ShareProposal.Status.WITHDRAWN: "withdrawn",
        ShareProposal.Status.PROPOSED: "changed",
    }[ShareProposal.Status(current.status)]
    return StaleProposal(ANSWERED_MEANWHILE.format(status=said))


def open_proposal(asking: Area, offering: Area) -> ShareProposal | None:
    return ShareProposal.objects.filter(
        asking=asking, offering=offering, status=ShareProposal.Status.PROPOSED
    ).first()


def do_propose(
    request: HttpRequest,
    asking: Area,
    offering: Area,
    *,
    categories: list[str],
    message: str,
) -> ShareProposal:
    """`asking` asks `offering` to share its activities (one open proposal a pair)."""
    words = {"asking": asking.name, "offering": offering.name}
    if asking.pk == offering.pk:
        raise ProposalRefused("Choose another area to ask.")
    if offering.shares_with.filter(pk=asking.pk).exists():
        raise ProposalRefused(ALREADY_SHARED.format(**words))
    user = request.user
    proposal = ShareProposal(
        asking=asking,
        offering=offering,
        categories=list(categories),
        message=message,
        proposed_by=user if user.is_authenticated else None,
    )
    try:
        with transaction.atomic():
            proposal.save()
            audit.record(
                request,
                "sharing.proposed",
                proposal,
                area=asking,
                detail={"asked": offering.name, "categories": list(categories)},
            )
    except IntegrityError:
        # The database's one open proposal a pair (two coordinators at once, or again).
        raise ProposalRefused(ALREADY_OPEN.format(**words)) from None
    return proposal


def do_answer(
    request: HttpRequest,
    proposal: ShareProposal,
    *,
    accept: bool,
    answer: str,
    seen_version: int,
) -> ShareProposal:
    """The offering area accepts (it then shares its activities with the asking area)
    or declines. Answered or withdrawn meanwhile: StaleProposal, nothing changed."""
    with transaction.atomic():
        current = (
            ShareProposal.objects.select_for_update()
            .select_related("asking", "offering")
            .get(pk=proposal.pk)
        )
        if current.status != ShareProposal.Status.PROPOSED or current.version != seen_version:
            raise _stale(current)
        user = request.user
        current.status = ShareProposal.Status.ACCEPTED if accept else ShareProposal.Status.DECLINED
        current.answer = answer
        current.answered_by = user if user.is_authenticated else None
        current.answered_at = timezone.now()
        current.version += 1
        current.save()
        if accept:
            current.offering.shares_with.add(current.asking)
        audit.record(
            request,
            "sharing.answered",
            current,
            area=current.offering,
            detail={"asked by": current.asking.name, "answer": current.status},
        )
    return current


def do_withdraw(request: HttpRequest, proposal: ShareProposal, *, seen_version: int) -> None:
    """The asking area withdraws its proposal while it waits."""
    with transaction.atomic():
        current = (
            ShareProposal.objects.select_for_update()
            .select_related("asking", "offering")
            .get(pk=proposal.pk)
        )
        if current.status != ShareProposal.Status.PROPOSED or current.version != seen_version:
            raise _stale(current)
        current.status = ShareProposal.Status.WITHDRAWN
        current.version += 1
        current.save()
        audit.record(
            request,
            "sharing.withdrawn",
            current,
            area=current.asking,
            detail={"asked": current.offering.name},
        )


def made_and_received(area: Area) -> tuple[list[ShareProposal], list[ShareProposal]]:
    """The area's proposals: those it made and those it was sent, the latest first."""
    found = list(
        ShareProposal.objects.filter(Q(asking=area) | Q(offering=area)).select_related(
            "asking", "offering", "proposed_by", "answered_by"
        )
    )
    return (
        [p for p in found if p.asking_id == area.pk],
        [p for p in found if p.offering_id == area.pk],
    )


def category_names(slugs: list[str]) -> list[str]:
    """The names of a proposal's categories, in the taxonomy's order (a slug since
    removed from the taxonomy is shown as it was stored)."""
    names = dict(Category.objects.filter(slug__in=slugs).values_list("slug", "name"))
    known = [
        name
        for slug, name in Category.objects.order_by("order", "name").values_list("slug", "name")
        if slug in names
    ]
    return known + [slug for slug in slugs if slug not in names]
