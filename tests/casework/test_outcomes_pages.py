"""Outcomes pages: the case page's "Wellbeing and loneliness" section, the outcomes page
(audited, its queries pinned), recording a measure on the form, and who may see them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from inspiring.accounts.models import AuditEntry
from inspiring.casework.actions.outcomes import do_record_administration
from inspiring.casework.models import Administration, Connection, GroupMembership, Task
from inspiring.measures import library
from tests.conftest import sign_in
from tests.personas import Personas

from .conftest import Casework

pytestmark = pytest.mark.django_db

BASELINE = {"life_satisfaction": 4, "worthwhile": 5, "happiness": 3, "anxiety": 7}
FOLLOW_UP = {"life_satisfaction": 7, "worthwhile": 7, "happiness": 6, "anxiety": 3}


def _record(
    request: Any, client: Any, answers: dict[str, int], timepoint: str, days_ago: int
) -> None:
    instrument = library.get("ons4")
    assert instrument is not None
    do_record_administration(
        request,
        client,
        instrument,
        answers,
        timepoint=timepoint,
        on=timezone.localdate() - timedelta(days=days_ago),
    )


def _form(answers: dict[str, Any], **more: Any) -> dict[str, Any]:
    data = {f"item_{k}": v for k, v in answers.items()}
    data.update(
        {
            "timepoint": "baseline",
            "administered_on": timezone.localdate().isoformat(),
            "follow_up_on": "",
        }
    )
    data.update(more)
    return data


def test_the_case_page_shows_the_change_with_a_chart_and_its_table(
    signed_in: Browser, request_as_liam: Any, casework: Casework
) -> None:
    mary = casework.mary
    GroupMembership.objects.create(
        client=mary, name="Church", kind="faith", importance=4, positivity=4, contact="weekly",
        joined_on=timezone.localdate() - timedelta(days=200),
    )  # fmt: skip
    GroupMembership.objects.create(
        client=mary, name="Choir", kind="hobby", importance=4, positivity=4, contact="weekly"
    )
    _record(request_as_liam, mary, BASELINE, "baseline", 90)
    _record(request_as_liam, mary, FOLLOW_UP, "follow_up", 0)
    page = signed_in.get(mary.get_absolute_url()).content.decode()
    section = page[page.index("Wellbeing and loneliness</h2>") : page.index("<h2>Connections")]
    assert "Groups: 1 at baseline, 2 at follow-up, 2 now" in section
    assert "ONS personal wellbeing (ONS4)" in section
    # The numbers, their bands and the change, in words (not colour).
    assert "4 (Low)" in section and "7 (High)" in section
    assert "+3 (better)" in section  # life satisfaction 4 -> 7
    assert "-4 (better)" in section  # anxiety 7 -> 3, lower is better
    assert "Reliable change cannot be judged for this measure" in section
    # The chart: an image with a text alternative, the same numbers in the table.
    assert 'role="img"' in section and "<title id=" in section
    assert "Life satisfaction: 4 at baseline, 7 at follow-up" in section
    assert "<script" not in section
    assert "Record a measure" in section and "Send a link to complete it" in section


def test_a_follow_up_without_a_baseline_says_so_on_every_page(
    signed_in: Browser, request_as_liam: Any, casework: Casework
) -> None:
    mary = casework.mary
    _record(request_as_liam, mary, FOLLOW_UP, "follow_up", 0)
    for url in (mary.get_absolute_url(), reverse("casework:outcomes", args=[mary.public_id])):
        assert "No baseline: change cannot be shown" in signed_in.get(url).content.decode()


def test_the_outcomes_page_is_audited_and_shows_the_answers_in_words(
    signed_in: Browser, request_as_liam: Any, casework: Casework
) -> None:
    mary = casework.mary
    _record(request_as_liam, mary, {"life_satisfaction": 10, "anxiety": 0}, "baseline", 3)
    response = signed_in.get(reverse("casework:outcomes", args=[mary.public_id]))
    page = response.content.decode()
    assert "10 - completely" in page and "0 - not at all anxious" in page
    assert "Not answered" in page
    assert "incomplete" in page and "worthwhile: not answered" in page
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.filter(action="outcome.viewed").get()
    assert entry.object_id == str(mary.public_id) and entry.actor_label


def test_the_outcomes_page_reads_in_a_fixed_number_of_queries(
    signed_in: Browser,
    request_as_liam: Any,
    casework: Casework,
    django_assert_num_queries: Any,
) -> None:
    mary = casework.mary
    url = reverse("casework:outcomes", args=[mary.public_id])
    _record(request_as_liam, mary, BASELINE, "baseline", 90)
    _record(request_as_liam, mary, FOLLOW_UP, "follow_up", 0)
    signed_in.get(url)  # the session's first read
    # Session and user, membership, the client, the audit entry, administrations,
    # the group counts at baseline, follow-up and now (one), and saving the session.
    with django_assert_num_queries(11):
        assert signed_in.get(url).status_code == 200
    for days in (80, 70, 60, 50):
        _record(request_as_liam, mary, FOLLOW_UP, "follow_up", days)
    with django_assert_num_queries(11):  # no query per administration
        assert signed_in.get(url).status_code == 200


def test_recording_a_baseline_on_the_form(
    signed_in: Browser, casework: Casework, personas: Personas
) -> None:
    mary = casework.mary
    choose = reverse("casework:record_outcome", args=[mary.public_id])
    assert "ONS personal wellbeing (ONS4)" in signed_in.get(choose).content.decode()
    response = signed_in.post(choose, {"instrument": "ons4"})
    url = reverse("casework:record_outcome_for", args=[mary.public_id, "ons4"])
    assert response["Location"] == url
    page = signed_in.get(url).content.decode()
    assert "Overall, how satisfied are you with your life nowadays?" in page
    assert "There are no right or wrong answers" in page  # the introduction, to read out
    due = timezone.localdate() + timedelta(weeks=10)
    response = signed_in.post(url, _form(BASELINE, follow_up_on=due.isoformat()), follow=True)
    assert response.redirect_chain[-1][0] == mary.get_absolute_url()
    assert f"The follow-up is due on {due:%-d %B %Y}" in response.content.decode()
    saved = Administration.objects.get()
    assert saved.timepoint == "baseline" and saved.complete and saved.by == personas.link_worker
    assert Task.objects.get(title__startswith="Follow-up").due_on == due


def test_the_form_refuses_no_answers_and_impossible_ones_and_saves_nothing(
    signed_in: Browser, casework: Casework
) -> None:
    url = reverse("casework:record_outcome_for", args=[casework.mary.public_id, "ons4"])
    page = signed_in.post(url, _form({})).content.decode()
    assert "There is a problem" in page
    assert "Answer at least one question: nothing is saved without an answer" in page

    page = signed_in.post(url, _form({**BASELINE, "anxiety": "11"})).content.decode()
    assert "Choose one of the answers to question 4" in page
    assert 'href="#id_item_anxiety_0"' in page  # the summary links to the question

    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    page = signed_in.post(url, _form(BASELINE, administered_on=tomorrow)).content.decode()
    assert "The date they answered must be today or in the past" in page
    assert not Administration.objects.exists()


def test_an_incomplete_entry_is_saved_as_incomplete_saying_why(
    signed_in: Browser, casework: Casework
) -> None:
    url = reverse("casework:record_outcome_for", args=[casework.mary.public_id, "ons4"])
    response = signed_in.post(url, _form({"life_satisfaction": "6"}), follow=True)
    page = response.content.decode()
    assert "saved as incomplete (worthwhile: not answered" in page
    assert Administration.objects.get().complete is False


def test_another_areas_client_is_404_on_every_outcomes_page(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    sign_in(client, personas.link_worker, area=personas.ashfield)
    other = casework.other_area_client.public_id
    for name, kwargs in (
        ("outcomes", {"public_id": other}),
        ("record_outcome", {"public_id": other}),
        ("record_outcome_for", {"public_id": other, "code": "ons4"}),
        ("send_outcome_link", {"public_id": other}),
    ):
        assert client.get(reverse(f"casework:{name}", kwargs=kwargs)).status_code == 404, name
        assert client.post(reverse(f"casework:{name}", kwargs=kwargs)).status_code == 404, name
    assert not Administration.objects.exists()


def test_partners_never_see_outcomes(
    client: Browser, personas: Personas, request_as_liam: Any, casework: Casework
) -> None:
    mary = casework.mary
    _record(request_as_liam, mary, BASELINE, "baseline", 0)
    Connection.objects.create(
        client=mary,
        activity=casework.walk,
        level="introduction",
        share_consent=True,
        status=Connection.Status.AGREED,
        status_changed_on=timezone.localdate(),
    )
    sign_in(client, personas.partner_lead, area=personas.ashfield)
    assert client.get(reverse("casework:outcomes", args=[mary.public_id])).status_code == 403
    page = client.get(reverse("casework:partner_connections")).content.decode()
    assert "Mary" in page  # she agreed to share her connection: that, and only that
    assert "Life satisfaction" not in page and "wellbeing" not in page.lower()


def test_the_timeline_shows_measures_and_groups_joined_and_left(
    signed_in: Browser, request_as_liam: Any, casework: Casework
) -> None:
    mary = casework.mary
    church = GroupMembership.objects.create(
        client=mary, name="Church", kind="faith", importance=4, positivity=4, contact="weekly",
        joined_on=timezone.localdate() - timedelta(days=200),
    )  # fmt: skip
    _record(request_as_liam, mary, BASELINE, "baseline", 10)
    signed_in.post(reverse("casework:remove_group", args=[mary.public_id, church.pk]))
    page = signed_in.get(mary.get_absolute_url()).content.decode()
    timeline = page[page.index("<h2>Timeline</h2>") :]
    assert "Joined a group: Church (faith or belief)" in timeline
    assert "Left a group: Church (faith or belief)" in timeline
    assert "ONS personal wellbeing (ONS4): baseline" in timeline
    assert "Life satisfaction 4 (Low)" in timeline
    groups = page[page.index("Their groups") : page.index('id="wellbeing"')]
    assert "Groups they have left" in groups
    assert f"left on {timezone.localdate():%-d %B %Y}" in groups
    assert "0 groups now" in groups


def test_any_instrument_in_the_library_works_the_same(
    signed_in: Browser, casework: Casework
) -> None:
    """ONS loneliness: a sum scale with a conventional band, answered on the same form."""
    mary = casework.mary
    url = reverse("casework:record_outcome_for", args=[mary.public_id, "ons-loneliness"])
    page = signed_in.get(url).content.decode()
    assert "How often do you feel left out?" in page
    answers = {"lack_companionship": 3, "left_out": 2, "isolated": 3, "lonely": 5}
    signed_in.post(
        url,
        _form(answers, administered_on=(timezone.localdate() - timedelta(days=60)).isoformat()),
    )
    improved = {"lack_companionship": 1, "left_out": 1, "isolated": 2, "lonely": 2}
    signed_in.post(url, _form(improved, timepoint="follow_up"))
    saved = Administration.objects.filter(instrument_code="ons-loneliness")
    assert [a.scores["ucla3"] for a in saved] == [8, 4]
    section = signed_in.get(mary.get_absolute_url()).content.decode()
    assert "8 (6 or more, conventional)" in section  # a conventional band says so
    assert "-4 (better)" in section  # lower is better
    assert "Often or always" in section and "Hardly ever" in section
