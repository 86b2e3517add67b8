"""An analysis as a report: a summary in plain words a steering group can read, the
tables, and a methods paragraph stating exactly what was done.

One summariser, table builder and methods writer per kind of analysis, from the stored
result (runner.py) and spec alone, so the page and the PDF say the same. Counts of people
go through lib.disclosure: `reveal=False` (anyone but the area's coordinators and
researchers) shows 1 to 4 as "<5", and a 0/1 variable's mean (a share of people) is
hidden where it would give such a count away.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lib import disclosure

from .extracts import column_labels
from .runner import KINDS


@dataclass
class Table:
    caption: str
    header: list[str]
    rows: list[list[str]]


@dataclass
class Report:
    summary: list[str]
    tables: list[Table]
    methods: str
    warnings: list[str] = field(default_factory=list)


def num(value: Any, digits: int = 2) -> str:
    if value is None or isinstance(value, bool):
        return "—"
    number = float(value)
    if not math.isfinite(number):
        return "—"
    text = f"{number:.{digits}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text.replace("-", "\u2212")


def pval(value: Any) -> str:
    if value is None:
        return "—"
    return "<0.001" if float(value) < 0.001 else f"{float(value):.3f}"


def ci(pair: Sequence[Any] | None, digits: int = 2) -> str:
    if not pair:
        return "—"
    return f"{num(pair[0], digits)} to {num(pair[1], digits)}"


def level(confidence: Any) -> str:
    return f"{round(float(confidence or 0.95) * 100, 6):g}%"


# Labels that keep their "Kind: thing" form (the thing alone would be ambiguous).
KEEP_PREFIX = ("Barrier", "Knows of", "Goes to", "Would like", "Connected to")


def short(label: str) -> str:
    """A variable's label as a sentence reads it: an instrument's scale without the
    instrument's title ("Life satisfaction at baseline", not "ONS personal wellbeing
    (ONS4): Life satisfaction at baseline") and without "(score)"."""
    label = label.replace(" (score)", "")
    depth = 0
    for i, char in enumerate(label):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and label.startswith(": ", i):
            head, tail = label[:i], label[i + 2 :]
            if head in KEEP_PREFIX or not tail:
                return label
            return tail
    return label


def _label(spec: Mapping[str, Any], name: str) -> str:
    labels = spec.get("labels") or {}
    return short(str(labels[name])) if name in labels else name


