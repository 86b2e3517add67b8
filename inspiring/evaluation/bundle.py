"""An analysis as a small bundle a researcher can repeat in R: a zip with

- `data.csv`: the pseudonymous extract, byte for byte the file whose SHA-256 is the
  analysis's data fingerprint (extracts.csv_bytes);
- `analysis.R`: the R code that repeats the analysis on it (lavaan syntax for SEM and
  mediation; `lm`, `glm`, `factanal`/`psych::fa`, `psych::alpha`, `semTools::compRelSEM`,
  `t.test(paired = TRUE)` for the rest), reading `data.csv` from the same folder;
- `results.json`: the platform's specification and results as stored (the core's
  `to_dict()`, as `inspiring-stats --json` prints them), with the seed, the software
  version and the fingerprint;
- `README.txt`: what each file is and how to repeat the analysis, and which numbers agree
  exactly and which (bootstrap intervals) only to within resampling error.

Pure: `build_bundle` takes the spec, the stored result and the extract; the view gets the
analysis through access.py, extracts (audited) and records the download.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .extracts import csv_bytes

if TYPE_CHECKING:
    import pandas as pd

# Fixed timestamps in the zip: the same analysis gives the same bytes.
ZIP_DATE = (2026, 1, 1, 0, 0, 0)
CI_LAVAAN = {"percentile": "perc", "bc": "bca.simple", "bca": "bca.simple"}
COVARIATES = "__COVARIATES__"
# R code that turns the covariates into model terms as the platform does: a numeric column
# as it is, a text column (age band, sex) as indicators of each level but the first in
# sorted order (the reference, as R's factors and the platform's treatment coding).
COVARIATE_TERMS = """cov_terms <- character(0)
for (v in covariates) {
  if (is.numeric(data[[v]])) {
    cov_terms <- c(cov_terms, v)
  } else {
    f <- factor(trimws(data[[v]]))
    for (level in levels(f)[-1]) {
      name <- make.names(paste0(v, "_", level))
      data[[name]] <- as.numeric(f == level)
      cov_terms <- c(cov_terms, name)
    }
  }
}
extra <- paste0(" + ", paste(cov_terms, collapse = " + "))"""


def _r_string(text: str) -> str:
    """A double-quoted R string."""
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _r_names(names: Sequence[str]) -> str:
    return "c(" + ", ".join(_r_string(name) for name in names) + ")"


def _list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(part) for part in value]


_CATEGORY = re.compile(
    r"C\(\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(?:,\s*Treatment\(\s*(?:reference\s*=\s*)?"
    r"(['\"]?)([^'\")]*)\2\s*\))?\s*\)"
)


def r_formula(formula: str) -> str:
    """The platform's formula in R's spelling: `C(g)` is `factor(g)` (R's own `C()` needs
    a contrast), `C(g, Treatment('b'))` is `relevel(factor(g), ref = "b")`; the rest (`+`,
    `*`, `:`, `- 1`) reads the same in R."""

    def replace(match: re.Match[str]) -> str:
        column, reference = match.group(1), match.group(3)
        if reference:
            return f"relevel(factor({column}), ref = {_r_string(reference)})"
        return f"factor({column})"

    return _CATEGORY.sub(replace, formula)


def _mediation_syntax(options: Mapping[str, Any]) -> tuple[str, list[str]]:
    """lavaan syntax for parallel mediation with labelled paths, and the indirect effects'
    names. Covariates go into every equation, as the platform's model has them: where the
    script's covariate terms go is marked COVARIATES (text covariates become indicator
    columns in R first, so their names are known only there)."""
    x, y = str(options.get("x", "")).strip(), str(options.get("y", "")).strip()
    mediators = _list(options.get("m"))
    extra = COVARIATES if _list(options.get("covariates")) else ""
    lines = [f"{m} ~ a{k + 1}*{x}{extra}" for k, m in enumerate(mediators)]
    b_terms = " + ".join(f"b{k + 1}*{m}" for k, m in enumerate(mediators))
    lines.append(f"{y} ~ {b_terms} + cp*{x}{extra}")
    if len(mediators) > 1:  # the mediators' residuals covary, as separate regressions allow
        for i, first in enumerate(mediators):
            for second in mediators[i + 1 :]:
                lines.append(f"{first} ~~ {second}")
    names = [f"ind_{m}" for m in mediators]
    lines += [f"ind_{m} := a{k + 1}*b{k + 1}" for k, m in enumerate(mediators)]
    if len(mediators) > 1:
        lines.append("total_indirect := " + " + ".join(names))
        names.append("total_indirect")
    return "\n".join(lines), names


def _references(options: Mapping[str, Any]) -> list[str]:
    """R lines setting each stated reference level (the platform's `reference` option,
    {column: level}), as `relevel` on the column made a factor."""
    reference = options.get("reference") or {}
    if not isinstance(reference, Mapping):
        return []
    return [
        f"data[[{_r_string(column)}]] <- relevel(factor(data[[{_r_string(column)}]]),"
        f" ref = {_r_string(str(level))})"
        for column, level in reference.items()
    ]


def r_code(spec: Mapping[str, Any]) -> str:
    """The R script that repeats the analysis `spec` describes on data.csv."""
    kind = str(spec.get("analysis") or "")
    options: Mapping[str, Any] = spec.get("options") or {}
    seed = spec.get("seed")
    head = [
        "# Repeats the Inspiring analysis on data.csv (see README.txt).",
        "# Run from the folder this file is in: Rscript analysis.R",
        'data <- read.csv("data.csv", check.names = FALSE, na.strings = c("", "NA"))',
    ]
    body: list[str]
    if kind == "describe":
        columns = _list(options.get("columns"))
        chosen = (
            f"data[, {_r_names(columns)}, drop = FALSE]"
            if columns
            else ("data[, sapply(data, is.numeric), drop = FALSE]")
        )
        body = [
            f"chosen <- {chosen}",
            "# n, missing, mean, sd (n - 1), median, min and max of each column",
            "print(t(sapply(chosen, function(v) c(n = sum(!is.na(v)), missing = sum(is.na(v)),",
            "  mean = mean(v, na.rm = TRUE), sd = sd(v, na.rm = TRUE),",
            "  median = median(v, na.rm = TRUE), min = min(v, na.rm = TRUE),",
            "  max = max(v, na.rm = TRUE)))))",
        ]
    elif kind == "alpha":
        items, reverse = _list(options.get("items")), _list(options.get("reverse"))
        keys = f", keys = {_r_names(reverse)}" if reverse else ""
        body = [
            "# Cronbach's alpha with Feldt's interval (psych prints it as 'Feldt'),",
            "# complete rows only (listwise), as the platform.",
            f"items <- na.omit(data[, {_r_names(items)}])",
            f"print(psych::alpha(items{keys}))",
        ]
    elif kind == "omega":
        model = str(options.get("model") or "").strip()
        if not model:
            model = "f =~ " + " + ".join(_list(options.get("items")))
        body = [
            "library(lavaan)",
            f"model <- {_r_string(model)}",
            "# ML, complete rows (listwise). omega: model-implied variance of the sum;",
            "# omega_observed: its observed variance (semTools' compRelSEM).",
            "# Reverse-keyed items have negative loadings: compRelSEM takes them as given.",
            'fit <- cfa(model, data = data, missing = "listwise")',
            "print(semTools::compRelSEM(fit, obs.var = FALSE))  # omega",
            "print(semTools::compRelSEM(fit, obs.var = TRUE))  # omega_observed",
        ]
    elif kind == "efa":
        items = _list(options.get("items"))
        factors = int(options.get("factors") or 1)
        method = str(options.get("method") or "ml")
        rotation = str(options.get("rotation") or "varimax")
        if method == "ml" and rotation in ("varimax", "none") and not options.get("kaiser"):
            call = (
                f"factanal(items, factors = {factors}, rotation = "
                f"{_r_string(rotation)}, control = list(nstart = 1))"
            )
        else:
            call = (
                f"psych::fa(items, nfactors = {factors}, fm = {_r_string(method)},"
                f" rotate = {_r_string(rotation)})"
            )
        body = [
            f"items <- na.omit(data[, {_r_names(items)}])",
            "# Note: factanal's varimax uses Kaiser normalisation; the platform's varimax does",
            "# not unless asked (--kaiser), as GPArotation::Varimax(normalize = FALSE).",
            f"print({call}, digits = 3, cutoff = 0)",
        ]
    elif kind == "sem":
        missing = str(options.get("missing") or "listwise")
        body = [
            "library(lavaan)",
            f"model <- {_r_string(str(options.get('model') or ''))}",
            f"fit <- sem(model, data = data, missing = {_r_string(missing)})",
            "summary(fit, fit.measures = TRUE)",
        ]
    elif kind == "invariance":
        group = str(options.get("group") or "").strip()
        missing = str(options.get("missing") or "listwise")
        fit = f"cfa(model, data = data, group = {_r_string(group)}, missing = {_r_string(missing)}"
        body = [
            "library(lavaan)",
            f"model <- {_r_string(str(options.get('model') or ''))}",
            "# Configural, metric (equal loadings) and scalar (and equal intercepts) models,",
            "# each group's mean structure as lavaan's multi-group defaults.",
            f"configural <- {fit})",
            f'metric <- {fit}, group.equal = "loadings")',
            f'scalar <- {fit}, group.equal = c("loadings", "intercepts"))',
            "print(lavTestLRT(configural, metric, scalar))",
            "print(sapply(list(configural = configural, metric = metric, scalar = scalar),",
            '  fitMeasures, c("chisq", "df", "cfi", "rmsea", "bic")))',
        ]
    elif kind == "regress":
        formula = r_formula(str(options.get("formula") or ""))
        robust = options.get("robust")
        body = [
            *_references(options),
            f"fit <- lm({formula}, data = data)",
            "summary(fit)",
            "confint(fit)",
        ]
        if robust:
            kind_hc = "HC3" if robust is True else str(robust)
            body.append(
                f"lmtest::coeftest(fit, vcov = sandwich::vcovHC(fit, type = {_r_string(kind_hc)}))"
            )
    elif kind == "logistic":
        formula = r_formula(str(options.get("formula") or ""))
        outcome = str(options.get("formula") or "").split("~", 1)[0].strip()
        event = options.get("event")
        coding = (
            [
                f"data[[{_r_string(outcome)}]] <- as.numeric(data[[{_r_string(outcome)}]] =="
                f" {_r_string(str(event))})"
            ]
            if event not in (None, "") and outcome
            else []
        )
        body = [
            *_references(options),
            *coding,
            f"fit <- glm({formula}, family = binomial, data = data)",
            "summary(fit)",
            "# Odds ratios with Wald intervals",
            "exp(cbind(odds_ratio = coef(fit), confint.default(fit)))",
        ]
    elif kind == "mediate":
        syntax, names = _mediation_syntax(options)
        boot = int(options.get("boot") or 5000)
        ci = str(options.get("ci") or "percentile")
        confidence = float(options.get("confidence") or 0.95)
        x, y = str(options.get("x", "")).strip(), str(options.get("y", "")).strip()
        covariates = _list(options.get("covariates"))
        used = [x, *_list(options.get("m")), y, *covariates]
        mediators = _list(options.get("m"))
        indirect = ", ".join(_r_string(name) for name in names)
        if covariates:
            setup = [f"covariates <- {_r_names(covariates)}", COVARIATE_TERMS]
            model = f"model <- gsub({_r_string(COVARIATES)}, extra, '\n{syntax}\n', fixed = TRUE)"
            total = f'lm(as.formula(paste0("{y} ~ {x}", extra)), data = data)'
        else:
            setup, model = [], f"model <- '\n{syntax}\n'"
            total = f"lm({y} ~ {x}, data = data)"
        body = [
            "library(lavaan)",
            "# Complete rows of the model's variables only (listwise), as the platform.",
            f"data <- na.omit(data[, {_r_names(used)}])",
            *setup,
            model,
            f"set.seed({int(seed) if seed is not None else 1})",
            f'fit <- sem(model, data = data, se = "bootstrap", bootstrap = {boot})',
            "# a, b and c' equal the platform's exactly (OLS and ML agree for this model);",
            "# the bootstrap intervals agree to within resampling error (R draws other",
            "# resamples than numpy from the same seed).",
            f"est <- parameterEstimates(fit, boot.ci.type = {_r_string(CI_LAVAAN.get(ci, 'perc'))},"
            f" level = {confidence})",
            f"print(est[est$label %in% c(paste0('a', 1:{len(mediators)}),"
            f" paste0('b', 1:{len(mediators)}), 'cp', {indirect}), ])",
            "# The total effect c:",
            f"print(coef({total})[{_r_string(x)}])",
        ]
        if ci == "bca":
            body.insert(
                -4,
                "# lavaan has no BCa interval: bca.simple is the bias-corrected (BC) one.",
            )
    elif kind == "change":
        before = str(options.get("before", "")).strip()
        after = str(options.get("after", "")).strip()
        confidence = float(options.get("confidence") or 0.95)
        body = [
            f"pairs <- na.omit(data[, {_r_names([before, after])}])",
            f"before <- pairs[[{_r_string(before)}]]",
            f"after <- pairs[[{_r_string(after)}]]",
            f"print(t.test(after, before, paired = TRUE, conf.level = {confidence}))",
            "# scipy's Wilcoxon: no continuity correction; its statistic is the smaller rank",
            "# sum, R's V the sum of the positive ranks (the p-value is the same).",
            "print(wilcox.test(after, before, paired = TRUE, correct = FALSE))",
            "d_z <- mean(after - before) / sd(after - before)",
            "d_av <- mean(after - before) / ((sd(before) + sd(after)) / 2)",
            "print(c(d_z = d_z, d_av = d_av))",
        ]
        reliability: Any = options.get("reliability")
        if reliability not in (None, ""):
            sd_before: Any = options.get("sd_before")
            sd_text = str(float(sd_before)) if sd_before not in (None, "") else "sd(before)"
            direction = -1 if options.get("lower_is_better") else 1
            body += [
                "# Reliable change (Jacobson and Truax): |RCI| beyond the normal quantile",
                f"criterion <- qnorm(1 - (1 - {confidence}) / 2)",
                f"s_diff <- sqrt(2) * {sd_text} * sqrt(1 - {float(reliability)})",
                f"rci <- {direction} * (after - before) / s_diff",
                "print(c(improved = sum(rci > criterion), deteriorated = sum(rci < -criterion),",
                "  unchanged = sum(abs(rci) <= criterion)))",
            ]
    else:
        body = [f"# No R code is written for analyses of the kind '{kind}'."]
    return "\n".join([*head, "", *body]) + "\n"


def readme(
    spec: Mapping[str, Any],
    *,
    title: str,
    fingerprint: str,
    software: str,
    data_fingerprint_now: str,
) -> str:
    """README.txt: what is in the bundle and how to repeat the analysis."""
    kind = str(spec.get("analysis") or "")
    same = not fingerprint or fingerprint == data_fingerprint_now
    lines = [
        f"Inspiring analysis: {title}",
        "",
        "Files",
        "  data.csv      the pseudonymous extract the analysis ran on (one row per",
        "                person; no names, contact details, NHS numbers or postcodes)",
        "  analysis.R    R code that repeats the analysis on data.csv",
        "  results.json  the platform's specification and results (the same numbers as",
        "                `inspiring-stats ... --json` prints), seed and software version",
        "",
        "To repeat it",
        "  1. Unzip into a folder and start R there (setwd to it).",
        '  2. Install what analysis.R uses (install.packages(c("lavaan", "psych",',
        '     "semTools", "lmtest", "sandwich")) as needed).',
        '  3. source("analysis.R") and compare with results.json.',
        "",
        f"Data fingerprint (SHA-256 of data.csv): {data_fingerprint_now}",
    ]
    if same:
        lines.append("This is the data the stored results came from.")
    else:
        lines += [
            f"WARNING: the analysis ran on data with fingerprint {fingerprint}. The data",
            "have changed since (people added, answers corrected or consent withdrawn), so",
            "data.csv is today's data and the stored results may not be repeated exactly.",
            "Use 'Run again' on the platform for results from today's data.",
        ]
    lines += ["", f"Software: {software or 'not recorded'}", f"Seed: {spec.get('seed')}", ""]
    if kind == "mediate":
        lines += [
            "Mediation: the paths a, b and c' are ordinary least squares, which lavaan's ML",
            "estimates equal exactly. The bootstrap standard errors and intervals use",
            "numpy's random numbers on the platform and R's in analysis.R, so they agree",
            "to within resampling error, not to the last digit.",
        ]
    elif kind == "sem":
        lines.append("SEM: maximum likelihood as lavaan's defaults; the numbers agree exactly.")
    else:
        lines.append("The numbers in analysis.R's output agree with results.json.")
    return "\n".join(lines) + "\n"


def _write(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def build_bundle(
    spec: Mapping[str, Any],
    result: Mapping[str, Any],
    frame: pd.DataFrame,
    *,
    title: str = "",
    fingerprint: str = "",
    software: str = "",
) -> bytes:
    """The zip's bytes (module docstring). `fingerprint` is the one stored with the
    analysis; the README warns when today's extract differs from it."""
    data = csv_bytes(frame)
    now = hashlib.sha256(data).hexdigest()
    results = {
        "title": title,
        "spec": dict(spec),
        "seed": spec.get("seed"),
        "software_version": software,
        "data_fingerprint": fingerprint or now,
        "result": dict(result),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        _write(
            archive,
            "README.txt",
            readme(
                spec,
                title=title,
                fingerprint=fingerprint,
                software=software,
                data_fingerprint_now=now,
            ).encode(),
        )
        _write(archive, "data.csv", data)
        _write(archive, "analysis.R", r_code(spec).encode())
        _write(
            archive,
            "results.json",
            (json.dumps(results, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode(),
        )
    return buffer.getvalue()
