"""Activities: what a partner runs, for whom, what it costs, and what makes it easier to go."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from lib.text import render_markdown

from .organisations import Organisation, Venue
from .taxonomy import Category, SupportFeature
from .text import limited

if TYPE_CHECKING:
    from inspiring.areas.models import Area


class ActivityQuerySet(models.QuerySet["Activity"]):
    def live(self) -> ActivityQuerySet:
        """The listings themselves, not a partner's proposed revision of one."""
        return self.filter(revision_of__isnull=True)

    def published(self) -> ActivityQuerySet:
        return self.live().filter(status=Activity.Status.PUBLISHED)

    def visible_in(self, area: Area) -> ActivityQuerySet:
        """Published activities people in `area` see: its own and those of areas sharing with it."""
        from inspiring.areas.models import Area as AreaModel

        return (
            self.published()
            .filter(home_area__in=AreaModel.objects.sharing_with(area))
            .not_hidden_as_unconfirmed()
        )

    def not_hidden_as_unconfirmed(self) -> ActivityQuerySet:
        """Left out of public pages once unconfirmed for LISTING_HIDE_DAYS: by then the
        group may well have stopped, and a wasted journey costs someone their confidence."""
        limit = timezone.now() - timedelta(days=settings.LISTING_HIDE_DAYS)
        return self.filter(last_confirmed_at__gte=limit)

    def running(self) -> ActivityQuerySet:
        """Not paused: sessions are going ahead."""
        return self.exclude(capacity_status=Activity.CapacityStatus.PAUSED)

    def confirmed_since(self, when: Any) -> ActivityQuerySet:
        return self.filter(last_confirmed_at__gte=when)

    def stale(self, days: int | None = None) -> ActivityQuerySet:
        """Unconfirmed for longer than the stale period: flagged, left out of suggestions."""
        period = days if days is not None else settings.LISTING_STALE_DAYS
        return self.filter(last_confirmed_at__lt=timezone.now() - timedelta(days=period))