def _with_labels(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The spec with words for every variable its options name: those chosen on the
    new-analysis page, else the extracts' own (a built-in question names only columns)."""
    names: set[str] = set()
    for value in (spec.get("options") or {}).values():
        for part in value if isinstance(value, list) else [value]:
            if isinstance(part, str):
                names.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", part))
    given = dict(spec.get("labels") or {})
    missing = sorted(names - set(given))
    try:
        found = column_labels(missing) if missing else {}
    except Exception:  # labels are a courtesy: a report without them still reads
        found = {}
    return {**spec, "labels": {**found, **given}}


def _people(count: int, reveal: bool) -> str:
    return f"{disclosure.shown(int(count), reveal=reveal)} {'person' if count == 1 else 'people'}"


def _missing_words(result: Mapping[str, Any], reveal: bool) -> str:
    used = int(result.get("n_used") or 0)
    excluded = int(result.get("n_excluded") or 0)
    extracted = int(result.get("n_extracted") or used + excluded)
    return (
        f"Rows missing any of the analysis's variables were left out (listwise deletion): "
        f"{disclosure.shown(used, reveal=reveal)} of the "
        f"{disclosure.shown(extracted, reveal=reveal)} rows extracted were used and "
        f"{disclosure.shown(excluded, reveal=reveal)} left out."
    )


def _dataset_words(spec: Mapping[str, Any]) -> str:
    dataset = spec.get("dataset") or {}
    if dataset.get("source") == "survey":
        return "the community survey's responses"
    areas = ", ".join(dataset.get("areas") or [])
    return (
        f"client outcomes ({areas}: clients with a baseline who agreed to their information "
        "being used for research; the first baseline and latest follow-up of each instrument)"
    )


def _pseudonym_words() -> str:
    return (
        "Data were extracted pseudonymised (no names, contact details, NHS numbers, "
        "postcodes, neighbourhood codes or exact dates; pseudonyms particular to this analysis)."
    )


# --- Descriptives ---------------------------------------------------------------------


def _is_binary(summary: Mapping[str, Any]) -> bool:
    return summary.get("min") in (0, 0.0, 1, 1.0) and summary.get("max") in (0, 0.0, 1, 1.0)


def _describe(spec: Mapping[str, Any], result: Mapping[str, Any], reveal: bool) -> Report:
    columns: Mapping[str, Mapping[str, Any]] = result.get("columns") or {}
    n_rows = int(result.get("n_rows") or 0)
    rows = []
    sentences = [f"The data set holds {_people(n_rows, reveal)}."]
    for name, s in columns.items():
        n = int(s.get("n") or 0)
        mean = s.get("mean")
        mean_text = num(mean)
        if _is_binary(s) and mean is not None:
            yes = round(float(mean) * n)
            # A share of a known n is a count: hidden as the count would be.
            if not reveal and (disclosure.is_small(yes) or disclosure.is_small(n - yes)):
                mean_text = disclosure.SECONDARY_TEXT
        rows.append(
            [
                _label(spec, name),
                disclosure.shown(n, reveal=reveal),
                disclosure.shown(int(s.get("missing") or 0), reveal=reveal),
                mean_text,
                num(s.get("sd")),
                num(s.get("median")),
                num(s.get("min")),
                num(s.get("max")),
            ]
        )
        if len(sentences) < 6 and mean is not None and mean_text != disclosure.SECONDARY_TEXT:
            if _is_binary(s):
                sentences.append(
                    f"{_label(spec, name)}: {num(100 * float(mean), 0)}% of the "
                    f"{disclosure.shown(n, reveal=reveal)} who answered."
                )
            else:
                sentences.append(
                    f"{_label(spec, name)} averaged {num(mean)} (standard deviation "
                    f"{num(s.get('sd'))}) among the {disclosure.shown(n, reveal=reveal)} "
                    "who answered."
                )
    table = Table(
        "Each variable",
        ["Variable", "Answered", "Missing", "Mean", "SD", "Median", "Lowest", "Highest"],
        rows,
    )
    methods = (
        f"Descriptive statistics of {_dataset_words(spec)}: for each variable the number "
        "answering, the number missing, the mean, the standard deviation (divisor n minus 1), "
        "the median, lowest and highest value, each over the rows that answered it "
        "(no row is left out as a whole). " + _pseudonym_words()
    )
    return Report(sentences, [table], methods)


# --- Reliability ----------------------------------------------------------------------


def _quality(value: Any) -> str:
    if value is None:
        return "could not be worked out"
    v = float(value)
    if v >= 0.9:
        return "excellent"
    if v >= 0.8:
        return "good"
    if v >= 0.7:
        return "acceptable"
    if v >= 0.6:
        return "questionable"
    return "poor"


def _items(spec: Mapping[str, Any]) -> list[str]:
    items = (spec.get("options") or {}).get("items") or []
    return [items] if isinstance(items, str) else list(items)


def _reverse(spec: Mapping[str, Any]) -> list[str]:
    items = (spec.get("options") or {}).get("reverse") or []
    return [items] if isinstance(items, str) else list(items)


def _alpha(spec: Mapping[str, Any], result: Mapping[str, Any], reveal: bool) -> Report:
    details = result.get("details") or {}
    confidence = details.get("confidence", 0.95)
    items = _items(spec)
    alpha = result.get("alpha")
    sentences = [
        f"Among {_people(int(result.get('n') or 0), reveal)} who answered all {len(items)} "
        f"items, Cronbach's alpha was {num(alpha)} ({level(confidence)} CI "
        f"{ci(result.get('ci'))}): {_quality(alpha)} internal consistency by the usual "
        "rule of thumb (0.7 acceptable, 0.8 good, 0.9 excellent)."
    ]
    table = Table(
        "Reliability",
        ["Statistic", "Value"],
        [
            ["Cronbach's alpha", num(alpha, 3)],
            [f"{level(confidence)} confidence interval (Feldt)", ci(result.get("ci"), 3)],
            ["Items", str(len(items))],
            ["People used", disclosure.shown(int(result.get("n") or 0), reveal=reveal)],
        ],
    )
    reverse = _reverse(spec)
    methods = (
        f"Cronbach's alpha of {', '.join(_label(spec, i) for i in items)} in {_dataset_words(spec)}"
        + (f", after reflecting the reverse-keyed {', '.join(reverse)}" if reverse else "")
        + f", with Feldt's F-based {level(confidence)} confidence interval (as R's psych::alpha). "
        + _missing_words(result, reveal)
        + " "
        + _pseudonym_words()
    )
    return Report(sentences, [table], methods)


def _model_omega(spec: Mapping[str, Any], result: Mapping[str, Any], reveal: bool) -> Report:
    factors: Mapping[str, Mapping[str, Any]] = result.get("factors") or {}
    sentences = [
        f"Among {_people(int(result.get('n') or 0), reveal)}, the reliability (omega) of each "
        "factor's items in the fitted model: "
        + "; ".join(
            f"{name} {num(f.get('omega'))} ({_quality(f.get('omega'))})"
            for name, f in factors.items()
        )
        + "."
    ]
    rows = [
        [
            name,
            ", ".join(f.get("items") or []),
            num(f.get("omega"), 3),
            num(f.get("omega_observed"), 3),
        ]
        for name, f in factors.items()
    ]
    fit = result.get("fit") or {}
    tables = [
        Table("Omega per factor", ["Factor", "Items", "Omega", "Omega (observed variance)"], rows),
        Table(
            "Fit of the model",
            ["Statistic", "Value"],
            [
                ["Chi-square", num(fit.get("chi2"))],
                ["Degrees of freedom", str(fit.get("df"))],
                ["p", pval(fit.get("pvalue"))],
                ["CFI", num(fit.get("cfi"), 3)],
                ["RMSEA", num(fit.get("rmsea"), 3)],
                ["SRMR", num(fit.get("srmr"), 3)],
            ],
        ),
    ]
    skipped = result.get("skipped") or {}
    methods = (
        "Omega per factor of a confirmatory factor model in lavaan syntax, fitted by maximum "
        f"likelihood to {_dataset_words(spec)}, as semTools' compRelSEM: omega divides by the "
        "model-implied variance of the sum of the factor's items, the observed version by its "
        "observed variance (divisor N)."
        + (
            " Not given omega: " + "; ".join(f"{k}: {v}" for k, v in skipped.items()) + "."
            if skipped
            else ""
        )
        + " "
        + _missing_words(result, reveal)
        + " "
        + _pseudonym_words()
    )
    return Report(sentences, tables, methods)


def _omega(spec: Mapping[str, Any], result: Mapping[str, Any], reveal: bool) -> Report:
    if "factors" in result:
        return _model_omega(spec, result, reveal)
    details = result.get("details") or {}
    omega = result.get("omega")
    items = _items(spec)
    sentences = [
        f"Among {_people(int(result.get('n') or 0), reveal)} who answered all {len(items)} "
        f"items, McDonald's omega was {num(omega)}: {_quality(omega)} reliability by the usual "
        "rule of thumb (0.7 acceptable, 0.8 good, 0.9 excellent)."
    ]
    loadings = details.get("loadings") or {}
    rows = [
        [
            _label(spec, item),
            num(loadings.get(item), 3),
            num((details.get("standardized_loadings") or {}).get(item), 3),
            num((details.get("uniquenesses") or {}).get(item), 3),
        ]
        for item in loadings
    ]
    tables = [
        Table(
            "Reliability",
            ["Statistic", "Value"],
            [
                ["Omega (model-implied total variance)", num(omega, 3)],
                ["Omega (observed total variance)", num(result.get("omega_observed"), 3)],
            ],
        ),
        Table("One-factor model", ["Item", "Loading", "Standardised loading", "Uniqueness"], rows),
    ]
    reversed_items = result.get("reversed") or []
    methods = (
        "McDonald's omega total from a one-factor model fitted by maximum likelihood (as R's "
        f"factanal) to {', '.join(_label(spec, i) for i in items)} in {_dataset_words(spec)}; "
        "omega divides the squared sum of loadings by the model-implied variance of the total "
        "score, and the observed version by its observed variance."
        + (
            " Items with a negative loading were treated as reverse-keyed: "
            f"{', '.join(reversed_items)}."
            if reversed_items
            else ""
        )
        + " "
        + _missing_words(result, reveal)
        + " "
        + _pseudonym_words()
    )
    return Report(sentences, tables, methods)


# --- Factor analysis ------------------------------------------------------------------


def _efa(spec: Mapping[str, Any], result: Mapping[str, Any], reveal: bool) -> Report:
    details = result.get("details") or {}
    loadings: Mapping[str, list[float]] = result.get("loadings") or {}
    k = len(next(iter(loadings.values()), []))
    labels = [f"Factor {j + 1}" for j in range(k)]
    variance = details.get("variance") or []
    share = sum(float(v) for v in variance) / len(loadings) if loadings else 0.0
    sentences = [
        f"Among {_people(int(result.get('n') or 0), reveal)}, {k} factor"
        f"{'s' if k != 1 else ''} from {len(loadings)} items together account for "
        f"{num(100 * share, 0)}% of the items' variance."
    ]
    for j, label in enumerate(labels):
        top = sorted(loadings, key=lambda item: -abs(float(loadings[item][j] or 0)))
        strong = [i for i in top if abs(float(loadings[i][j] or 0)) >= 0.4][:4]
        if strong:
            sentences.append(
                f"{label} is marked most by {', '.join(_label(spec, i) for i in strong)}."
            )
    rows = [
        [
            _label(spec, item),
            *(num(x) for x in row),
            num((result.get("uniquenesses") or {}).get(item)),
        ]
        for item, row in loadings.items()
    ]
    rows.append(["Variance explained", *(num(v) for v in variance), ""])
    tables = [Table("Loadings", ["Item", *labels, "Uniqueness"], rows)]
    fit = [
        ["Chi-square (Bartlett-corrected, as factanal)", num(result.get("chi2"))],
        ["Degrees of freedom", str(result.get("df"))],
        ["p", pval(result.get("p"))],
    ]
    if "chi2_uncorrected" in result:
        fit += [
            ["Chi-square (uncorrected N·F, as lavaan)", num(result.get("chi2_uncorrected"))],
            ["p (uncorrected)", pval(result.get("p_uncorrected"))],
        ]
    tables.append(Table("Fit", ["Statistic", "Value"], fit))
    phi = result.get("phi")
    if phi:
        tables.append(
            Table(
                "Factor correlations",
                ["", *labels],
                [[label, *(num(x) for x in row)] for label, row in zip(labels, phi, strict=False)],
            )
        )
    method = {
        "ml": "maximum likelihood (as R's factanal)",
        "minres": "minimum residual (as psych::fa)",
    }
    options = spec.get("options") or {}
    rotation = str(result.get("rotation") or options.get("rotation") or "varimax")
    methods = (
        f"Exploratory factor analysis of the correlations of {len(loadings)} items in "
        f"{_dataset_words(spec)}, {k} factor{'s' if k != 1 else ''} extracted by "
        f"{method.get(str(result.get('method')), str(result.get('method')))}, rotation "
        f"{rotation} by gradient projection, Kaiser normalisation "
        f"{'on' if result.get('kaiser_normalization') else 'off'}. "
        + _missing_words(result, reveal)
        + " "
        + _pseudonym_words()
    )
    return Report(sentences, tables, methods)


def _fit_words(result: Mapping[str, Any]) -> str:
    cfi, rmsea, srmr = result.get("cfi"), result.get("rmsea"), result.get("srmr")
    if cfi is None or rmsea is None or srmr is None:
        return "its fit could not be judged by the usual indices"
    good = float(cfi) >= 0.95 and float(rmsea) <= 0.06 and float(srmr) <= 0.08
    fair = float(cfi) >= 0.90 and float(rmsea) <= 0.08 and float(srmr) <= 0.10
    return "it fits well" if good else "it fits acceptably" if fair else "it fits poorly"


def _sem(spec: Mapping[str, Any], result: Mapping[str, Any], reveal: bool) -> Report:
    sentences = [
        f"Among {_people(int(result.get('n') or 0), reveal)}, by the usual rules (CFI at least "
        f"0.95, RMSEA at most 0.06, SRMR at most 0.08) {_fit_words(result)}: CFI "
        f"{num(result.get('cfi'))}, RMSEA {num(result.get('rmsea'), 3)} (90% CI "
        f"{ci(result.get('rmsea_ci'), 3)}), SRMR {num(result.get('srmr'), 3)}."
    ]
    for e in result.get("estimates") or []:
        if e.get("op") == "~" and e.get("se"):
            z = float(e["est"]) / float(e["se"])
            sentences.append(
                f"{_label(spec, e['rhs'])} → {_label(spec, e['lhs'])}: {num(e['est'])} "
                f"(standard error {num(e['se'])}, z = {num(z)})."
            )
    fit = Table(
        "Fit",
        ["Statistic", "Value"],
        [
            ["Chi-square", num(result.get("chi2"))],
            ["Degrees of freedom", str(result.get("df"))],
            ["p", pval(result.get("pvalue"))],
            ["CFI", num(result.get("cfi"), 3)],
            ["TLI", num(result.get("tli"), 3)],
            ["RMSEA", num(result.get("rmsea"), 3)],
            ["RMSEA 90% CI", ci(result.get("rmsea_ci"), 3)],
            ["SRMR", num(result.get("srmr"), 3)],
        ],
    )
    estimates = Table(
        "Parameters",
        ["Parameter", "Estimate", "Standard error"],
        [
            [
                f"{e['lhs']} {e['op']} {e['rhs']}",
                num(e.get("est"), 3),
                "fixed" if e.get("se") is None else num(e.get("se"), 3),
            ]
            for e in result.get("estimates") or []
        ],
    )
    methods = (
        f"Structural equation model in lavaan syntax fitted to {_dataset_words(spec)} by maximum "
        "likelihood as lavaan does by default (first loading of each factor fixed to 1, "
        "covariance matrix with divisor n, standard errors from the expected information), "
        "with chi-square, CFI, TLI, RMSEA with its 90% interval and SRMR as lavaan reports "
        "them. " + _sem_missing_words(result, reveal) + " " + _pseudonym_words()
    )
    return Report(sentences, [fit, estimates], methods)


def _sem_missing_words(result: Mapping[str, Any], reveal: bool) -> str:
    details = result.get("details") or {}
    if details.get("missing") != "ml":
        return _missing_words(result, reveal)
    gaps = int(details.get("rows_with_gaps") or 0)
    return (
        "Missing answers were handled by full-information maximum likelihood (as lavaan's "
        'missing = "ml"): every row with at least one of the variables was used, '
        f"{disclosure.shown(gaps, reveal=reveal)} of them with gaps; "
        f"{disclosure.shown(int(result.get('n_excluded') or 0), reveal=reveal)} rows with "
        "none of the variables were left out."
    )


# --- Regression -----------------------------------------------------------------------


def _t_interval(
    est: float, se: float, df: int | None, confidence: float = 0.95
) -> tuple[float, float]:
    from scipy import stats as sps

    q = float(sps.t.ppf(0.5 + confidence / 2, df)) if df and df > 0 else 1.959963984540054
    return est - q * se, est + q * se


def _regress(spec: Mapping[str, Any], result: Mapping[str, Any], reveal: bool) -> Report:
    details = result.get("details") or {}
    formula = str(details.get("formula") or (spec.get("options") or {}).get("formula") or "")
    outcome = formula.split("~")[0].strip()
    coefficients: Mapping[str, Mapping[str, Any]] = result.get("coefficients") or {}
    df = details.get("df_resid")
    sentences = [
        f"Among {_people(int(result.get('n') or 0), reveal)}, the model accounts for "
        f"{num(100 * float(result.get('r2') or 0), 0)}% of the variation in "
        f"{_label(spec, outcome)} (R² = {num(result.get('r2'), 3)})."
    ]
    rows = []
    for term, c in coefficients.items():
        low, high = _t_interval(float(c["est"]), float(c["se"] or 0), df)
        rows.append(
            [
                term,
                num(c.get("est"), 3),
                num(c.get("se"), 3),
                ci((low, high), 3),
                num(c.get("t")),
                pval(c.get("p")),
            ]
        )
        if term == "Intercept" or c.get("p") is None:
            continue
        clear = float(c["p"]) < 0.05
        sentences.append(
            f"Each one higher {_label(spec, term)} goes with {_label(spec, outcome)} "
            f"{'higher' if float(c['est']) >= 0 else 'lower'} by {num(abs(float(c['est'])))} "
            f"(95% CI {ci((low, high))}), holding the others in the model constant: "
            + ("a clear association (p < 0.05)." if clear else "no clear association (p ≥ 0.05).")
        )
    table = Table("Coefficients", ["Term", "Estimate", "Standard error", "95% CI", "t", "p"], rows)
    se_type = str(result.get("se_type") or "classical")
    methods = (
        f"Ordinary least squares regression {formula} on {_dataset_words(spec)}; "
        + (
            "classical standard errors"
            if se_type == "classical"
            else f"heteroskedasticity-consistent standard errors ({se_type})"
        )
        + ", p-values and 95% intervals from t on the residual degrees of freedom. "
        + _missing_words(result, reveal)
        + " "
        + _pseudonym_words()
    )
    factors = details.get("factors") or {}
    if factors:
        methods += (
            " Categorical predictors were coded against a reference level: "
            + "; ".join(
                f"{name}: reference {info.get('reference')}" for name, info in factors.items()
            )
            + "."
        )
    return Report(sentences[:8], [table], methods)


# --- Mediation ------------------------------------------------------------------------


def _mediate(spec: Mapping[str, Any], result: Mapping[str, Any], reveal: bool) -> Report:
    details = result.get("details") or {}
    x, y = str(details.get("x")), str(details.get("y"))
    confidence = level(result.get("confidence"))
    method = {
        "percentile": "percentile",
        "bc": "bias-corrected",
        "bca": "bias-corrected and accelerated",
    }
    ci_words = method.get(str(result.get("ci_method")), str(result.get("ci_method")))
    boot = int(result.get("boot") or 0)
    sentences = []
    for m, effect in (result.get("indirect") or {}).items():
        low, high = (effect.get("ci") or [None, None])[:2]
        excludes_zero = low is not None and high is not None and (low > 0 or high < 0)
        sentences.append(
            f"Among {_people(int(result.get('n') or 0), reveal)}, the link from {_label(spec, x)} "
            f"to {_label(spec, y)} running through {_label(spec, m)} (the indirect effect) was "
            f"{num(effect.get('est'), 3)} ({confidence} {ci_words} bootstrap CI "
            f"{ci(effect.get('ci'), 3)}, {boot:,} resamples): "
            + (
                "the interval leaves out zero, so the data support this path."
                if excludes_zero
                else "the interval includes zero, so the data give no clear evidence for this path."
            )
        )
    c = details.get("c") or {}
    cp = details.get("c_prime") or {}
    sentences.append(
        f"The total effect of {_label(spec, x)} on {_label(spec, y)} was {num(c.get('est'), 3)} "
        f"and the direct effect, with the mediators held constant, {num(cp.get('est'), 3)}."
    )
    paths = []
    for m, coef in (details.get("a") or {}).items():
        paths.append(
            [f"a: {x} → {m}", num(coef.get("est"), 3), num(coef.get("se"), 3), pval(coef.get("p"))]
        )
    for m, coef in (details.get("b") or {}).items():
        paths.append(
            [f"b: {m} → {y}", num(coef.get("est"), 3), num(coef.get("se"), 3), pval(coef.get("p"))]
        )
    paths.append(["c: total", num(c.get("est"), 3), num(c.get("se"), 3), pval(c.get("p"))])
    paths.append(
        ["c prime: direct", num(cp.get("est"), 3), num(cp.get("se"), 3), pval(cp.get("p"))]
    )
    effects = [
        [f"via {m}", num(e.get("est"), 3), num(e.get("se"), 3), ci(e.get("ci"), 3)]
        for m, e in (result.get("indirect") or {}).items()
    ]
    total = result.get("total_indirect") or {}
    effects.append(
        [
            "total indirect",
            num(total.get("est"), 3),
            num(total.get("se"), 3),
            ci(total.get("ci"), 3),
        ]
    )
    covariates = details.get("covariates") or []
    methods = (
        f"Parallel mediation in {_dataset_words(spec)}: each mediator regressed on "
        f"{x}{' and the covariates' if covariates else ''}, then {y} on {x}, the mediators"
        f"{' and the covariates' if covariates else ''} (ordinary least squares, as PROCESS "
        f"model 4). Indirect effects a·b with {boot:,} bootstrap resamples (seed "
        f"{result.get('seed')}), {confidence} {ci_words} intervals; path p-values from t."
        + (f" Covariates: {', '.join(covariates)}." if covariates else "")
        + " "
        + _missing_words(result, reveal)
        + " "
        + _pseudonym_words()
    )
    return Report(
        sentences,
        [
            Table("Paths", ["Path", "Estimate", "Standard error", "p"], paths),
            Table(
                "Indirect effects",
                ["Effect", "Estimate", "Bootstrap SE", f"{confidence} CI ({ci_words})"],
                effects,
            ),
        ],
        methods,
    )


# --- Change ---------------------------------------------------------------------------


def _span(spec: Mapping[str, Any], before: str, after: str) -> str:
    first, second = _label(spec, before), _label(spec, after)
    if first.endswith(" at baseline") and second.endswith(" at follow-up"):
        return "baseline to follow-up"
    return f"{first} to {second}"


def _change(spec: Mapping[str, Any], result: Mapping[str, Any], reveal: bool) -> Report:
    details = result.get("details") or {}
    diff = result.get("diff") or {}
    before = str(details.get("before") or (spec.get("options") or {}).get("before"))
    after = str(details.get("after") or (spec.get("options") or {}).get("after"))
    what = _label(spec, before).removesuffix(" at baseline")
    mean = float(diff.get("mean") or 0)
    confidence = level(diff.get("confidence"))
    sentence = (
        f"Among {_people(int(result.get('n') or 0), reveal)}, {what} "
        f"{'rose' if mean > 0 else 'fell' if mean < 0 else 'did not change on average'}"
        + (f" by {num(abs(mean))} points" if mean else "")
        + f" ({confidence} CI {ci(diff.get('ci'))}) from {_span(spec, before, after)}"
    )
    rci = result.get("rci")
    if rci:
        sentence += (
            f"; {disclosure.shown(int(rci['improved']), reveal=reveal)} improved reliably and "
            f"{disclosure.shown(int(rci['deteriorated']), reveal=reveal)} reliably worsened"
        )
    sentences = [sentence + "."]
    d = result.get("d_z")
    if d is not None:
        size = abs(float(d))
        words = "small" if size < 0.5 else "medium" if size < 0.8 else "large"
        if size < 0.2:
            words = "negligible"
        sentences.append(
            f"The effect size (Cohen's d_z) was {num(d)}: {words} by Cohen's conventions."
        )
    if not details.get("higher_is_better", True):
        sentences.append("Lower scores are better on this measure.")
    t = result.get("t_test") or {}
    w = result.get("wilcoxon") or {}
    tables = [
        Table(
            "Before and after",
            ["", "Mean", "SD"],
            [
                [
                    _label(spec, before),
                    num((result.get("before") or {}).get("mean")),
                    num((result.get("before") or {}).get("sd")),
                ],
                [
                    _label(spec, after),
                    num((result.get("after") or {}).get("mean")),
                    num((result.get("after") or {}).get("sd")),
                ],
                ["Change", num(diff.get("mean")), num(diff.get("sd"))],
            ],
        ),
        Table(
            "Tests and effect sizes",
            ["Statistic", "Value"],
            [
                [f"{confidence} CI of the mean change", ci(diff.get("ci"))],
                [f"Paired t ({t.get('df')} df)", num(t.get("t"))],
                ["p (t-test)", pval(t.get("p"))],
                ["Wilcoxon signed-rank statistic", num(w.get("statistic"), 1)],
                ["p (Wilcoxon)", pval(w.get("p"))],
                ["Cohen's d_z", num(result.get("d_z"))],
                ["Cohen's d_av", num(result.get("d_av"))],
            ],
        ),
    ]
    if rci:
        tables.append(
            Table(
                "Reliable change (Jacobson and Truax)",
                ["", "People"],
                [
                    ["Improved reliably", disclosure.shown(int(rci["improved"]), reveal=reveal)],
                    ["No reliable change", disclosure.shown(int(rci["unchanged"]), reveal=reveal)],
                    [
                        "Worsened reliably",
                        disclosure.shown(int(rci["deteriorated"]), reveal=reveal),
                    ],
                ],
            )
        )
    methods = (
        f"Paired change from {before} to {after} in {_dataset_words(spec)}: paired t-test with "
        f"the {confidence} interval of the mean change, Wilcoxon's signed-rank test, Cohen's "
        "d_z (mean change over the SD of the changes) and d_av (over the average SD of the "
        "two measurements)"
        + (
            f"; reliable change index of Jacobson and Truax with reliability "
            f"{num(rci['reliability'])}, |RCI| above {num(rci['criterion'])}"
            if rci
            else ""
        )
        + ". "
        + _missing_words(result, reveal)
        + " "
        + _pseudonym_words()
    )
    return Report(sentences, tables, methods)


# --- Measurement invariance -----------------------------------------------------------


def _invariance(spec: Mapping[str, Any], result: Mapping[str, Any], reveal: bool) -> Report:
    steps: list[Mapping[str, Any]] = list(result.get("steps") or [])
    groups = list(result.get("groups") or [])
    sizes: Mapping[str, int] = result.get("n") or {}
    group = str(result.get("group") or "")
    held = []
    for step in steps:
        compared = step.get("compared_with_previous")
        if compared is None:
            continue
        delta_cfi = compared.get("delta_cfi")
        ok = delta_cfi is not None and float(delta_cfi) > -0.01
        held.append((step.get("model"), ok, compared))
    sentences = [
        f"The model was compared across {len(groups)} groups of {_label(spec, group)} ("
        + ", ".join(f"{g}: {_people(int(sizes.get(g, 0)), reveal)}" for g in groups)
        + ")."
    ]
    for name, ok, compared in held:
        sentences.append(
            f"{str(name).capitalize()} invariance "
            + ("holds" if ok else "does not hold")
            + " by the usual rule (CFI falls by less than 0.01: here "
            f"{num(compared.get('delta_cfi'), 3)}; chi-square difference p "
            f"{pval(compared.get('pvalue'))})."
        )
    if held and all(ok for _, ok, _ in held):
        sentences.append("Scores can be compared between the groups.")
    elif held:
        sentences.append(
            "Compare scores between the groups with care: the questions may not work the same "
            "way in each."
        )
    rows = []
    for step in steps:
        compared = step.get("compared_with_previous") or {}
        rows.append(
            [
                str(step.get("model")),
                num(step.get("chi2")),
                str(step.get("df")),
                num(step.get("cfi"), 3),
                num(step.get("rmsea"), 3),
                num(step.get("bic"), 1),
                num(compared.get("delta_chi2")) if compared else "—",
                str(compared.get("delta_df")) if compared else "—",
                pval(compared.get("pvalue")) if compared else "—",
                num(compared.get("delta_cfi"), 3) if compared else "—",
            ]
        )
    table = Table(
        "Configural, metric and scalar models",
        ["Model", "Chi-square", "df", "CFI", "RMSEA", "BIC", "Δ chi-square", "Δ df", "p", "Δ CFI"],
        rows,
    )
    sizes_table = Table(
        "Groups",
        ["Group", "People"],
        [[g, disclosure.shown(int(sizes.get(g, 0)), reveal=reveal)] for g in groups],
    )
    missing = result.get("missing")
    methods = (
        f"Multi-group confirmatory factor analysis across the groups of {group} in "
        f"{_dataset_words(spec)}, fitted by maximum likelihood with a mean structure as lavaan: "
        "configural (same pattern), metric (equal loadings) and scalar (equal loadings and "
        "intercepts), each compared with the one before by the chi-square difference test, "
        "the change in CFI and in RMSEA. "
        + (
            "Missing answers by full-information maximum likelihood; "
            f"{disclosure.shown(int(result.get('rows_with_gaps') or 0), reveal=reveal)} rows "
            "with gaps were kept. "
            if missing == "ml"
            else "Rows missing any of the model's variables were left out (listwise). "
        )
        + f"{disclosure.shown(int(result.get('dropped') or 0), reveal=reveal)} rows left out"
        " in all. " + _pseudonym_words()
    )
    return Report(sentences, [sizes_table, table], methods)


# --- Logistic regression --------------------------------------------------------------


def _logistic(spec: Mapping[str, Any], result: Mapping[str, Any], reveal: bool) -> Report:
    details = result.get("details") or {}
    formula = str(details.get("formula") or (spec.get("options") or {}).get("formula") or "")
    outcome = formula.split("~")[0].strip()
    events = int(result.get("events") or 0)
    n = int(result.get("n") or 0)
    confidence = level(result.get("confidence"))
    sentences = [
        f"Among {_people(n, reveal)}, {disclosure.shown(events, reveal=reveal)} had "
        f"{_label(spec, outcome)} = {result.get('event')}."
    ]
    rows = []
    for term, c in (result.get("coefficients") or {}).items():
        rows.append(
            [
                term,
                num(c.get("est"), 3),
                num(c.get("se"), 3),
                num(c.get("odds_ratio"), 3),
                ci(c.get("odds_ratio_ci"), 3),
                pval(c.get("p")),
            ]
        )
        if term == "Intercept" or c.get("odds_ratio") is None or c.get("p") is None:
            continue
        clear = float(c["p"]) < 0.05
        sentences.append(
            f"Each one higher {_label(spec, term)} goes with odds of {_label(spec, outcome)} "
            f"{num(c['odds_ratio'])} times as high ({confidence} CI "
            f"{ci(c.get('odds_ratio_ci'))}), holding the others constant: "
            + ("a clear association." if clear else "no clear association.")
        )
    lr = result.get("lr_test") or {}
    tables = [
        Table(
            "Coefficients",
            ["Term", "Log-odds", "Standard error", "Odds ratio", f"{confidence} CI", "p"],
            rows,
        ),
        Table(
            "Fit",
            ["Statistic", "Value"],
            [
                ["Likelihood-ratio chi-square", num(lr.get("chi2"))],
                ["Degrees of freedom", str(lr.get("df"))],
                ["p", pval(lr.get("p"))],
                ["McFadden's pseudo R²", num(result.get("pseudo_r2"), 3)],
                ["AIC", num(result.get("aic"), 1)],
            ],
        ),
    ]
    methods = (
        f"Logistic regression {formula} on {_dataset_words(spec)} by maximum likelihood "
        f"(iteratively reweighted least squares); event: {outcome} = {result.get('event')}; "
        f"odds ratios with {confidence} Wald intervals. "
        + _missing_words(result, reveal)
        + " "
        + _pseudonym_words()
    )
    return Report(sentences[:8], tables, methods)


WRITERS: dict[str, Callable[[Mapping[str, Any], Mapping[str, Any], bool], Report]] = {
    "describe": _describe,
    "alpha": _alpha,
    "omega": _omega,
    "efa": _efa,
    "sem": _sem,
    "regress": _regress,
    "mediate": _mediate,
    "change": _change,
    "invariance": _invariance,
    "logistic": _logistic,
}


def build(
    spec: Mapping[str, Any],
    result: Mapping[str, Any],
    *,
    reveal: bool,
    seed: int | None = None,
    software: str = "",
    fingerprint: str = "",
) -> Report:
    """The report of a finished analysis; `reveal` shows counts under 5 as they are."""
    kind = str(spec.get("analysis") or "")
    writer = WRITERS.get(kind)
    if writer is None:
        return Report([f"This platform has no report for analyses of the kind '{kind}'."], [], "")
    report = writer(_with_labels(spec), result, reveal)
    report.warnings = list(result.get("warnings") or [])
    extra = []
    if seed is not None:
        extra.append(f"Random seed {seed}.")
    if software:
        extra.append(f"Software: {software}.")
    if fingerprint:
        extra.append(f"Data fingerprint (SHA-256 of the extracted CSV): {fingerprint}.")
    if extra:
        report.methods = f"{report.methods} {' '.join(extra)}"
    return report


def kind_label(kind: str) -> str:
    return KINDS.get(kind, kind)
