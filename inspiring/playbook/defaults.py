"""The blueprint: the stages that worked in Ashfield, Mansfield and Newark and Sherwood,
and their tasks, as data.

An area with no stages starts from the blueprint (`ensure_stages`); a new area started
from another copies that area's stages and tasks instead (`copy_stages`), as adapted
there. Neither ever copies who owns a task, when it is due or whether it is done: those
belong to the area doing it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from inspiring.areas.models import Area

from .models import Stage, Task

Evidence = Task.Evidence
Rule = Task.Rule


@dataclass(frozen=True)
class BlueprintTask:
    title: str
    detail: str = ""
    evidence: str = Evidence.NONE
    rule: str = Rule.NONE
    target: int = 1


@dataclass(frozen=True)
class BlueprintStage:
    code: str
    title: str
    summary: str
    tasks: list[BlueprintTask] = field(default_factory=list)


BLUEPRINT: list[BlueprintStage] = [
    BlueprintStage(
        Stage.Code.SCOPING,
        "Scoping",
        "Find out what residents want and what is already on: run the community survey, "
        "map the groups, venues, libraries, museums and galleries, and see the gaps "
        "between the two.",
        [
            BlueprintTask(
                "Run the community survey",
                "Open the community survey to residents, on paper and online, and read "
                "its summary as the responses come in.",
                evidence=Evidence.SURVEY_SUMMARY,
                rule=Rule.SURVEY_OPEN,
            ),
            BlueprintTask(
                "Map existing groups, venues, libraries, museums and galleries",
                "List the organisations already running activities in the area, with "
                "their venues, so link workers and residents can find them.",
                evidence=Evidence.PARTNERS,
                rule=Rule.PARTNERS_LISTED,
                target=30,
            ),
            BlueprintTask(
                "See the gaps between what residents want and what is on",
                "Compare what the survey says residents would like to do with the "
                "activities listed, and note what is missing.",
                evidence=Evidence.GAPS,
            ),
        ],
    ),
    BlueprintStage(
        Stage.Code.INFORMING,
        "Informing",
        "Bring the team together and make sure everyone involved knows the programme: "
        "training for link workers, partner groups and coordinators, and resources.",
        [
            BlueprintTask(
                "Bring link workers into the team",
                "Invite the link workers who will take referrals and connect people to activities.",
                evidence=Evidence.TEAM,
                rule=Rule.LINK_WORKERS,
            ),
            BlueprintTask(
                "Train link workers, partner groups and coordinators",
                "Run the training for each audience and record who has completed it.",
                evidence=Evidence.TRAINING,
                rule=Rule.TRAINED,
                target=3,
            ),
            BlueprintTask(
                "Share the resources",
                "Make the guides, slide decks and videos available to link workers, "
                "partner groups and coordinators, adapted to the area.",
                evidence=Evidence.TRAINING,
            ),
        ],
    ),
    BlueprintStage(
        Stage.Code.CONNECTING,
        "Connecting",
        "Build the network: recruit partners, introduce them to link workers and to "
        "cultural organisations, agree sharing with neighbouring areas, and link the local "
        "authority and the NHS Integrated Care Board.",
        [
            BlueprintTask(
                "Recruit partners",
                "Ask the groups and organisations found while scoping to join the "
                "programme and list their activities.",
                evidence=Evidence.PARTNERS,
            ),
            BlueprintTask(
                "Introduce partners to link workers",
                "Arrange for link workers to meet the partners, so they can describe "
                "the activities to the people they support.",
                evidence=Evidence.TEAM,
            ),
            BlueprintTask(
                "Introduce partners to cultural organisations",
                "Connect community groups with libraries, museums, galleries and other "
                "cultural organisations in and around the area.",
            ),
            BlueprintTask(
                "Agree sharing with neighbouring areas",
                "Agree with a neighbouring area to share activities that your own calendar lacks.",
                evidence=Evidence.SHARING,
                rule=Rule.SHARING_AGREED,
            ),
            BlueprintTask(
                "Link the local authority and the NHS Integrated Care Board",
                "Meet the local authority and the NHS Integrated Care Board, agree how "
                "referrals will come in and what they would like to see reported.",
            ),
        ],
    ),
    BlueprintStage(
        Stage.Code.ROLL_OUT,
        "Roll-out",
        "Start the programme: publish the calendar, take the first referrals and write "
        "the first report.",
        [
            BlueprintTask(
                "Publish the calendar",
                "Publish the partners' activities in the public calendar (What's on).",
                evidence=Evidence.CALENDAR,
                rule=Rule.ACTIVITIES_PUBLISHED,
                target=10,
            ),
            BlueprintTask(
                "Receive the first referrals",
                "Take the first referrals from GP practices and other referrers.",
                evidence=Evidence.REFERRALS,
                rule=Rule.REFERRALS,
            ),
            BlueprintTask(
                "Produce the first report",
                "Download the first monitoring report for the steering group and funders.",
                evidence=Evidence.MONITORING,
                rule=Rule.REPORT,
            ),
        ],
    ),
]


def _locked(area: Area) -> None:
    """Serialise starts of the same area (two at once would both see no stages)."""
    Area.objects.select_for_update().filter(pk=area.pk).first()


def ensure_stages(area: Area) -> int:
    """Give an area with no stages the blueprint's; returns the number of tasks made
    (0 when the area already has stages: they are left as they are)."""
    with transaction.atomic():
        _locked(area)
        if Stage.objects.filter(area=area).exists():
            return 0
        tasks: list[Task] = []
        for order, blueprint in enumerate(BLUEPRINT, start=1):
            stage = Stage.objects.create(
                area=area,
                code=blueprint.code,
                title=blueprint.title,
                summary=blueprint.summary,
                order=order,
            )
            tasks += [
                Task(
                    stage=stage,
                    title=task.title,
                    detail=task.detail,
                    evidence=task.evidence,
                    rule=task.rule,
                    target=task.target,
                    order=number,
                )
                for number, task in enumerate(blueprint.tasks, start=1)
            ]
        Task.objects.bulk_create(tasks)
        return len(tasks)


def copy_stages(source: Area, target: Area) -> int:
    """Copy the source area's stages and tasks (their words, evidence, rules, targets and
    order; never owner, due date or done) to a target with no stages; returns the number
    of tasks made (0 when the target already has stages, or the source has none)."""
    with transaction.atomic():
        _locked(target)
        if Stage.objects.filter(area=target).exists():
            return 0
        tasks: list[Task] = []
        for original in Stage.objects.filter(area=source).order_by("order", "pk"):
            stage = Stage.objects.create(
                area=target,
                code=original.code,
                title=original.title,
                summary=original.summary,
                order=original.order,
            )
            tasks += [
                Task(
                    stage=stage,
                    title=task.title,
                    detail=task.detail,
                    evidence=task.evidence,
                    evidence_url=task.evidence_url,
                    rule=task.rule,
                    target=task.target,
                    order=task.order,
                )
                for task in original.tasks.order_by("order", "pk")
            ]
        Task.objects.bulk_create(tasks)
        return len(tasks)
