"""Client outcomes: administrations scored on save and kept with the instrument version,
incomplete and refused answers, the follow-up task, reliable change, dated groups."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from inspiring.accounts.models import AuditEntry
from inspiring.casework.actions import ActionRefused
from inspiring.casework.actions.clients import do_add_group, do_remove_group
from inspiring.casework.actions.outcomes import do_record_administration
from inspiring.casework.models import Administration, GroupMembership, Task, groups_on
from inspiring.casework.outcomes import (
    CANNOT_JUDGE,
    NO_BASELINE,
    client_outcomes,
    group_counts,
)
from inspiring.measures import library
from inspiring.measures.instruments.base import Instrument, Reliability

from .conftest import Casework

pytestmark = pytest.mark.django_db

ALL_FOUR = {"life_satisfaction": 4, "worthwhile": 5, "happiness": 3, "anxiety": 7}


def ons4() -> Instrument:
    instrument = library.get("ons4")
    assert instrument is not None
    return instrument


def _record(request: Any, client: Any, answers: dict[str, Any], **kw: Any) -> Any:
    kw.setdefault("timepoint", "baseline")
    kw.setdefault("on", timezone.localdate())
    return do_record_administration(request, client, ons4(), answers, **kw)


def test_scores_and_bands_are_stored_with_the_version(
    request_as_liam: Any, casework: Casework
) -> None:
    recorded = _record(request_as_liam, casework.mary, ALL_FOUR)
    saved = Administration.objects.get(pk=recorded.administration.pk)
    assert saved.instrument_code == "ons4" and saved.instrument_version == ons4().version
    assert saved.complete is True and saved.problems == []
    assert saved.scores == {"life_satisfaction": 4, "worthwhile": 5, "happiness": 3, "anxiety": 7}
    assert saved.bands == {
        "life_satisfaction": "Low",
        "worthwhile": "Medium",
        "happiness": "Low",
        "anxiety": "High",
    }
    assert saved.how == Administration.How.CALL and saved.by == request_as_liam.user
    entry = AuditEntry.objects.get(action="outcome.recorded")
    assert entry.object_id == str(casework.mary.public_id)
    assert entry.detail["complete"] is True and entry.detail["version"] == ons4().version


def test_a_past_score_is_never_recomputed(request_as_liam: Any, casework: Casework) -> None:
    """Saving again (or a new version of the instrument) leaves the stored score as it was."""
    recorded = _record(request_as_liam, casework.mary, ALL_FOUR)
    saved = Administration.objects.get(pk=recorded.administration.pk)
    saved.answers = {**saved.answers, "life_satisfaction": 10}
    saved.save()
    saved.refresh_from_db()
    assert saved.scores["life_satisfaction"] == 4 and saved.bands["life_satisfaction"] == "Low"


def test_an_incomplete_administration_is_stored_as_incomplete_with_the_reasons(
    request_as_liam: Any, casework: Casework
) -> None:
    recorded = _record(request_as_liam, casework.mary, {"life_satisfaction": 8, "anxiety": ""})
    saved = recorded.administration
    assert saved.complete is False
    assert saved.scores["life_satisfaction"] == 8 and saved.scores["anxiety"] is None
    assert "anxiety: not answered" in saved.problems
    assert "worthwhile: not answered" in saved.problems
    # Never the complete one when a complete baseline exists.
    complete = _record(request_as_liam, casework.mary, ALL_FOUR)
    [outcome] = client_outcomes(list(casework.mary.administrations.all()))
    assert outcome.baseline == complete.administration


def test_no_answer_at_all_is_refused_and_nothing_is_saved(
    request_as_liam: Any, casework: Casework
) -> None:
    with pytest.raises(ActionRefused, match="Answer at least one question"):
        _record(request_as_liam, casework.mary, {"life_satisfaction": None, "anxiety": ""})
    assert not Administration.objects.exists()
    assert not Task.objects.filter(title__startswith="Follow-up").exists()
    assert not AuditEntry.objects.filter(action="outcome.recorded").exists()


@pytest.mark.parametrize(
    "answers",
    [{**ALL_FOUR, "anxiety": 11}, {**ALL_FOUR, "happiness": "a lot"}, {**ALL_FOUR, "mood": 3}],
)
def test_an_impossible_answer_is_refused_with_the_reason(
    request_as_liam: Any, casework: Casework, answers: dict[str, Any]
) -> None:
    with pytest.raises(ActionRefused) as refused:
        _record(request_as_liam, casework.mary, answers)
    assert "not possible answers" in str(refused.value)
    bad = next(k for k in answers if k not in ALL_FOUR or answers[k] != ALL_FOUR[k])
    assert bad in str(refused.value)
    assert not Administration.objects.exists()


def test_a_baseline_makes_the_follow_up_task_and_the_follow_up_closes_it(
    request_as_liam: Any, casework: Casework
) -> None:
    mary = casework.mary
    today = timezone.localdate()
    baseline = _record(request_as_liam, mary, ALL_FOUR)
    task = baseline.task_made
    assert task is not None
    assert task.title == f"Follow-up: {ons4().title}"
    assert task.due_on == today + timedelta(weeks=12)
    assert task.assigned_to == mary.worker and task.done_at is None
    # Taken again, the baseline moves the one reminder (to the date the worker chose).
    again = _record(request_as_liam, mary, ALL_FOUR, follow_up_on=today + timedelta(weeks=8))
    assert again.task_made is not None and again.task_made.pk == task.pk
    assert Task.objects.get(pk=task.pk).due_on == today + timedelta(weeks=8)

    follow_up = _record(request_as_liam, mary, {**ALL_FOUR, "happiness": 8}, timepoint="follow_up")
    assert follow_up.tasks_closed == 1 and follow_up.has_baseline
    assert Task.objects.get(pk=task.pk).done_at is not None


def test_a_follow_up_date_before_the_answers_is_refused(
    request_as_liam: Any, casework: Casework
) -> None:
    with pytest.raises(ActionRefused, match="follow-up must be due after"):
        _record(request_as_liam, casework.mary, ALL_FOUR, follow_up_on=timezone.localdate())
    with pytest.raises(ActionRefused, match="today or in the past"):
        _record(request_as_liam, casework.mary, ALL_FOUR, on=timezone.localdate() + timedelta(1))
    assert not Administration.objects.exists()


def test_a_follow_up_without_a_baseline_is_kept_and_says_change_cannot_be_shown(
    request_as_liam: Any, casework: Casework
) -> None:
    recorded = _record(request_as_liam, casework.mary, ALL_FOUR, timepoint="follow_up")
    assert recorded.has_baseline is False
    [outcome] = client_outcomes(list(casework.mary.administrations.all()))
    assert outcome.no_baseline and outcome.baseline is None
    assert all(scale.change is None and scale.reliable == "" for scale in outcome.scales)
    assert NO_BASELINE == "No baseline: change cannot be shown"


def test_change_and_whether_it_is_reliable(
    request_as_liam: Any, casework: Casework, monkeypatch: pytest.MonkeyPatch
) -> None:
    mary = casework.mary
    _record(request_as_liam, mary, ALL_FOUR, on=timezone.localdate() - timedelta(days=90))
    _record(
        request_as_liam,
        mary,
        {"life_satisfaction": 8, "worthwhile": 6, "happiness": 3, "anxiety": 2},
        timepoint="follow_up",
    )
    [outcome] = client_outcomes(list(mary.administrations.all()))
    scales = {scale.name: scale for scale in outcome.scales}
    assert scales["life_satisfaction"].change == 4
    assert scales["life_satisfaction"].direction == "better"
    assert scales["anxiety"].change == -5 and scales["anxiety"].direction == "better"
    assert scales["happiness"].change_text == "No change"
    # ONS4 publishes no reliability: reliable change cannot be judged.
    assert {scale.reliable for scale in outcome.scales} == {CANNOT_JUDGE}

    # A scale with a reliability (any instrument can carry one): judged by its criterion,
    # the direction by whether higher is better.
    original = ons4()
    reliability = Reliability(r=0.9, sd=2.0, source="a worked example")  # criterion 1.75
    judged = dataclasses.replace(
        original,
        scales=tuple(dataclasses.replace(s, reliability=reliability) for s in original.scales),
    )
    monkeypatch.setattr(library, "get", lambda code, version=None: judged)
    [outcome] = client_outcomes(list(mary.administrations.all()))
    reliable = {scale.name: scale.reliable for scale in outcome.scales}
    assert reliable == {
        "life_satisfaction": "Reliable change (better)",  # +4
        "worthwhile": "No reliable change",  # +1
        "happiness": "No reliable change",  # 0
        "anxiety": "Reliable change (better)",  # -5, lower is better
    }
    assert outcome.scales[0].criterion == 1.75


def test_groups_are_dated_and_counted_at_baseline_and_now(
    request_as_liam: Any, casework: Casework
) -> None:
    mary = casework.mary
    today = timezone.localdate()
    long_ago = today - timedelta(days=100)
    church = GroupMembership.objects.create(
        client=mary, name="Church", kind="faith", importance=4, positivity=4, contact="weekly",
        joined_on=long_ago,
    )  # fmt: skip
    for name in ("Choir", "Walking group"):
        group = GroupMembership(
            name=name, kind="hobby", importance=4, positivity=5, contact="weekly"
        )
        do_add_group(request_as_liam, mary, group)
        assert group.joined_on == today
    _record(request_as_liam, mary, ALL_FOUR, on=today - timedelta(days=90))
    assert groups_on(mary, today - timedelta(days=90)) == 1
    assert groups_on(mary, today) == 3

    do_remove_group(request_as_liam, church)
    church.refresh_from_db()
    assert church.left_on == today  # kept, dated: not deleted
    assert groups_on(mary, today) == 2
    # Yesterday they still held it (and not yet the two joined today).
    assert groups_on(mary, today - timedelta(days=1)) == 1
    outcomes = client_outcomes(list(mary.administrations.all()))
    assert group_counts(mary, outcomes).text == "Groups: 1 at baseline, 2 now"
    assert AuditEntry.objects.filter(action="group.changed", detail__left=True).count() == 1


def test_a_group_recorded_before_groups_were_dated_counts_from_when_it_was_recorded(
    casework: Casework,
) -> None:
    mary = casework.mary
    group = GroupMembership.objects.create(
        client=mary, name="Old friends", kind="friends", importance=3, positivity=3,
        contact="monthly",
    )  # fmt: skip
    GroupMembership.objects.filter(pk=group.pk).update(joined_on=None)
    assert groups_on(mary, timezone.localdate()) == 1
    assert groups_on(mary, timezone.localdate() - timedelta(days=1)) == 0


def test_a_scale_without_a_stated_range_is_charted_on_its_items_range(
    request_as_liam: Any, casework: Casework, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A custom instrument may leave a scale's range out: the chart uses its answers'."""
    _record(request_as_liam, casework.mary, ALL_FOUR)
    original = ons4()
    unranged = dataclasses.replace(
        original, scales=tuple(dataclasses.replace(s, low=0, high=0) for s in original.scales)
    )
    monkeypatch.setattr(library, "get", lambda code, version=None: unranged)
    [outcome] = client_outcomes(list(casework.mary.administrations.all()))
    assert {(s.low, s.high) for s in outcome.scales} == {(0, 10)}
    chart = outcome.chart
    assert chart is not None
    assert all(chart.left <= (row.baseline_x or 0) <= chart.right for row in chart.rows)
