"""The runner calls the statistics core as inspiring-stats does: for every kind, the
stored result is the core's to_dict() on the same data and options (plus the counts),
and bad input, too few rows and failed fits become plain words, never numbers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from inspiring.evaluation import stats
from inspiring.evaluation.report import build
from inspiring.evaluation.runner import KINDS, AnalysisFailed, plain, run
from inspiring.evaluation.stats.efa import efa
from inspiring.evaluation.stats.sem import sem


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    """120 rows from a fixed generator: two factors of three items, a mediation chain,
    a before/after pair, an area and a yes/no outcome."""
    rng = np.random.default_rng(20261205)
    n = 120
    f1, f2 = rng.normal(size=n), rng.normal(size=n)
    data: dict[str, Any] = {}
    for i in range(3):
        data[f"a{i + 1}"] = np.round(f1 + 0.6 * rng.normal(size=n), 3)
        data[f"b{i + 1}"] = np.round(f2 + 0.6 * rng.normal(size=n), 3)
    x = rng.normal(size=n)
    m = 0.5 * x + rng.normal(size=n)
    data["x"] = np.round(x, 3)
    data["m"] = np.round(m, 3)
    data["y"] = np.round(0.4 * m + 0.2 * x + rng.normal(size=n), 3)
    data["before"] = np.round(5 + rng.normal(size=n), 3)
    data["after"] = np.round(data["before"] + 0.5 + 0.5 * rng.normal(size=n), 3)
    data["area"] = np.where(np.arange(n) % 2, "ashfield", "mansfield")
    data["took_part"] = (x + rng.normal(size=n) > 0).astype(int)
    out = pd.DataFrame(data)
    out.loc[3, "y"] = np.nan  # one incomplete row
    return out


def spec(kind: str, seed: int = 5, **options: Any) -> dict[str, Any]:
    return {"dataset": {}, "analysis": kind, "options": options, "seed": seed, "question": ""}


def _same(stored: dict[str, Any], expected: dict[str, Any]) -> None:
    for key, value in plain(expected).items():
        assert stored[key] == value, key


def test_describe(frame: pd.DataFrame) -> None:
    out = run(spec("describe", columns=["x", "y"]), frame)
    expected = stats.describe(frame, ["x", "y"])
    assert out["columns"] == {k: plain(v.to_dict()) for k, v in expected.items()}
    assert out["n_rows"] == out["n_extracted"] == 120


def test_alpha_and_omega(frame: pd.DataFrame) -> None:
    items = ["a1", "a2", "a3"]
    out = run(spec("alpha", items=items, confidence=0.9), frame)
    _same(out, stats.cronbach_alpha(frame, items, confidence=0.9).to_dict())
    assert out["n_used"] == 120 and out["n_excluded"] == 0
    out = run(spec("omega", items=items), frame)
    _same(out, stats.mcdonald_omega(frame, items).to_dict())


def test_efa_and_sem(frame: pd.DataFrame) -> None:
    items = ["a1", "a2", "a3", "b1", "b2", "b3"]
    out = run(spec("efa", items=items, factors=2, rotation="oblimin"), frame)
    _same(out, efa(frame, items, factors=2, rotation="oblimin").to_dict())
    model = "f =~ a1 + a2 + a3; g =~ b1 + b2 + b3"
    out = run(spec("sem", model=model), frame)
    _same(out, sem(frame, model).to_dict())


def test_regress_mediate_change(frame: pd.DataFrame) -> None:
    out = run(spec("regress", formula="y ~ x + m", robust="HC3"), frame)
    _same(out, stats.ols(frame, "y ~ x + m", robust="HC3").to_dict())
    assert out["n_used"] == 119 and out["n_excluded"] == 1 and out["n_extracted"] == 120
    out = run(spec("mediate", seed=42, x="x", m=["m"], y="y", boot=1000, ci="bca"), frame)
    direct = stats.mediate(frame, "x", ["m"], "y", [], n_boot=1000, seed=42, ci="bca")
    _same(out, direct.to_dict())
    assert out["seed"] == 42
    out = run(spec("change", before="before", after="after", reliability=0.8), frame)
    _same(out, stats.paired_change(frame, "before", "after", reliability=0.8).to_dict())


def test_invariance_and_logistic_when_the_core_has_them(frame: pd.DataFrame) -> None:
    from inspiring.evaluation.stats.invariance import invariance

    model = "f =~ a1 + a2 + a3"
    out = run(spec("invariance", model=model, group="area"), frame)
    _same(out, invariance(frame, model, "area").to_dict())
    report = build(spec("invariance", model=model, group="area"), out, reveal=True)
    assert any("invariance" in sentence for sentence in report.summary)
    if "logistic" not in KINDS:
        pytest.skip("the statistics core has no logistic regression yet")
    from inspiring.evaluation.stats.logistic import logistic

    out = run(spec("logistic", formula="took_part ~ x"), frame)
    _same(out, logistic(frame, "took_part ~ x").to_dict())


def test_every_kind_reads_as_a_report(frame: pd.DataFrame) -> None:
    specs = [
        spec("describe"),
        spec("alpha", items=["a1", "a2", "a3"]),
        spec("omega", items=["a1", "a2", "a3"]),
        spec("efa", items=["a1", "a2", "a3", "b1", "b2", "b3"], factors=2),
        spec("sem", model="f =~ a1 + a2 + a3\ny ~ f"),
        spec("regress", formula="y ~ x"),
        spec("mediate", x="x", m=["m"], y="y", boot=500),
        spec("change", before="before", after="after", reliability=0.8),
    ]
    for item in specs:
        out = run(item, frame)
        report = build(item, out, reveal=False, seed=5, software="test", fingerprint="abc")
        assert report.summary and report.tables and report.methods, item["analysis"]
        assert "seed 5" in report.methods.lower() or item["analysis"] == "describe"


def test_the_change_summary_reads_as_a_steering_group_would(frame: pd.DataFrame) -> None:
    item = spec("change", before="before", after="after", reliability=0.8)
    item["labels"] = {"before": "Wellbeing at baseline", "after": "Wellbeing at follow-up"}
    out = run(item, frame)
    report = build(item, out, reveal=True)
    first = report.summary[0]
    assert first.startswith("Among 120 people, Wellbeing rose by ")
    assert "(95% CI " in first and "from baseline to follow-up;" in first
    assert "improved reliably" in first


def test_small_counts_are_hidden_unless_revealed(frame: pd.DataFrame) -> None:
    item = spec("change", before="before", after="after", reliability=0.8)
    out = run(item, frame)
    out["rci"]["deteriorated"] = deteriorated = 3  # as a small programme's might be
    hidden = build(item, out, reveal=False)
    shown = build(item, out, reveal=True)
    rci_hidden = hidden.tables[-1].rows[-1][1]
    assert rci_hidden == "<5"
    assert shown.tables[-1].rows[-1][1] == str(deteriorated)


def test_too_few_rows_and_bad_input_fail_in_words(frame: pd.DataFrame) -> None:
    with pytest.raises(AnalysisFailed, match="At least 10 are needed"):
        run(spec("alpha", items=["a1", "a2", "a3"]), frame.head(8))
    with pytest.raises(stats.StatsError):
        run(spec("regress", formula="y ~ nowhere"), frame)
    with pytest.raises(AnalysisFailed, match="cannot run"):
        run(spec("nonsense"), frame)


def test_synthetic_data_are_flagged(frame: pd.DataFrame) -> None:
    synthetic = frame.assign(synthetic=1)
    out = run(spec("alpha", items=["a1", "a2", "a3"]), synthetic)
    assert any("synthetic" in warning for warning in out["warnings"])


@pytest.mark.django_db
def test_a_spec_without_labels_reads_with_the_extracts_words(frame: pd.DataFrame) -> None:
    """A built-in question's spec names columns only: the report finds their words."""
    data = frame.rename(
        columns={
            "before": "baseline_ons4_life_satisfaction",
            "after": "followup_ons4_life_satisfaction",
        }
    )
    item = spec(
        "change",
        before="baseline_ons4_life_satisfaction",
        after="followup_ons4_life_satisfaction",
    )
    report = build(item, run(item, data), reveal=True)
    assert report.summary[0].startswith("Among 120 people, Life satisfaction rose by")
    assert "from baseline to follow-up" in report.summary[0]
