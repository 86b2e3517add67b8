"""The playbook: how a new area starts the programme, and what it shares.

- `Stage` and `Task`: an area's stages (scoping, informing, connecting, roll-out) and
  their tasks, copied from the area it started from (or the blueprint in defaults.py).
  A task has an owner, a due date and evidence (a page the platform already shows, or
  a link); some complete themselves from the platform's own data (`rule`, rules.py).
- `Resource` and `TrainingRecord`: guides, slide decks, videos (by link) and files for
  link workers, partner groups and coordinators, shared by every area or kept to one;
  who completed which training, per area.
- `ShareProposal`: one area asks another to share its activities (the other area's
  coordinator accepts or declines); every proposal is kept, with its answer.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from lib.text import limited

# The largest file a resource may hold (stored in the database, as booklets are: no
# shared file system is needed behind several web processes).
MAX_RESOURCE_BYTES = 10 * 1024 * 1024


class Stage(models.Model):
    class Code(models.TextChoices):
        SCOPING = "scoping", "Scoping"
        INFORMING = "informing", "Informing"
        CONNECTING = "connecting", "Connecting"
        ROLL_OUT = "roll_out", "Roll-out"

    area = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="stages")
    code = models.CharField(max_length=20, choices=Code.choices)
    title = models.CharField(max_length=100)
    summary = models.TextField(blank=True, **limited(2000, "The summary"))
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["area", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["area", "code"], name="playbook_one_stage_per_code")
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.area})"


class Task(models.Model):
    class Evidence(models.TextChoices):
        """A page the platform shows that is the task's evidence (links.py)."""

        NONE = "", "None"
        SURVEY = "survey", "The community survey"
        SURVEY_SUMMARY = "survey_summary", "The survey summary"
        GAPS = "gaps", "The gaps between what residents want and what is on"
        PARTNERS = "partners", "The partners and their listings"
        CALENDAR = "calendar", "The public calendar (What's on)"
        TRAINING = "training", "Training and resources"
        SHARING = "sharing", "Sharing with neighbouring areas"
        TEAM = "team", "The area's team"
        REFERRALS = "referrals", "New referrals"
        MONITORING = "monitoring", "The monitoring report"

    class Rule(models.TextChoices):
        """What completes the task by itself (rules.py), `target` its number."""

        NONE = "", "Completed by hand"
        SURVEY_OPEN = "survey_open", "The community survey is published"
        SURVEY_RESPONSES = "survey_responses", "Responses to the community survey"
        PARTNERS_LISTED = "partners_listed", "Partner organisations listed"
        ACTIVITIES_PUBLISHED = "activities_published", "Activities published in the calendar"
        LINK_WORKERS = "link_workers", "Link workers in the team"
        TRAINED = "trained", "People trained"
        SHARING_AGREED = "sharing_agreed", "Sharing agreed with a neighbouring area"
        REFERRALS = "referrals", "Referrals received"
        CONNECTIONS = "connections", "People connected to an activity"
        REPORT = "report", "Monitoring report downloaded"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=200)
    detail = models.TextField(blank=True, **limited(3000, "The detail"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_on = models.DateField("due", null=True, blank=True)
    evidence = models.CharField(max_length=20, choices=Evidence.choices, blank=True)
    evidence_url = models.URLField("evidence (a link)", blank=True, max_length=500)
    rule = models.CharField(max_length=30, choices=Rule.choices, blank=True)
    target = models.PositiveIntegerField(default=1)
    # Done by hand (a rule's task is done when its rule is met, and says so).
    done_on = models.DateField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    order = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["stage__order", "order", "pk"]

    def __str__(self) -> str:
        return self.title


class Resource(models.Model):
    class Audience(models.TextChoices):
        LINK_WORKERS = "link_workers", "Link workers"
        PARTNERS = "partners", "Partner groups"
        COORDINATORS = "coordinators", "Coordinators"
        EVERYONE = "everyone", "Everyone"

    class Kind(models.TextChoices):
        GUIDE = "guide", "Guide"
        SLIDES = "slides", "Slide deck"
        VIDEO = "video", "Video"
        TRAINING = "training", "Training"
        LINK = "link", "Link"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # None: shared with every area (site administrators keep these).
    area = models.ForeignKey(
        "areas.Area", null=True, blank=True, on_delete=models.CASCADE, related_name="resources"
    )
    audience = models.CharField(max_length=20, choices=Audience.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True, **limited(1000, "The summary"))
    # A page's text (Markdown), a link (a video, a deck online), or a file: at least one.
    body = models.TextField(blank=True, **limited(20000, "The page"))
    url = models.URLField("link", blank=True, max_length=500)
    file = models.BinaryField(null=True, blank=True, editable=False)
    file_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    file_size = models.PositiveIntegerField(null=True, blank=True)
    # People completing it is recorded (TrainingRecord), and counts in the playbook.
    is_training = models.BooleanField("people complete it (training)", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["audience", "title", "pk"]

    def __str__(self) -> str:
        return self.title


class TrainingRecord(models.Model):
    """Someone in an area completed a training (a Resource with is_training)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    area = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="+")
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="completions")
    # A member of the team, or someone named (a partner group's volunteer).
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    person_name = models.CharField("name", max_length=150, blank=True)
    audience = models.CharField(max_length=20, choices=Resource.Audience.choices)
    completed_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-completed_on", "pk"]

    def __str__(self) -> str:
        return f"{self.resource} ({self.completed_on})"


class ShareProposal(models.Model):
    """`asking` asks `offering` to share its activities with it (on acceptance,
    offering.shares_with gains asking: asking's residents see offering's activities)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Waiting for an answer"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    asking = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="+")
    offering = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="+")
    # What the asking area lacks (directory Category slugs), as shown when it asked.
    categories = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True, **limited(2000, "The message"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField(blank=True, **limited(2000, "The answer"))
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(asking=models.F("offering")),
                name="playbook_share_between_two_areas",
            ),
            models.UniqueConstraint(
                fields=["asking", "offering"],
                condition=models.Q(status="proposed"),
                name="playbook_one_open_proposal_per_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asking} asks {self.offering}"
