"""Ordinary least squares from a formula, with classical or heteroskedasticity-consistent
standard errors.

Formula language (a small subset of Wilkinson-Rogers / R / patsy notation, no
transformations):

- ``y ~ a + b``      main effects, with an intercept;
- ``a:b``            the interaction (product) of a and b only;
- ``a * b``          a + b + a:b (``a * b * c``: all main effects and interactions);
- ``(a + b):c``      distributes: a:c + b:c; ``(a + b) * c`` likewise;
- ``- 1``, ``+ 0``   no intercept; ``- a`` removes a term;
- ```odd name```     back-quotes a column name that is not a plain identifier;
- ``C(g)``           treats column g as categorical (also a numeric one, e.g. an IMD quintile);
- ``C(g, Treatment('b'))``  the same with reference level b (patsy's spelling; also
  ``Treatment(reference='b')`` and numbers, ``Treatment(3)``).

Categorical predictors (R's factors, treatment coding)
------------------------------------------------------
A column is categorical when it is written ``C(g)``, has pandas' category dtype, or holds text
only (no value reads as a number, as R makes a character column a factor). A column mixing
numbers and text is refused (usually a typo in a numeric column): write ``C(g)`` to mean it.
True/False columns stay numeric 0/1. Its levels are the distinct values in the rows used, in
sorted order (a category column: its categories' order), text stripped of surrounding space.
The reference level is the first level unless one is stated, in the formula or by
``reference={"g": "b"}`` (the command line's ``--reference g=b``); a level that does not occur
in the rows used, a factor with one level, or two different references are refused.

Coding, as R's ``model.matrix`` with ``contr.treatment`` (Chambers & Hastie, 1992, ch. 2) and
as patsy: in a term, a factor is coded by its contrasts (k - 1 indicators, one per level but
the reference) when the term without that factor is also in the model (the empty term being
the intercept); otherwise by one indicator per level. So ``y ~ x * g`` gives ``x``,
``g[T.b]``, ``x:g[T.b]`` (each level's slope difference from the reference) and ``y ~ 0 + g``
one mean per level, ``g[a]``, ``g[b]``. A term's columns are the products of its variables'
columns, the first factor varying fastest, named ``g[T.level]`` (contrast) or ``g[level]``
(indicator) joined by ":" (patsy's names). Terms keep the order described below (R's order,
where patsy would put categorical-only terms first). An unused level is dropped from the
levels, as R's ``droplevels``. An interaction of factors without their main effects and with
an intercept (``y ~ a:b``) is coded as R codes it, which is rank-deficient: it is refused as a
singular design (R reports an NA coefficient); write ``a * b``.

Terms are ordered as patsy orders them: intercept, then by order of interaction, then by first
appearance. A term's name joins its variables with ":" in order of first appearance, e.g.
``Intercept``, ``x``, ``w``, ``x:w``.

Estimation
----------
β = (XᵀX)⁻¹Xᵀy, solved by the SVD of the column-scaled design (stable for ill-conditioned
data such as Longley's). Residuals e = y - Xβ, df = n - p, σ² = eᵀe / df.

- classical: Var(β) = σ² (XᵀX)⁻¹
- HC0 (White, 1980): (XᵀX)⁻¹ Xᵀ diag(e_i²) X (XᵀX)⁻¹
- HC1: HC0 · n / (n - p)
- HC2: e_i² / (1 - h_ii)            h_ii the leverages, diag of X(XᵀX)⁻¹Xᵀ
- HC3 (MacKinnon & White, 1985; Long & Ervin, 2000): e_i² / (1 - h_ii)²

t = β / se and two-sided p-values from Student's t with n - p df, for every SE type (as Stata
and R's lmtest::coeftest with sandwich::vcovHC do). R² = 1 - eᵀe / Σ(y - ȳ)² (uncentered,
1 - eᵀe / Σy², without an intercept); adjusted R² = 1 - (1 - R²)(n - c)/(n - p), c = 1 with
an intercept, 0 without. Rows missing any variable of the model are left out (listwise).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats as sps

from ._data import check_columns, check_names, finite_or_none, numeric_column
from .errors import StatsError

SEType = Literal["classical", "HC0", "HC1", "HC2", "HC3"]
SE_TYPES: tuple[str, ...] = ("classical", "HC0", "HC1", "HC2", "HC3")
INTERCEPT = "Intercept"

Term = frozenset[str]


@dataclass(frozen=True)
class Formula:
    """A parsed formula: the response, the terms (tuples of variables) and the intercept."""

    response: str
    terms: tuple[tuple[str, ...], ...]
    intercept: bool
    categorical: tuple[tuple[str, str | None], ...] = ()  # C(...) columns, stated references

    @property
    def term_names(self) -> list[str]:
        names = [INTERCEPT] if self.intercept else []
        return names + [":".join(term) for term in self.terms]

    @property
    def variables(self) -> list[str]:
        seen: dict[str, None] = {self.response: None}
        for term in self.terms:
            seen.update(dict.fromkeys(term))
        return list(seen)


_TOKEN = re.compile(r"\s*(?:(`[^`]+`)|([A-Za-z_.][A-Za-z0-9_.]*)|(\d+)|(\S))")
_LEVEL = r"""(?:'(?P<q1>[^']*)'|"(?P<q2>[^"]*)"|(?P<num>[-+]?\d+(?:\.\d*)?))"""
_CATEGORICAL = re.compile(
    r"\s*C\(\s*(?:`(?P<quoted>[^`]+)`|(?P<name>[A-Za-z_.][A-Za-z0-9_.]*))\s*"
    r"(?:,\s*Treatment\(\s*(?:reference\s*=\s*)?" + _LEVEL + r"\s*\)\s*)?\)"
)


