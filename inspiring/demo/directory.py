"""Demo partners, venues and activities: plausible, clearly fictional, deterministic.

For each area: at least 30 partner organisations and 100 activities, with
venues at real postcodes inside the district (chosen from the loaded
geography near the named town). Each activity reads as its own listing, from
the curated, made-up list in directory_data.py (its description, first visit,
audience and ages, cost, booking and capacity), with a spread of days and
times, capacity states and confirmation dates drawn from a seeded generator. The same
generator, scaled up, builds the benchmark directory (bench/whats_on.py).
Phone numbers are in Ofcom's range for drama (01632 960xxx); emails use
example.org.
"""

from __future__ import annotations

import random
from datetime import date, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from inspiring.accounts.models import User
from inspiring.areas.models import Area, Postcode
from inspiring.directory.materialise import materialise_all
from inspiring.directory.models import (
    Activity,
    Category,
    ListingReport,
    Organisation,
    Schedule,
    SupportFeature,
    Venue,
)
from inspiring.directory.models.schedules import activities_changed
from inspiring.directory.taxonomy_data import seed_taxonomy

from .directory_data import (
    DAYS,
    EVERYONE,
    FIRST_NAMES,
    IDEAS,
    LAST_NAMES,
    LOCALITIES,
    STREETS,
)
from .feed import load_demo_feed


def _postcodes(district: str) -> dict[str, list[Postcode]]:
    by_sector: dict[str, list[Postcode]] = {}
    for postcode in Postcode.objects.filter(district_code=district).order_by("postcode"):
        by_sector.setdefault(postcode.postcode[:-2], []).append(postcode)
    return by_sector


def _place(
    rng: random.Random, district: str, sectors: dict[str, list[Postcode]]
) -> tuple[str, Postcode | None]:
    town, prefixes = rng.choice(LOCALITIES.get(district, (("Town", ()),)))
    candidates = [p for prefix in prefixes for p in sectors.get(prefix, [])]
    if not candidates:
        candidates = [p for items in sectors.values() for p in items]
    return town, (rng.choice(candidates) if candidates else None)


