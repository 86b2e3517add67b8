"""Running an analysis: `run(spec, df)` calls the statistics core exactly as
`inspiring-stats` does from the same options (cli.py), and `execute(analysis)` is the
whole background job: extract, fingerprint, run, store.

A spec's "options" use the command line's option names; lists of columns are JSON
lists (items, reverse, columns, m, covariates), single columns strings (x, y, before,
after), numbers numbers and flags booleans (kaiser, lower_is_better). Mediation's
bootstrap seed is the spec's "seed".

The stored result is the core result's `to_dict()` (what `inspiring-stats ... --json`
prints, so the bundle can be compared with R and with the command line) with, beside it:
n_extracted, n_used, n_excluded, "warnings" (plain words) and "details" (what the
report's tables need that to_dict leaves out). Bad input, too few rows and a model that
does not converge fail the run with a reason in plain words; a Heywood case keeps the
numbers with a warning saying how to read them.
"""

from __future__ import annotations

import importlib.util
import logging
import math
from collections.abc import Callable
from dataclasses import asdict
from importlib import metadata
from typing import TYPE_CHECKING, Any

from django.utils import timezone

if TYPE_CHECKING:
    import pandas as pd

    from .models import Analysis

logger = logging.getLogger(__name__)

KINDS: dict[str, str] = {
    "describe": "Descriptive statistics",
    "alpha": "Reliability: Cronbach's alpha",
    "omega": "Reliability: McDonald's omega",
    "efa": "Exploratory factor analysis",
    "sem": "Confirmatory factor analysis or structural equation model",
    "regress": "Regression",
    "mediate": "Mediation (bootstrap)",
    "change": "Change from baseline to follow-up",
    "invariance": "Measurement invariance across groups",
}
# Logistic regression joins once the statistics core has it (stats/logistic.py).
if importlib.util.find_spec("inspiring.evaluation.stats.logistic") is not None:
    KINDS["logistic"] = "Logistic regression (yes/no outcome)"

# Fewer complete rows than this and an inferential result means nothing worth reading.
MIN_ROWS = 10


class AnalysisFailed(Exception):
    """The analysis cannot give numbers worth reading; the message says why, in words."""


def _list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(part) for part in value]


def _float(value: Any, default: float | None = None) -> float | None:
    if value is None or value == "":
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        raise AnalysisFailed(f"An option of this analysis is not a number: {value!r:.40}") from None


