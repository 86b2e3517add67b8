"""Create the demo areas and people. Idempotent: what exists already is left as it is.

The three established areas are made here with their directory, caseload and survey;
the new one (Gedling) is started from Ashfield afterwards with the playbook's
`start_area`, as a site administrator would, and has none of those.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from inspiring.accounts.models import Membership, User
from inspiring.accounts.roles import Role
from inspiring.areas.models import Area
from inspiring.casework import facts
from inspiring.casework.models import SafeguardingLead
from inspiring.directory.models import Category, SupportFeature
from inspiring.directory.taxonomy_data import seed_taxonomy
from inspiring.playbook import defaults
from inspiring.playbook.starting import start_area

from .bookings import load_demo_booking
from .casework import load_demo_caseload
from .data import DEMO_ACCOUNTS, DEMO_AREAS, DEMO_NEW_AREAS, DEMO_PASSWORD
from .directory import load_demo_directory
from .history import load_demo_history
from .mesh import load_demo_mesh
from .open_booking import load_demo_open_booking
from .playbook import load_demo_playbook
from .practices import load_demo_practices, register_demo_clients
from .surveys import load_demo_surveys

# Ashfield's link worker, whose demo client is booked a first visit tomorrow.
DEMO_BOOKER = "linkworker.ashfield@example.org"


def load_demo(
    say: Callable[[str], None] = lambda _: None, *, directory: bool = True
) -> dict[str, int]:
    created = {"areas": 0, "users": 0, "memberships": 0, "activities": 0, "clients": 0}
    with transaction.atomic():
        areas: dict[str, Area] = {}
        for spec in DEMO_AREAS:
            area, made = Area.objects.get_or_create(
                slug=spec.slug,
                defaults={
                    "name": spec.name,
                    "programme_name": spec.programme_name,
                    "local_authority_code": spec.local_authority_code,
                    "lead_organisation": spec.lead_organisation,
                    "summary": spec.summary,
                    "contact_email": spec.contact_email,
                    "contact_phone": spec.contact_phone,
                },
            )
            areas[spec.slug] = area
            created["areas"] += made
        for spec in DEMO_AREAS:
            wanted = [areas[slug] for slug in spec.shares_with]
            current = set(areas[spec.slug].shares_with.values_list("pk", flat=True))
            missing = [a for a in wanted if a.pk not in current]
            if missing:
                areas[spec.slug].shares_with.add(*missing)
        for account in DEMO_ACCOUNTS:
            user = User.objects.filter(email=account.email).first()
            if user is None:
                user = User.objects.create_user(
                    account.email,
                    DEMO_PASSWORD,
                    full_name=account.full_name,
                    is_staff=account.site_admin,
                    is_superuser=account.site_admin,
                )
                created["users"] += 1
            for slug, role in account.memberships:
                if slug not in areas:  # a new area: once it is started, below
                    continue
                _, made = Membership.objects.get_or_create(
                    user=user, area=areas[slug], defaults={"role": role}
                )
                created["memberships"] += made
        for area in areas.values():
            defaults.ensure_stages(area)
    lead = User.objects.filter(email="partner.ashfield@example.org").first()
    if directory:
        # Casework's figures worked out once a client, at the end, not at every save.
        with facts.deferred():
            created["activities"] = load_demo_directory(areas, lead)
            created["GP practices"] = load_demo_practices()
            created["clients"] = sum(
                load_demo_caseload(area, worker, seed=f"inspiring-demo-cases-{slug}")
                for slug, area in areas.items()
                if (worker := _caseworker(area)) is not None
            )
            for area in areas.values():
                register_demo_clients(area)
            # Two years of past, closed cases for monitoring. After the practices are given to
            # the live caseload (register_demo_clients skips an area whose clients have some).
            created["past cases"] = sum(
                load_demo_history(area, worker, seed=f"inspiring-demo-cases-{slug}")
                for slug, area in areas.items()
                if (worker := _caseworker(area)) is not None
            )
            _name_safeguarding_lead(areas["ashfield"])
            # After the directory: the survey's kinds of activity are its categories.
            created["survey responses"] = load_demo_surveys(areas, _coordinator)
            # Last of the caseload, so the seeded cases above stay as they were: a client
            # booked at a session tomorrow, whose reminder the day before is to be seen.
            booker = User.objects.filter(email=DEMO_BOOKER).first()
            if booker is not None:
                created["bookings"] = load_demo_booking(
                    areas["ashfield"], booker, editor=_coordinator(areas["ashfield"])
                )
            # A booking partner, and a request for a place waiting for the group lead.
            created["booking requests"] = load_demo_open_booking(lead)
            # The NHS channels: a client whose message back can go through MESH and, when
            # MESH is a sandbox (`make run` starts one), two referrals from a GP system.
            created["MESH referrals"] = load_demo_mesh(areas["ashfield"], booker, say)
    # After the surveys: the new area's draft survey has the same (confirmed) shape.
    created["areas"] += _start_new_areas(areas)
    created["memberships"] += _new_areas_memberships()
    # Shared resources, training records and proposals to share between the three areas.
    created["playbook"] = load_demo_playbook(areas)
    say(
        f"Demo data: {created['areas']} areas, {created['users']} people, "
        f"{created['activities']} activities, {created.get('GP practices', 0)} GP practices, "
        f"{created['clients']} clients, {created.get('past cases', 0)} past (closed) cases, "
        f"{created.get('survey responses', 0)} synthetic survey responses and "
        f"{created['memberships']} memberships created"
        + (" (all already there)." if not any(created.values()) else ".")
    )
    return created


def _start_new_areas(areas: dict[str, Area]) -> int:
    """Start each new demo area from its template area (idempotent: start_area changes
    nothing the second time). The survey's kinds of activity are the directory's
    categories, so the taxonomy is made sure of first (a test database flushed
    between tests has none)."""
    seed_taxonomy(Category, SupportFeature)
    made = 0
    for spec in DEMO_NEW_AREAS:
        started = start_area(
            name=spec.name,
            programme_name=spec.programme_name,
            slug=spec.slug,
            districts=[spec.local_authority_code],
            lead_organisation=spec.lead_organisation,
            source=areas[spec.started_from],
            by=None,
        )
        made += started.created
    return made


def _new_areas_memberships() -> int:
    made = 0
    new = {spec.slug for spec in DEMO_NEW_AREAS}
    for account in DEMO_ACCOUNTS:
        for slug, role in account.memberships:
            if slug not in new:
                continue
            user = User.objects.get(email=account.email)
            _, created = Membership.objects.get_or_create(
                user=user, area=Area.objects.get(slug=slug), defaults={"role": role}
            )
            made += created
    return made


def _name_safeguarding_lead(area: Area) -> None:
    """Ashfield's coordinator leads on safeguarding, with its link worker as deputy; the
    other demo areas show coordinators the warning until they name theirs."""
    lead = Membership.objects.filter(area=area, role=Role.COORDINATOR).order_by("pk").first()
    deputy = Membership.objects.filter(area=area, role=Role.LINK_WORKER).order_by("pk").first()
    if lead is not None and deputy is not None:
        SafeguardingLead.objects.get_or_create(
            area=area, defaults={"user": lead.user, "deputy": deputy.user}
        )


def _coordinator(area: Area) -> User | None:
    """Who made the area's demo survey: its coordinator."""
    membership = (
        Membership.objects.filter(area=area, role=Role.COORDINATOR)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return membership.user if membership is not None else None


def _caseworker(area: Area) -> User | None:
    """Who holds the area's demo caseload: its link worker, else its coordinator."""
    for role in (Role.LINK_WORKER, Role.COORDINATOR):
        membership = (
            Membership.objects.filter(area=area, role=role)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if membership is not None:
            return membership.user
    return None