class Activity(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        PUBLISHED = "published", "Published"
        RETURNED = "returned", "Sent back for changes"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Cost(models.TextChoices):
        FREE = "free", "Free"
        PAY_WHAT_YOU_CAN = "pay_what_you_can", "Pay what you can"
        PRICED = "priced", "Priced"

    class Booking(models.TextChoices):
        DROP_IN = "drop_in", "Drop in"
        BOOK_FIRST = "book_first", "Book first"
        REFERRAL_ONLY = "referral_only", "By referral only"

    class CapacityStatus(models.TextChoices):
        WELCOMING = "welcoming", "Welcoming new people"
        LIMITED = "limited", "Limited spaces"
        FULL = "full", "Full, with a waiting list"
        PAUSED = "paused", "Paused"

    class BringSomeone(models.TextChoices):
        YES = "yes", "Yes, you can bring someone"
        NO = "no", "No"
        ASK = "ask", "Ask first"

    class Source(models.TextChoices):
        MANUAL = "manual", "Entered on this site"
        ICAL = "ical", "Calendar feed"
        OPEN_REFERRAL = "oruk", "Open Referral import"
        CSV = "csv", "CSV import"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="activities"
    )
    # The area whose programme the activity belongs to; areas sharing with it show it too.
    home_area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="activities")
    venue = models.ForeignKey(
        Venue, null=True, blank=True, on_delete=models.PROTECT, related_name="activities"
    )
    online = models.BooleanField("takes place online", default=False)
    # A support group, say, may not publish its address: the listing shows the locality.
    hide_address = models.BooleanField(
        "do not show the address", default=False, help_text="Show only the locality below"
    )
    locality = models.CharField(
        max_length=100, blank=True, help_text="For example, Kirkby-in-Ashfield"
    )

    title = models.CharField(max_length=150)
    summary = models.CharField(max_length=300, help_text="One or two sentences")
    # Published at once (for a trusted partner) through both open-data APIs: a page
    # of text, not a book.
    description = models.TextField(
        blank=True,
        help_text="Markdown: **bold**, *italic*, lists and links",
        **limited(5000, "Description"),
    )
    description_html = models.TextField(blank=True, editable=False)
    categories = models.ManyToManyField(Category, related_name="activities")
    support_features = models.ManyToManyField(SupportFeature, blank=True, related_name="activities")

    min_age = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    max_age = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    audience = models.CharField(
        "who it is for", max_length=200, blank=True, help_text="For example, adults over 50"
    )

    cost = models.CharField(max_length=20, choices=Cost.choices, default=Cost.FREE)
    price = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    concession_price = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    cost_notes = models.CharField(max_length=200, blank=True)

    booking = models.CharField(max_length=20, choices=Booking.choices, default=Booking.DROP_IN)
    booking_url = models.URLField(blank=True)
    capacity = models.PositiveIntegerField(null=True, blank=True, validators=[MinValueValidator(1)])
    # Booking a place on this site, where its schedules give places per session: link
    # workers always can; residents too if the group allows it.
    public_booking = models.BooleanField(
        "anyone can book a place online",
        default=False,
        help_text="Otherwise only link workers book places, for the people they support",
    )
    waiting_list = models.BooleanField(
        "keep a waiting list when a session is full",
        default=True,
        help_text="A place given up goes to the first person waiting, who is told",
    )
    # Bookings made through other sites (the OpenActive Open Booking API) wait for the
    # group to accept them: for groups that meet new people before they join.
    approve_bookings = models.BooleanField(
        "accept each booking made through other sites first",
        default=False,
        help_text="For groups that like to meet new people before they join",
    )
    capacity_status = models.CharField(
        max_length=20, choices=CapacityStatus.choices, default=CapacityStatus.WELCOMING
    )

    # The first visit: what helps someone walk through the door.
    greeter = models.CharField("who will greet you", max_length=200, blank=True)
    bring_someone = models.CharField(
        "can you bring someone", max_length=5, choices=BringSomeone.choices, default="yes"
    )
    what_to_expect = models.TextField(blank=True, **limited(1000, "What to expect"))

    contact_name = models.CharField(max_length=150, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=30, blank=True)

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    review_note = models.TextField(
        blank=True,
        help_text="The coordinator's note to the partner",
        **limited(2000, "The note"),
    )
    # A partner's proposed change to a published activity, waiting for approval.
    revision_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="revisions"
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    source_ref = models.CharField(max_length=300, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="published_activities",
    )
    published_at = models.DateTimeField(null=True, blank=True)
    last_confirmed_at = models.DateTimeField(default=timezone.now)
    last_confirmed_by = models.CharField(max_length=200, blank=True)
    # When the group was last emailed a confirmation link (one email per period).
    confirmation_requested_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "activities"
        indexes = [
            models.Index(fields=["home_area", "status"], name="activity_area_status"),
            models.Index(fields=["last_confirmed_at"], name="activity_confirmed"),
            # The few online activities, for matching's "near the person, or online".
            models.Index(
                fields=["online"], condition=models.Q(online=True), name="activity_online"
            ),
            # The OpenActive session-series feed pages in this order (RPDE: changed, id).
            models.Index(fields=["updated_at", "public_id"], name="activity_changed"),
            # ORUK /services pages the published listings in this order: a page is a
            # range of this index, and their count its length (an index-only scan of
            # narrow entries, not the table: 28 ms, not 100, at 250,000).
            models.Index(
                fields=["title", "id"],
                condition=models.Q(status="published", revision_of__isnull=True),
                name="activity_published_title",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_age__isnull=True)
                | models.Q(max_age__isnull=True)
                | models.Q(min_age__lte=models.F("max_age")),
                name="activity_age_range_in_order",
            ),
            models.CheckConstraint(
                condition=~models.Q(cost="priced") | models.Q(price__isnull=False),
                name="activity_priced_has_price",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.description_html = render_markdown(self.description)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse(
            "directory:activity",
            kwargs={"slug": self.home_area.slug, "public_id": self.public_id},
        )

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            errors["max_age"] = "The oldest age must be the same as or more than the youngest"
        if self.cost == self.Cost.PRICED and self.price is None:
            errors["price"] = "Enter the price, like 3.50"
        if self.cost != self.Cost.PRICED and (self.price or self.concession_price):
            errors["price"] = "Leave the price empty unless the activity is priced"
        if (
            self.price is not None
            and self.concession_price is not None
            and self.concession_price > self.price
        ):
            errors["concession_price"] = "The concession price must not be more than the price"
        if self.venue_id is None and not self.online:
            errors["venue"] = "Choose a venue, or say the activity takes place online"
        if errors:
            raise ValidationError(errors)

    # --- What people are shown -------------------------------------------------

    @property
    def is_free(self) -> bool:
        return self.cost == self.Cost.FREE

    @property
    def cost_label(self) -> str:
        if self.cost == self.Cost.PRICED and self.price is not None:
            label = f"£{self.price:.2f}"
            if self.concession_price is not None:
                label += f" (£{self.concession_price:.2f} concessions)"
            return label
        return str(self.get_cost_display())

    @property
    def age_label(self) -> str:
        if self.min_age is not None and self.max_age is not None:
            return f"Ages {self.min_age} to {self.max_age}"
        if self.min_age is not None:
            return f"Ages {self.min_age} and over"
        if self.max_age is not None:
            return f"Ages up to {self.max_age}"
        return "All ages"

    @property
    def place_label(self) -> str:
        """Where, as the public may be told: the locality when the address is hidden."""
        if self.hide_address:
            return self.locality or (self.venue.town if self.venue else "")
        if self.venue is not None:
            return str(self.venue)
        return "Online" if self.online else ""

    @property
    def shows_venue(self) -> bool:
        return self.venue is not None and not self.hide_address

    def public_staleness(self) -> str | None:
        """What the public is told about a stale listing (None while it is current): the
        month it was last confirmed, and to check before going."""
        if self.last_confirmed_at >= timezone.now() - timedelta(days=settings.LISTING_STALE_DAYS):
            return None
        since = timezone.localtime(self.last_confirmed_at)
        return f"Not confirmed since {since:%B %Y}: check before you go"


class ListingReport(models.Model):
    """A group's "something has changed" from a confirmation link, for the coordinator."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="reports")
    message = models.TextField(**limited(2000, "What has changed"))
    reported_by = models.CharField(max_length=200, blank=True)
    reported_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-reported_at"]

    def __str__(self) -> str:
        return f"Report on {self.activity} at {self.reported_at:%Y-%m-%d}"


class ListingLinkUse(models.Model):
    """An answer given with an emailed confirmation link: each link gives each answer once.

    Without this a link could be replayed (a double click, a forwarded email, a
    scanner following links) to confirm a listing again and again, or to file
    the same report twice, for as long as it is valid.
    """

    class Answer(models.TextChoices):
        CONFIRMED = "confirmed", "Still running as listed"
        CHANGED = "changed", "Something has changed"

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="link_uses")
    # SHA-256 of the link's token: enough to know it again, useless to anyone reading it.
    token_digest = models.CharField(max_length=64)
    answer = models.CharField(max_length=10, choices=Answer.choices)
    used_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["token_digest", "answer"], name="one_answer_per_confirmation_link"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_answer_display()} for {self.activity_id} at {self.used_at:%Y-%m-%d}"