def read_categorical(text: str, position: int = 0) -> tuple[str, str | None, int] | None:
    """``C(g)`` or ``C(g, Treatment('b'))`` at `position`: (column, reference, end), or None
    when the text there does not start with ``C(``; StatsError when it does but is malformed."""
    start = re.compile(r"\s*C\s*\(").match(text, position)
    if start is None:
        return None
    match = _CATEGORICAL.match(text, position)
    if match is None:
        raise StatsError(
            "cannot read a C(...) term: write C(column) or C(column, Treatment('level'))"
        )
    name = (match["quoted"] or match["name"]).strip()
    level = next((match[g] for g in ("q1", "q2", "num") if match[g] is not None), None)
    return name, None if level is None else level.strip(), match.end()


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        categorical = read_categorical(text, position)
        if categorical is not None:
            name, level, position = categorical
            tokens.append(("factor", name))
            tokens.append(("reference", "" if level is None else "=" + level))
            continue
        match = _TOKEN.match(text, position)
        if match is None:  # pragma: no cover - the pattern matches any non-space
            break
        quoted, name, number, symbol = match.groups()
        if quoted:
            tokens.append(("name", quoted[1:-1].strip()))
        elif name:
            tokens.append(("name", name))
        elif number:
            tokens.append(("number", number))
        elif symbol in "~+-*:()":
            tokens.append(("op", symbol))
        else:
            raise StatsError(f"unexpected '{symbol}' in the formula")
        position = match.end()
    return tokens


