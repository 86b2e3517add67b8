"""The playbook's cards on the staff home page (registered from PlaybookConfig.ready).

A card's status is one cheap query at most (accounts.home): the playbook's own
progress takes a count a rule, so it is shown on its page, not on the card."""

from __future__ import annotations

from django.http import HttpRequest

from inspiring.accounts.access import staff_context
from inspiring.accounts.home import HomeCard, register_card
from inspiring.accounts.roles import Capability

from .models import ShareProposal


def sharing_status(request: HttpRequest) -> str:
    """Proposals to share waiting for this area's answer."""
    area = staff_context(request).area
    if area is None:
        return ""
    waiting = ShareProposal.objects.filter(
        offering=area, status=ShareProposal.Status.PROPOSED
    ).count()
    if not waiting:
        return ""
    return f"{waiting} proposal{'s' if waiting != 1 else ''} to share waiting for your answer"


def register() -> None:
    register_card(
        HomeCard(
            title="Playbook",
            description=(
                "Follow the stages that start the programme in a new area: scoping, "
                "informing, connecting and roll-out, each task with its owner, due date "
                "and evidence, some done by the platform's own figures."
            ),
            url_name="playbook:progress",
            capability=Capability.MANAGE_PLAYBOOK,
            order=72,
        )
    )
    register_card(
        HomeCard(
            title="Training and resources",
            description=(
                "Guides, slide decks, videos and files for link workers, partner groups "
                "and coordinators, and who has completed which training."
            ),
            url_name="playbook:resources",
            order=73,
        )
    )
    register_card(
        HomeCard(
            title="Sharing with other areas",
            description=(
                "What other areas offer that your calendar lacks, nearest first; propose "
                "sharing their activities and answer their proposals."
            ),
            url_name="playbook:sharing",
            capability=Capability.MANAGE_PLAYBOOK,
            order=74,
            status=sharing_status,
        )
    )
    register_card(
        HomeCard(
            title="Scale-up report",
            description=(
                "How far each of your areas is through the playbook, beside its first "
                "figures from monitoring: for steering groups and funders."
            ),
            url_name="playbook:report",
            capability=Capability.VIEW_MONITORING,
            order=63,
        )
    )