def _int(value: Any, what: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise AnalysisFailed(f"The {what} must be a whole number, not {value!r:.40}") from None


def _confidence(options: dict[str, Any]) -> float:
    value = _float(options.get("confidence"), 0.95)
    assert value is not None
    return value


def _coefficient(c: Any) -> dict[str, Any]:
    return {"est": c.est, "se": c.se, "t": c.t, "p": c.p}


def _describe(df: pd.DataFrame, options: dict[str, Any], seed: int | None) -> dict[str, Any]:
    from inspiring.evaluation import stats

    columns = _list(options.get("columns")) or None
    summaries = stats.describe(df, columns)
    return {
        "n_rows": int(df.shape[0]),
        "columns": {name: summary.to_dict() for name, summary in summaries.items()},
        "n_used": int(df.shape[0]),
        "n_excluded": 0,
        "details": {},
    }


def _alpha(df: pd.DataFrame, options: dict[str, Any], seed: int | None) -> dict[str, Any]:
    from inspiring.evaluation import stats

    result = stats.cronbach_alpha(
        df,
        _list(options.get("items")),
        reverse=_list(options.get("reverse")),
        confidence=_confidence(options),
    )
    out = result.to_dict()
    out.update(
        n_used=result.n,
        n_excluded=result.dropped,
        details={"k": result.k, "confidence": result.confidence},
    )
    return out


def _model_omega(df: pd.DataFrame, model: str) -> dict[str, Any]:
    from inspiring.evaluation import stats

    result = stats.model_omega(df, model)
    out = result.to_dict()
    out.update(n_used=result.n, n_excluded=result.dropped, details={"model": model})
    return out


def _omega(df: pd.DataFrame, options: dict[str, Any], seed: int | None) -> dict[str, Any]:
    from inspiring.evaluation import stats

    if options.get("model"):
        return _model_omega(df, str(options["model"]))
    result = stats.mcdonald_omega(
        df, _list(options.get("items")), reverse=_list(options.get("reverse"))
    )
    if not result.converged:
        raise AnalysisFailed(
            "The one-factor model behind omega did not settle on a solution, so its numbers "
            "would mean nothing. Check that the items measure one thing, or use more people."
        )
    out = result.to_dict()
    warnings = []
    if result.heywood:
        warnings.append(
            "One item's unique variance was estimated at its lower limit (a Heywood case): "
            "the item is almost a copy of the factor, or there are too few people. Read "
            "omega with care."
        )
    out.update(
        n_used=result.n,
        n_excluded=result.dropped,
        warnings=warnings,
        details={
            "k": result.k,
            "loadings": result.loadings,
            "standardized_loadings": result.standardized_loadings,
            "uniquenesses": result.uniquenesses,
        },
    )
    return out


def _efa(df: pd.DataFrame, options: dict[str, Any], seed: int | None) -> dict[str, Any]:
    from inspiring.evaluation.stats.efa import efa

    result = efa(
        df,
        _list(options.get("items")),
        factors=_int(options.get("factors") or 1, "number of factors"),
        method=str(options.get("method") or "ml"),
        rotation=str(options.get("rotation") or "varimax"),
        normalize=bool(options.get("kaiser")),
    )
    if not result.converged:
        raise AnalysisFailed(
            "The factor analysis did not settle on a solution, so its numbers would mean "
            "nothing. Try fewer factors, or more people."
        )
    out = result.to_dict()
    warnings = []
    if result.heywood:
        warnings.append(
            "An item's unique variance was estimated at its lower limit (a Heywood case): "
            "too many factors for these items, or too few people. Read the loadings with care."
        )
    if not getattr(result, "rotation_converged", True):
        warnings.append("The rotation did not fully settle: the loadings may shift slightly.")
    out.update(
        n_used=result.n,
        n_excluded=result.dropped,
        warnings=warnings,
        details={"variance": result.variance, "notes": list(result.notes)},
    )
    return out


def _regress(df: pd.DataFrame, options: dict[str, Any], seed: int | None) -> dict[str, Any]:
    from inspiring.evaluation import stats

    robust = options.get("robust") or False
    result = stats.ols(
        df,
        str(options.get("formula") or ""),
        robust=robust,
        reference=options.get("reference") or None,
    )
    out = result.to_dict()
    out.update(
        n_used=result.n,
        n_excluded=result.dropped,
        details={
            "formula": result.formula,
            "df_resid": getattr(result, "df_resid", None),
            "factors": getattr(result, "factors", {}),
        },
    )
    return out


def _mediate(df: pd.DataFrame, options: dict[str, Any], seed: int | None) -> dict[str, Any]:
    from inspiring.evaluation import stats

    result = stats.mediate(
        df,
        str(options.get("x") or "").strip(),
        _list(options.get("m")),
        str(options.get("y") or "").strip(),
        _list(options.get("covariates")),
        n_boot=_int(options.get("boot") or 5000, "number of resamples"),
        seed=seed,
        ci=str(options.get("ci") or "percentile"),
        confidence=_confidence(options),
        reference=options.get("reference") or None,
    )
    out = result.to_dict()
    out.update(
        n_used=result.n,
        n_excluded=result.dropped,
        details={
            "x": result.x,
            "mediators": list(result.mediators),
            "y": result.y,
            "covariates": list(result.covariates),
            "a": {m: _coefficient(c) for m, c in result.a.items()},
            "b": {m: _coefficient(c) for m, c in result.b.items()},
            "c": _coefficient(result.c),
            "c_prime": _coefficient(result.c_prime),
        },
    )
    return out


def _sem(df: pd.DataFrame, options: dict[str, Any], seed: int | None) -> dict[str, Any]:
    from inspiring.evaluation.stats.sem import sem

    result = sem(
        df, str(options.get("model") or ""), missing=str(options.get("missing") or "listwise")
    )
    out = result.to_dict()
    warnings = []
    negative = [
        e.lhs
        for e in result.estimates
        if e.op == "~~" and e.lhs == e.rhs and e.est is not None and e.est < 0
    ]
    if negative:
        warnings.append(
            "A variance was estimated below zero (a Heywood case) for "
            + ", ".join(negative)
            + ": the model does not fit these data as written. Read its numbers with care."
        )
    out.update(
        n_used=result.n,
        n_excluded=result.dropped,
        warnings=warnings,
        details={
            "observed": list(result.observed),
            "latent": list(result.latent),
            "missing": getattr(result, "missing", "listwise"),
            "rows_with_gaps": getattr(result, "rows_with_gaps", 0),
        },
    )
    return out


def _change(df: pd.DataFrame, options: dict[str, Any], seed: int | None) -> dict[str, Any]:
    from inspiring.evaluation import stats

    result = stats.paired_change(
        df,
        str(options.get("before") or "").strip(),
        str(options.get("after") or "").strip(),
        reliability=_float(options.get("reliability")),
        sd_before=_float(options.get("sd_before")),
        higher_is_better=not options.get("lower_is_better"),
        confidence=_confidence(options),
    )
    out = result.to_dict()
    out.update(
        n_used=result.n,
        n_excluded=result.dropped,
        details={
            "before": result.before,
            "after": result.after,
            "higher_is_better": not options.get("lower_is_better"),
            "rci": asdict(result.rci) if result.rci is not None else None,
        },
    )
    return out


def _invariance(df: pd.DataFrame, options: dict[str, Any], seed: int | None) -> dict[str, Any]:
    from inspiring.evaluation.stats.invariance import invariance

    result = invariance(
        df,
        str(options.get("model") or ""),
        str(options.get("group") or "").strip(),
        missing=str(options.get("missing") or "listwise"),
    )
    out = result.to_dict()
    used = sum(int(n) for n in result.n.values())
    out.update(n_used=used, n_excluded=result.dropped, details={"model": options.get("model")})
    small = [label for label in result.groups if result.n[label] < MIN_ROWS]
    if small:
        raise AnalysisFailed(
            f"The group{'s' if len(small) > 1 else ''} {', '.join(small)} of "
            f"{result.group} {'have' if len(small) > 1 else 'has'} fewer than {MIN_ROWS} "
            "people: too few to compare a model across groups."
        )
    return out


def _logistic(df: pd.DataFrame, options: dict[str, Any], seed: int | None) -> dict[str, Any]:
    from inspiring.evaluation.stats.logistic import logistic

    result = logistic(
        df,
        str(options.get("formula") or ""),
        reference=options.get("reference") or None,
        event=options.get("event") or None,
        confidence=_confidence(options),
    )
    out = result.to_dict()
    out.update(
        n_used=result.n,
        n_excluded=result.dropped,
        details={"formula": result.formula, "events": result.events},
    )
    return out


RUNNERS: dict[str, Callable[[pd.DataFrame, dict[str, Any], int | None], dict[str, Any]]] = {
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


def plain(value: Any) -> Any:
    """JSON-ready: NaN and infinities become null, numpy scalars plain numbers."""
    import numpy as np

    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    return value


def run(spec: dict[str, Any], df: pd.DataFrame) -> dict[str, Any]:
    """The analysis `spec` names on `df`: the result as stored (module docstring).

    Raises StatsError for bad input (as the command line refuses it) and AnalysisFailed
    when the numbers would mean nothing."""
    kind = str(spec.get("analysis") or "")
    runner = RUNNERS.get(kind) if kind in KINDS else None
    if runner is None:
        raise AnalysisFailed(f"This platform cannot run an analysis of the kind '{kind}'.")
    seed = spec.get("seed")
    out = runner(df, dict(spec.get("options") or {}), None if seed is None else int(seed))
    out.setdefault("warnings", [])
    out["n_extracted"] = int(df.shape[0])
    if kind != "describe" and out["n_used"] < MIN_ROWS:
        raise AnalysisFailed(
            f"Only {out['n_used']} of the {out['n_extracted']} people in the data set had "
            f"every answer this analysis needs. At least {MIN_ROWS} are needed for numbers "
            "that mean anything: wait for more responses, or choose fewer variables."
        )
    if "synthetic" in df.columns and int(df["synthetic"].fillna(0).sum()) > 0:
        out["warnings"].append(
            "This data set includes made-up demo responses (synthetic data): "
            "its findings describe no real people."
        )
    return dict(plain(out))


def software_version() -> str:
    import numpy
    import pandas
    import scipy

    try:
        version = metadata.version("inspiring")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return (
        f"Inspiring {version}; numpy {numpy.__version__}; scipy {scipy.__version__};"
        f" pandas {pandas.__version__}"
    )


def _progress(analysis: Analysis, text: str, **fields: Any) -> None:
    from .models import Analysis

    Analysis.objects.filter(pk=analysis.pk).update(progress=text, **fields)


def execute(analysis: Analysis) -> Analysis:
    """The background job: extract, fingerprint, run, store. A failure is recorded on
    the analysis in plain words, never raised."""
    from inspiring.evaluation.stats import StatsError

    from .access import user_research_area_ids
    from .extracts import extract, fingerprint, resolve_dataset
    from .models import Analysis

    _progress(
        analysis,
        "Extracting the pseudonymised data",
        status=Analysis.Status.RUNNING,
        started_at=timezone.now(),
        software_version=software_version(),
    )
    try:
        allowed = user_research_area_ids(analysis.created_by)
        if any(area.pk not in allowed for area in analysis.areas.all()):
            raise AnalysisFailed(
                "The person who asked for this analysis no longer has access to all of its "
                "areas' data."
            )
        # The areas access was checked for are the areas the data set is read from:
        # a slug renamed or reused since must not point the extract somewhere else.
        source, target = resolve_dataset(analysis.spec)
        read = {target.area_id} if source == "survey" else {area.pk for area in target}
        if read != {area.pk for area in analysis.areas.all()}:
            raise AnalysisFailed(
                "The data set no longer matches the areas this analysis was started for: "
                "start a new analysis."
            )
        frame = extract(analysis.spec, analysis.salt, actor=analysis.created_by, analysis=analysis)
        _progress(analysis, "Running the analysis", data_fingerprint=fingerprint(frame))
        result = run(analysis.spec, frame)
    except (StatsError, AnalysisFailed, LookupError) as error:
        message = " ".join(str(error).split())
        if isinstance(error, StatsError):
            message = f"The analysis could not be run on these data: {message}."
        _progress(
            analysis,
            "",
            status=Analysis.Status.FAILED,
            error=message[:2000],
            finished_at=timezone.now(),
        )
    except Exception:
        logger.exception("Analysis %s failed", analysis.public_id)
        _progress(
            analysis,
            "",
            status=Analysis.Status.FAILED,
            error="Something went wrong while running the analysis. The team has been told.",
            finished_at=timezone.now(),
        )
    else:
        _progress(
            analysis,
            "",
            status=Analysis.Status.DONE,
            result=result,
            finished_at=timezone.now(),
        )
    analysis.refresh_from_db()
    return analysis