class _Parser:
    """Recursive descent over: sum := product (('+'|'-') product)*;
    product := interaction ('*' interaction)*; interaction := atom (':' atom)*;
    atom := name | '0' | '1' | '(' sum ')'. Values are sets of terms; the empty term is the
    intercept; None in a set marks '0' (no intercept)."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.position = 0
        self.order: dict[str, int] = {}
        self.categorical: dict[str, str | None] = {}  # C(...) columns and their references

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise StatsError("the formula ends too early")
        self.position += 1
        return token

    def parse_sum(self) -> tuple[list[Term], set[Term], bool]:
        """Returns (added terms in order, removed terms, intercept removed)."""
        added: list[Term] = []
        removed: set[Term] = set()
        no_intercept = False
        sign = "+"
        token = self.peek()
        if token == ("op", "-") or token == ("op", "+"):
            sign = self.take()[1]
        while True:
            terms, zero = self.parse_product()
            if sign == "+":
                no_intercept |= zero
                added.extend(term for term in terms if term not in added)
            else:
                if zero:
                    raise StatsError("'- 0' is not allowed in a formula")
                removed.update(terms)
                if frozenset() in terms:
                    no_intercept = True
            token = self.peek()
            if token in (("op", "+"), ("op", "-")):
                sign = self.take()[1]
                continue
            return added, removed, no_intercept

    def parse_product(self) -> tuple[list[Term], bool]:
        terms, zero = self.parse_interaction()
        while self.peek() == ("op", "*"):
            self.take()
            right, right_zero = self.parse_interaction()
            if zero or right_zero:
                raise StatsError("'0' cannot be multiplied in a formula")
            # dict: ordered and deduplicated in one pass (a list search made a long
            # product quadratic on top of exponential).
            combined = dict.fromkeys(terms)
            combined.update(dict.fromkeys(right))
            combined.update(dict.fromkeys(_interact(terms, right)))
            terms = list(combined)
            if len(terms) > MAX_TERMS:
                _too_many()
        return terms, zero

    def parse_interaction(self) -> tuple[list[Term], bool]:
        terms, zero = self.parse_atom()
        while self.peek() == ("op", ":"):
            self.take()
            right, right_zero = self.parse_atom()
            if zero or right_zero:
                raise StatsError("'0' cannot be part of an interaction")
            terms = _interact(terms, right)
        return terms, zero

    def parse_atom(self) -> tuple[list[Term], bool]:
        kind, value = self.take()
        if kind == "factor":
            _, marker = self.take()
            level = marker[1:] if marker else None
            earlier = self.categorical.get(value)
            if earlier is not None and level is not None and earlier != level:
                raise StatsError(f"two reference levels for '{value}' ('{earlier}' and '{level}')")
            self.categorical[value] = level if level is not None else earlier
            kind = "name"
        if kind == "name":
            self.order.setdefault(value, len(self.order))
            return [frozenset({value})], False
        if kind == "number":
            if value == "1":
                return [frozenset()], False
            if value == "0":
                return [], True
            raise StatsError(f"a number ({value}) cannot be a term; only 0 and 1 can")
        if value == "(":
            added, removed, no_intercept = self.parse_sum()
            if self.peek() != ("op", ")"):
                raise StatsError("a '(' in the formula is not closed")
            self.take()
            if removed or no_intercept:
                raise StatsError("'-' and '0' are not allowed inside parentheses")
            return added, False
        raise StatsError(f"unexpected '{value}' in the formula")


# A formula may name at most this many terms once products are expanded: `a*b*c*...`
# doubles with every name, and 16 names (57 characters) would be 65,535 terms, minutes of
# parsing and no model anyone could read. Far above any analysis the programme runs.
MAX_TERMS = 200


def _interact(left: list[Term], right: list[Term]) -> list[Term]:
    if len(left) * len(right) > MAX_TERMS * 4:
        _too_many()
    out = list(dict.fromkeys(a | b for a in left for b in right))
    if len(out) > MAX_TERMS:
        _too_many()
    return out


def _too_many() -> None:
    raise StatsError(
        f"the formula has more than {MAX_TERMS} terms once its products are expanded "
        "(each '*' doubles them): use fewer interactions"
    )


def parse_formula(text: str) -> Formula:
    """Parse ``"y ~ x * w + c"`` into a Formula; StatsError for anything malformed."""
    if text.count("~") != 1:
        raise StatsError("a formula needs exactly one '~', as in 'y ~ x + w'")
    left, right = text.split("~")
    left_tokens = _tokenize(left)
    if left_tokens and left_tokens[0][0] == "factor":
        raise StatsError("the outcome cannot be written C(...): it must be numeric")
    if len(left_tokens) != 1 or left_tokens[0][0] != "name":
        raise StatsError("the left of '~' must be one column name")
    response = left_tokens[0][1]
    tokens = _tokenize(right)
    if not tokens:
        raise StatsError("nothing on the right of '~'")
    parser = _Parser(tokens)
    added, removed, no_intercept = parser.parse_sum()
    if parser.peek() is not None:
        raise StatsError(f"unexpected '{parser.peek()[1]}' in the formula")  # type: ignore[index]
    intercept = not no_intercept and frozenset() not in removed
    kept = [term for term in added if term and term not in removed]
    if response in parser.order:
        raise StatsError(f"'{response}' is on both sides of the formula")
    kept.sort(key=lambda term: (len(term), min(parser.order[v] for v in term)))
    ordered = tuple(tuple(sorted(term, key=parser.order.__getitem__)) for term in kept)
    if not ordered and not intercept:
        raise StatsError("the formula has no terms")
    if response in parser.categorical or left_tokens[0][0] != "name":
        raise StatsError("the outcome cannot be written C(...)")  # pragma: no cover
    used = {v for term in ordered for v in term}
    categorical = tuple((v, ref) for v, ref in parser.categorical.items() if v in used)
    return Formula(response=response, terms=ordered, intercept=intercept, categorical=categorical)


@dataclass(frozen=True)
class Coefficient:
    est: float
    se: float
    t: float
    p: float

    def to_dict(self) -> dict[str, float | None]:
        return {
            "est": finite_or_none(self.est),
            "se": finite_or_none(self.se),
            "t": finite_or_none(self.t),
            "p": finite_or_none(self.p),
        }


@dataclass(frozen=True)
class RegressionResult:
    """An OLS fit: n rows used, R², adjusted R², coefficients by design column, and each
    categorical predictor's levels and reference level (`factors`)."""

    formula: str
    n: int
    r2: float
    adj_r2: float
    df_resid: int
    sigma: float
    se_type: str
    coefficients: dict[str, Coefficient]
    dropped: int
    factors: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "r2": finite_or_none(self.r2),
            "adj_r2": finite_or_none(self.adj_r2),
            "se_type": self.se_type,
            "coefficients": {name: c.to_dict() for name, c in self.coefficients.items()},
            "factors": {name: dict(info) for name, info in self.factors.items()},
        }


