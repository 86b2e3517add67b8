"""The playbook's card on the staff home page (registered from PlaybookConfig.ready)."""

from __future__ import annotations

from django.http import HttpRequest

from inspiring.accounts.access import staff_context
from inspiring.accounts.home import HomeCard, register_card
from inspiring.accounts.roles import Capability

from .models import Stage
from .progress import progress


def playbook_status(request: HttpRequest) -> str:
    """How far the working area is: "40% done (6 of 15 tasks): now Informing"."""
    area = staff_context(request).area
    if area is None:
        return ""
    if not Stage.objects.filter(area=area).exists():
        return "No playbook yet: start from the blueprint."
    found = progress(area)
    done = f"{found.percent}% done ({found.done} of {found.total} tasks)"
    current = found.current
    if current is None:
        return f"{done}: every stage is done."
    return f"{done}: now {current.stage.title}."


def register() -> None:
    register_card(
        HomeCard(
            title="Playbook",
            description=(
                "Follow the stages that start the programme in a new area: scoping, "
                "informing, connecting and roll-out, each task with its owner, due date "
                "and evidence."
            ),
            url_name="playbook:progress",
            capability=Capability.MANAGE_PLAYBOOK,
            order=72,
            status=playbook_status,
        )
    )