def _times(rng: random.Random, evening: bool) -> tuple[time, time]:
    if evening:
        start = time(rng.choice((18, 19)), rng.choice((0, 30)))
    else:
        start = time(rng.choice((9, 10, 10, 11, 13, 14, 14)), rng.choice((0, 0, 30)))
    length = rng.choice((60, 90, 90, 120))
    minutes = start.hour * 60 + start.minute + length
    return start, time(min(minutes // 60, 23), minutes % 60)


def _rule(rng: random.Random, today: date) -> tuple[str, date, list[str]]:
    day = rng.choice(DAYS)
    roll = rng.random()
    start = today - timedelta(days=rng.randint(0, 60))
    if roll < 0.6:
        return f"FREQ=WEEKLY;BYDAY={day}", start, []
    if roll < 0.8:
        return f"FREQ=WEEKLY;INTERVAL=2;BYDAY={day}", start, []
    if roll < 0.95:
        return f"FREQ=MONTHLY;BYDAY={rng.choice(('1', '2', '3', '-1'))}{day}", start, []
    # Weekly, but not in the Christmas school holidays.
    holiday = date(today.year, 12, 21)
    skipped = [(holiday + timedelta(days=n)).isoformat() for n in range(14)]
    return f"FREQ=WEEKLY;BYDAY={day}", start, skipped


def build_area_directory(
    area: Area,
    *,
    organisations: int,
    seed: str,
    lead: User | None = None,
    today: date | None = None,
    bulk: bool = False,
) -> tuple[int, int]:
    """Create `organisations` partners (with about 3.5 activities each) in `area`.

    Returns (organisations, activities) created. The activities, their categories and
    features and their schedules are written in bulk either way: row by row, each
    activity's save and each of its links worked matching's index and Open Referral's
    ids out for that activity again (about 1,000 refreshes for the demo's three areas,
    half its directory's time), where `activities_changed` does it once for them all.
    With bulk=False (the demo) each activity's links are written in the order its
    related managers' set() wrote them, so the demo's rows are the ones it always had;
    with bulk=True (the benchmark's 10,000 activities) in the curated list's order.
    """
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    today = today or timezone.localdate()
    now = timezone.now()
    categories = {c.slug: c for c in Category.objects.all()}
    features = {f.code: f for f in SupportFeature.objects.all()}
    sectors = _postcodes(area.local_authority_code)
    made_activities = 0
    pending_m2m: list[tuple[Activity, list[Category], list[SupportFeature]]] = []
    schedules: list[Schedule] = []
    for number in range(organisations):
        idea = IDEAS[number % len(IDEAS)]
        town, postcode = _place(rng, area.local_authority_code, sectors)
        round_ = number // len(IDEAS)
        name = idea.name.format(town=town)
        if round_:
            name += f" {('North', 'South', 'East', 'West', 'Central')[round_ % 5]}"
        if round_ >= 5:
            name += f" {round_}"
        handle = "".join(ch for ch in name.lower() if ch.isalnum())[:30]
        organisation = Organisation.objects.create(
            home_area=area,
            name=name,
            kind=idea.kind,
            description=f"A {Organisation.Kind(idea.kind).label.lower()} in {town}.",
            email=f"hello@{handle}.example.org",
            phone=f"01632 960{rng.randint(0, 999):03d}",
            agreement=rng.choice(("signed", "signed", "signed", "invited", "none")),
            trusted=rng.random() < 0.3,
        )
        if lead is not None and number == 0:
            organisation.leads.add(lead)
        venue = None
        if postcode is not None:
            venue = Venue.objects.create(
                organisation=organisation,
                name=idea.venue.format(town=town),
                address_line_1=f"{rng.randint(1, 120)} {rng.choice(STREETS)}",
                town=town,
                postcode=postcode.postcode,
                latitude=postcode.latitude,
                longitude=postcode.longitude,
                district_code=postcode.district_code,
                step_free=rng.random() < 0.7,
                accessible_toilet=rng.random() < 0.6,
                hearing_loop=rng.random() < 0.3,
                parking=rng.random() < 0.5,
                near_bus_stop=rng.random() < 0.8,
                bus_routes=rng.choice(("1, 141", "Pronto", "3", "Sherwood Arrow", "28, 29")),
                open_to_other_organisations=rng.random() < 0.4,
            )
        count = 3 + (1 if rng.random() < 0.5 else 0)
        for index in range(count):
            plan = idea.activities[index % len(idea.activities)]
            title = plan.title
            if index >= len(idea.activities):
                title = f"{title} (second group)"
            text = {"town": town, "venue": idea.venue.format(town=town)}
            # Most groups keep to their usual cost; a few are funded to run free.
            cost = plan.cost or (idea.cost if rng.random() < 0.8 else "free")
            price = Decimal(plan.price) if cost == "priced" else None
            concession = Decimal(plan.concession) if price and plan.concession else None
            confirmed = now - timedelta(days=rng.choice((3, 20, 45, 70, 95, 120, 150, 200, 240)))
            hide = "peer-support" in plan.categories and rng.random() < 0.5
            capacity_status = rng.choices(
                ("welcoming", "limited", "full", "paused"), (80, 12, 6, 2)
            )[0]
            if plan.capacity is None and capacity_status in ("limited", "full"):
                # Without a limit on numbers there is no waiting list.
                capacity_status = "welcoming"
            greeter = plan.greeter.format(name=rng.choice(FIRST_NAMES))
            activity = Activity(
                organisation=organisation,
                home_area=area,
                venue=venue,
                title=title,
                summary=plan.summary.format(**text),
                description=plan.description.format(**text, name=greeter.split(",")[0]),
                audience=plan.audience,
                min_age=plan.min_age,
                max_age=plan.max_age,
                cost=cost,
                price=price,
                concession_price=concession,
                cost_notes=plan.cost_notes if cost == "priced" else "",
                booking=plan.booking,
                booking_url=(
                    f"https://{handle}.example.org/book"
                    if plan.booking == "book_first" and cost == "priced"
                    else ""
                ),
                capacity=plan.capacity,
                capacity_status=capacity_status,
                # Groups that ask people to book, with a limit on numbers, take bookings
                # here: anyone online where it is free to go (a priced one books on its
                # own site), link workers always.
                public_booking=plan.booking == "book_first" and cost != "priced",
                greeter=greeter,
                bring_someone=plan.bring_someone,
                what_to_expect=plan.first_visit.format(**text, name=greeter.split(",")[0]),
                contact_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                contact_email=organisation.email,
                contact_phone=organisation.phone,
                hide_address=hide,
                locality=town if hide else "",
                status=Activity.Status.PUBLISHED,
                published_at=confirmed,
                last_confirmed_at=confirmed,
                last_confirmed_by=organisation.name,
            )
            pending_m2m.append(
                (
                    activity,
                    [categories[c] for c in plan.categories],
                    [features[f] for f in plan.features],
                )
            )
            rule, start_date, skipped = _rule(rng, today)
            start, end = _times(rng, idea.evening)
            schedules.append(
                Schedule(
                    activity=activity,
                    start_date=start_date,
                    start_time=start,
                    end_time=end,
                    rrule=rule,
                    exdates=skipped,
                    places=plan.capacity if plan.booking == "book_first" else None,
                )
            )
            made_activities += 1
    from lib.text import render_markdown

    order = _listed if bulk else _as_set_writes
    activities = [a for a, _, _ in pending_m2m]
    for activity in activities:
        # What Activity.save() does, which bulk_create does not call.
        activity.description_html = render_markdown(activity.description)
    Activity.objects.bulk_create(activities, batch_size=500)
    through_c = Activity.categories.through
    through_f = Activity.support_features.through
    category_links = [
        through_c(activity_id=a.pk, category_id=pk)
        for a, cs, _ in pending_m2m
        for pk in order([c.pk for c in cs])
    ]
    feature_links = [
        through_f(activity_id=a.pk, supportfeature_id=pk)
        for a, _, fs in pending_m2m
        for pk in order([f.pk for f in fs])
    ]
    through_c.objects.bulk_create(category_links, batch_size=1000)
    through_f.objects.bulk_create(feature_links, batch_size=1000)
    # Written in bulk (no post_save, no m2m_changed): matching's index and Open Referral's
    # ids work them out once (matching's again, with their sessions, when they are made).
    activities_changed.send(sender=Activity, activity_ids=[a.pk for a in activities])
    for schedule in schedules:
        schedule.activity_id = schedule.activity.pk
    Schedule.objects.bulk_create(schedules, batch_size=500)
    return organisations, made_activities


def _listed(ids: list[int]) -> list[int]:
    return ids


def _as_set_writes(ids: list[int]) -> list[int]:
    """The order a related manager's set() (then add()) inserts links to these ids in,
    on an activity with none: Django gathers them in a set and writes the set's
    difference from those already linked, an iterable, so a copy of that set."""
    gathered: set[int] = set()
    for pk in ids:
        gathered.add(pk)
    return list(gathered.difference([]))


def _workflow_examples(area: Area, lead: User | None) -> None:
    """A few things for the coordinator's queue: a new submission, a change, a report."""
    organisation = Organisation.objects.filter(home_area=area).order_by("pk").first()
    if organisation is None:
        return
    venue = organisation.venues.first()
    pending = Activity.objects.create(
        organisation=organisation,
        home_area=area,
        venue=venue,
        title="Poetry Evening",
        summary="Read a favourite poem or just listen.",
        status=Activity.Status.PENDING,
    )
    pending.categories.set(
        Category.objects.filter(slug__in=("culture-and-heritage", "learning-and-skills"))
    )
    Schedule.objects.create(
        activity=pending,
        start_date=timezone.localdate() + timedelta(days=7),
        start_time=time(18, 30),
        end_time=time(20),
        rrule="FREQ=MONTHLY;BYDAY=1TH",
    )
    reported = Activity.objects.filter(home_area=area, status=Activity.Status.PUBLISHED).order_by(
        "pk"
    )[5]
    ListingReport.objects.create(
        activity=reported,
        message="We have moved to Thursday afternoons from next month, 2pm to 4pm.",
        reported_by=str(reported.organisation),
    )


def _festival_weekend(area: Area, today: date) -> None:
    """A walking festival, all day from Friday to Sunday three weeks ahead: a session
    lasting days, as What's on, the calendar files and the open data show it."""
    walkers = (
        Organisation.objects.filter(home_area=area, activities__categories__slug="walking")
        .order_by("pk")
        .first()
    )
    venue = walkers.venues.first() if walkers is not None else None
    if walkers is None or venue is None:
        return
    festival = Activity.objects.create(
        organisation=walkers,
        home_area=area,
        venue=venue,
        title="Ashfield Walking Festival",
        summary="Three days of led walks for every pace, from a gentle mile around the "
        "park to a ten-mile ramble, with a welcome tent all weekend.",
        description="Walks start every morning and afternoon from the welcome tent. "
        "Each has a leader at the front and a back marker, so nobody is left behind.\n\n"
        "- Short, flat walks with benches on the way\n- Longer rambles into the countryside"
        "\n- Tea and cake at the tent",
        audience=EVERYONE,
        what_to_expect="Come to the welcome tent any time: a volunteer will tell you which "
        "walks are coming up and find you one at your pace.",
        status=Activity.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    festival.categories.set(Category.objects.filter(slug__in=("walking",)))
    festival.support_features.set(
        SupportFeature.objects.filter(code__in=("outdoors", "come-alone-welcome"))
    )
    friday = today + timedelta(days=(4 - today.weekday()) % 7 + 21)
    Schedule.objects.create(
        activity=festival,
        start_date=friday,
        start_time=time(0),
        end_time=time(23, 59),
        all_day=True,
        duration_days=2,
    )


def load_demo_directory(areas: dict[str, Area], lead: User | None) -> int:
    """Create the demo directory for areas that have none yet. Returns activities created."""
    created = 0
    with transaction.atomic():
        # The vocabularies come from a migration; a test database emptied
        # between tests (or a hand-cleared one) gets them back here.
        seed_taxonomy(Category, SupportFeature)
        for slug, area in areas.items():
            if Organisation.objects.filter(home_area=area).exists():
                continue
            _, count = build_area_directory(
                area,
                organisations=32,
                seed=f"inspiring-demo-{slug}",
                lead=lead if slug == "ashfield" else None,
            )
            _workflow_examples(area, lead)
            if slug == "ashfield":
                _festival_weekend(area, timezone.localdate())
            created += count
    if created:
        materialise_all()
    ashfield = areas.get("ashfield")
    first = Organisation.objects.filter(home_area=ashfield).order_by("pk").first()
    if first is not None:
        # The lead's own partner keeps its walks in an online calendar.
        load_demo_feed(first, timezone.localdate())
    return created