@dataclass(frozen=True)
class LeastSquares:
    """The pieces of one least-squares fit that the standard errors need."""

    beta: np.ndarray
    resid: np.ndarray
    xtx_inv: np.ndarray
    leverage: np.ndarray


def least_squares(design: np.ndarray, y: np.ndarray, names: Sequence[str]) -> LeastSquares:
    """Solve y = Xβ by the SVD of the column-scaled design; StatsError when X is singular,
    naming the first term that is a linear combination of the ones before it."""
    n, p = design.shape
    norms = np.linalg.norm(design, axis=0)
    for j, norm in enumerate(norms):
        if norm == 0:
            raise StatsError(f"singular design: term '{names[j]}' is zero in every row")
    scaled = design / norms
    u, s, vt = np.linalg.svd(scaled, full_matrices=False)
    tolerance = s.max() * max(n, p) * np.finfo(np.float64).eps
    if s.min() <= tolerance:
        for j in range(2, p + 1):
            if np.linalg.matrix_rank(scaled[:, :j]) < j:
                raise StatsError(
                    f"singular design: term '{names[j - 1]}' is a linear combination of"
                    " the terms before it"
                )
        raise StatsError("singular design")  # pragma: no cover - the loop finds it
    beta_scaled = vt.T @ ((u.T @ y) / s)
    beta = beta_scaled / norms
    resid = y - design @ beta
    v_over_s = vt.T / s
    xtx_inv = (v_over_s @ v_over_s.T) / np.outer(norms, norms)
    leverage = np.einsum("ij,ij->i", u, u)
    return LeastSquares(beta=beta, resid=resid, xtx_inv=xtx_inv, leverage=leverage)


def covariance(fit: LeastSquares, design: np.ndarray, se_type: str) -> np.ndarray:
    """Var(β) of a fit by the named method (see the module docstring)."""
    n, p = design.shape
    e2 = fit.resid**2
    if se_type == "classical":
        return fit.xtx_inv * (e2.sum() / (n - p))
    if se_type in ("HC2", "HC3") and (fit.leverage >= 1 - 1e-10).any():
        raise StatsError(f"{se_type} standard errors are undefined: a row has leverage 1")
    if se_type == "HC0":
        weights = e2
    elif se_type == "HC1":
        weights = e2 * n / (n - p)
    elif se_type == "HC2":
        weights = e2 / (1 - fit.leverage)
    elif se_type == "HC3":
        weights = e2 / (1 - fit.leverage) ** 2
    else:
        raise StatsError(f"unknown standard error type '{se_type}' (use {', '.join(SE_TYPES)})")
    meat = design.T @ (design * weights[:, None])
    return np.asarray(fit.xtx_inv @ meat @ fit.xtx_inv)


def design_matrix(columns: dict[str, np.ndarray], formula: Formula, n: int) -> np.ndarray:
    """The design of a formula whose variables are all numeric (one column per term)."""
    parts = [np.ones(n)] if formula.intercept else []
    for term in formula.terms:
        product = np.ones(n)
        for variable in term:
            product = product * columns[variable]
        parts.append(product)
    return np.column_stack(parts)


