"""`inspiring-stats`: the statistics core on the command line, for researchers.

    inspiring-stats describe DATA.csv [--columns a,b] [--json]
    inspiring-stats alpha    DATA.csv --items x1,x2,x3 [--reverse x2] [--confidence 0.95] [--json]
    inspiring-stats omega    DATA.csv --items x1,x2,x3 [--reverse x2] [--json]
    inspiring-stats omega    DATA.csv --model "f =~ x1 + x2 + x3; g =~ x4 + x5 + x6" [--json]
    inspiring-stats efa      DATA.csv --items x1,x2,... --factors K [--method ml|minres]
                             [--rotation varimax|oblimin|geomin|none] [--kaiser] [--json]
    inspiring-stats regress  DATA.csv --formula "y ~ x * w" [--robust [HC0|HC1|HC2|HC3]]
                             [--reference g=level ...] [--json]
    inspiring-stats logistic DATA.csv --formula "y ~ x + C(g)" [--event yes]
                             [--reference g=level ...] [--confidence 0.95] [--json]
    inspiring-stats mediate  DATA.csv --x X --m M1[,M2] --y Y [--covariates C1,C(g)]
                             [--reference g=level ...]
                             [--boot 5000] [--seed S] [--ci percentile|bc|bca] [--json]
    inspiring-stats sem      DATA.csv --model "f =~ x1 + x2 + x3; g =~ x4 + x5 + x6"
                             [--missing listwise|ml] [--json]
    inspiring-stats invariance DATA.csv --model "f =~ x1 + x2 + x3" --group area
                             [--missing listwise|ml] [--json]
    inspiring-stats change   DATA.csv --before pre --after post [--reliability 0.85]
                             [--sd-before SD] [--lower-is-better] [--json]

DATA is a CSV file with a header row ("-" reads standard input). `--json` prints one JSON
object (shapes in the README, "For researchers"); without it a readable table. Bad input gives
one line on standard error and exit status 2; a result gives status 0.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:  # pandas, numpy and the core load only once a command runs (fast --help)
    import pandas as pd

PROG = "inspiring-stats"
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1
CI_METHODS = ("percentile", "bc", "bca")  # stats.CI_METHODS, without importing the core


class InputError(Exception):
    """Bad input found by the command line itself (the file, the options)."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see --help)\n")


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _covariate_names(text: str) -> list[str]:
    """Comma-separated covariates; a comma inside C(g, Treatment('b')) does not split."""
    parts: list[str] = []
    depth, current = 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [part.strip() for part in parts if part.strip()]


def _references(pairs: Sequence[str] | None) -> dict[str, str]:
    """--reference g=level options as {"g": "level"}."""
    out: dict[str, str] = {}
    for pair in pairs or []:
        column, sign, level = pair.partition("=")
        if not sign or not column.strip() or not level.strip():
            raise InputError(f"--reference needs COLUMN=LEVEL, e.g. sex=male (not '{pair}')")
        if column.strip() in out:
            raise InputError(f"--reference is given twice for '{column.strip()}'")
        out[column.strip()] = level.strip()
    return out


def _factor_note(factors: dict[str, dict[str, Any]]) -> str:
    return "".join(
        f"\nCategorical: {name}, reference level '{info['reference']}'"
        f" (levels: {', '.join(info['levels'])})"
        for name, info in factors.items()
    )


def check_path(path: str) -> None:
    """A readable file is named (checked before the slow imports)."""
    if path == "-":
        return
    file = Path(path)
    if not file.exists():
        raise InputError(f"cannot read {path}: no such file")
    if file.is_dir():
        raise InputError(f"cannot read {path}: it is a directory")


def read_csv(path: str, sep: str) -> pd.DataFrame:
    """The CSV as a DataFrame, or InputError with a one-line reason."""
    check_path(path)
    import pandas as pd

    source: Any = sys.stdin if path == "-" else Path(path)
    if sep.lower() in ("\\t", "tab"):
        sep = "\t"
    try:
        frame = pd.read_csv(source, sep=sep, encoding="utf-8-sig", skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise InputError(f"cannot read {path}: the file is empty") from None
    except pd.errors.ParserError as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else "malformed"
        raise InputError(f"cannot read {path}: {first}") from None
    except UnicodeDecodeError:
        raise InputError(f"cannot read {path}: it is not UTF-8 text") from None
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror or error}") from None
    frame.columns = [str(column).strip() for column in frame.columns]
    if frame.shape[0] == 0:
        raise InputError(f"{path} has a header but no data rows")
    return frame


