"""A synthetic caseload for the demo: fictional people at every step of the journey.

Deterministic (seeded), clearly fictional (names from a short list, NHS numbers
in the 999 range the NHS keeps for testing, phone numbers in Ofcom's drama
range), and built through the same actions as the real thing, so the timeline,
statuses and follow-up tasks are what a link worker would see.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from inspiring.accounts.models import User
from inspiring.areas.models import Area, Postcode
from inspiring.casework import choices, facts
from inspiring.casework.models import (
    Assessment,
    Client,
    Connection,
    ConnectionStep,
    Contact,
    GroupMembership,
    Referral,
    ReferralStatusChange,
    Task,
)
from inspiring.directory.models import Activity, Category, Session, Venue
from lib.identifiers import nhs_number_check_digit

from .directory import _as_set_writes
from .outcomes import load_demo_outcomes

FIRST = (
    "Margaret", "Alan", "Susan", "David", "Joan", "Peter", "Linda", "Brian", "Carol", "Keith",
    "Aisha", "Tomasz", "Grace", "Imran", "Beverley", "Dylan", "Hannah", "Reece", "Priti", "Kwame",
)  # fmt: skip
LAST = (
    "Allsop", "Bramley", "Chadwick", "Dakin", "Eyre", "Fretwell", "Gascoigne", "Hallam",
    "Ibbotson", "Jephson", "Kirkham", "Limb", "Marriott", "Newbold", "Oldham", "Pashley",
)  # fmt: skip
STREETS = ("Station Road", "Church Street", "Mill Lane", "Forest Road")
WHAT_MATTERS = (
    "Getting out of the house and talking to people again since my husband died.",
    "Feeling useful. I used to run the allotment society.",
    "Being able to walk to the shops without getting out of breath.",
    "Meeting people my own age who like music.",
    "Something to look forward to in the week that isn't a hospital appointment.",
    "Learning to use the tablet my son gave me so I can see the grandchildren.",
)
# Where each demo case has got to, with how many of them.
JOURNEY = (
    ("received", 6),
    ("contacted", 4),
    ("assessed", 5),
    ("agreed", 5),
    ("attended", 6),
    ("attending", 8),
    ("stopped", 3),
    ("declined", 2),
    ("closed", 3),
)


def _nhs_number(rng: random.Random) -> str:
    while True:
        first = "999" + f"{rng.randint(0, 999999):06d}"
        check = nhs_number_check_digit(first)
        if check is not None:
            return first + str(check)


def load_demo_caseload(area: Area, worker: User, *, seed: str) -> int:
    """Create the area's demo clients (once). Returns how many were created."""
    if Client.objects.filter(area=area).exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    # People live where the groups meet: postcodes in the sectors of the area's venues.
    sectors = {
        code[:-2]
        for code in Venue.objects.filter(organisation__home_area=area).values_list(
            "postcode", flat=True
        )
        if code
    }
    postcodes = [
        postcode
        for postcode in Postcode.objects.filter(district_code__in=area.district_codes())
        .select_related("lsoa")
        .order_by("postcode")
        if postcode.postcode[:-2] in sectors
    ][:400]
    # The demo's clients are adults: none is connected to a rhyme time for babies.
    published = (
        Activity.objects.visible_in(area)
        .filter(home_area=area, max_age__isnull=True)
        .order_by("pk")
    )
    # The demo partner lead's organisation (the area's first) gets more of the
    # connections, so its register has people on it.
    first = published.values_list("organisation_id", flat=True).first()
    favoured = list(published.filter(organisation_id=first)) if first is not None else []
    activities = favoured * 4 + list(published[:60])
    categories = list(Category.objects.order_by("order"))
    created = 0
    rows = _Rows()
    with transaction.atomic():
        for stage, count in JOURNEY:
            for _ in range(count):
                _client(rng, area, worker, stage, postcodes, activities, categories, rows)
                created += 1
        rows.save()
        _reachable(area)
        # Outcomes after the clients, with their own seeded generator: see outcomes.py.
        load_demo_outcomes(area, worker, seed=seed)
    return created


def _reachable(area: Area) -> None:
    """A demo person whose random week and distance leave nothing to suggest is given
    the widest travel of the demo (5 miles), then any time: every demo client shows
    suggestions with their reasons."""
    from inspiring.matching.service import suggestions_for

    for client in Client.objects.filter(area=area, assessments__isnull=False).distinct():
        if suggestions_for(client).suggestions:
            continue
        assessment = client.assessments.first()
        assert assessment is not None
        assessment.max_travel_miles = 5
        assessment.save(update_fields=["max_travel_miles"])
        if not suggestions_for(client).suggestions:
            assessment.availability = {}
            assessment.save(update_fields=["availability"])


