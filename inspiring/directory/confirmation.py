"""Keeping listings current: signed, expiring links emailed to groups (no sign-in), and
which listings are due or stale, for the pages where groups and coordinators answer.

A link carries the activity's public id, signed with the site's secret key and
timestamped: it works for CONFIRMATION_LINK_DAYS, for that one listing only,
and gives each answer once (see ListingLinkUse).
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import BadHeaderError, send_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import Activity, ActivityQuerySet, Organisation

_SALT = "inspiring.directory.confirm-listing"
logger = logging.getLogger(__name__)
# Ask this many days before a listing is due, so groups have time to answer.
ASK_DAYS_EARLY = 14


def confirmation_token(activity: Activity) -> str:
    return signing.TimestampSigner(salt=_SALT).sign(str(activity.public_id))


def token_digest(token: str) -> str:
    """What is kept of a used link: its SHA-256, to know it again without storing it."""
    return hashlib.sha256(token.encode()).hexdigest()


def confirmation_url(activity: Activity) -> str:
    path = reverse("directory:confirm_listing", kwargs={"token": confirmation_token(activity)})
    return f"{settings.SITE_URL}{path}"


class LinkProblem(Exception):
    """str(error) explains the problem to the person who followed the link."""


def activity_from_token(token: str) -> Activity:
    signer = signing.TimestampSigner(salt=_SALT)
    try:
        public_id = signer.unsign(token, max_age=timedelta(days=settings.CONFIRMATION_LINK_DAYS))
    except signing.SignatureExpired:
        raise LinkProblem(
            "This link has expired. We will email a new one when the listing is next due, or "
            "contact your programme's coordinator."
        ) from None
    except signing.BadSignature:
        raise LinkProblem(
            "This link is not complete or not right. "
            "Check you copied the whole link from the email."
        ) from None
    activity = (
        Activity.objects.published()
        .select_related("organisation", "home_area", "venue")
        .filter(public_id=public_id)
        .first()
    )
    if activity is None:
        raise LinkProblem("This listing is no longer published, so there is nothing to confirm.")
    return activity


def due_for_request(now: datetime | None = None) -> list[Activity]:
    """Published listings nearing their confirmation date that have not been asked this period."""
    now = now or timezone.now()
    due = now - timedelta(days=settings.LISTING_CONFIRM_DAYS - ASK_DAYS_EARLY)
    asked_recently = now - timedelta(days=ASK_DAYS_EARLY)
    return list(
        Activity.objects.published()
        .filter(last_confirmed_at__lte=due)
        .filter(
            Q(confirmation_requested_at__isnull=True)
            | Q(confirmation_requested_at__lt=asked_recently)
        )
        .select_related("organisation", "home_area")
        .order_by("organisation_id", "title")
    )


def send_confirmation_requests(now: datetime | None = None) -> dict[str, int]:
    """Email each organisation one message listing its due activities, each with its links."""
    now = now or timezone.now()
    by_organisation: dict[Organisation, list[Activity]] = defaultdict(list)
    for activity in due_for_request(now):
        by_organisation[activity.organisation].append(activity)
    sent = skipped = failed = 0
    for organisation, activities in by_organisation.items():
        recipient = organisation.email or next(
            (a.contact_email for a in activities if a.contact_email), ""
        )
        if not recipient:
            skipped += len(activities)
            continue
        context = {
            "organisation": organisation,
            "items": [(a, confirmation_url(a)) for a in activities],
            "days": settings.CONFIRMATION_LINK_DAYS,
        }
        # One line, whatever the organisation's name holds (a header cannot have newlines).
        subject = " ".join(f"Are your listings still right? ({organisation.name})".split())
        try:
            send_mail(
                subject=subject,
                message=render_to_string("directory/email/confirm_listings.txt", context),
                from_email=None,
                recipient_list=[recipient],
            )
        except (smtplib.SMTPException, OSError, BadHeaderError) as exc:
            # One organisation's failure must not stop the others being asked.
            logger.warning("Confirmation email to %s not sent: %s", organisation.pk, exc)
            failed += len(activities)
            continue
        Activity.objects.filter(pk__in=[a.pk for a in activities]).update(
            confirmation_requested_at=now
        )
        sent += len(activities)
    return {
        "organisations": len(by_organisation),
        "listings_asked": sent,
        "no_email": skipped,
        "failed": failed,
    }


def send_reminder(activity: Activity, recipient: str) -> str | None:
    """Email one listing's confirmation link to its group now (a coordinator's reminder).

    Returns None when sent, else what went wrong, in words for the coordinator."""
    context = {
        "organisation": activity.organisation,
        "items": [(activity, confirmation_url(activity))],
        "days": settings.CONFIRMATION_LINK_DAYS,
    }
    subject = " ".join(f"Is your listing still right? ({activity.organisation.name})".split())
    try:
        send_mail(
            subject=subject,
            message=render_to_string("directory/email/confirm_listings.txt", context),
            from_email=None,
            recipient_list=[recipient],
        )
    except (smtplib.SMTPException, OSError, BadHeaderError) as exc:
        logger.warning("Reminder to %s not sent: %s", activity.organisation.pk, exc)
        return (
            f"The reminder to {recipient} could not be sent ({type(exc).__name__}). "
            "Try again later, or phone the group."
        )
    return None


def confirmation_state(activity: Activity, now: datetime | None = None) -> str | None:
    """'stale' past LISTING_STALE_DAYS, 'due' from when the group is asked (two weeks before
    LISTING_CONFIRM_DAYS), else None: current."""
    now = now or timezone.now()
    age = now - activity.last_confirmed_at
    if age > timedelta(days=settings.LISTING_STALE_DAYS):
        return "stale"
    if age >= timedelta(days=settings.LISTING_CONFIRM_DAYS - ASK_DAYS_EARLY):
        return "due"
    return None


def needing_confirmation(activities: ActivityQuerySet) -> list[Activity]:
    """The published listings among `activities` that are due or stale, oldest first, each
    with `.confirmation` set to 'due' or 'stale'."""
    now = timezone.now()
    due = now - timedelta(days=settings.LISTING_CONFIRM_DAYS - ASK_DAYS_EARLY)
    found = list(
        activities.published()
        .filter(last_confirmed_at__lte=due)
        .select_related("organisation")
        .order_by("last_confirmed_at", "title")
    )
    for activity in found:
        activity.confirmation = confirmation_state(activity, now)  # type: ignore[attr-defined]
    return found
