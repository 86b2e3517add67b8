"""The demo's training and resources, training records and sharing proposals.

Three resources shared with every area (a link worker induction guide, a welcome slide
deck for partner groups by link, a coordinator's handbook), written for the demo; a
few training records in Ashfield, Mansfield and Newark and Sherwood (none in any other
area, such as one started later); Mansfield's accepted proposal to Ashfield (as the
demo's Ashfield shares with Mansfield) and Newark and Sherwood's proposal to Ashfield,
waiting for an answer. Idempotent: what exists already is left as it is.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from inspiring.accounts.models import Membership, User
from inspiring.accounts.roles import Role
from inspiring.areas.models import Area
from inspiring.playbook.models import Resource, ShareProposal, TrainingRecord

INDUCTION = "Link worker induction guide"
PARTNER_WELCOME = "Welcome to the programme: slides for partner groups"
HANDBOOK = "Coordinator's handbook"

INDUCTION_BODY = """\
Welcome. This guide covers your first four weeks as a link worker.

# What link workers do

You meet people referred by their GP practice, a social prescriber or themselves. Together
you find out what matters to them, what gets in the way, and which local activities might
help. You then help them take the first step: a phone call to the group, a lift, someone to
meet them at the door.

# Your first week

* Shadow an experienced link worker on at least three first conversations.
* Read the safeguarding policy and know who the safeguarding lead and deputy are.
* Browse What's on for your area and visit two activities in person.

# Your second to fourth weeks

* Hold first conversations with a colleague present, then on your own.
* Record every contact on the day it happens.
* Ask for a wellbeing measure at the start and again after about three months.

# Good habits

* Follow up within a week of a first visit to an activity: the second visit is the
  hardest.
* Tell the coordinator when a listing is out of date, or when people keep asking for
  something the calendar lacks.
"""

HANDBOOK_BODY = """\
This handbook is for the person who coordinates the programme in an area.

# Each week

* Look at new referrals and make sure each has a link worker.
* Check listings waiting for review and publish or return them.
* Read any safeguarding concerns raised.

# Each month

* Ask partner groups to confirm their listings are still right.
* Look at the gaps view: what residents want that is not on.
* Talk to neighbouring areas about sharing activities where your calendar is thin.

# Each quarter

* Download the monitoring report and share it with the steering group.
* Check training records: new link workers and partner volunteers should complete the
  induction within their first month.

# When something goes wrong

