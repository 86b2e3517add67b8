"""Keeping one listing current from its staff page: how current it is, a coordinator's
remind / confirm for the group / pause, and "Set running again" in one click."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from inspiring.accounts.models import AuditEntry
from inspiring.directory.actions import pending_revision
from inspiring.directory.models import Activity
from tests.conftest import sign_in
from tests.personas import Personas

from .builders import Directory

pytestmark = pytest.mark.django_db

PAUSED = Activity.CapacityStatus.PAUSED
WELCOMING = Activity.CapacityStatus.WELCOMING


def age(item: Activity, days: int) -> None:
    Activity.objects.filter(pk=item.pk).update(
        last_confirmed_at=timezone.now() - timedelta(days=days)
    )


def pause(item: Activity) -> None:
    Activity.objects.filter(pk=item.pk).update(capacity_status=PAUSED)


def page_url(item: Activity) -> str:
    return f"/staff/listings/activities/{item.public_id}/"


def resume_url(item: Activity) -> str:
    return f"/staff/listings/activities/{item.public_id}/run-again/"


# --- How current it is ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "tag", "words"),
    [
        (10, "Confirmed", "Confirmed in the last 90 days"),
        (80, "Due", "Due: listings are confirmed every 90 days"),
        (200, "Not confirmed", "Not confirmed for over 180 days"),
    ],
)
@pytest.mark.parametrize("who", ["coordinator", "partner_lead"])
def test_the_staff_activity_page_says_how_current_the_listing_is(
    client: Client,
    personas: Personas,
    directory: Directory,
    days: int,
    tag: str,
    words: str,
    who: str,
) -> None:
    age(directory.knitting, days)
    sign_in(client, getattr(personas, who))
    html = client.get(page_url(directory.knitting)).text
    assert 'id="keeping-it-current"' in html
    assert f'">{tag}</strong>' in html and words in html
    when = timezone.localtime(timezone.now() - timedelta(days=days))
    assert f"Last confirmed by Kirkby Knit and Natter on {when.day} {when:%B %Y}" in html


def test_a_coordinator_can_remind_confirm_or_pause_from_the_activity_page(
    client: Client, personas: Personas, directory: Directory
) -> None:
    age(directory.knitting, 80)  # due, not yet stale: the actions are there all the same
    sign_in(client, personas.coordinator)
    html = client.get(page_url(directory.knitting)).text
    for name in ("Remind the group", "Confirm for them", "Pause the listing"):
        assert f"{name}<span" in html, name
    assert "Set running again" not in html


def test_a_partner_lead_is_pointed_to_still_right_not_the_coordinators_actions(
    client: Client, personas: Personas, directory: Directory
) -> None:
    age(directory.knitting, 80)
    sign_in(client, personas.partner_lead)
    html = client.get(page_url(directory.knitting)).text
    assert "Remind the group" not in html and "Pause the listing" not in html
    organisation = f"/staff/listings/organisations/{directory.knit.public_id}/"
    assert f'href="{organisation}#confirm-{directory.knitting.public_id}"' in html
    # Nor can they pause it with a crafted post.
    client.post(
        page_url(directory.knitting), {"activity": directory.knitting.public_id, "action": "pause"}
    )
    assert Activity.objects.get(pk=directory.knitting.pk).capacity_status == WELCOMING
    assert not AuditEntry.objects.filter(action="activity.paused").exists()


def test_a_listing_not_yet_published_has_no_freshness_or_actions(
    client: Client, personas: Personas, directory: Directory
) -> None:
    Activity.objects.filter(pk=directory.knitting.pk).update(status=Activity.Status.PENDING)
    sign_in(client, personas.coordinator)
    html = client.get(page_url(directory.knitting)).text
    assert 'id="keeping-it-current"' not in html and "Remind the group" not in html
    response = client.post(
        page_url(directory.knitting), {"activity": directory.knitting.public_id, "action": "pause"}
    )
    assert response.status_code == 200
    assert Activity.objects.get(pk=directory.knitting.pk).capacity_status == WELCOMING


# --- The coordinator's actions, from the activity page -----------------------------------


def test_the_coordinator_confirms_for_the_group_with_a_note_from_the_activity_page(
    client: Client, personas: Personas, directory: Directory
) -> None:
    age(directory.knitting, 200)
    sign_in(client, personas.coordinator)
    url = page_url(directory.knitting)
    opened = client.get(f"{url}?confirm={directory.knitting.public_id}").text
    assert "How do you know it is still right?" in opened
    target = {"activity": directory.knitting.public_id, "action": "confirm"}
    missing = client.post(url, target)
    assert missing.status_code == 200
    assert "There is a problem" in missing.text
    assert 'href="#id_note">Say how you know the listing is still right' in missing.text
    assert not AuditEntry.objects.filter(action="activity.confirmed").exists()
    done = client.post(url, {**target, "note": "Phoned Sue on 4 December"})
    assert done.status_code == 302 and done["Location"] == f"{url}#keeping-it-current"
    knitting = Activity.objects.get(pk=directory.knitting.pk)
    assert knitting.last_confirmed_by == "Chloe Carter for Kirkby Knit and Natter"
    entry = AuditEntry.objects.get(action="activity.confirmed")
    assert entry.detail["via"] == "on behalf" and entry.detail["note"] == "Phoned Sue on 4 December"
    page = client.get(url).text
    assert "is confirmed on behalf of the group" in page
    assert '">Confirmed</strong>' in page


def test_the_coordinator_reminds_the_group_from_the_activity_page(
    client: Client, personas: Personas, directory: Directory
) -> None:
    age(directory.knitting, 80)
    directory.knit.email = "knit@example.org"
    directory.knit.save()
    sign_in(client, personas.coordinator)
    page = client.post(
        page_url(directory.knitting),
        {"activity": directory.knitting.public_id, "action": "remind"},
        follow=True,
    )
    assert "Kirkby Knit and Natter has been emailed a reminder" in page.text
    assert mail.outbox[0].to == ["knit@example.org"]
    assert AuditEntry.objects.filter(action="activity.reminded").count() == 1
    assert "the group was last asked on" in page.text


def test_the_coordinator_pauses_from_the_activity_page(
    client: Client, personas: Personas, directory: Directory
) -> None:
    sign_in(client, personas.coordinator)
    page = client.post(
        page_url(directory.knitting),
        {"activity": directory.knitting.public_id, "action": "pause"},
        follow=True,
    )
    assert "Knit and Natter is paused" in page.text
    assert Activity.objects.get(pk=directory.knitting.pk).capacity_status == PAUSED
    assert AuditEntry.objects.filter(action="activity.paused").count() == 1
    assert "Pause the listing" not in page.text
    assert "Set running again<span" in page.text


def test_an_action_posted_for_another_listing_does_nothing(
    client: Client, personas: Personas, directory: Directory
) -> None:
    # The page acts on its own listing only, whatever public id is posted.
    other = Activity.objects.create(
        organisation=directory.knit,
        home_area=directory.knit.home_area,
        title="Other",
        status=Activity.Status.PUBLISHED,
    )
    sign_in(client, personas.coordinator)
    response = client.post(
        page_url(directory.knitting), {"activity": other.public_id, "action": "pause"}
    )
    assert response.status_code == 302
    assert Activity.objects.get(pk=other.pk).capacity_status == WELCOMING


def test_another_areas_coordinator_gets_404(
    client: Client, personas: Personas, directory: Directory
) -> None:
    sign_in(client, personas.mansfield_coordinator)
    response = client.post(
        page_url(directory.knitting), {"activity": directory.knitting.public_id, "action": "pause"}
    )
    assert response.status_code == 404
    assert Activity.objects.get(pk=directory.knitting.pk).capacity_status == WELCOMING


# --- Set running again ---------------------------------------------------------------


def test_set_running_again_resumes_a_paused_listing_and_is_audited(
    client: Client, personas: Personas, directory: Directory
) -> None:
    pause(directory.knitting)
    sign_in(client, personas.coordinator)
    response = client.post(resume_url(directory.knitting))
    assert response.status_code == 302
    assert response["Location"] == f"{page_url(directory.knitting)}#keeping-it-current"
    knitting = Activity.objects.get(pk=directory.knitting.pk)
    assert knitting.capacity_status == WELCOMING
    assert Activity.objects.running().filter(pk=knitting.pk).exists()
    entry = AuditEntry.objects.get(action="activity.resumed")
    assert entry.actor == personas.coordinator and entry.area == personas.ashfield
    page = client.get(response["Location"]).text
    assert "Knit and Natter is running again" in page
    assert "Set running again" not in page and '">Paused</strong>' not in page


def test_set_running_again_is_post_only(
    client: Client, personas: Personas, directory: Directory
) -> None:
    pause(directory.knitting)
    sign_in(client, personas.coordinator)
    assert client.get(resume_url(directory.knitting)).status_code == 405
    assert Activity.objects.get(pk=directory.knitting.pk).capacity_status == PAUSED


def test_a_listing_that_is_not_paused_is_left_alone(
    client: Client, personas: Personas, directory: Directory
) -> None:
    sign_in(client, personas.coordinator)
    page = client.post(resume_url(directory.knitting), follow=True)
    assert "Knit and Natter is not paused." in page.text
    assert not AuditEntry.objects.filter(action="activity.resumed").exists()


@pytest.mark.parametrize("who", ["mansfield_coordinator", "partner_lead"])
def test_set_running_again_outside_ones_own_listings_is_404(
    client: Client, personas: Personas, directory: Directory, who: str
) -> None:
    # Ashfield's listing for Mansfield's coordinator; Mansfield Walkers' for Priya, who
    # leads only Kirkby Knit and Natter.
    item = directory.knitting if who == "mansfield_coordinator" else directory.walk
    pause(item)
    sign_in(client, getattr(personas, who))
    assert client.post(resume_url(item)).status_code == 404
    assert Activity.objects.get(pk=item.pk).capacity_status == PAUSED
    assert not AuditEntry.objects.filter(action="activity.resumed").exists()


def test_a_partner_lead_sets_their_own_listing_running_from_their_pages(
    client: Client, personas: Personas, directory: Directory
) -> None:
    pause(directory.knitting)
    age(directory.knitting, 200)  # paused for want of an answer
    sign_in(client, personas.partner_lead)
    organisation = f"/staff/listings/organisations/{directory.knit.public_id}/"
    for url in ("/staff/listings/", organisation, page_url(directory.knitting)):
        html = client.get(url).text
        assert "Set running again<span" in html, url
        assert f'action="{resume_url(directory.knitting)}"' in html, url
    response = client.post(resume_url(directory.knitting), {"back": "organisation"})
    assert response.status_code == 302 and response["Location"] == organisation
    knitting = Activity.objects.get(pk=directory.knitting.pk)
    assert knitting.capacity_status == WELCOMING
    assert AuditEntry.objects.get(action="activity.resumed").actor == personas.partner_lead
    # Still stale: it says so, and says what to do.
    page = client.get(organisation).text
    assert "Knit and Natter is running again" in page and "say it is still right" in page
    # "back" names a page; anything else returns to the listing.
    pause(directory.knitting)
    other = client.post(resume_url(directory.knitting), {"back": "https://example.org/"})
    assert other["Location"] == f"{page_url(directory.knitting)}#keeping-it-current"


def test_a_change_waiting_for_approval_does_not_pause_it_again(
    client: Client, personas: Personas, directory: Directory
) -> None:
    pause(directory.knitting)
    revision = pending_revision(Activity.objects.get(pk=directory.knitting.pk))
    assert revision.capacity_status == PAUSED  # copied while paused
    sign_in(client, personas.partner_lead)
    assert client.post(resume_url(revision)).status_code == 404  # the listing, not the change
    client.post(resume_url(directory.knitting))
    revision.refresh_from_db()
    assert revision.capacity_status == WELCOMING
    client.logout()
    sign_in(client, personas.coordinator)
    client.post(f"/staff/curation/review/{revision.public_id}/", {"decision": "approve"})
    assert Activity.objects.get(pk=directory.knitting.pk).capacity_status == WELCOMING