# ---------------------------------------------------------------------------------------------
# Categorical predictors


@dataclass(frozen=True)
class FactorColumn:
    """A categorical variable over the rows used: its levels (sorted), the reference level
    and each row's level as an index into `levels`."""

    name: str
    levels: tuple[str, ...]
    reference: str
    codes: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        return {"levels": list(self.levels), "reference": self.reference}


def _level_label(value: Any) -> str:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, float | np.floating):
        return f"{float(value):g}"
    return str(value).strip()


def _is_missing(series: pd.Series) -> np.ndarray:
    missing = series.isna().to_numpy()
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        blank = series.astype("string").str.strip().eq("").fillna(False).to_numpy(dtype=bool)
        missing = missing | blank
    return np.asarray(missing, dtype=bool)


def is_categorical(df: pd.DataFrame, name: str, marked: bool) -> bool:
    """Whether a predictor column is a factor: marked C(...), category dtype, or text only.
    A column of numbers and text is refused (see the module docstring)."""
    series = df[name]
    if isinstance(series, pd.DataFrame):
        raise StatsError(f"column '{name}' appears more than once in the data")
    if marked or isinstance(series.dtype, pd.CategoricalDtype):
        return True
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        return False
    present = series[~_is_missing(series)]
    numbers = pd.to_numeric(present, errors="coerce")
    if numbers.notna().all():
        return False
    if numbers.isna().all():
        return True
    position = int(np.flatnonzero(numbers.isna().to_numpy())[0])
    value = str(present.iloc[position])[:30]
    row = int(np.flatnonzero(series.index == present.index[position])[0]) + 1
    raise StatsError(
        f"column '{name}' mixes numbers and text (value '{value}' in data row {row});"
        f" write C({name}) to treat it as categorical"
    )


def _factor_values(df: pd.DataFrame, name: str) -> tuple[np.ndarray, list[str] | None]:
    """The labels of each row (None where missing) and, for a category column, its order."""
    series = df[name]
    missing = _is_missing(series)
    order = None
    if isinstance(series.dtype, pd.CategoricalDtype):
        order = [_level_label(c) for c in series.cat.categories]
        values = series.astype(object)
    elif pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        values = series.astype(object)
    else:
        numbers = pd.to_numeric(series, errors="coerce")
        # A text column of numbers (e.g. read as text), marked C(...): sort as numbers.
        values = numbers.astype(object) if numbers[~missing].notna().all() else series
    labels = np.array(
        [None if miss else _level_label(v) for v, miss in zip(values, missing, strict=True)],
        dtype=object,
    )
    return labels, order


def _sort_levels(present: set[str], order: list[str] | None, numeric: bool) -> list[str]:
    if order is not None:
        return [level for level in order if level in present]
    if numeric:
        return sorted(present, key=float)
    return sorted(present)


def make_factor(
    name: str, labels: np.ndarray, order: list[str] | None, reference: str | None
) -> FactorColumn:
    """Levels, reference and codes of one factor over the rows used (see the docstring)."""
    present = set(labels.tolist())
    try:
        numeric = all(np.isfinite(float(level)) for level in present)
    except ValueError:
        numeric = False
    levels = _sort_levels(present, order, numeric)
    if len(levels) < 2:
        only = f" ('{levels[0]}')" if levels else ""
        raise StatsError(
            f"'{name}' has only one level{only} in the rows used: a categorical predictor"
            " needs at least two"
        )
    if reference is None:
        chosen = levels[0]
    else:
        wanted = reference.strip()
        matches = [level for level in levels if level == wanted]
        if not matches and numeric:
            try:
                matches = [level for level in levels if float(level) == float(wanted)]
            except ValueError:
                matches = []
        if not matches:
            listed = ", ".join(levels[:12]) + (", …" if len(levels) > 12 else "")
            raise StatsError(
                f"unknown reference level '{wanted}' for '{name}' (its levels in the rows"
                f" used: {listed})"
            )
        chosen = matches[0]
    index = {level: i for i, level in enumerate(levels)}
    codes = np.array([index[label] for label in labels], dtype=np.int64)
    return FactorColumn(name=name, levels=tuple(levels), reference=chosen, codes=codes)


