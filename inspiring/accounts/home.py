"""The cards on the staff home page, each shown to the roles that may use it.

Each app registers its own cards in its AppConfig.ready(), so the home page
grows with the platform without this module knowing about later apps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest

from .access import StaffContext
from .roles import Capability


@dataclass(frozen=True)
class HomeCard:
    title: str
    description: str
    url_name: str
    # None: every signed-in member of the area sees the card.
    capability: Capability | None = None
    order: int = 100
    # A line of what is waiting there now ("3 new referrals waiting, 1 overdue"),
    # worked out for the person looking: one cheap query at most.
    status: Callable[[HttpRequest], str] | None = None
    # Something to put right, shown as a warning at the top of the home page with a link
    # to the card's page ("Nobody is named as the safeguarding lead"), or "": worked out
    # for the person looking, one cheap query at most.
    warning: Callable[[HttpRequest], str] | None = None

    @property
    def in_sentence(self) -> str:
        """The title inside a sentence ("Go to referrals from GP systems"): its first
        letter lower case, the rest as written (GP, NHS and names keep theirs)."""
        return self.title[:1].lower() + self.title[1:]


CARDS: list[HomeCard] = []


def register_card(card: HomeCard) -> None:
    if any(existing.url_name == card.url_name for existing in CARDS):
        return
    CARDS.append(card)
    CARDS.sort(key=lambda c: (c.order, c.title))


def cards_for(context: StaffContext) -> list[HomeCard]:
    if context.area is None:
        return []
    return [card for card in CARDS if card.capability is None or context.can(card.capability)]


register_card(
    HomeCard(
        title="Your team",
        description="Invite people to the programme, change their roles, or remove them.",
        url_name="accounts:team",
        capability=Capability.MANAGE_TEAM,
        order=80,
    )
)
register_card(
    HomeCard(
        title="Audit trail",
        description="See who has looked at or changed records in your area, and when.",
        url_name="accounts:audit",
        capability=Capability.VIEW_AUDIT,
        order=90,
    )
)