class _Rows:
    """The caseload's rows but its clients, made in the order they were saved one by one
    and inserted table by table once all are made: the same rows, with the same ids.
    Saved one by one, each row's post_save worked its client's monitoring figures out
    again (outside `facts.deferred()`); here they are worked out once, for them all."""

    def __init__(self) -> None:
        self.clients: list[Client] = []
        self.referrals: list[Referral] = []
        self.steps: list[ReferralStatusChange] = []
        self.contacts: list[Contact] = []
        self.assessments: list[tuple[Assessment, list[Category]]] = []
        self.groups: list[GroupMembership] = []
        self.connections: list[Connection] = []
        self.connection_steps: list[ConnectionStep] = []
        self.tasks: list[Task] = []

    def save(self) -> None:
        """Each table after those its rows name (bulk_create fills each foreign key from
        the row it names, saved first)."""
        Referral.objects.bulk_create(self.referrals)
        ReferralStatusChange.objects.bulk_create(self.steps)
        Contact.objects.bulk_create(self.contacts)
        Assessment.objects.bulk_create([a for a, _ in self.assessments])
        through = Assessment.interests.through
        through.objects.bulk_create(
            [
                through(assessment_id=assessment.pk, category_id=pk)
                for assessment, interests in self.assessments
                # In the order interests.set() wrote them.
                for pk in _as_set_writes([c.pk for c in interests])
            ]
        )
        GroupMembership.objects.bulk_create(self.groups)
        Connection.objects.bulk_create(self.connections)
        ConnectionStep.objects.bulk_create(self.connection_steps)
        Task.objects.bulk_create(self.tasks)
        # bulk_create sends no signals: monitoring's figures worked out here.
        facts.refresh(client.pk for client in self.clients)


def _client(
    rng: random.Random,
    area: Area,
    worker: User,
    stage: str,
    postcodes: list[Postcode],
    activities: list[Activity],
    categories: list[Category],
    rows: _Rows,
) -> Client:
    place = rng.choice(postcodes) if postcodes else None
    started = timezone.localdate() - timedelta(days=rng.randint(10, 120))
    # Saved at once, alone of its rows: a stopped connection's reason is chosen by its pk.
    client = Client.objects.create(
        area=area,
        worker=None if stage == "received" and rng.random() < 0.7 else worker,
        first_name=rng.choice(FIRST),
        last_name=rng.choice(LAST),
        date_of_birth=started.replace(year=started.year - rng.randint(19, 88), day=1),
        nhs_number=_nhs_number(rng),
        address_line_1=f"{rng.randint(1, 140)} {rng.choice(STREETS)}",
        postcode=place.postcode if place else "",
        lsoa_code=place.lsoa.code if place and place.lsoa else "",
        lsoa_approximate=bool(place and place.lsoa_approximate),
        imd_decile=place.lsoa.imd_decile if place and place.lsoa else None,
        latitude=place.latitude if place else None,
        longitude=place.longitude if place else None,
        phone=f"07700 900{rng.randint(0, 999):03d}",
        preferred_contact=rng.choice(("phone", "phone", "text", "email")),
        sex=rng.choice(choices.Sex.values),
        ethnic_group=rng.choice(("white_british",) * 6 + tuple(choices.EthnicGroup.values)),
        disability=rng.choice(choices.Disability.values),
        unpaid_carer=rng.choice(("no", "no", "up_to_9", "20_to_34")),
        employment=rng.choice(("retired", "retired", "unemployed", "sick_or_disabled", "employee")),
        gp_practice=rng.choice(("Kirkby Health Centre", "Station Road Surgery", "Forest Practice")),
        consent_to_hold=True,
        consent_recorded_at=timezone.now() - timedelta(days=(timezone.localdate() - started).days),
        consent_recorded_by=worker,
        consent_to_contact=True,
        consent_to_inform_gp=rng.random() < 0.8,
        consent_to_research=rng.random() < 0.6,
    )
    rows.clients.append(client)
    referral = Referral(
        client=client,
        source=rng.choice(("gp", "gp", "practice_staff", "self", "adult_social_care", "voluntary")),
        referrer_organisation=client.gp_practice,
        reasons=rng.sample(list(choices.ReferralReason.values[:6]), k=rng.randint(1, 3)),
        received_on=started,
        status_changed_on=started,
        created_by=worker,
    )
    rows.referrals.append(referral)
    steps = ["received"]
    if stage != "received":
        steps.append("contacted")
    if stage not in ("received", "contacted", "declined"):
        steps.append("assessed")
    if stage in ("agreed", "attended", "attending", "stopped", "closed"):
        steps.append("active")
    if stage == "declined":
        steps.append("declined")
    if stage == "closed":
        steps.append("closed")
    day: date = started
    for status in steps:
        step = ReferralStatusChange(
            referral=referral,
            status=status,
            on=day,
            by=worker,
            reason="Feels able to manage now"
            if status == "declined"
            else ("Connected and attending" if status == "closed" else ""),
            snomed_code=(
                choices.SNOMED_REFERRAL
                if status == "received"
                else choices.SNOMED_DECLINED
                if status == "declined"
                else ""
            ),
        )
        rows.steps.append(step)
        if status == "contacted":
            rows.contacts.append(
                Contact(
                    client=client,
                    kind="phone",
                    on=timezone.make_aware(datetime.combine(day, time(10))),
                    minutes=rng.choice((10, 15, 20, 30)),
                    notes="First call: explained the programme, agreed to meet.",
                    by=worker,
                )
            )
        day = min(day + timedelta(days=rng.randint(2, 9)), timezone.localdate())
    referral.status = steps[-1]
    referral.status_changed_on = day
    if stage == "closed":
        referral.outcome = "goals_met"
    if stage in ("declined", "closed"):
        client.closed_at = timezone.now()
        client.save(update_fields=["closed_at"])
    if "assessed" in steps:
        assessment = Assessment(
            client=client,
            referral=referral,
            what_matters=rng.choice(WHAT_MATTERS),
            barriers=rng.sample(list(choices.Barrier.values), k=rng.randint(1, 3)),
            availability={
                d: rng.sample(["morning", "afternoon", "evening"], k=2)
                for d in rng.sample(["MO", "TU", "WE", "TH", "FR", "SA"], k=4)
            },
            max_travel_miles=rng.choice((2, 3, 3, 5)),
            goals="Go to something every week.",
            assessed_on=started + timedelta(days=5),
            by=worker,
        )
        rows.assessments.append((assessment, rng.sample(categories, k=min(3, len(categories)))))
        for n in range(rng.randint(0, 3)):
            rows.groups.append(
                GroupMembership(
                    client=client,
                    name=("My family", "Church", "Old work friends", "Neighbours")[n],
                    kind=("family", "faith", "friends", "neighbours")[n],
                    importance=rng.randint(2, 5),
                    positivity=rng.randint(2, 5),
                    contact=rng.choice(choices.ContactFrequency.values),
                    joined_on=started,  # held before they were referred
                )
            )
    if stage in ("agreed", "attended", "attending", "stopped", "closed") and activities:
        _connect(rng, client, worker, stage, rng.choice(activities), rows)
    if stage in ("contacted", "assessed"):
        rows.tasks.append(
            Task(
                client=client,
                title=(
                    "Ring to talk about activities"
                    if stage == "assessed"
                    else "Book the assessment"
                ),
                due_on=timezone.localdate() + timedelta(days=rng.randint(-3, 6)),
                assigned_to=worker,
                created_by=worker,
            )
        )
    return client