@dataclass(frozen=True)
class ModelFrame:
    """The complete rows of a model's variables: numeric columns and factors."""

    numeric: dict[str, np.ndarray]
    factors: dict[str, FactorColumn]
    n: int
    dropped: int


def model_frame(
    df: Any,
    variables: Sequence[str],
    *,
    numeric_only: Sequence[str] = (),
    categorical: Mapping[str, str | None] | None = None,
    reference: Mapping[str, str] | None = None,
    extra: Mapping[str, np.ndarray] | None = None,
    min_rows: int = 1,
    what: str = "variables",
) -> ModelFrame:
    """Listwise deletion over `variables`; each is numeric or a factor (`is_categorical`).

    `numeric_only` must be numeric (outcomes, mediators); `categorical` maps the columns marked
    C(...) to their stated reference (or None); `reference` gives references by column;
    `extra` gives numeric columns already read (NaN where missing), used instead of `df`'s.
    """
    names = check_names(variables, what)
    check_columns(df, names)
    marked = dict(categorical or {})
    references = {str(k).strip(): str(v).strip() for k, v in (reference or {}).items()}
    for column, level in references.items():
        if column not in names:
            raise StatsError(
                f"a reference level is given for '{column}', which is not in the model"
            )
        stated = marked.get(column)
        if stated is not None and stated != level:
            raise StatsError(f"two reference levels for '{column}' ('{stated}' and '{level}')")
    numeric: dict[str, np.ndarray] = {}
    raw_factors: dict[str, tuple[np.ndarray, list[str] | None]] = {}
    missing = np.zeros(len(df), dtype=bool)
    for name in names:
        if (
            name not in numeric_only
            and not (extra and name in extra)
            and is_categorical(df, name, name in marked)
        ):
            labels, order = _factor_values(df, name)
            raw_factors[name] = (labels, order)
            missing |= np.array([label is None for label in labels], dtype=bool)
        else:
            if name in references:
                raise StatsError(
                    f"a reference level is given for '{name}', which is numeric: write"
                    f" C({name}) to treat it as categorical"
                )
            values = extra[name] if extra and name in extra else numeric_column(df, name)
            numeric[name] = values
            missing |= np.isnan(values)
    kept = ~missing
    n = int(kept.sum())
    if n < min_rows:
        raise StatsError(
            f"too few complete rows: {n} (at least {min_rows} needed for {', '.join(names)})"
        )
    factors = {
        name: make_factor(name, labels[kept], order, marked.get(name) or references.get(name))
        for name, (labels, order) in raw_factors.items()
    }
    return ModelFrame(
        numeric={name: values[kept] for name, values in numeric.items()},
        factors=factors,
        n=n,
        dropped=int(len(df) - n),
    )


def term_columns(
    term: Sequence[str], frame: ModelFrame, contrasts: Sequence[bool]
) -> tuple[list[np.ndarray], list[str]]:
    """The columns of one term and their names; `contrasts[i]` codes factor i of the term
    by treatment contrasts (else by one indicator per level)."""
    columns: list[np.ndarray] = [np.ones(frame.n)]
    labels: list[list[str]] = [[]]
    for variable, reduced in zip(term, contrasts, strict=True):
        if variable in frame.numeric:
            columns = [c * frame.numeric[variable] for c in columns]
            labels = [[*lab, variable] for lab in labels]
            continue
        factor = frame.factors[variable]
        chosen = [lv for lv in factor.levels if not (reduced and lv == factor.reference)]
        new_columns, new_labels = [], []
        for level in chosen:  # the earlier factors vary fastest: loop this one outside
            indicator = (factor.codes == factor.levels.index(level)).astype(np.float64)
            part = f"{variable}[T.{level}]" if reduced else f"{variable}[{level}]"
            for column, label in zip(columns, labels, strict=True):
                new_columns.append(column * indicator)
                new_labels.append([*label, part])
        columns, labels = new_columns, new_labels
    return columns, [":".join(label) for label in labels]


