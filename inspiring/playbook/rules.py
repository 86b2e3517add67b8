"""What the platform's own data says of an area, for the tasks that complete themselves.

`count(area, rule)` is the number a rule's task compares with its `target` (a survey
published: 1; 30 partners listed: 30); `says(rule, n, target)` puts it in words, shown
beside the task ("Done: 31 partner organisations listed"). One query a rule; the
progress view asks each rule once an area (`counts`).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from inspiring.accounts.models import AuditEntry, Membership
from inspiring.accounts.roles import Role
from inspiring.areas.models import Area
from inspiring.casework.models import Connection, Referral
from inspiring.directory.models import Activity, Organisation
from inspiring.surveys.models import Response, Survey

from .models import ShareProposal, Task, TrainingRecord

Rule = Task.Rule

# Words for a count: (singular, plural), as in "31 partner organisations listed".
NOUNS: dict[str, tuple[str, str]] = {
    Rule.SURVEY_OPEN: ("community survey published", "community surveys published"),
    Rule.SURVEY_RESPONSES: ("response to the survey", "responses to the survey"),
    Rule.PARTNERS_LISTED: ("partner organisation listed", "partner organisations listed"),
    Rule.ACTIVITIES_PUBLISHED: ("activity published", "activities published"),
    Rule.LINK_WORKERS: ("link worker in the team", "link workers in the team"),
    Rule.TRAINED: ("training completed", "trainings completed"),
    Rule.SHARING_AGREED: ("sharing agreement", "sharing agreements"),
    Rule.REFERRALS: ("referral received", "referrals received"),
    Rule.CONNECTIONS: ("connection to an activity", "connections to activities"),
    Rule.REPORT: ("monitoring report downloaded", "monitoring reports downloaded"),
}


def count(area: Area, rule: str) -> int:
    if rule == Rule.SURVEY_OPEN:
        return Survey.objects.filter(
            area=area, status__in=(Survey.Status.OPEN, Survey.Status.CLOSED)
        ).count()
    if rule == Rule.SURVEY_RESPONSES:
        # Real responses only: the demo's made-up ones complete nothing.
        return Response.objects.filter(survey__area=area, synthetic=False).count()
    if rule == Rule.PARTNERS_LISTED:
        return Organisation.objects.filter(home_area=area).count()
    if rule == Rule.ACTIVITIES_PUBLISHED:
        return Activity.objects.published().filter(home_area=area).count()
    if rule == Rule.LINK_WORKERS:
        return Membership.objects.filter(area=area, role=Role.LINK_WORKER).count()
    if rule == Rule.TRAINED:
        return TrainingRecord.objects.filter(area=area).count()
    if rule == Rule.SHARING_AGREED:
        return ShareProposal.objects.filter(
            Q(asking=area) | Q(offering=area), status=ShareProposal.Status.ACCEPTED
        ).count()
    if rule == Rule.REFERRALS:
        return Referral.objects.filter(client__area=area).count()
    if rule == Rule.CONNECTIONS:
        return (
            Connection.objects.filter(client__area=area)
            .exclude(status=Connection.Status.WITHDRAWN)
            .count()
        )
    if rule == Rule.REPORT:
        return AuditEntry.objects.filter(area=area, action="monitoring.exported").count()
    raise ValueError(f"No such rule: {rule!r}")


def counts(area: Area, rules: Iterable[str]) -> dict[str, int]:
    return {rule: count(area, rule) for rule in sorted(set(rules)) if rule}


def says(rule: str, n: int) -> str:
    one, many = NOUNS[rule]
    return f"{n:,} {one if n == 1 else many}"
