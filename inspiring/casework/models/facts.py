"""Monitoring's summary rows: per referral, connection, stop or decline, assessment,
outcome follow-up (a row a scale) and group membership.

Each row holds what monitoring's figures (casework.figures) need of one record, worked
out from the record and its history (status changes, steps, attendances, the client's
area and groups), so that a period's figures are a few indexed scans of one narrow
table instead of joins of the casework tables with correlated subqueries. They are
derived data, never edited: `casework.facts` works out a client's rows again, in the
same transaction, whenever any of their records changes (and `manage.py casework_facts
check` proves the stored rows equal a fresh working-out; `rebuild` writes them all).

Nothing here is shown to anyone: no names, no free text. Erased clients keep their
rows as their other records stay (dates, statuses, coded reasons); what erasure blanks
(date of birth, sex, ethnic group) is blank here too, as in the records it comes from.
"""

from __future__ import annotations

from django.db import models


class ReferralFact(models.Model):
    """A referral, for the figures of the period it was received in."""

    referral = models.OneToOneField(
        "casework.Referral", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    area = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey("casework.Client", on_delete=models.CASCADE, related_name="+")
    received_on = models.DateField()
    source = models.CharField(max_length=30)
    reasons = models.JSONField(default=list)
    # The client's practice now: from the loaded list, or typed by hand (not in it).
    practice = models.ForeignKey(
        "areas.GPPractice", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    typed_practice = models.BooleanField(default=False)
    # The first step to contacted or assessed, and its days after received_on; the
    # first to declined, unable to contact or closed (not contacted by a day D: still
    # waiting at D when this is null or after D).
    contacted_on = models.DateField(null=True)
    contact_days = models.IntegerField(null=True)
    ended_on = models.DateField(null=True)
    # The client's first visit to any activity (a connection not withdrawn) dated on or
    # after received_on.
    visited_on = models.DateField(null=True)
    # The client's referral before this one (by received_on, then id): this is their
    # first in a period starting on S when it is null or before S.
    previous_on = models.DateField(null=True)
    # The client's groups for equity: IMD quintile "1".."5", age band on received_on.
    imd_quintile = models.CharField(max_length=1, blank=True)
    age_band = models.CharField(max_length=5, blank=True)
    sex = models.CharField(max_length=20, blank=True)
    ethnic_group = models.CharField(max_length=40, blank=True)

    class Meta:
        indexes = [
            # Covering on PostgreSQL (INCLUDE; SQLite ignores it): a period's figures
            # read the index alone, not rows scattered over the table.
            models.Index(
                fields=["area", "received_on"],
                include=[
                    "referral",
                    "client",
                    "source",
                    "reasons",
                    "practice",
                    "typed_practice",
                    "contacted_on",
                    "contact_days",
                    "ended_on",
                    "visited_on",
                    "previous_on",
                    "imd_quintile",
                    "age_band",
                    "sex",
                    "ethnic_group",
                ],
                name="casework_rfact_area_on",
            ),
            models.Index(fields=["area", "contacted_on"], name="casework_rfact_area_contact"),
        ]

    def __str__(self) -> str:
        return f"Referral {self.pk} ({self.received_on})"


class ConnectionFact(models.Model):
    """A connection not withdrawn: when made, first visited, and what shows it kept going.

    `came_6_on` / `came_12_on`: the first attendance (attended) dated at least 6 / 12
    weeks after the first visit; `stop_6_on` / `stop_12_on`: the first step to stopped,
    when it is dated less than 6 / 12 weeks after the first visit (an early stop);
    `attending_on`: the first step to attending. Retention at N weeks, as at a day D, is
    then: came_N_on <= D, or attending_on <= D and not stop_N_on <= D."""

    connection = models.OneToOneField(
        "casework.Connection", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    area = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey("casework.Client", on_delete=models.CASCADE, related_name="+")
    activity = models.ForeignKey("directory.Activity", on_delete=models.CASCADE, related_name="+")
    made_on = models.DateField()
    first_visit_on = models.DateField(null=True)
    attending_on = models.DateField(null=True)
    came_6_on = models.DateField(null=True)
    came_12_on = models.DateField(null=True)
    stop_6_on = models.DateField(null=True)
    stop_12_on = models.DateField(null=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["area", "made_on"],
                include=["connection", "client", "activity"],
                name="casework_cfact_area_made",
            ),
            models.Index(
                fields=["area", "first_visit_on"],
                include=[
                    "connection",
                    "client",
                    "attending_on",
                    "came_6_on",
                    "came_12_on",
                    "stop_6_on",
                    "stop_12_on",
                ],
                name="casework_cfact_area_visit",
            ),
            models.Index(fields=["activity", "first_visit_on"], name="casework_cfact_activity"),
        ]

    def __str__(self) -> str:
        return f"Connection {self.pk} ({self.made_on})"


class StepFact(models.Model):
    """A step to stopped or declined of a connection not withdrawn, with its coded reason."""

    step = models.OneToOneField(
        "casework.ConnectionStep", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    area = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey("casework.Client", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=20)
    on = models.DateField()
    reason_code = models.CharField(max_length=30, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["area", "on"],
                include=["step", "status", "reason_code"],
                name="casework_sfact_area_on",
            )
        ]

    def __str__(self) -> str:
        return f"Step {self.pk} ({self.status} {self.on})"


class AssessmentFact(models.Model):
    """An assessment: the interests (category ids) and barriers it names, and the day of
    the client's next assessment (by assessed_on, then id), so that their latest in a
    period ending on E is the one in it whose next is null or after E."""

    assessment = models.OneToOneField(
        "casework.Assessment", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    area = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey("casework.Client", on_delete=models.CASCADE, related_name="+")
    assessed_on = models.DateField()
    next_on = models.DateField(null=True)
    interests = models.JSONField(default=list)
    barriers = models.JSONField(default=list)

    class Meta:
        indexes = [
            models.Index(
                fields=["area", "assessed_on"],
                include=["assessment", "client", "next_on", "interests", "barriers"],
                name="casework_afact_area_on",
            )
        ]

    def __str__(self) -> str:
        return f"Assessment {self.pk} ({self.assessed_on})"


class OutcomeFact(models.Model):
    """One scale of a complete follow-up that has a complete baseline on or before it
    (the client's first of the instrument): both scores, and the day of the client's
    next complete follow-up of the instrument (in the order they were answered), so
    that their latest up to a day E is the one whose next is null or after E."""

    administration = models.ForeignKey(
        "casework.Administration", on_delete=models.CASCADE, related_name="+"
    )
    area = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey("casework.Client", on_delete=models.CASCADE, related_name="+")
    instrument_code = models.CharField(max_length=60)
    instrument_version = models.CharField(max_length=20)
    scale = models.CharField(max_length=60)
    administered_on = models.DateField()
    next_on = models.DateField(null=True)
    before = models.FloatField()
    after = models.FloatField()

    class Meta:
        indexes = [
            models.Index(
                fields=["area", "administered_on"],
                include=[
                    "client",
                    "instrument_code",
                    "instrument_version",
                    "scale",
                    "next_on",
                    "before",
                    "after",
                ],
                name="casework_ofact_area_on",
            ),
            models.Index(
                fields=["client", "instrument_code", "scale", "administered_on"],
                name="casework_ofact_client",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_code} {self.scale} ({self.administered_on})"


class MembershipFact(models.Model):
    """A group membership, by the day it was joined."""

    membership = models.OneToOneField(
        "casework.GroupMembership", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    area = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey("casework.Client", on_delete=models.CASCADE, related_name="+")
    joined_on = models.DateField()

    class Meta:
        indexes = [
            models.Index(
                fields=["area", "joined_on"],
                include=["membership", "client"],
                name="casework_mfact_area_on",
            )
        ]

    def __str__(self) -> str:
        return f"Membership {self.pk} ({self.joined_on})"
