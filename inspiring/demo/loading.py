"""Create the demo areas and people. Idempotent: what exists already is left as it is."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from inspiring.accounts.models import Membership, User
from inspiring.accounts.roles import Role
from inspiring.areas.models import Area
from inspiring.casework.models import SafeguardingLead

from .casework import load_demo_caseload
from .data import DEMO_ACCOUNTS, DEMO_AREAS, DEMO_PASSWORD
from .directory import load_demo_directory
from .history import load_demo_history
from .practices import load_demo_practices, register_demo_clients
from .surveys import load_demo_surveys


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
                _, made = Membership.objects.get_or_create(
                    user=user, area=areas[slug], defaults={"role": role}
                )
                created["memberships"] += made
    lead = User.objects.filter(email="partner.ashfield@example.org").first()
    if directory:
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
    say(
        f"Demo data: {created['areas']} areas, {created['users']} people, "
        f"{created['activities']} activities, {created.get('GP practices', 0)} GP practices, "
        f"{created['clients']} clients, {created.get('past cases', 0)} past (closed) cases, "
        f"{created.get('survey responses', 0)} synthetic survey responses and "
        f"{created['memberships']} memberships created"
        + (" (all already there)." if not any(created.values()) else ".")
    )
    return created


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
