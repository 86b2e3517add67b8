"""Where a task's evidence is: the page of the platform that shows it (Task.Evidence),
or the task's own link, which wins over the page.

Every page is the working area's own (the staff pages act on the working area; the
public calendar is the area's What's on). A page that does not exist (yet) gives None:
the task is shown without a link rather than with a broken one.
"""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from inspiring.areas.models import Area
from inspiring.surveys.models import Survey

from .models import Task

Evidence = Task.Evidence

# The pages that need no more than their name.
PAGES: dict[str, str] = {
    Evidence.SURVEY: "surveys:list",
    Evidence.PARTNERS: "directory:staff_listings",
    Evidence.TRAINING: "playbook:resources",
    Evidence.SHARING: "playbook:sharing",
    Evidence.TEAM: "accounts:team",
    Evidence.REFERRALS: "casework:triage",
    Evidence.MONITORING: "monitoring:dashboard",
}


def _reverse(name: str, **kwargs: str) -> str | None:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def latest_survey(area: Area) -> Survey | None:
    """The area's community survey residents have answered: the latest published."""
    return (
        Survey.objects.filter(area=area, status__in=(Survey.Status.OPEN, Survey.Status.CLOSED))
        .order_by("-opened_at", "-pk")
        .first()
    )


def page_url(evidence: str, area: Area) -> str | None:
    """The address of a Task.Evidence page for the area (None: none, or not there yet)."""
    if not evidence:
        return None
    if evidence == Evidence.CALENDAR:
        return _reverse("directory:whats_on", slug=area.slug)
    if evidence in (Evidence.SURVEY_SUMMARY, Evidence.GAPS):
        survey = latest_survey(area)
        if survey is None:
            # No survey published yet: the surveys list, where it is opened; for the
            # gaps, what the calendar lacks for the area's clients meanwhile.
            return _reverse(
                "surveys:list" if evidence == Evidence.SURVEY_SUMMARY else "matching:gaps"
            )
        found = _reverse("surveys:summary", public_id=str(survey.public_id))
        # The gaps: what residents want beside what the calendar offers.
        return f"{found}#calendar" if found and evidence == Evidence.GAPS else found
    name = PAGES.get(evidence)
    return _reverse(name) if name else None


def evidence_url(task: Task, area: Area) -> str | None:
    """Where the task's evidence is: its own link, else its page's, else None."""
    if task.evidence_url:
        return task.evidence_url
    return page_url(task.evidence, area)


def evidence_label(task: Task) -> str:
    """The words of the evidence link."""
    if task.evidence_url:
        return "The evidence (a link)"
    return task.get_evidence_display()
