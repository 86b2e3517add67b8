"""Every shipped instrument scored against worked examples written out by hand."""

from __future__ import annotations

import pytest

from inspiring.measures.instruments import SHIPPED, shipped
from inspiring.measures.instruments.base import BandKind, Status, items_json, score

ONS4 = SHIPPED["ons4"]
LONELINESS = SHIPPED["ons-loneliness"]
SWEMWBS = SHIPPED["swemwbs"]

# ONS thresholds, written out for every possible answer (not derived from the code).
POSITIVE = {
    0: "Low",
    1: "Low",
    2: "Low",
    3: "Low",
    4: "Low",
    5: "Medium",
    6: "Medium",
    7: "High",
    8: "High",
    9: "Very high",
    10: "Very high",
}
ANXIETY = {
    0: "Very low",
    1: "Very low",
    2: "Low",
    3: "Low",
    4: "Medium",
    5: "Medium",
    6: "High",
    7: "High",
    8: "High",
    9: "High",
    10: "High",
}

# The SWEMWBS raw -> metric conversion, every raw score, typed from the published table.
SWEMWBS_METRIC = [
    (7, 7.00),
    (8, 9.51),
    (9, 11.25),
    (10, 12.40),
    (11, 13.33),
    (12, 14.08),
    (13, 14.75),
    (14, 15.32),
    (15, 15.84),
    (16, 16.36),
    (17, 16.88),
    (18, 17.43),
    (19, 17.98),
    (20, 18.59),
    (21, 19.25),
    (22, 19.98),
    (23, 20.73),
    (24, 21.54),
    (25, 22.35),
    (26, 23.21),
    (27, 24.11),
    (28, 25.03),
    (29, 26.02),
    (30, 27.03),
    (31, 28.13),
    (32, 29.31),
    (33, 30.70),
    (34, 32.55),
    (35, 35.00),
]


def test_the_library_ships_the_five_instruments() -> None:
    assert [i.code for i in shipped()] == [
        "ons4",
        "ons-loneliness",
        "swemwbs",
        "group-memberships",
        "neighbourhood-identification",
    ]


@pytest.mark.parametrize("scale", ["life_satisfaction", "worthwhile", "happiness"])
@pytest.mark.parametrize("answer", range(11))
def test_ons4_positive_questions_band_at_every_answer(scale: str, answer: int) -> None:
    answers = {"life_satisfaction": 5, "worthwhile": 5, "happiness": 5, "anxiety": 5}
    answers[scale] = answer
    result = score(ONS4, answers)
    assert result.complete
    assert result.scores[scale] == answer
    assert result.bands[scale] == POSITIVE[answer]


@pytest.mark.parametrize("answer", range(11))
def test_ons4_anxiety_bands_at_every_answer(answer: int) -> None:
    result = score(
        ONS4, {"life_satisfaction": 5, "worthwhile": 5, "happiness": 5, "anxiety": answer}
    )
    assert result.scores["anxiety"] == answer
    assert result.bands["anxiety"] == ANXIETY[answer]


def test_ons4_is_four_scores_never_summed() -> None:
    result = score(ONS4, {"life_satisfaction": 8, "worthwhile": 9, "happiness": 3, "anxiety": 7})
    assert result.scores == {"life_satisfaction": 8, "worthwhile": 9, "happiness": 3, "anxiety": 7}
    assert result.bands == {
        "life_satisfaction": "High",
        "worthwhile": "Very high",
        "happiness": "Low",
        "anxiety": "High",
    }
    assert all(scale.bands_kind == BandKind.OFFICIAL for scale in ONS4.scales)


def test_ons4_with_one_question_unanswered_is_incomplete() -> None:
    result = score(ONS4, {"life_satisfaction": 8, "worthwhile": 9, "happiness": 3})
    assert result.complete is False
    assert result.scores["anxiety"] is None and result.bands["anxiety"] is None
    assert result.scores["happiness"] == 3
    assert "anxiety: not answered" in result.problems


@pytest.mark.parametrize(
    ("answers", "total", "band"),
    [
        ((1, 1, 1), 3, None),
        ((1, 2, 1), 4, None),
        ((2, 2, 1), 5, None),
        ((2, 2, 2), 6, "6 or more"),
        ((3, 2, 2), 7, "6 or more"),
        ((3, 3, 3), 9, "6 or more"),
    ],
)
def test_loneliness_total_and_its_conventional_band(
    answers: tuple[int, int, int], total: int, band: str | None
) -> None:
    first, second, third = answers
    result = score(
        LONELINESS,
        {"lack_companionship": first, "left_out": second, "isolated": third, "lonely": 1},
    )
    assert result.complete
    assert result.scores["ucla3"] == total
    assert result.bands["ucla3"] == band
    ucla = LONELINESS.scale("ucla3")
    assert ucla is not None and ucla.bands_kind == BandKind.CONVENTIONAL
    assert ucla.higher_is_better is False