def coded_design(formula: Formula, frame: ModelFrame) -> tuple[np.ndarray, list[str]]:
    """The design matrix and column names of a formula over a model frame, factors coded by
    R's rule (module docstring): contrasts where the term without the factor is in the model."""
    present = {frozenset(term) for term in formula.terms}
    if formula.intercept:
        present.add(frozenset())
    parts = [np.ones(frame.n)] if formula.intercept else []
    names = [INTERCEPT] if formula.intercept else []
    for term in formula.terms:
        contrasts = [
            variable in frame.factors and frozenset(term) - {variable} in present
            for variable in term
        ]
        columns, labels = term_columns(term, frame, contrasts)
        parts.extend(columns)
        names.extend(labels)
    return np.column_stack(parts), names


@dataclass(frozen=True)
class Design:
    """A formula's response, design matrix and column names over the complete rows."""

    formula: Formula
    response: np.ndarray
    matrix: np.ndarray
    names: list[str]
    factors: dict[str, FactorColumn]
    n: int
    dropped: int


def build_design(
    df: Any,
    formula: str,
    *,
    reference: Mapping[str, str] | None = None,
    response: Callable[[Any, str], np.ndarray] | None = None,
) -> Design:
    """Parse `formula` and build its design over the complete rows of `df`.

    `response(df, name)` gives the outcome as floats with NaN where missing (default: the
    numeric column). The rows used need at least one more than the design has columns.
    """
    parsed = parse_formula(formula)
    variables = parsed.variables
    check_columns(df, variables)
    outcome = (response or numeric_column)(df, parsed.response)
    frame = model_frame(
        df,
        variables,
        numeric_only=[parsed.response],
        categorical=dict(parsed.categorical),
        reference=reference,
        extra={parsed.response: outcome},
        min_rows=1,
    )
    matrix, names = coded_design(parsed, frame)
    p = matrix.shape[1]
    if frame.n < p + 1:
        raise StatsError(
            f"too few complete rows: {frame.n} (at least {p + 1} needed for {', '.join(variables)})"
        )
    return Design(
        formula=parsed,
        response=frame.numeric[parsed.response],
        matrix=matrix,
        names=names,
        factors=frame.factors,
        n=frame.n,
        dropped=frame.dropped,
    )


def ols(
    df: Any,
    formula: str,
    *,
    robust: bool | str = False,
    reference: Mapping[str, str] | None = None,
) -> RegressionResult:
    """Fit `formula` to the columns of `df` by OLS (listwise deletion).

    `robust=False` gives classical standard errors, `robust=True` HC3, or name one of
    "HC0", "HC1", "HC2", "HC3". `reference` names the reference level of categorical
    predictors, e.g. ``{"sex": "male"}`` (default: the first level in sorted order). See the
    module docstring for the formula language, the coding of factors and the estimators.
    """
    if robust is True:
        se_type = "HC3"
    elif robust is False or robust == "classical":
        se_type = "classical"
    elif isinstance(robust, str) and robust.upper() in SE_TYPES:
        se_type = robust.upper()
    else:
        raise StatsError(f"unknown standard error type '{robust}' (use {', '.join(SE_TYPES)})")
    design = build_design(df, formula, reference=reference)
    parsed, n, y, names = design.formula, design.n, design.response, design.names
    if np.ptp(y) == 0:
        raise StatsError(f"the outcome '{parsed.response}' has zero variance")
    p = len(names)
    fit = least_squares(design.matrix, y, names)
    cov = covariance(fit, design.matrix, se_type)
    se = np.sqrt(np.maximum(np.diag(cov), 0.0))
    df_resid = n - p
    with np.errstate(divide="ignore", invalid="ignore"):
        t = fit.beta / se
    pvalues = 2 * sps.t.sf(np.abs(t), df_resid)
    ssr = float(fit.resid @ fit.resid)
    tss = float(((y - y.mean()) ** 2).sum()) if parsed.intercept else float(y @ y)
    r2 = 1.0 - ssr / tss
    adj_r2 = 1.0 - (1.0 - r2) * (n - int(parsed.intercept)) / df_resid
    coefficients = {
        name: Coefficient(float(b), float(s), float(tv), float(pv))
        for name, b, s, tv, pv in zip(names, fit.beta, se, t, pvalues, strict=True)
    }
    return RegressionResult(
        formula=formula,
        n=n,
        r2=r2,
        adj_r2=adj_r2,
        df_resid=df_resid,
        sigma=float(np.sqrt(ssr / df_resid)),
        se_type=se_type,
        coefficients=coefficients,
        dropped=design.dropped,
        factors={name: factor.to_dict() for name, factor in design.factors.items()},
    )
