"""Listings stay current: emailed one-click links, no sign-in; stale listings flagged."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.test import Client
from django.utils import timezone

from inspiring.accounts.models import AuditEntry
from inspiring.directory.actions import LinkAlreadyUsed, do_confirm_listing
from inspiring.directory.confirmation import (
    confirmation_token,
    due_for_request,
    send_confirmation_requests,
)
from inspiring.directory.models import Activity, ListingLinkUse, ListingReport
from tests.conftest import sign_in
from tests.personas import Personas

from .builders import Directory

pytestmark = pytest.mark.django_db


def age(item: Activity, days: int) -> None:
    Activity.objects.filter(pk=item.pk).update(
        last_confirmed_at=timezone.now() - timedelta(days=days)
    )
    item.refresh_from_db()


def test_groups_are_emailed_once_as_listings_near_their_date(directory: Directory) -> None:
    directory.knit.email = "knit@example.org"
    directory.knit.save()
    age(directory.knitting, 80)  # due at 90 days: asked 14 days early
    age(directory.walk, 10)
    assert [a.title for a in due_for_request()] == ["Knit and Natter"]
    result = send_confirmation_requests()
    assert result["listings_asked"] == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["knit@example.org"]
    assert "Knit and Natter" in message.body
    assert "/listings/confirm/" in message.body
    # Not asked again the next night.
    assert send_confirmation_requests()["listings_asked"] == 0
    assert len(mail.outbox) == 1


def test_a_group_without_an_email_address_is_counted_not_emailed(directory: Directory) -> None:
    age(directory.knitting, 100)
    result = send_confirmation_requests()
    assert result["no_email"] == 1 and len(mail.outbox) == 0


def test_one_click_confirms_the_listing_without_signing_in(
    client: Client, directory: Directory
) -> None:
    age(directory.knitting, 120)
    url = f"/listings/confirm/{confirmation_token(directory.knitting)}/"
    page = client.get(url)
    assert page.status_code == 200
    assert "Is this listing still right?" in page.text
    assert "Every Tuesday" in page.text
    response = client.post(url, {"answer": "same"})
    assert "Thank you" in response.text
    directory.knitting.refresh_from_db()
    assert timezone.now() - directory.knitting.last_confirmed_at < timedelta(minutes=1)
    assert directory.knitting.last_confirmed_by == "Kirkby Knit and Natter"
    assert (
        "Last confirmed by Kirkby Knit and Natter on"
        in client.get(f"/ashfield/activities/{directory.knitting.public_id}/").text
    )


def test_something_has_changed_goes_to_the_coordinator(
    client: Client, personas: Personas, directory: Directory
) -> None:
    url = f"/listings/confirm/{confirmation_token(directory.knitting)}/"
    empty = client.post(url, {"answer": "changed", "message": ""})
    assert "Tell us what has changed" in empty.text
    assert not ListingReport.objects.exists()
    client.post(url, {"answer": "changed", "message": "We now meet on Wednesdays."})
    report = ListingReport.objects.get()
    assert report.message == "We now meet on Wednesdays."
    sign_in(client, personas.coordinator)
    curation = client.get("/staff/curation/")
    assert "We now meet on Wednesdays." in curation.text
    client.post(f"/staff/curation/reports/{report.pk}/resolve/")
    report.refresh_from_db()
    assert report.resolved_by == personas.coordinator


def test_a_tampered_or_expired_link_explains_itself(
    client: Client, directory: Directory, settings: Any
) -> None:
    token = confirmation_token(directory.knitting)
    bad = client.get(f"/listings/confirm/{token[:-3]}xyz/")
    assert bad.status_code == 410
    assert "not complete or not right" in bad.text
    settings.CONFIRMATION_LINK_DAYS = 0
    expired = client.get(f"/listings/confirm/{token}/")
    assert expired.status_code == 410
    assert "This link has expired" in expired.text


def test_a_withdrawn_listing_has_nothing_to_confirm(client: Client, directory: Directory) -> None:
    token = confirmation_token(directory.knitting)
    Activity.objects.filter(pk=directory.knitting.pk).update(status="withdrawn")
    response = client.get(f"/listings/confirm/{token}/")
    assert response.status_code == 410
    assert "no longer published" in response.text


def test_the_coordinator_sees_stale_listings_and_the_share_confirmed(
    client: Client, personas: Personas, directory: Directory
) -> None:
    age(directory.knitting, 200)
    sign_in(client, personas.coordinator)
    html = client.get("/staff/curation/").text
    assert "Stale listings" in html
    stale_section = html.split('id="stale-listings">Stale listings</h2>')[1]
    assert "Knit and Natter" in stale_section
    # Ashfield's one published listing is not confirmed within 90 days: 0%, not 100%.
    assert 'app-figure">0%</span> confirmed in the last 90 days' in html
    assert "0 of 1" in html
    assert Activity.objects.stale().filter(pk=directory.knitting.pk).exists()


def test_the_email_link_works(client: Client, directory: Directory) -> None:
    directory.knit.email = "knit@example.org"
    directory.knit.save()
    age(directory.knitting, 85)
    send_confirmation_requests()
    link = re.search(r"http://testserver(/listings/confirm/\S+/)", str(mail.outbox[0].body))
    assert link is not None
    assert client.get(link.group(1)).status_code == 200


def test_one_organisations_bad_name_does_not_stop_the_others_being_asked(
    directory: Directory,
) -> None:
    for organisation, email in (
        (directory.knit, "knit@example.org"),
        (directory.walkers, "walk@example.org"),
    ):
        organisation.email = email
        organisation.save()
    directory.knit.name = "Kirkby Knit\nand Natter"
    directory.knit.save()
    Activity.objects.update(last_confirmed_at=timezone.now() - timedelta(days=100))
    result = send_confirmation_requests()
    assert result["failed"] == 0
    assert {m.to[0] for m in mail.outbox} >= {"knit@example.org", "walk@example.org"}
    assert all("\n" not in m.subject for m in mail.outbox)


@pytest.mark.usefixtures("frozen_today")
def test_a_link_confirms_once_and_then_says_when(client: Client, directory: Directory) -> None:
    age(directory.knitting, 120)
    url = f"/listings/confirm/{confirmation_token(directory.knitting)}/"
    assert client.post(url, {"answer": "same"}).status_code == 200
    directory.knitting.refresh_from_db()
    confirmed_at = directory.knitting.last_confirmed_at
    entries = AuditEntry.objects.filter(action="activity.confirmed").count()
    again = client.post(url, {"answer": "same"})
    assert again.status_code == 409
    assert "This listing was already confirmed on 2 March 2026" in again.text
    directory.knitting.refresh_from_db()
    assert directory.knitting.last_confirmed_at == confirmed_at
    assert AuditEntry.objects.filter(action="activity.confirmed").count() == entries
    assert ListingLinkUse.objects.count() == 1
    # The page says what the link has been used for.
    assert "This link was used on 2 March 2026 to say: still running as listed" in (
        client.get(url).text
    )


@pytest.mark.usefixtures("frozen_today")
def test_a_link_reports_a_change_once(client: Client, directory: Directory) -> None:
    url = f"/listings/confirm/{confirmation_token(directory.knitting)}/"
    message = {"answer": "changed", "message": "We now meet on Wednesdays."}
    client.post(url, message)
    again = client.post(url, message)
    assert again.status_code == 409
    assert "A change to this listing was already reported on 2 March 2026" in again.text
    assert ListingReport.objects.count() == 1
    assert AuditEntry.objects.filter(action="activity.change_reported").count() == 1


def test_each_answer_can_be_given_once_with_a_link(client: Client, directory: Directory) -> None:
    # Confirmed, then noticed something had changed after all: both are recorded, once.
    url = f"/listings/confirm/{confirmation_token(directory.knitting)}/"
    assert client.post(url, {"answer": "same"}).status_code == 200
    changed = client.post(url, {"answer": "changed", "message": "New time: 11:00."})
    assert changed.status_code == 200
    assert ListingReport.objects.count() == 1


def test_a_new_link_for_the_same_listing_works(client: Client, directory: Directory) -> None:
    first = confirmation_token(directory.knitting)
    client.post(f"/listings/confirm/{first}/", {"answer": "same"})
    # The next period's email, a day on: a link of its own.
    with mock.patch("django.core.signing.time.time", return_value=time.time() + 86_400):
        later = confirmation_token(directory.knitting)
    assert later != first
    assert client.post(f"/listings/confirm/{later}/", {"answer": "same"}).status_code == 200
    assert ListingLinkUse.objects.count() == 2


def test_the_same_answer_twice_at_once_is_recorded_once(rf: Any, directory: Directory) -> None:
    token = confirmation_token(directory.knitting)
    request = rf.post("/")
    request.user = AnonymousUser()
    do_confirm_listing(request, directory.knitting, token=token)
    with pytest.raises(LinkAlreadyUsed):
        do_confirm_listing(request, directory.knitting, token=token)
    assert ListingLinkUse.objects.filter(answer="confirmed").count() == 1


def test_a_megabyte_of_change_is_refused_and_nothing_recorded(
    client: Client, directory: Directory
) -> None:
    url = f"/listings/confirm/{confirmation_token(directory.knitting)}/"
    response = client.post(url, {"answer": "changed", "message": "a" * (1024 * 1024)})
    assert "What has changed must be 2,000 characters or fewer" in response.text
    assert not ListingReport.objects.exists()
    assert not ListingLinkUse.objects.exists()


# --- Signed in: the partner lead's own pages, and the coordinator's stale listings ----------


def test_a_due_listing_shows_on_the_partners_pages_with_one_click_still_right(
    client: Client, personas: Personas, directory: Directory
) -> None:
    age(directory.knitting, 80)  # due: asked two weeks before 90 days
    sign_in(client, personas.partner_lead)
    home = client.get("/staff/listings/")
    assert "Are these listings still right?" in home.text and "Knit and Natter" in home.text
    organisation_url = f"/staff/listings/organisations/{directory.knit.public_id}/"
    page = client.get(organisation_url)
    assert "Still right" in page.text and "Something has changed" in page.text
    response = client.post(
        organisation_url, {"activity": directory.knitting.public_id, "answer": "same"}
    )
    assert response.status_code == 302 and response["Location"] == organisation_url
    directory.knitting.refresh_from_db()
    assert timezone.now() - directory.knitting.last_confirmed_at < timedelta(minutes=1)
    assert directory.knitting.last_confirmed_by == "Priya Patel, Kirkby Knit and Natter"
    entry = AuditEntry.objects.get(action="activity.confirmed")
    assert entry.actor == personas.partner_lead and entry.detail["via"] == "signed in"
    # Confirmed: no longer asked.
    assert "Are these listings still right?" not in client.get(organisation_url).text


def test_a_current_listing_is_not_shown_as_due(
    client: Client, personas: Personas, directory: Directory
) -> None:
    age(directory.knitting, 30)
    sign_in(client, personas.partner_lead)
    assert "Are these listings still right?" not in client.get("/staff/listings/").text
    # Nor can it be "confirmed" by a crafted post: nothing changes.
    before = directory.knitting.last_confirmed_at
    client.post("/staff/listings/", {"activity": directory.knitting.public_id, "answer": "same"})
    directory.knitting.refresh_from_db()
    assert directory.knitting.last_confirmed_at == before


def test_a_stale_listing_says_so_and_something_has_changed_asks_what(
    client: Client, personas: Personas, directory: Directory
) -> None:
    age(directory.knitting, 200)
    sign_in(client, personas.partner_lead)
    page = client.get(f"/staff/listings/?changed={directory.knitting.public_id}")
    assert "Not confirmed" in page.text and "What has changed about Knit and Natter?" in page.text
    empty = client.post(
        "/staff/listings/", {"activity": directory.knitting.public_id, "answer": "changed"}
    )
    assert empty.status_code == 200
    assert "There is a problem" in empty.text and "Tell us what has changed" in empty.text
    assert not ListingReport.objects.exists()
    done = client.post(
        "/staff/listings/",
        {"activity": directory.knitting.public_id, "answer": "changed", "message": "Now Weds"},
    )
    assert done.status_code == 302
    report = ListingReport.objects.get()
    assert report.message == "Now Weds" and report.reported_by.startswith("Priya Patel")


def test_another_organisations_listing_cannot_be_confirmed(
    client: Client, personas: Personas, directory: Directory
) -> None:
    age(directory.walk, 200)  # Mansfield Walkers: not Priya's
    before = Activity.objects.get(pk=directory.walk.pk).last_confirmed_at
    sign_in(client, personas.partner_lead)
    client.post("/staff/listings/", {"activity": directory.walk.public_id, "answer": "same"})
    assert Activity.objects.get(pk=directory.walk.pk).last_confirmed_at == before


def test_the_coordinator_confirms_a_stale_listing_for_the_group_with_a_note(
    client: Client, personas: Personas, directory: Directory
) -> None:
    age(directory.knitting, 200)
    sign_in(client, personas.coordinator)
    target = {"activity": directory.knitting.public_id, "action": "confirm"}
    missing = client.post("/staff/curation/", target)
    assert missing.status_code == 200
    assert "Say how you know the listing is still right" in missing.text
    response = client.post("/staff/curation/", {**target, "note": "Phoned Sue on 4 December"})
    assert response.status_code == 302
    directory.knitting.refresh_from_db()
    assert directory.knitting.last_confirmed_by == "Chloe Carter for Kirkby Knit and Natter"
    entry = AuditEntry.objects.get(action="activity.confirmed")
    assert entry.detail == {
        "by": "Chloe Carter for Kirkby Knit and Natter",
        "via": "on behalf",
        "note": "Phoned Sue on 4 December",
    }
    assert "No listing is stale." in client.get("/staff/curation/").text


def test_the_coordinator_reminds_the_group_by_email(
    client: Client, personas: Personas, directory: Directory
) -> None:
    age(directory.knitting, 200)
    sign_in(client, personas.coordinator)
    target = {"activity": directory.knitting.public_id, "action": "remind"}
    no_address = client.post("/staff/curation/", target, follow=True)
    assert "has no email address" in no_address.text and not mail.outbox
    directory.knit.email = "knit@example.org"
    directory.knit.save()
    sent = client.post("/staff/curation/", target, follow=True)
    assert "has been emailed a reminder" in sent.text
    assert mail.outbox[0].to == ["knit@example.org"]
    assert "/listings/confirm/" in mail.outbox[0].body
    assert AuditEntry.objects.filter(action="activity.reminded").count() == 1
    directory.knitting.refresh_from_db()
    assert directory.knitting.confirmation_requested_at is not None


def test_a_failed_reminder_says_so(
    client: Client, personas: Personas, directory: Directory, settings: Any
) -> None:
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    age(directory.knitting, 200)
    directory.knit.email = "knit@example.org"
    directory.knit.save()
    sign_in(client, personas.coordinator)
    page = client.post(
        "/staff/curation/",
        {"activity": directory.knitting.public_id, "action": "remind"},
        follow=True,
    )
    assert "could not be sent" in page.text
    directory.knitting.refresh_from_db()
    assert directory.knitting.confirmation_requested_at is None


def test_the_coordinator_pauses_a_stale_listing(
    client: Client, personas: Personas, directory: Directory
) -> None:
    age(directory.knitting, 200)
    sign_in(client, personas.coordinator)
    client.post("/staff/curation/", {"activity": directory.knitting.public_id, "action": "pause"})
    directory.knitting.refresh_from_db()
    assert directory.knitting.capacity_status == Activity.CapacityStatus.PAUSED
    assert AuditEntry.objects.filter(action="activity.paused").exists()
    page = client.get("/staff/curation/").text
    assert "Paused" in page and "Pause the listing" not in page


def test_the_public_is_told_a_stale_listing_is_unconfirmed_and_stops_seeing_it_later(
    directory: Directory, settings: Any
) -> None:
    age(directory.knitting, 100)
    assert directory.knitting.public_staleness() is None
    age(directory.knitting, 200)
    month = f"{timezone.localtime(directory.knitting.last_confirmed_at):%B %Y}"
    assert directory.knitting.public_staleness() == (
        f"Not confirmed since {month}: check before you go"
    )
    ashfield = directory.knitting.home_area
    assert Activity.objects.visible_in(ashfield).filter(pk=directory.knitting.pk).exists()
    age(directory.knitting, 366)
    assert not Activity.objects.visible_in(ashfield).filter(pk=directory.knitting.pk).exists()
    settings.LISTING_HIDE_DAYS = 400
    assert Activity.objects.visible_in(ashfield).filter(pk=directory.knitting.pk).exists()
