"""Custom instruments: built, versioned on every change, scored like shipped ones."""

from __future__ import annotations

import pytest

from inspiring.accounts.models import AuditEntry
from inspiring.measures import library
from inspiring.measures.actions import InstrumentRefused, do_save_custom_instrument
from inspiring.measures.instruments.base import Status, score
from inspiring.measures.models import CustomInstrument
from lib.actions import ActionRefused
from tests.personas import Personas

AGREE = ["Strongly disagree", "Disagree", "Neither", "Agree", "Strongly agree"]


def _save(personas: Personas, **changes: object) -> CustomInstrument:
    definition: dict[str, object] = {
        "code": "needs-satisfaction",
        "title": "Neighbourhood needs satisfaction",
        "introduction": "How far do you agree?",
        "items": [
            ("My neighbourhood gives me a sense of belonging", False),
            ("I feel safe in my neighbourhood", False),
            ("I feel unwelcome in my neighbourhood", True),
        ],
        "option_labels": AGREE,
        "rule": "mean",
        "min_answered": 2,
        "bands": [(1.0, 2.99, "Low"), (3.0, 5.0, "High")],
        "by": personas.coordinator,
    }
    definition.update(changes)
    return do_save_custom_instrument(None, **definition)  # type: ignore[arg-type]


def test_a_new_code_is_version_1_and_audited(personas: Personas) -> None:
    saved = _save(personas)
    assert (saved.code, saved.version) == ("needs-satisfaction", 1)
    assert saved.created_by == personas.coordinator
    entry = AuditEntry.objects.get(action="custom_instrument.saved")
    assert entry.detail == {"instrument": "needs-satisfaction", "version": 1}


def test_the_same_definition_saved_again_is_the_same_version(personas: Personas) -> None:
    first = _save(personas)
    again = _save(personas)
    assert again.pk == first.pk
    assert CustomInstrument.objects.count() == 1


def test_a_change_makes_version_2_and_version_1_scores_as_before(personas: Personas) -> None:
    _save(personas)
    answers = {"q1": 4, "q2": 5, "q3": 2}
    before = score(library.get("needs-satisfaction", "1"), answers)  # type: ignore[arg-type]
    # Item 3 is reverse keyed: 2 counts as 1 + 5 - 2 = 4; mean of 4, 5, 4.
    assert before.scores == {"score": 4.33}
    assert before.bands == {"score": "High"}

    changed = _save(personas, rule="sum", min_answered=None, bands=[])
    assert changed.version == 2
    after = score(library.get("needs-satisfaction"), answers)  # type: ignore[arg-type]
    assert after.version == "2"
    assert after.scores == {"score": 13}

    # Version 1 is never rewritten: scored again, it gives what it gave.
    assert score(library.get("needs-satisfaction", 1), answers).scores == {  # type: ignore[arg-type]
        "score": 4.33
    }
    assert CustomInstrument.objects.get(code="needs-satisfaction", version=1).rule == "mean"


def test_to_instrument_is_a_custom_instrument_with_its_range(personas: Personas) -> None:
    instrument = _save(personas, first_value=0, rule="sum", bands=[]).to_instrument()
    assert instrument.status == Status.CUSTOM
    assert [o.value for o in instrument.items[0].options] == [0, 1, 2, 3, 4]
    assert instrument.items[2].reverse is True
    scale = instrument.scales[0]
    assert (scale.low, scale.high) == (0, 12)


