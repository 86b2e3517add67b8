"""The case timeline (issue 14, point 10): ordered by when things happened, with the dates
every other page shows (a referral when it was received, an assessment on its date, a
connection's steps on theirs, a contact when it took place), and also the person's
groups, handovers, safeguarding concerns (a flag, only for those who may see concerns)
and how the case closed; closing a case is a visible action on the case page."""

from __future__ import annotations

import json
import re
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from inspiring.accounts.models import Membership, User
from inspiring.accounts.roles import Role
from inspiring.casework.actions.clients import (
    do_add_group,
    do_change_referral_status,
    do_record_contact,
    do_save_assessment,
)
from inspiring.casework.actions.connections import do_advance_connection, do_connect
from inspiring.casework.models import (
    Assessment,
    Connection,
    Contact,
    GroupMembership,
    Handover,
    Referral,
    SafeguardingConcern,
    SafeguardingLead,
)
from inspiring.casework.timeline import timeline
from tests.conftest import sign_in
from tests.personas import Personas

from .conftest import Casework

pytestmark = pytest.mark.django_db

SECRET = "Her nephew takes her pension."


def _days_ago(days: int) -> Any:
    return timezone.localdate() - timedelta(days=days)


def _typed_late(casework: Casework, request: Any) -> dict[str, Any]:
    """Mary's story typed in today, though it happened over three months: received 95
    days ago, a call 85 days ago, assessed 84 days ago, connected and at her first visit
    10 days ago."""
    mary = casework.mary
    referral = mary.referrals.get()
    received = _days_ago(95)
    Referral.objects.filter(pk=referral.pk).update(received_on=received, status_changed_on=received)
    referral.changes.update(on=received)
    call = timezone.make_aware(datetime.combine(_days_ago(85), time(11, 30)))
    do_record_contact(request, mary, Contact(kind="phone", on=call, minutes=20))
    do_save_assessment(
        request, mary, Assessment(what_matters="Getting out more", assessed_on=_days_ago(84)), []
    )
    walk = do_connect(
        request, mary, Connection(activity=casework.walk, status=Connection.Status.AGREED)
    )
    walk.steps.update(on=_days_ago(12))
    do_advance_connection(request, walk, Connection.Status.ATTENDED_FIRST, on=_days_ago(10))
    return {"referral": referral, "received": received, "call": call, "walk": walk}


def test_the_timeline_is_in_the_order_things_happened_with_their_dates(
    signed_in: Browser, casework: Casework, request_as_liam: Any
) -> None:
    story = _typed_late(casework, request_as_liam)
    entries = timeline(casework.mary)
    days = [entry.on for entry in entries]
    assert days == sorted(days, reverse=True)
    titles = [entry.title for entry in entries]
    # Newest first: the first visit, ..., the call, then the referral, received first.
    assert titles.index("Health walk: went to the first visit") < titles.index("Assessed")
    assert titles.index("Assessed") < titles.index("Phone, 20 minutes")
    assert titles.index("Phone, 20 minutes") < titles.index("Referral received from GP")
    received = next(e for e in entries if e.title.startswith("Referral received"))
    assert received.on == story["received"] and titles[-1] == received.title
    assessed = next(e for e in entries if e.title == "Assessed")
    assert assessed.on == _days_ago(84)

    page = signed_in.get(casework.mary.get_absolute_url()).content.decode()
    section = page[page.index("<h2>Timeline</h2>") :]
    # The same dates as the rest of the page: received as in the referrals table...
    assert f'<time datetime="{story["received"].isoformat()}">' in section
    assert f"{story['received']:%-d %B %Y}" in section
    # ...and the call at its time; the referral (typed today) below the call (85 days ago).
    assert f"{timezone.localtime(story['call']):%-d %B %Y, %H:%M}" in section
    assert section.index("Phone, 20 minutes") < section.index("Referral received")
    # Dates typed today are not shown as today.
    assert f"{timezone.localdate():%-d %B %Y}, " not in section.split("Phone, 20 minutes")[1]


def test_active_since_is_the_same_date_on_every_page(
    signed_in: Browser, casework: Casework, request_as_liam: Any
) -> None:
    story = _typed_late(casework, request_as_liam)
    referral = Referral.objects.get(pk=story["referral"].pk)
    assert referral.status == Referral.Status.ACTIVE
    since = referral.status_changed_on
    case_page = signed_in.get(casework.mary.get_absolute_url()).content.decode()
    assert f"since {since:%-d %b %Y}" in case_page
    referral_page = signed_in.get(
        reverse("casework:referral_status", args=[referral.public_id])
    ).content.decode()
    assert f"Active since {since:%-d %B %Y}" in referral_page
    assert f"Active on {since:%-d %B %Y}" in referral_page
    active = next(e for e in timeline(casework.mary) if e.title == "Referral active")
    assert active.on == since