@pytest.mark.parametrize(
    ("value", "label"),
    [
        (5, "Often or always"),
        (4, "Some of the time"),
        (3, "Occasionally"),
        (2, "Hardly ever"),
        (1, "Never"),
    ],
)
def test_the_direct_loneliness_question_is_reported_on_its_own(value: int, label: str) -> None:
    result = score(
        LONELINESS, {"lack_companionship": 1, "left_out": 1, "isolated": 1, "lonely": value}
    )
    assert result.scores["direct"] == value
    assert result.bands["direct"] == label
    # The UCLA total never includes it.
    assert result.scores["ucla3"] == 3


def test_loneliness_is_asked_ucla_first_then_the_direct_question() -> None:
    asked = items_json(LONELINESS)
    assert [item["id"] for item in asked] == [
        "lack_companionship",
        "left_out",
        "isolated",
        "lonely",
    ]
    assert asked[0]["text"] == "How often do you feel that you lack companionship?"
    assert [o["label"] for o in asked[3]["options"]] == [
        "Often or always",
        "Some of the time",
        "Occasionally",
        "Hardly ever",
        "Never",
    ]


def test_loneliness_with_a_ucla_item_missing_has_no_total() -> None:
    result = score(LONELINESS, {"lack_companionship": 3, "left_out": 3, "lonely": 5})
    assert result.complete is False
    assert result.scores == {"ucla3": None, "direct": 5}


def _swemwbs_answers(raw: int) -> dict[str, int]:
    """Seven answers adding up to `raw` (7..35), as evenly spread as they go."""
    base, extra = divmod(raw, 7)
    values = [base + 1 if n < extra else base for n in range(7)]
    assert sum(values) == raw and all(1 <= v <= 5 for v in values)
    return dict(zip([item.id for item in SWEMWBS.items], values, strict=True))


@pytest.mark.parametrize(("raw", "metric"), SWEMWBS_METRIC)
def test_swemwbs_converts_every_raw_score(raw: int, metric: float) -> None:
    result = score(SWEMWBS, _swemwbs_answers(raw))
    assert result.complete
    assert result.scores == {"raw": raw, "metric": metric}
    assert result.bands == {"raw": None, "metric": None}


def test_swemwbs_table_covers_exactly_7_to_35() -> None:
    metric = SWEMWBS.scale("metric")
    assert metric is not None and metric.conversion is not None
    assert sorted(metric.conversion) == list(range(7, 36))


def test_swemwbs_with_an_item_missing_has_no_score_and_is_not_prorated() -> None:
    answers = _swemwbs_answers(28)
    del answers["relaxed"]
    result = score(SWEMWBS, answers)
    assert result.complete is False
    assert result.scores == {"raw": None, "metric": None}


def test_swemwbs_needs_a_licence_and_carries_its_notice() -> None:
    assert SWEMWBS.needs_licence is True
    assert "SWEMWBS" in SWEMWBS.copyright_notice
    assert "all rights reserved" in SWEMWBS.copyright_notice
    assert [item.text for item in SWEMWBS.items] == [
        "I've been feeling optimistic about the future",
        "I've been feeling useful",
        "I've been feeling relaxed",
        "I've been dealing with problems well",
        "I've been thinking clearly",
        "I've been feeling close to other people",
        "I've been able to make up my own mind about things",
    ]


def test_bad_answers_are_problems_never_errors() -> None:
    result = score(
        SWEMWBS,
        {**_swemwbs_answers(21), "useful": 9, "relaxed": "often", "nonsense": 2, "close": True},
    )
    assert result.complete is False
    assert result.scores == {"raw": None, "metric": None}
    joined = " | ".join(result.problems)
    assert "useful: 9 is not one of the answers (1, 2, 3, 4, 5)" in joined
    assert "relaxed: 'often' is not one of the answers" in joined
    assert "nonsense: not an item of swemwbs" in joined
    assert "close: True is not one of the answers" in joined


def test_numbers_given_as_text_or_floats_count() -> None:
    result = score(
        ONS4, {"life_satisfaction": "7", "worthwhile": 7.0, "happiness": 7, "anxiety": 0}
    )
    assert result.complete
    assert result.scores["life_satisfaction"] == 7


@pytest.mark.parametrize("code", ["group-memberships", "neighbourhood-identification"])
def test_the_templates_say_their_wording_is_unverified(code: str) -> None:
    template = SHIPPED[code]
    assert template.status == Status.TEMPLATE
    assert "could not be verified here" in template.template_note
    assert "before use" in template.template_note


def test_group_memberships_is_the_mean_of_four_items() -> None:
    template = SHIPPED["group-memberships"]
    result = score(template, {"belong": 7, "join_in": 5, "friends": 4, "ties": 6})
    assert result.complete
    assert result.scores == {"groups": 5.5}


def test_neighbourhood_identification_is_one_item_1_to_7() -> None:
    template = SHIPPED["neighbourhood-identification"]
    assert [item.text for item in template.items] == ["I identify with my neighbourhood"]
    assert [o.value for o in template.items[0].options] == [1, 2, 3, 4, 5, 6, 7]
    assert score(template, {"identify": 6}).scores == {"identification": 6}
    assert score(template, {"identify": 8}).scores == {"identification": None}
