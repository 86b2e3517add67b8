"""The playbook's progress and tasks: tasks completing themselves from the platform's
data, the progress page, changing, adding, marking done and deleting a task (stale
edits refused, every change audited), who may, the evidence links and the home card."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from inspiring.accounts.home import CARDS
from inspiring.accounts.models import AuditEntry
from inspiring.casework.models import Client, Referral
from inspiring.playbook import links
from inspiring.playbook.defaults import ensure_stages
from inspiring.playbook.models import ShareProposal, Stage, Task
from inspiring.playbook.progress import progress
from inspiring.surveys.actions import do_create_from_template, do_open
from tests.conftest import sign_in
from tests.directory.builders import organisation
from tests.personas import Personas

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PROGRESS = reverse("playbook:progress")


def task_of(area: Any, rule: str = "", title: str = "") -> Task:
    found = Task.objects.filter(stage__area=area)
    return found.get(rule=rule) if rule else found.get(title=title)


def dates(name: str, day: date) -> dict[str, str]:
    return {
        f"{name}_day": str(day.day),
        f"{name}_month": str(day.month),
        f"{name}_year": str(day.year),
    }


def form_data(task: Task, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": task.title,
        "detail": task.detail,
        "owner": str(task.owner_id or ""),
        "evidence": task.evidence,
        "evidence_url": task.evidence_url,
        "rule": task.rule,
        "target": str(task.target),
        "version": str(task.version),
        "due_on_day": "",
        "due_on_month": "",
        "due_on_year": "",
    }
    data.update(changes)
    return data


@pytest.fixture
def chloe(client: Browser, personas: Personas) -> Browser:
    """Signed in as Chloe, Ashfield's coordinator, with Ashfield's playbook."""
    ensure_stages(personas.ashfield)
    return sign_in(client, personas.coordinator)


# --- Tasks that complete themselves --------------------------------------------------


def state_of(area: Any, rule: str) -> Any:
    return next(t for s in progress(area).stages for t in s.tasks if t.task.rule == rule)


def test_publishing_the_survey_completes_the_survey_task(personas: Personas) -> None:
    ensure_stages(personas.ashfield)
    before = state_of(personas.ashfield, Task.Rule.SURVEY_OPEN)
    assert not before.done and before.says == "1 needed: 0 community surveys published so far"

    survey = do_create_from_template(None, personas.ashfield, by=personas.coordinator)
    assert not state_of(personas.ashfield, Task.Rule.SURVEY_OPEN).done  # a draft is not
    do_open(None, survey)

    after = state_of(personas.ashfield, Task.Rule.SURVEY_OPEN)
    assert after.done and after.by_rule
    assert after.says == "Done: 1 community survey published"
    # Its evidence is now the survey's summary.
    assert links.evidence_url(after.task, personas.ashfield) == reverse(
        "surveys:summary", kwargs={"public_id": survey.public_id}
    )
    # Mansfield's playbook knows nothing of it.
    ensure_stages(personas.mansfield)
    assert not state_of(personas.mansfield, Task.Rule.SURVEY_OPEN).done


def test_thirty_partners_listed_complete_the_mapping_task(personas: Personas) -> None:
    ensure_stages(personas.ashfield)
    for n in range(29):
        organisation(personas.ashfield, f"Group {n}")
    organisation(personas.mansfield, "Mansfield's own group")
    waiting = state_of(personas.ashfield, Task.Rule.PARTNERS_LISTED)
    assert not waiting.done
    assert waiting.says == "30 needed: 29 partner organisations listed so far"

    organisation(personas.ashfield, "Group 29")
    organisation(personas.ashfield, "Group 30")
    done = state_of(personas.ashfield, Task.Rule.PARTNERS_LISTED)
    assert done.done and done.says == "Done: 31 partner organisations listed"


def test_the_first_referral_completes_the_referrals_task(personas: Personas) -> None:
    ensure_stages(personas.ashfield)
    assert not state_of(personas.ashfield, Task.Rule.REFERRALS).done
    client = Client.objects.create(
        area=personas.ashfield, first_name="Ann", last_name="Test", consent_to_hold=True
    )
    Referral.objects.create(
        client=client,
        source="gp",
        reasons=["loneliness"],
        received_on=TODAY,
        status_changed_on=TODAY,
    )
    done = state_of(personas.ashfield, Task.Rule.REFERRALS)
    assert done.done and done.says == "Done: 1 referral received"


def test_the_progress_page_says_what_the_platform_says(chloe: Browser, personas: Personas) -> None:
    for n in range(31):
        organisation(personas.ashfield, f"Group {n}")
    page = chloe.get(PROGRESS).content.decode()
    assert "Done: 31 partner organisations listed" in page
    assert "Current stage" in page and "Scoping" in page
    # The mapping task, and the link workers' (Liam is in the team).
    found = progress(personas.ashfield)
    assert found.done == 2
    assert f"{found.percent}%: 2 of {found.total} tasks" in page


# --- The progress page and who may see it --------------------------------------------


def test_a_coordinator_sees_their_own_areas_playbook(chloe: Browser, personas: Personas) -> None:
    ensure_stages(personas.mansfield)
    mine = task_of(personas.ashfield, Task.Rule.PARTNERS_LISTED)
    theirs = task_of(personas.mansfield, Task.Rule.PARTNERS_LISTED)
    response = chloe.get(PROGRESS)
    assert response.status_code == 200
    page = response.content.decode()
    for title in ("Scoping", "Informing", "Connecting", "Roll-out"):
        assert title in page
    assert str(mine.public_id) in page and str(theirs.public_id) not in page
    assert reverse("matching:gaps") in page  # the gaps task's evidence


def test_an_overdue_task_is_tagged(chloe: Browser, personas: Personas) -> None:
    task = task_of(personas.ashfield, title="Recruit partners")
    task.due_on = TODAY - timedelta(days=1)
    task.save()
    page = chloe.get(PROGRESS).content.decode()
    assert "Overdue" in page


def test_another_areas_task_is_not_found(chloe: Browser, personas: Personas) -> None:
    ensure_stages(personas.mansfield)
    theirs = task_of(personas.mansfield, Task.Rule.PARTNERS_LISTED)
    for name in ("playbook:task", "playbook:task_delete"):
        assert chloe.get(reverse(name, args=[theirs.public_id])).status_code == 404
    assert (
        chloe.post(
            reverse("playbook:task_done", args=[theirs.public_id]),
            {"done": "yes", "version": "1"},
        ).status_code
        == 404
    )
    assert (
        chloe.post(reverse("playbook:task", args=[theirs.public_id]), form_data(theirs)).status_code
        == 404
    )
    theirs.refresh_from_db()
    assert theirs.version == 1 and theirs.done_on is None
    assert chloe.get(reverse("playbook:task_add", args=["nonsense"])).status_code == 404


@pytest.mark.parametrize("who", ["link_worker", "partner_lead", "commissioner"])
def test_other_roles_may_not(client: Browser, personas: Personas, who: str) -> None:
    ensure_stages(personas.ashfield)
    task = task_of(personas.ashfield, Task.Rule.PARTNERS_LISTED)
    sign_in(client, getattr(personas, who), area=personas.ashfield)
    assert client.get(PROGRESS).status_code == 403
    assert client.get(reverse("playbook:task", args=[task.public_id])).status_code == 403
    assert client.post(reverse("playbook:use_blueprint")).status_code == 403


def test_an_area_with_no_playbook_starts_from_the_blueprint(
    client: Browser, personas: Personas
) -> None:
    sign_in(client, personas.coordinator)
    page = client.get(PROGRESS).content.decode()
    assert "has no playbook yet" in page and "Start from the blueprint" in page
    assert client.get(reverse("playbook:use_blueprint")).status_code == 405

    response = client.post(reverse("playbook:use_blueprint"), follow=True)
    made = Task.objects.filter(stage__area=personas.ashfield).count()
    assert made > 0
    assert f"The playbook is ready: {made} tasks in 4 stages." in response.content.decode()
    assert AuditEntry.objects.filter(action="playbook.task_added", area=personas.ashfield).exists()

    # Twice changes nothing.
    response = client.post(reverse("playbook:use_blueprint"), follow=True)
    assert "nothing was changed" in response.content.decode()
    assert Task.objects.filter(stage__area=personas.ashfield).count() == made


# --- Changing a task -------------------------------------------------------------------


def test_changing_a_task_saves_owner_and_due_date(chloe: Browser, personas: Personas) -> None:
    task = task_of(personas.ashfield, Task.Rule.PARTNERS_LISTED)
    url = reverse("playbook:task", args=[task.public_id])
    page = chloe.get(url).content.decode()
    assert "Liam Walsh" in page  # the team are the owners to choose from
    assert "Marcus Reid" not in page  # Mansfield's coordinator is not

    due = TODAY + timedelta(days=30)
    response = chloe.post(
        url,
        form_data(task, owner=str(personas.link_worker.pk), target="25", **dates("due_on", due)),
    )
    assert response.status_code == 302
    assert response["Location"] == f"{PROGRESS}#task-{task.public_id}"
    task.refresh_from_db()
    assert task.owner == personas.link_worker and task.due_on == due
    assert task.target == 25 and task.version == 2
    entry = AuditEntry.objects.get(action="playbook.task_changed")
    assert entry.area == personas.ashfield and entry.object_id == str(task.public_id)
    assert set(entry.detail["fields"]) == {"owner", "due_on", "target"}


def test_an_owner_from_another_team_is_refused(chloe: Browser, personas: Personas) -> None:
    task = task_of(personas.ashfield, Task.Rule.PARTNERS_LISTED)
    response = chloe.post(
        reverse("playbook:task", args=[task.public_id]),
        form_data(task, owner=str(personas.mansfield_coordinator.pk)),
    )
    assert response.status_code == 200
    assert "Choose the owner from the area&#x27;s team" in response.content.decode()
    task.refresh_from_db()
    assert task.owner is None and task.version == 1


def test_a_date_that_is_not_real_is_refused_keeping_what_was_typed(
    chloe: Browser, personas: Personas
) -> None:
    task = task_of(personas.ashfield, Task.Rule.PARTNERS_LISTED)
    response = chloe.post(
        reverse("playbook:task", args=[task.public_id]),
        form_data(
            task,
            title="Map the groups of Ashfield",
            due_on_day="31",
            due_on_month="2",
            due_on_year="2027",
        ),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and "The due date must be a real date" in page
    assert 'value="Map the groups of Ashfield"' in page and 'value="31"' in page
    assert page.startswith("<!DOCTYPE html>") or "<title>Error:" in page
    assert "<title>Error: " in page
    task.refresh_from_db()
    assert task.title != "Map the groups of Ashfield" and task.version == 1


def test_a_stale_change_is_refused_and_nothing_typed_is_lost(
    chloe: Browser, personas: Personas
) -> None:
    task = task_of(personas.ashfield, Task.Rule.PARTNERS_LISTED)
    Task.objects.filter(pk=task.pk).update(title="Someone else's change", version=2)
    response = chloe.post(
        reverse("playbook:task", args=[task.public_id]),
        form_data(task, title="My change", version="1"),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Your changes were not saved" in page
    assert "Someone else changed this task" in page
    assert 'value="My change"' in page  # what they typed
    assert "Someone else&#x27;s change" in page  # what is saved now
    assert response.context["form"]["version"].value() == "2"
    task.refresh_from_db()
    assert task.title == "Someone else's change" and task.version == 2
    assert not AuditEntry.objects.filter(action="playbook.task_changed").exists()

    # Saving again, now against version 2, is their decision.
    response = chloe.post(
        reverse("playbook:task", args=[task.public_id]),
        form_data(task, title="My change", version="2"),
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.title == "My change" and task.version == 3


def test_a_change_keeps_the_task_done(chloe: Browser, personas: Personas) -> None:
    task = task_of(personas.ashfield, title="Recruit partners")
    Task.objects.filter(pk=task.pk).update(done_on=TODAY, done_by=personas.coordinator)
    task.refresh_from_db()
    chloe.post(reverse("playbook:task", args=[task.public_id]), form_data(task, detail="More"))
    task.refresh_from_db()
    assert task.detail == "More" and task.done_on == TODAY


# --- Done by hand ---------------------------------------------------------------------


def test_marking_a_task_done_and_undoing_it(chloe: Browser, personas: Personas) -> None:
    task = task_of(personas.ashfield, title="Recruit partners")
    done_url = reverse("playbook:task_done", args=[task.public_id])
    page_url = reverse("playbook:task", args=[task.public_id])
    assert "Mark as done today" in chloe.get(page_url).content.decode()

    response = chloe.post(done_url, {"done": "yes", "version": "1"}, follow=True)
    page = response.content.decode()
    assert "is marked done" in page
    assert f"Done by hand on {TODAY:%-d %B %Y}, by Chloe Carter" in page
    assert "Mark as not done" in page
    task.refresh_from_db()
    assert task.done_on == TODAY and task.done_by == personas.coordinator and task.version == 2
    assert AuditEntry.objects.get(action="playbook.task_changed").detail["done"] == str(TODAY)

    # A second press from the page opened before it is stale, and says so.
    response = chloe.post(done_url, {"done": "no", "version": "1"}, follow=True)
    assert "so it was not marked" in response.content.decode()
    task.refresh_from_db()
    assert task.done_on == TODAY

    response = chloe.post(done_url, {"done": "no", "version": "2"}, follow=True)
    assert "is no longer marked done" in response.content.decode()
    task.refresh_from_db()
    assert task.done_on is None and task.done_by is None and task.version == 3

    assert chloe.post(done_url, {"done": "maybe", "version": "3"}).status_code == 400
    assert chloe.post(done_url, {"done": "yes"}).status_code == 400
    assert chloe.get(done_url).status_code == 405


# --- Adding and deleting -----------------------------------------------------------------


def test_adding_a_task_to_a_stage(chloe: Browser, personas: Personas) -> None:
    url = reverse("playbook:task_add", args=[Stage.Code.CONNECTING])
    assert "Add a task to Connecting" in chloe.get(url).content.decode()

    response = chloe.post(url, {"title": "  ", "target": "1"})
    assert response.status_code == 200 and "Enter the task" in response.content.decode()

    response = chloe.post(
        url,
        {
            "title": "Meet the district's libraries",
            "target": "1",
            "evidence_url": "example.org/libraries",
            **dates("due_on", TODAY + timedelta(days=10)),
        },
    )
    assert response.status_code == 302
    task = task_of(personas.ashfield, title="Meet the district's libraries")
    assert task.stage.code == Stage.Code.CONNECTING
    assert task.evidence_url == "https://example.org/libraries"
    assert task.order == Task.objects.filter(stage=task.stage).count()  # at the end
    assert links.evidence_url(task, personas.ashfield) == "https://example.org/libraries"
    entry = AuditEntry.objects.get(action="playbook.task_added")
    assert entry.object_id == str(task.public_id) and entry.area == personas.ashfield
    assert "Meet the district&#x27;s libraries" in chloe.get(PROGRESS).content.decode()


def test_deleting_a_task_asks_first(chloe: Browser, personas: Personas) -> None:
    task = task_of(personas.ashfield, title="Recruit partners")
    url = reverse("playbook:task_delete", args=[task.public_id])
    page = chloe.get(url).content.decode()
    assert "Are you sure you want to delete the task" in page and "No, keep it" in page
    assert Task.objects.filter(pk=task.pk).exists()

    response = chloe.post(url)
    assert response.status_code == 302
    assert response["Location"] == f"{PROGRESS}#stage-connecting"
    assert not Task.objects.filter(pk=task.pk).exists()
    entry = AuditEntry.objects.get(action="playbook.task_deleted")
    assert entry.detail["title"] == "Recruit partners"
    assert chloe.get(url).status_code == 404


# --- Evidence links and the home card ------------------------------------------------


def test_every_evidence_page_has_an_address(personas: Personas) -> None:
    area = personas.ashfield
    for value in Task.Evidence.values:
        url = links.page_url(value, area)
        if value == "":
            assert url is None
        elif value in (Task.Evidence.TRAINING, Task.Evidence.SHARING):
            # Their pages are another part's: None until they exist.
            assert url is None or url.startswith("/staff/playbook/")
        else:
            assert url and url.startswith("/"), value
    assert links.page_url(Task.Evidence.CALENDAR, area) == "/ashfield/whats-on/"
    # No survey published yet: the surveys list, where one is opened.
    assert links.page_url(Task.Evidence.SURVEY_SUMMARY, area) == reverse("surveys:list")
    # ...and the gaps are what the calendar lacks for the area's clients meanwhile.
    assert links.page_url(Task.Evidence.GAPS, area) == reverse("matching:gaps")


def test_the_home_cards_lead_to_the_playbook_and_say_what_waits(
    client: Browser, personas: Personas
) -> None:
    assert any(card.url_name == "playbook:progress" for card in CARDS)
    sign_in(client, personas.coordinator)
    page = client.get(reverse("accounts:home")).content.decode()
    assert f'href="{PROGRESS}"' in page
    assert reverse("playbook:resources") in page and reverse("playbook:sharing") in page
    assert "waiting for your answer" not in page
    ShareProposal.objects.create(asking=personas.mansfield, offering=personas.ashfield)
    page = client.get(reverse("accounts:home")).content.decode()
    assert "1 proposal to share waiting for your answer" in page

    sign_in(client, personas.link_worker)
    page = client.get(reverse("accounts:home")).content.decode()
    assert f'href="{PROGRESS}"' not in page and reverse("playbook:resources") in page