def test_the_message_back_says_assessed_on_the_assessments_date(
    signed_in: Browser, casework: Casework, request_as_liam: Any
) -> None:
    mary = casework.mary
    referral = mary.referrals.get()
    Referral.objects.filter(pk=referral.pk).update(
        received_on=_days_ago(10), status_changed_on=_days_ago(10)
    )
    referral.refresh_from_db()
    # Moved on by hand a day before the assessment was written up with its own date.
    do_change_referral_status(request_as_liam, referral, "contacted", on=_days_ago(3))
    do_change_referral_status(request_as_liam, referral, "assessed", on=_days_ago(2))
    do_save_assessment(
        request_as_liam, mary, Assessment(what_matters="Company", assessed_on=_days_ago(1)), []
    )
    page = signed_in.get(mary.get_absolute_url()).content.decode()
    assert f"{_days_ago(1):%-d %B %Y}" in page
    response = signed_in.get(reverse("casework:message_back_json", args=[mary.public_id]))
    assert json.loads(response.content)["dates"]["assessed"] == _days_ago(1).isoformat()


def test_groups_handovers_and_how_the_case_closed_are_on_the_timeline(
    signed_in: Browser, casework: Casework, request_as_liam: Any, personas: Personas
) -> None:
    mary = casework.mary
    do_add_group(
        request_as_liam,
        mary,
        GroupMembership(
            name="Chapel friends", kind="faith", importance=5, positivity=4, contact="weekly"
        ),
    )
    Handover.objects.create(
        client=mary, from_worker=personas.coordinator, to_worker=personas.link_worker
    )
    referral = mary.referrals.get()
    today = timezone.localdate()
    for status in ("contacted", "assessed"):
        do_change_referral_status(request_as_liam, referral, status, on=today)
    page = signed_in.get(mary.get_absolute_url()).content.decode()
    section = page[page.index("<h2>Timeline</h2>") :]
    assert "Joined a group: Chapel friends" in section
    assert "Handed over from" in section and "to Liam" in section

    # Closing is a visible action on the case page, to the form with closed chosen.
    close = re.search(r'<a href="([^"]+)">Close this case', page)
    assert close is not None
    form = signed_in.get(close.group(1).replace("&amp;", "&")).content.decode()
    assert re.search(r'value="closed"[^>]*checked', form)
    response = signed_in.post(
        close.group(1).replace("&amp;", "&"),
        {
            "status": "closed",
            "on": today.isoformat(),
            "reason": "Going to the walk every week",
            "outcome": "goals_met",
        },
    )
    assert response.status_code == 302
    page = signed_in.get(mary.get_absolute_url()).content.decode()
    section = page[page.index("<h2>Timeline</h2>") :]
    assert "Case closed: Goals met: connected and attending" in section
    assert "Going to the walk every week" in section
    assert "Close this case" not in page  # closed: nothing to close


def test_a_case_that_cannot_be_closed_yet_offers_no_close(
    signed_in: Browser, casework: Casework
) -> None:
    page = signed_in.get(casework.mary.get_absolute_url()).content.decode()
    assert "Close this case" not in page  # received: declined or unable to contact first


def _member(email: str, name: str, personas: Personas) -> User:
    user = User.objects.create_user(email, None, full_name=name)
    Membership.objects.create(user=user, area=personas.ashfield, role=Role.LINK_WORKER)
    return user


def test_a_safeguarding_concern_is_a_flag_for_those_who_may_see_concerns_only(
    casework: Casework, personas: Personas
) -> None:
    lead = _member("sam@ashfield.test", "Sam Lead", personas)
    deputy = _member("dee@ashfield.test", "Dee Deputy", personas)
    other = _member("olga@ashfield.test", "Olga Other", personas)
    SafeguardingLead.objects.create(area=personas.ashfield, user=lead, deputy=deputy)
    concern = SafeguardingConcern.objects.create(
        client=casework.mary,
        raised_by=personas.link_worker,
        concern=SECRET,
        category="financial",
        urgency="24_hours",
        referral_consent="yes",
    )
    concern_url = reverse("casework:concern", args=[concern.public_id])

    def timeline_as(user: User) -> str:
        browser = Browser()
        sign_in(browser, user, area=personas.ashfield)
        page = browser.get(casework.mary.get_absolute_url()).content.decode()
        return page[page.index("<h2>Timeline</h2>") :]

    for allowed in (lead, deputy, personas.link_worker):  # the lead, the deputy, the raiser
        section = timeline_as(allowed)
        assert "Safeguarding concern raised" in section and concern_url in section
        assert SECRET not in section and "financial" not in section.lower()
    section = timeline_as(other)
    assert "Safeguarding" not in section and concern_url not in section