def _connect(
    rng: random.Random, client: Client, worker: User, stage: str, activity: Activity, rows: _Rows
) -> None:
    level = rng.choice(("signpost", "introduction", "introduction", "referral"))
    first = (
        Session.objects.filter(activity=activity, start__gte=timezone.now())
        .order_by("start")
        .first()
    )
    status = {
        "agreed": "agreed",
        "attended": "attended_first",
        "attending": "attending",
        "stopped": "stopped",
        "closed": "attending",
    }[stage]
    # Why they stopped: the main reason and their words, by the client (not the seeded
    # random numbers, so the rest of the demo stays as it was).
    reason_code, reason = (
        ("not_for_them", "Found the sessions too long"),
        ("transport", "No bus at that time of day"),
        ("health", "In hospital for a while; hopes to go back after"),
    )[client.pk % 3]
    connection = Connection(
        client=client,
        activity=activity,
        first_session=first if stage == "agreed" else None,
        level=level,
        support=rng.sample(
            ["accompany", "buddy", "transport", "cost", "contact_leader"], k=rng.randint(0, 2)
        ),
        share_consent=level != "signpost",
        shared_note=f"{client.first_name}, first time at a group for a while."
        if level != "signpost"
        else "",
        status=status,
        status_changed_on=timezone.localdate(),
        reason=reason if status == "stopped" else "",
        follow_up_on=timezone.localdate() + timedelta(days=7)
        if status == "attended_first"
        else None,
        created_by=worker,
    )
    rows.connections.append(connection)
    path = ["agreed"]
    if status != "agreed":
        path.append("attended_first")
    if status in ("attending", "stopped"):
        path.append("attending")
    if status == "stopped":
        path.append("stopped")
    for step in path:
        rows.connection_steps.append(ConnectionStep(
            connection=connection, status=step, on=timezone.localdate(), by=worker,
            reason=connection.reason if step == "stopped" else "",
            reason_code=reason_code if step == "stopped" else "",
        ))  # fmt: skip
    if status == "attended_first":
        rows.tasks.append(
            Task(
                client=client,
                connection=connection,
                title=f"Ask how the first visit to {activity.title} went",
                due_on=connection.follow_up_on or timezone.localdate(),
                assigned_to=worker,
            )
        )
    if status == "stopped":
        rows.tasks.append(
            Task(
                client=client,
                connection=connection,
                title=(
                    f"{client.first_name} stopped going to {activity.title}: "
                    "re-engage, or try something else"
                ),
                due_on=timezone.localdate() + timedelta(days=2),
                assigned_to=worker,
            )
        )