def _plain(value: Any) -> Any:
    """JSON-ready: NaN and infinities become null, numpy scalars plain numbers."""
    import numpy as np

    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    return value


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return "—"
        if value != 0 and (abs(value) < 10**-digits or abs(value) >= 1e7):
            return f"{value:.{digits}e}"
        return f"{value:.{digits}f}"
    return str(value)


def _p(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _ci(pair: Sequence[float]) -> str:
    return f"[{_fmt(pair[0])}, {_fmt(pair[1])}]"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(
            str(cell).ljust(width) if i == 0 else str(cell).rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


# Each command returns (the JSON object, the readable text).
Outcome = tuple[dict[str, Any], str]


def run_describe(frame: pd.DataFrame, args: argparse.Namespace) -> Outcome:
    from inspiring.evaluation import stats

    columns = _names(args.columns) if args.columns else None
    summaries = stats.describe(frame, columns)
    out: dict[str, Any] = {
        "n_rows": int(frame.shape[0]),
        "columns": {name: summary.to_dict() for name, summary in summaries.items()},
    }
    rows = [
        [name, str(s["n"]), str(s["missing"])]
        + [_fmt(s[key]) for key in ("mean", "sd", "median", "min", "max")]
        for name, s in out["columns"].items()
    ]
    text = f"{out['n_rows']} rows\n\n" + _table(
        ["column", "n", "missing", "mean", "sd", "median", "min", "max"], rows
    )
    return out, text


def run_alpha(frame: pd.DataFrame, args: argparse.Namespace) -> Outcome:
    from inspiring.evaluation import stats

    result = stats.cronbach_alpha(
        frame, _names(args.items), reverse=_names(args.reverse), confidence=args.confidence
    )
    level = round(result.confidence * 100, 6)
    text = (
        f"Cronbach's alpha, {result.k} items, n = {result.n} complete rows"
        f" ({result.dropped} incomplete left out)\n"
        f"alpha = {_fmt(result.alpha)}, {level:g}% CI {_ci(result.ci)} (Feldt's F-based interval)"
    )
    return result.to_dict(), text


def run_omega(frame: pd.DataFrame, args: argparse.Namespace) -> Outcome:
    from inspiring.evaluation import stats

    if (args.items is None) == (args.model is None):
        raise InputError("give either --items (one-factor omega) or --model (omega per factor)")
    if args.model is not None:
        if args.reverse:
            raise InputError("--reverse applies to --items; reverse-score items before --model")
        return _model_omega(frame, args.model)
    result = stats.mcdonald_omega(frame, _names(args.items), reverse=_names(args.reverse))
    rows = [
        [
            name,
            _fmt(result.loadings[name]),
            _fmt(result.standardized_loadings[name]),
            _fmt(result.uniquenesses[name]),
        ]
        for name in result.loadings
    ]
    notes = []
    if result.reversed:
        notes.append(f"treated as reverse-keyed (negative loading): {', '.join(result.reversed)}")
    if result.heywood:
        notes.append("a uniqueness is at its lower bound (Heywood case): read with care")
    if not result.converged:
        notes.append("the factor model did not fully converge")
    text = (
        f"McDonald's omega total, one-factor ML model, {result.k} items,"
        f" n = {result.n} complete rows ({result.dropped} incomplete left out)\n"
        f"omega = {_fmt(result.omega)} (model-implied total variance)\n"
        f"omega_observed = {_fmt(result.omega_observed)} (observed total variance)\n\n"
        + _table(["item", "loading", "std. loading", "uniqueness"], rows)
        + "".join(f"\nNote: {note}" for note in notes)
    )
    return result.to_dict(), text


def _model_omega(frame: pd.DataFrame, model: str) -> Outcome:
    from inspiring.evaluation import stats

    result = stats.model_omega(frame, model)
    fit = result.fit
    rows = [
        [name, ", ".join(f.items), _fmt(f.omega), _fmt(f.omega_observed)]
        for name, f in result.factors.items()
    ]
    text = (
        f"Omega per factor of a CFA fitted by maximum likelihood (as lavaan; semTools'"
        f" compRelSEM), n = {result.n} ({result.dropped} incomplete rows left out)\n"
        f"model fit: chi-square = {_fmt(fit.chi2)}, df = {fit.df}, p {_p(fit.pvalue)},"
        f" CFI = {_fmt(fit.cfi)}, RMSEA = {_fmt(fit.rmsea)}, SRMR = {_fmt(fit.srmr)}\n\n"
        + _table(["factor", "items", "omega", "omega_observed"], rows)
        + "\n\nomega: model-implied variance of the sum of the factor's items;"
        " omega_observed: its observed variance (compRelSEM's default)"
        + "".join(f"\nNote: no omega for {name}: {why}" for name, why in result.skipped.items())
    )
    return result.to_dict(), text


def run_efa(frame: pd.DataFrame, args: argparse.Namespace) -> Outcome:
    from inspiring.evaluation.stats.efa import efa

    result = efa(
        frame,
        _names(args.items),
        factors=args.factors,
        method=args.method,
        rotation=args.rotation,
        normalize=args.kaiser,
    )
    labels = [f"F{j + 1}" for j in range(result.factors)]
    rows = [
        [name, *(_fmt(x) for x in row), _fmt(result.uniquenesses[name])]
        for name, row in result.loadings.items()
    ]
    rows.append(["explained variance", *(_fmt(v) for v in result.variance), ""])
    extraction = {"ml": "maximum likelihood", "minres": "minimum residual (minres)"}[result.method]
    kind = "oblique" if result.phi is not None else "orthogonal"
    kaiser = "on" if result.normalize else "off"
    rotation = (
        "none"
        if result.rotation == "none"
        else f"{result.rotation} ({kind}, Kaiser normalisation {kaiser})"
    )
    statistic = (
        "likelihood-ratio chi-square"
        if result.method == "ml"
        else "chi-square of the ML discrepancy at the minres solution"
    )
    text = (
        f"Exploratory factor analysis, {result.factors} factor(s), {extraction},"
        f" rotation {rotation}\n"
        f"{len(result.items)} items, n = {result.n} complete rows"
        f" ({result.dropped} incomplete left out)\n"
        f"{statistic} (Bartlett-corrected, as factanal: chi2) = {_fmt(result.chi2, 2)},"
        f" df = {result.df}, p {_p(result.p)}\n"
        f"uncorrected N·F (as lavaan: chi2_uncorrected) = {_fmt(result.chi2_uncorrected, 2)},"
        f" p {_p(result.p_uncorrected)}\n\n" + _table(["item", *labels, "uniqueness"], rows)
    )
    if result.phi is not None:
        phi_rows = [
            [label, *(_fmt(x) for x in row)] for label, row in zip(labels, result.phi, strict=True)
        ]
        text += "\n\nFactor correlations\n\n" + _table(["", *labels], phi_rows)
    text += "".join(f"\nNote: {note}" for note in result.notes)
    return result.to_dict(), text


def run_regress(frame: pd.DataFrame, args: argparse.Namespace) -> Outcome:
    from inspiring.evaluation import stats

    result = stats.ols(
        frame, args.formula, robust=args.robust or False, reference=_references(args.reference)
    )
    rows = [
        [name, _fmt(c.est), _fmt(c.se), _fmt(c.t, 2), _p(c.p)]
        for name, c in result.coefficients.items()
    ]
    se_label = "classical" if result.se_type == "classical" else f"robust {result.se_type}"
    text = (
        f"OLS: {result.formula}\n"
        f"n = {result.n} ({result.dropped} incomplete rows left out), R² = {_fmt(result.r2)},"
        f" adjusted R² = {_fmt(result.adj_r2)}, standard errors: {se_label}\n\n"
        + _table(["term", "estimate", "se", "t", "p"], rows)
        + _factor_note(result.factors)
    )
    return result.to_dict(), text


def run_logistic(frame: pd.DataFrame, args: argparse.Namespace) -> Outcome:
    from inspiring.evaluation.stats.logistic import logistic

    result = logistic(
        frame,
        args.formula,
        reference=_references(args.reference),
        event=args.event,
        confidence=args.confidence,
    )
    level = f"{round(result.confidence * 100, 6):g}%"
    rows = [
        [
            name,
            _fmt(c.est),
            _fmt(c.se),
            _fmt(c.z, 2),
            _p(c.p),
            _fmt(c.odds_ratio),
            _ci(c.odds_ratio_ci),
        ]
        for name, c in result.coefficients.items()
    ]
    lr = f"p {_p(result.lr_p)}" if result.lr_p is not None else "no p"
    text = (
        f"Logistic regression (maximum likelihood): {result.formula}\n"
        f"n = {result.n} ({result.dropped} incomplete rows left out), event:"
        f" {result.event} ({result.events} of {result.n})\n"
        f"deviance = {_fmt(result.deviance)} on {result.df_resid} df, null deviance ="
        f" {_fmt(result.null_deviance)}, AIC = {_fmt(result.aic)},"
        f" McFadden's pseudo-R² = {_fmt(result.pseudo_r2)}\n"
        f"likelihood-ratio test against the null model: chi-square = {_fmt(result.lr_chi2)},"
        f" df = {result.lr_df}, {lr}\n\n"
        + _table(["term", "log-odds", "se", "z", "p", "odds ratio", f"{level} CI (Wald)"], rows)
        + _factor_note(result.factors)
        + "\nIntervals: Wald, estimate ± z·se on the log-odds scale (R's confint.default)"
    )
    return result.to_dict(), text


def run_mediate(frame: pd.DataFrame, args: argparse.Namespace) -> Outcome:
    from inspiring.evaluation import stats

    result = stats.mediate(
        frame,
        args.x.strip(),
        _names(args.m),
        args.y.strip(),
        _covariate_names(args.covariates),
        n_boot=args.boot,
        seed=args.seed,
        ci=args.ci,
        confidence=args.confidence,
        reference=_references(args.reference),
    )
    level = f"{round(result.confidence * 100, 6):g}%"
    paths = [
        [f"a  ({result.x} -> {m})", _fmt(c.est), _fmt(c.se), _p(c.p)] for m, c in result.a.items()
    ]
    paths += [
        [f"b  ({m} -> {result.y})", _fmt(c.est), _fmt(c.se), _p(c.p)] for m, c in result.b.items()
    ]
    paths += [
        ["c  (total)", _fmt(result.c.est), _fmt(result.c.se), _p(result.c.p)],
        ["c' (direct)", _fmt(result.c_prime.est), _fmt(result.c_prime.se), _p(result.c_prime.p)],
    ]
    effects = [[f"via {m}", _fmt(e.est), _fmt(e.se), _ci(e.ci)] for m, e in result.indirect.items()]
    total = result.total_indirect
    effects.append(["total indirect", _fmt(total.est), _fmt(total.se), _ci(total.ci)])
    covariates = f", covariates {', '.join(result.covariates)}" if result.covariates else ""
    text = (
        f"Mediation: {result.x} -> {', '.join(result.mediators)} -> {result.y}{covariates}\n"
        f"n = {result.n} ({result.dropped} incomplete rows left out)\n\n"
        + _table(["path", "estimate", "se", "p"], paths)
        + f"\n\nIndirect effects: {result.n_boot} bootstrap resamples (seed {result.seed}),"
        f" {level} {result.ci_method} intervals\n\n"
        + _table(["effect", "estimate", "boot se", f"{level} CI ({result.ci_method})"], effects)
        + _factor_note(result.factors)
    )
    return result.to_dict(), text


def run_sem(frame: pd.DataFrame, args: argparse.Namespace) -> Outcome:
    from inspiring.evaluation.stats.sem import sem

    result = sem(frame, args.model, missing=args.missing)
    rows = [
        [f"{e.lhs} {e.op} {e.rhs}".strip(), _fmt(e.est), "fixed" if e.se is None else _fmt(e.se)]
        for e in result.estimates
    ]
    low, high = result.rmsea_ci
    if result.missing == "ml":
        rows_used = (
            f'full-information ML (missing = "ml"), n = {result.n}: {result.rows_with_gaps}'
            f" rows with gaps kept, {result.patterns} missing-data patterns"
            f" ({result.dropped} rows with none of the variables left out)"
        )
    else:
        rows_used = f"n = {result.n} ({result.dropped} incomplete rows left out)"
    text = (
        f"SEM by maximum likelihood (as lavaan), {rows_used}\n"
        f"chi-square = {_fmt(result.chi2)}, df = {result.df}, p {_p(result.pvalue)}\n"
        f"CFI = {_fmt(result.cfi)}, TLI = {_fmt(result.tli)}, RMSEA = {_fmt(result.rmsea)}"
        f" (90% CI {_fmt(low)} to {_fmt(high)}), SRMR = {_fmt(result.srmr)}\n\n"
        + _table(["parameter", "estimate", "se (expected information)"], rows)
    )
    return result.to_dict(), text


def run_invariance(frame: pd.DataFrame, args: argparse.Namespace) -> Outcome:
    from inspiring.evaluation.stats.invariance import invariance

    result = invariance(frame, args.model, args.group.strip(), missing=args.missing)
    groups = ", ".join(f"{label} (n = {result.n[label]})" for label in result.groups)
    rows = []
    for step in result.steps:
        low, high = step.rmsea_ci
        rows.append(
            [
                step.name,
                _fmt(step.chi2),
                str(step.df),
                _p(step.pvalue),
                _fmt(step.cfi),
                f"{_fmt(step.rmsea)} [{_fmt(low)}, {_fmt(high)}]",
                _fmt(step.bic, 1),
                "" if step.delta_chi2 is None else f"{_fmt(step.delta_chi2)} ({step.delta_df})",
                "" if step.delta_df is None else _p(step.delta_pvalue),
                "" if step.delta_cfi is None else _fmt(step.delta_cfi),
                "" if step.delta_rmsea is None else _fmt(step.delta_rmsea),
            ]
        )
    if result.missing == "ml":
        rows_used = (
            f'full-information ML (missing = "ml"), {result.rows_with_gaps} rows with gaps'
            f" kept, {result.dropped} rows left out (no group or no model variable)"
        )
    else:
        rows_used = f"{result.dropped} rows left out (no group, or incomplete)"
    text = (
        f"Measurement invariance across '{result.group}': {groups}\n"
        f"Multi-group CFA by maximum likelihood (as lavaan), {rows_used}\n\n"
        + _table(
            [
                "model",
                "chi2",
                "df",
                "p",
                "CFI",
                "RMSEA [90% CI]",
                "BIC",
                "Δchi2 (Δdf)",
                "p",
                "ΔCFI",
                "ΔRMSEA",
            ],
            rows,
        )
        + "\n\nmetric: equal loadings; scalar: equal loadings and intercepts. Each model is"
        " compared with the one before it.\nInvariance is usually accepted when Δchi2 is not"
        " significant or CFI falls by no more than 0.01 (Chen, 2007)."
    )
    return result.to_dict(), text


def run_change(frame: pd.DataFrame, args: argparse.Namespace) -> Outcome:
    from inspiring.evaluation import stats

    result = stats.paired_change(
        frame,
        args.before.strip(),
        args.after.strip(),
        reliability=args.reliability,
        sd_before=args.sd_before,
        higher_is_better=not args.lower_is_better,
        confidence=args.confidence,
    )
    level = f"{round(result.confidence * 100, 6):g}%"
    text = (
        f"Paired change {result.before} -> {result.after}, n = {result.n}"
        f" ({result.dropped} incomplete rows left out)\n"
        f"means {_fmt(result.mean_before)} -> {_fmt(result.mean_after)},"
        f" mean change {_fmt(result.mean_diff)} ({level} CI {_ci(result.ci)}),"
        f" sd of change {_fmt(result.sd_diff)}\n"
        f"paired t({result.df}) = {_fmt(result.t, 2)}, p {_p(result.p)}\n"
        f"Wilcoxon signed-rank: statistic {_fmt(result.wilcoxon_statistic, 1)},"
        f" p {_p(result.wilcoxon_p)}\n"
        f"Cohen's d_z = {_fmt(result.d_z, 2)} (sd of the differences),"
        f" d_av = {_fmt(result.d_av, 2)} (average sd of the two measurements)"
    )
    if result.rci is not None:
        r = result.rci
        text += (
            f"\nReliable change (Jacobson & Truax): reliability {_fmt(r.reliability, 2)},"
            f" S_diff {_fmt(r.s_diff)}, |RCI| > {_fmt(r.criterion, 2)}:"
            f" {r.improved} improved, {r.deteriorated} deteriorated, {r.unchanged} no reliable"
            f" change ({'higher' if r.higher_is_better else 'lower'} is better)"
        )
    return result.to_dict(), text


def _confidence(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: '{text}'") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError("must be between 0 and 1, e.g. 0.95")
    return value


def _factors(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Statistics for researchers from a CSV file: descriptives, reliability,"
        " factor analysis, regression, mediation, SEM, measurement invariance, paired change."
        " Bad input: one line on stderr, exit status 2.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    def command(name: str, help_text: str, run: Callable[..., Outcome]) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("data", metavar="DATA.csv", help="CSV file with a header row (- = stdin)")
        sub.add_argument("--json", action="store_true", help="print one JSON object")
        sub.add_argument("--sep", default=",", help="field separator (default ,; tab for tabs)")
        sub.set_defaults(run=run)
        return sub

    sub = command("describe", "n, mean, sd, median, min, max and missing per column", run_describe)
    sub.add_argument("--columns", help="comma-separated columns (default: every numeric one)")

    sub = command("alpha", "Cronbach's alpha with Feldt's confidence interval", run_alpha)
    sub.add_argument("--items", required=True, help="comma-separated item columns")
    sub.add_argument("--reverse", default="", help="comma-separated reverse-keyed items")
    sub.add_argument("--confidence", type=_confidence, default=0.95, help="default 0.95")

    sub = command(
        "omega",
        "McDonald's omega: one-factor ML model of --items, or per factor of a CFA --model",
        run_omega,
    )
    sub.add_argument("--items", help="comma-separated item columns (one-factor omega)")
    sub.add_argument("--reverse", default="", help="comma-separated reverse-keyed items")
    sub.add_argument(
        "--model", help='lavaan syntax, e.g. "f =~ q1 + q2 + q3; g =~ q4 + q5 + q6" (per factor)'
    )

    sub = command("efa", "exploratory factor analysis (ML or minres, GPA rotations)", run_efa)
    sub.add_argument("--items", required=True, help="comma-separated item columns")
    sub.add_argument("--factors", type=_factors, required=True, help="number of factors K")
    sub.add_argument("--method", choices=["ml", "minres"], default="ml", help="default ml")
    sub.add_argument(
        "--rotation",
        choices=["varimax", "oblimin", "geomin", "none"],
        default="varimax",
        help="default varimax; oblimin (quartimin) and geomin (epsilon 0.01) are oblique",
    )
    sub.add_argument(
        "--kaiser", action="store_true", help="Kaiser-normalise before rotating (default off)"
    )

    sub = command("regress", 'OLS regression from a formula, e.g. "y ~ x * w + c"', run_regress)
    sub.add_argument("--formula", required=True, help='e.g. "y ~ x * w + c" (* adds x:w)')
    sub.add_argument(
        "--robust",
        nargs="?",
        const="HC3",
        choices=["HC0", "HC1", "HC2", "HC3"],
        help="heteroskedasticity-consistent standard errors (HC3 when no type is named)",
    )
    sub.add_argument(
        "--reference",
        action="append",
        metavar="COLUMN=LEVEL",
        help="reference level of a categorical predictor (repeatable; default: first in sorted"
        " order)",
    )

    sub = command(
        "logistic",
        'logistic regression of a yes/no outcome, odds ratios with Wald intervals, e.g. "took_part'
        ' ~ age + C(imd_quintile)"',
        run_logistic,
    )
    sub.add_argument("--formula", required=True, help='e.g. "lonely ~ groups + age + sex"')
    sub.add_argument(
        "--event",
        help="the outcome value counted as the event (default 1, true, or the second"
        " of two values in sorted order)",
    )
    sub.add_argument(
        "--reference",
        action="append",
        metavar="COLUMN=LEVEL",
        help="reference level of a categorical predictor (repeatable; default: first in sorted"
        " order)",
    )
    sub.add_argument("--confidence", type=_confidence, default=0.95, help="default 0.95")

    sub = command("mediate", "parallel mediation with bootstrap intervals", run_mediate)
    sub.add_argument("--x", required=True, help="the predictor column")
    sub.add_argument("--m", required=True, help="comma-separated mediator columns")
    sub.add_argument("--y", required=True, help="the outcome column")
    sub.add_argument(
        "--covariates",
        default="",
        help="comma-separated covariate columns; text columns and C(column) are categorical",
    )
    sub.add_argument(
        "--reference",
        action="append",
        metavar="COLUMN=LEVEL",
        help="reference level of a categorical predictor (repeatable; default: first in sorted"
        " order)",
    )
    sub.add_argument("--boot", type=int, default=5000, help="bootstrap resamples (5000)")
    sub.add_argument("--seed", type=int, help="random seed (default: drawn and reported)")
    sub.add_argument("--ci", choices=list(CI_METHODS), default="percentile", help="interval method")
    sub.add_argument("--confidence", type=_confidence, default=0.95, help="default 0.95")

    sub = command("sem", "CFA / SEM in lavaan syntax (=~, ~, ~~), ML as lavaan", run_sem)
    sub.add_argument(
        "--model", required=True, help='e.g. "f =~ x1 + x2 + x3; y ~ f" (; or newlines)'
    )
    sub.add_argument(
        "--missing",
        choices=["listwise", "ml"],
        default="listwise",
        help="listwise (default) leaves out incomplete rows; ml keeps them (full-information ML)",
    )

    sub = command(
        "invariance",
        "measurement invariance across groups: configural, metric, scalar (as lavaan)",
        run_invariance,
    )
    sub.add_argument("--model", required=True, help='a CFA, e.g. "f =~ x1 + x2 + x3"')
    sub.add_argument("--group", required=True, help="the column naming each row's group")
    sub.add_argument(
        "--missing",
        choices=["listwise", "ml"],
        default="listwise",
        help="listwise (default) leaves out incomplete rows; ml keeps them (full-information ML)",
    )

    sub = command("change", "paired change: t-test, Wilcoxon, Cohen's d, RCI", run_change)
    sub.add_argument("--before", required=True, help="the first measurement's column")
    sub.add_argument("--after", required=True, help="the second measurement's column")
    sub.add_argument("--reliability", type=float, help="the measure's reliability, for the RCI")
    sub.add_argument("--sd-before", type=float, help="normative baseline SD for the RCI")
    sub.add_argument(
        "--lower-is-better", action="store_true", help="count decreases as improvement"
    )
    sub.add_argument("--confidence", type=_confidence, default=0.95, help="default 0.95")
    return parser


def _bad_input(command: str, error: Exception) -> int:
    message = " ".join(str(error).split())
    print(f"{PROG} {command}: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit status (0, 2 for bad input, 1 for a bug)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        check_path(args.data)
    except InputError as error:
        return _bad_input(args.command, error)
    from inspiring.evaluation.stats import StatsError

    try:
        frame = read_csv(args.data, args.sep)
        out, text = args.run(frame, args)
    except (InputError, StatsError) as error:
        return _bad_input(args.command, error)
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # never a traceback for a researcher
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"{PROG} {args.command}: internal error, please report: {message}", file=sys.stderr)
        return EXIT_INTERNAL
    try:
        print(json.dumps(_plain(out), indent=2, allow_nan=False) if args.json else text)
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into `head`: quiet, as the Python docs advise
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
