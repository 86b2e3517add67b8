"""`manage.py score`: scoring a rule from outside, items in order, and bad input."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from inspiring.measures.actions import do_save_custom_instrument
from tests.personas import Personas

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, stdin: str = "") -> str:
    out = io.StringIO()
    call_command("score", *args, stdin=io.StringIO(stdin), stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_json_output_has_exactly_the_documented_keys() -> None:
    answers = {"life_satisfaction": 8, "worthwhile": 9, "happiness": 6, "anxiety": 1}
    printed = json.loads(run("ons4", "--json", stdin=json.dumps(answers)))
    assert printed == {
        "instrument": "ons4",
        "version": "1",
        "complete": True,
        "scores": {"life_satisfaction": 8, "worthwhile": 9, "happiness": 6, "anxiety": 1},
        "bands": {
            "life_satisfaction": "High",
            "worthwhile": "Very high",
            "happiness": "Medium",
            "anxiety": "Very low",
        },
        "problems": [],
    }


@pytest.mark.django_db
def test_swemwbs_scores_without_a_licence() -> None:
    answers = dict.fromkeys(
        ["optimistic", "useful", "relaxed", "problems", "thinking", "close", "own_mind"], 4
    )
    printed = json.loads(run("swemwbs", "--json", stdin=json.dumps(answers)))
    assert printed["complete"] is True
    assert printed["scores"] == {"raw": 28, "metric": 25.03}


@pytest.mark.django_db
def test_bad_answers_are_listed_in_problems() -> None:
    printed = json.loads(
        run("ons4", "--json", stdin=json.dumps({"life_satisfaction": 11, "mood": 3}))
    )
    assert printed["complete"] is False
    assert printed["scores"]["life_satisfaction"] is None
    assert (
        "life_satisfaction: 11 is not one of the answers (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)"
        in (printed["problems"])
    )
    assert "mood: not an item of ons4" in printed["problems"]


@pytest.mark.django_db
def test_items_are_listed_in_the_order_asked() -> None:
    items = json.loads(run("swemwbs", "--items", "--json"))
    assert [item["id"] for item in items] == [
        "optimistic",
        "useful",
        "relaxed",
        "problems",
        "thinking",
        "close",
        "own_mind",
    ]
    assert items[0]["options"][0] == {"value": 1, "label": "None of the time"}
    assert set(items[0]) == {"id", "text", "options"}


@pytest.mark.django_db
def test_readable_output_says_scores_bands_and_the_notice() -> None:
    answers = {"lack_companionship": 3, "left_out": 2, "isolated": 2, "lonely": 4}
    printed = run("ons-loneliness", stdin=json.dumps(answers))
    assert "complete" in printed
    assert "UCLA loneliness (three items): 7, 6 or more (conventional band)" in printed
    assert "How often lonely (direct question): 4, Some of the time" in printed
    printed = run("swemwbs", "--items")
    assert "© NHS Health Scotland" in printed


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        ("not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ("3", "not int"),
        # Python refuses an int of thousands of digits with ValueError, and arrays
        # nested thousands deep with RecursionError: still one clear line.
        ('{"happiness": ' + "9" * 5000 + "}", "could not be read"),
        ("[" * 100_000 + "]" * 100_000, "could not be read"),
    ],
)
def test_malformed_input_is_a_clear_error(stdin: str, message: str) -> None:
    with pytest.raises(CommandError) as error:
        run("ons4", "--json", stdin=stdin)
    assert message in str(error.value)
    assert error.value.returncode == 2


@pytest.mark.django_db
def test_an_unknown_code_lists_the_known_codes() -> None:
    with pytest.raises(CommandError) as error:
        run("nope", "--json", stdin="{}")
    assert "No instrument has the code 'nope'" in str(error.value)
    assert "ons4, ons-loneliness, swemwbs" in str(error.value)


def test_from_the_shell_malformed_json_exits_2_with_one_line_on_stderr() -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", "score", "ons4", "--json"],
        input="{oops",
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1
    assert "not valid JSON" in done.stderr


@pytest.mark.django_db
def test_a_custom_instrument_past_version_is_scored_with_version(personas: Personas) -> None:
    definition = {
        "code": "needs-satisfaction",
        "title": "Needs satisfaction",
        "introduction": "",
        "items": [("I belong here", False), ("I feel unwelcome", True)],
        "option_labels": ["Disagree", "Neither", "Agree"],
        "rule": "sum",
        "min_answered": None,
        "bands": [],
    }
    do_save_custom_instrument(None, **definition)  # type: ignore[arg-type]
    do_save_custom_instrument(None, **{**definition, "rule": "mean"})  # type: ignore[arg-type]
    answers = json.dumps({"q1": 3, "q2": 1})
    now = json.loads(run("needs-satisfaction", "--json", stdin=answers))
    assert (now["version"], now["scores"]) == ("2", {"score": 3})
    then = json.loads(run("needs-satisfaction", "--version", "1", "--json", stdin=answers))
    assert (then["version"], then["scores"]) == ("1", {"score": 6})
    with pytest.raises(CommandError, match="has no version 9"):
        run("needs-satisfaction", "--version", "9", "--json", stdin=answers)


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["--3", "²", "9" * 5000, "3.5", " 7x"])
def test_answers_that_are_not_plain_numbers_are_problems_not_tracebacks(value: str) -> None:
    out = json.loads(run("ons4", "--json", stdin=json.dumps({"happiness": value})))
    assert out["scores"]["happiness"] is None
    assert out["problems"][0].startswith("happiness: ")
    assert "is not one of the answers" in out["problems"][0]
