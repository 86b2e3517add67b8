"""The report's SVG pictures: valid XML, a text alternative, and the numbers printed."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from inspiring.evaluation import plots, stats
from inspiring.evaluation.stats.sem import sem

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    """The picture as XML, checked for what every picture must have."""
    root = ET.fromstring(svg)  # noqa: S314 - our own output, made in the test
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and (title.text or "").strip()
    assert desc is not None and (desc.text or "").strip()
    # Labelled by its own title and description (ids that exist in the picture).
    ids = {element.get("id") for element in root.iter()}
    assert set((root.get("aria-labelledby") or "").split()) <= ids
    return root


def texts(root: ET.Element) -> str:
    return " ".join(element.text or "" for element in root.iter(f"{SVG}text"))


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 150
    x = rng.normal(size=n)
    m = 0.5 * x + rng.normal(size=n)
    return pd.DataFrame(
        {"x": x, "m": m, "m2": 0.3 * x + rng.normal(size=n), "y": 0.4 * m + rng.normal(size=n)}
    )


def test_mediation_diagram_prints_paths_and_indirect_effects(frame: pd.DataFrame) -> None:
    result = stats.mediate(frame, "x", ["m", "m2"], "y", n_boot=200, seed=3).to_dict()
    root = parse(plots.mediation_diagram(result, "x", ["m", "m2"], "y"))
    words = texts(root)
    for name in ("m", "m2"):
        assert f"a = {plots.fmt(result['a'][name])}" in words
        assert f"b = {plots.fmt(result['b'][name])}" in words
        low, high = result["indirect"][name]["ci"]
        assert plots.interval(low, high) in words
    assert f"c' = {plots.fmt(result['c_prime'])}" in words
    assert "total indirect" in words and "95% percentile" in words
    desc = root.find(f"{SVG}desc")
    assert desc is not None and plots.fmt(result["c"]) in (desc.text or "")


def test_sem_diagram_draws_factors_indicators_and_regressions() -> None:
    rng = np.random.default_rng(11)
    n = 300
    f = rng.normal(size=n)
    g = 0.5 * f + rng.normal(size=n)
    data = pd.DataFrame(
        {f"a{i}": f + 0.7 * rng.normal(size=n) for i in range(3)}
        | {f"b{i}": g + 0.7 * rng.normal(size=n) for i in range(3)}
    )
    result = sem(data, "F =~ a0 + a1 + a2; G =~ b0 + b1 + b2; G ~ F").to_dict()
    root = parse(plots.sem_diagram(result))
    words = texts(root)
    assert {"F", "G", "a0", "b2"} <= set(words.split())
    regression = next(e for e in result["estimates"] if e["op"] == "~")
    assert plots.fmt(regression["est"]) in words
    assert "(fixed)" in words and "CFI" in words
    assert len(root.findall(f"{SVG}ellipse")) == 2  # the factors, drawn as ovals


def test_change_plot_shows_means_and_the_change(frame: pd.DataFrame) -> None:
    result = stats.paired_change(frame, "m", "y").to_dict()
    spec = {"analysis": "change", "options": {"before": "m", "after": "y"}}
    found = plots.plots_for(spec, result, frame)
    titles = [p.title for p in found]
    assert titles[:2] == ["Change from baseline to follow-up", "Mean change with its interval"]
    words = texts(parse(found[0].svg))
    before, after = result["before"]["mean"], result["after"]["mean"]
    assert f"{plots.fmt(before)} → {plots.fmt(after)}" in words
    words = texts(parse(found[1].svg))
    assert plots.interval(*result["diff"]["ci"]) in words
    # With the data, each variable's distribution too.
    assert {"Distribution of m", "Distribution of y"} <= set(titles)


def test_regression_forest_plot_has_each_coefficient_but_the_intercept(
    frame: pd.DataFrame,
) -> None:
    result = stats.ols(frame, "y ~ x + m").to_dict()
    [plot] = plots.plots_for({"analysis": "regress", "options": {"formula": "y ~ x + m"}}, result)
    words = texts(parse(plot.svg))
    assert "x" in words.split() and "m" in words.split() and "Intercept" not in words
    assert plots.fmt(result["coefficients"]["x"]["est"]) in words


def test_histogram_counts_and_missing() -> None:
    root = parse(plots.histogram("life satisfaction", [1, 2, 2, 3, 3, 3, None, 10.0]))
    words = texts(root)
    assert "n 7, 1 missing" in words
    assert "3" in words.split()  # the tallest bar's count
    root = parse(plots.histogram("score", list(np.linspace(0, 1, 50))))
    assert "Distribution of score" in texts(root)


def test_text_is_escaped_and_ids_differ_between_pictures() -> None:
    first = plots.effects_plot("A <b> & c", [plots.Effect("x < y", 0.5, 0.1, 0.9)])
    second = plots.effects_plot("Another", [plots.Effect("z", -0.2, -0.4, 0.0)])
    assert "x &lt; y" in first
    assert parse(first).get("aria-labelledby") != parse(second).get("aria-labelledby")
    assert "\u22120.20" in texts(parse(second))  # a real minus sign


def test_nothing_to_draw_for_an_empty_result() -> None:
    assert plots.plots_for({"analysis": "mediate"}, {}) == []


def test_logistic_regression_shows_odds_ratios_around_one() -> None:
    result = {
        "n": 100,
        "confidence": 0.95,
        "coefficients": {
            "Intercept": {"est": 0.1, "odds_ratio": 1.1, "odds_ratio_ci": [0.8, 1.5]},
            "barrier_cost": {"est": -0.69, "odds_ratio": 0.5, "odds_ratio_ci": [0.3, 0.84]},
        },
    }
    [plot] = plots.plots_for({"analysis": "logistic", "options": {}}, result)
    words = texts(parse(plot.svg))
    assert "barrier_cost" in words and "0.50 [0.30, 0.84]" in words and "Intercept" not in words


def test_descriptives_show_shares_and_distributions_hiding_small_counts() -> None:
    result = {
        "n_rows": 40,
        "columns": {
            "knows_walking": {"n": 40, "missing": 0, "mean": 0.5, "sd": 0.5, "median": 0.5,
                              "min": 0.0, "max": 1.0},
            "uses_walking": {"n": 40, "missing": 0, "mean": 0.05, "sd": 0.2, "median": 0.0,
                             "min": 0.0, "max": 1.0},
            "life": {"n": 38, "missing": 2, "mean": 6.5, "sd": 1.8, "median": 7.0,
                     "min": 1.0, "max": 10.0},
        },
    }  # fmt: skip
    spec = {"analysis": "describe", "options": {}, "labels": {"knows_walking": "Knows: walks"}}
    shares, spread = plots.plots_for(spec, result)
    words = texts(parse(shares.svg))
    assert "Knows: walks" in words and "50% of 40" in words
    assert "hidden (fewer than 5 people)" in words and "5% of 40" not in words  # 2 people
    assert "5% of 40" in texts(parse(plots.plots_for(spec, result, reveal=True)[0].svg))
    words = texts(parse(spread.svg))
    assert "mean 6.50 (sd 1.80), median 7.00, 1.0 to 10.0" in words