def test_missing_items_follow_min_answered_and_are_never_complete(personas: Personas) -> None:
    instrument = _save(personas, rule="sum", bands=[]).to_instrument()
    # Two of three answered (min 2): prorated sum (4 + 4) / 2 * 3 = 12.
    result = score(instrument, {"q1": 4, "q3": 2})
    assert result.complete is False
    assert result.scores == {"score": 12}
    # One of three: no score, and the reason is given.
    result = score(instrument, {"q1": 4})
    assert result.scores == {"score": None}
    assert result.bands == {"score": None}
    assert any("at least 2 needed" in problem for problem in result.problems)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"items": [("Only one", False)]}, "items", "at least 2 items"),
        ({"option_labels": ["Yes"]}, "option_labels", "at least 2 answers"),
        ({"min_answered": 0}, "min_answered", "between 1 and 3"),
        ({"min_answered": 4}, "min_answered", "between 1 and 3"),
        ({"code": "Not a slug!"}, "code", "lower-case letters"),
        ({"code": "ons4"}, "code", "ships"),
        ({"rule": "median"}, "rule", "mean or the sum"),
        ({"bands": [(1.0, 3.0, "Low"), (3.0, 5.0, "High")]}, "bands", "overlap"),
        ({"title": "  "}, "title", "title"),
        ({"rule": "sum"}, "bands", "within the possible scores, 3 to 15"),
    ],
)
def test_a_bad_definition_is_refused_and_nothing_is_saved(
    personas: Personas, changes: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(InstrumentRefused) as refused:
        _save(personas, **changes)
    assert isinstance(refused.value, ActionRefused)
    assert refused.value.field == field
    assert message in str(refused.value)
    assert not CustomInstrument.objects.exists()
    assert not AuditEntry.objects.filter(action="custom_instrument.saved").exists()


def test_usable_lists_only_the_latest_version(personas: Personas) -> None:
    _save(personas)
    _save(personas, title="Needs satisfaction, second wording")
    custom = [i for i in library.usable() if i.status == Status.CUSTOM]
    assert [(i.code, i.version) for i in custom] == [("needs-satisfaction", "2")]
    assert library.is_usable("needs-satisfaction")
    assert not library.is_usable("no-such-thing")


def test_every_problem_is_reported_at_once(personas: Personas) -> None:
    with pytest.raises(InstrumentRefused) as refused:
        _save(personas, code="Bad code", items=[("One", False)], option_labels=["Yes"])
    assert [field for field, _message in refused.value.problems] == [
        "code",
        "items",
        "option_labels",
        "min_answered",
    ]
    assert str(refused.value).startswith("Enter a code of lower-case letters")


def test_a_score_that_can_fall_between_two_bands_is_refused(personas: Personas) -> None:
    # A mean of three items can be 2.33 or 2.67: between "1 to 2" and "3 to 5" it
    # would get no band at all.
    with pytest.raises(InstrumentRefused) as refused:
        _save(personas, bands=[(1.0, 2.0, "Low"), (3.0, 5.0, "High")])
    assert "A score of 2.33 can happen but falls between the bands Low and High" in str(
        refused.value
    )
    assert not CustomInstrument.objects.exists()


def test_bands_that_meet_and_a_band_for_the_top_only_are_accepted(personas: Personas) -> None:
    assert _save(personas, bands=[(1.0, 2.99, "Low"), (3.0, 5.0, "High")]).version == 1
    assert _save(personas, code="top-only", bands=[(4.0, 5.0, "High")]).version == 1


def test_a_score_from_fewer_items_than_all_says_so() -> None:
    from inspiring.measures.instruments.base import (
        Instrument,
        Item,
        Rule,
        Scale,
        options,
    )

    answers = options([(1, "No"), (2, "Sometimes"), (3, "Yes")])
    instrument = Instrument(
        code="three",
        version="1",
        title="Three",
        introduction="",
        items=(Item("a", "A", answers), Item("b", "B", answers), Item("c", "C", answers)),
        scales=(Scale("total", "Total", ("a", "b", "c"), rule=Rule.SUM, min_answered=2),),
        source="",
        licence="",
    )
    result = score(instrument, {"a": 3, "b": 2})
    assert result.scores["total"] == 7.5
    assert result.complete is False
    assert result.problems == [
        "total: 1 of 3 items not answered; scored from the 2 answered (prorated)"
    ]