Write down what happened, tell the safeguarding lead if anyone may be at risk, and record
what you did. Ask for help early.
"""

RESOURCES: tuple[dict[str, object], ...] = (
    {
        "title": INDUCTION,
        "audience": Resource.Audience.LINK_WORKERS,
        "kind": Resource.Kind.TRAINING,
        "summary": "What link workers do, and the first four weeks in the job.",
        "body": INDUCTION_BODY,
        "is_training": True,
    },
    {
        "title": PARTNER_WELCOME,
        "audience": Resource.Audience.PARTNERS,
        "kind": Resource.Kind.SLIDES,
        "summary": (
            "A short welcome session for partner groups' organisers and volunteers: how "
            "referrals reach you, keeping your listing current, and welcoming someone new."
        ),
        "url": "https://example.org/inspiring/partner-welcome-slides",
        "is_training": True,
    },
    {
        "title": HANDBOOK,
        "audience": Resource.Audience.COORDINATORS,
        "kind": Resource.Kind.GUIDE,
        "summary": "What to do each week, month and quarter.",
        "body": HANDBOOK_BODY,
        "is_training": False,
    },
)

# (area slug, training title, who: a demo account's email or a named person, days ago)
RECORDS: tuple[tuple[str, str, str, str, int], ...] = (
    ("ashfield", INDUCTION, "linkworker.ashfield@example.org", Resource.Audience.LINK_WORKERS, 60),
    ("ashfield", INDUCTION, "coordinator.ashfield@example.org", Resource.Audience.COORDINATORS, 90),
    ("ashfield", PARTNER_WELCOME, "partner.ashfield@example.org", Resource.Audience.PARTNERS, 45),
    ("ashfield", PARTNER_WELCOME, "Jean Marsh", Resource.Audience.PARTNERS, 30),
    (
        "mansfield",
        INDUCTION,
        "coordinator.mansfield@example.org",
        Resource.Audience.COORDINATORS,
        80,
    ),
    ("mansfield", PARTNER_WELCOME, "Tom Ellis", Resource.Audience.PARTNERS, 20),
    (
        "newark-and-sherwood",
        INDUCTION,
        "coordinator.newark@example.org",
        Resource.Audience.COORDINATORS,
        40,
    ),
    ("newark-and-sherwood", PARTNER_WELCOME, "Asha Khan", Resource.Audience.PARTNERS, 10),
)


def _coordinator(area: Area) -> User | None:
    membership = (
        Membership.objects.filter(area=area, role=Role.COORDINATOR)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return membership.user if membership is not None else None


def _area(areas: dict[str, Area], slug: str) -> Area | None:
    if slug == "newark-and-sherwood":
        return areas.get(slug) or areas.get("newark")
    return areas.get(slug)


def load_demo_playbook(areas: dict[str, Area]) -> int:
    """Create what is missing; returns how many rows were created."""
    created = 0
    today = timezone.localdate()
    with transaction.atomic():
        shared: dict[str, Resource] = {}
        for spec in RESOURCES:
            item, made = Resource.objects.get_or_create(
                area=None, title=str(spec["title"]), defaults={k: v for k, v in spec.items()}
            )
            shared[item.title] = item
            created += made
        for slug, title, who, audience, days in RECORDS:
            area = _area(areas, slug)
            if area is None:
                continue
            person = User.objects.filter(email=who).first() if "@" in who else None
            if "@" in who and person is None:
                continue
            _, made = TrainingRecord.objects.get_or_create(
                area=area,
                resource=shared[title],
                person=person,
                person_name="" if person else who,
                defaults={"audience": audience, "completed_on": today - timedelta(days=days)},
            )
            created += made
        ashfield, mansfield = areas.get("ashfield"), areas.get("mansfield")
        newark = _area(areas, "newark-and-sherwood")
        if ashfield is not None and mansfield is not None:
            created += _proposal(
                asking=mansfield,
                offering=ashfield,
                accepted=True,
                categories=["walking", "arts-and-crafts"],
                message=(
                    "Mansfield residents near the Ashfield border ask about walking groups "
                    "and craft sessions. Would you share your activities with us?"
                ),
                answer="Yes: happy to. Our partners are glad of new faces.",
            )
        if ashfield is not None and newark is not None:
            created += _proposal(
                asking=newark,
                offering=ashfield,
                accepted=False,
                categories=["arts-and-crafts"],
                message=(
                    "Some of our residents in the west of the district would travel to "
                    "Ashfield's craft groups. Could you share your activities with Newark "
                    "and Sherwood?"
                ),
            )
    return created


def _proposal(
    *,
    asking: Area,
    offering: Area,
    accepted: bool,
    categories: list[str],
    message: str,
    answer: str = "",
) -> int:
    """One proposal between the pair, if there is none yet (any status)."""
    if ShareProposal.objects.filter(asking=asking, offering=offering).exists():
        return 0
    proposal = ShareProposal(
        asking=asking,
        offering=offering,
        categories=categories,
        message=message,
        proposed_by=_coordinator(asking),
    )
    if accepted:
        proposal.status = ShareProposal.Status.ACCEPTED
        proposal.answer = answer
        proposal.answered_by = _coordinator(offering)
        proposal.answered_at = timezone.now()
        proposal.version = 2
        proposal.save()
        offering.shares_with.add(asking)
    else:
        proposal.save()
    return 1
