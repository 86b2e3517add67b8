"""Ordinary least squares from a formula, with classical or heteroskedasticity-consistent
standard errors.

Formula language (a small subset of Wilkinson-Rogers / R / patsy notation, numeric columns
only, no transformations):

- ``y ~ a + b``      main effects, with an intercept;
- ``a:b``            the interaction (product) of a and b only;
- ``a * b``          a + b + a:b (``a * b * c``: all main effects and interactions);
- ``(a + b):c``      distributes: a:c + b:c; ``(a + b) * c`` likewise;
- ``- 1``, ``+ 0``   no intercept; ``- a`` removes a term;
- ```odd name```     back-quotes a column name that is not a plain identifier.

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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy import stats as sps

from ._data import complete_matrix, finite_or_none
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


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
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
            combined = terms + [t for t in right if t not in terms]
            combined += [t for t in _interact(terms, right) if t not in combined]
            terms = combined
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


def _interact(left: list[Term], right: list[Term]) -> list[Term]:
    out: list[Term] = []
    for a in left:
        for b in right:
            term = a | b
            if term not in out:
                out.append(term)
    return out


def parse_formula(text: str) -> Formula:
    """Parse ``"y ~ x * w + c"`` into a Formula; StatsError for anything malformed."""
    if text.count("~") != 1:
        raise StatsError("a formula needs exactly one '~', as in 'y ~ x + w'")
    left, right = text.split("~")
    left_tokens = _tokenize(left)
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
    return Formula(response=response, terms=ordered, intercept=intercept)


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
    """An OLS fit: n rows used, R², adjusted R², coefficients by term name."""

    formula: str
    n: int
    r2: float
    adj_r2: float
    df_resid: int
    sigma: float
    se_type: str
    coefficients: dict[str, Coefficient]
    dropped: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "r2": finite_or_none(self.r2),
            "adj_r2": finite_or_none(self.adj_r2),
            "se_type": self.se_type,
            "coefficients": {name: c.to_dict() for name, c in self.coefficients.items()},
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
    parts = [np.ones(n)] if formula.intercept else []
    for term in formula.terms:
        product = np.ones(n)
        for variable in term:
            product = product * columns[variable]
        parts.append(product)
    return np.column_stack(parts)


def ols(df: Any, formula: str, *, robust: bool | str = False) -> RegressionResult:
    """Fit `formula` to the numeric columns of `df` by OLS.

    `robust=False` gives classical standard errors, `robust=True` HC3, or name one of
    "HC0", "HC1", "HC2", "HC3". See the module docstring for the formula language and the
    estimators.
    """
    if robust is True:
        se_type = "HC3"
    elif robust is False or robust == "classical":
        se_type = "classical"
    elif isinstance(robust, str) and robust.upper() in SE_TYPES:
        se_type = robust.upper()
    else:
        raise StatsError(f"unknown standard error type '{robust}' (use {', '.join(SE_TYPES)})")
    parsed = parse_formula(formula)
    variables = parsed.variables
    p = len(parsed.term_names)
    matrix, dropped = complete_matrix(df, variables, min_rows=p + 1, what="variables")
    n = matrix.shape[0]
    columns = {name: matrix[:, j] for j, name in enumerate(variables)}
    y = columns[parsed.response]
    if np.ptp(y) == 0:
        raise StatsError(f"the outcome '{parsed.response}' has zero variance")
    design = design_matrix(columns, parsed, n)
    names = parsed.term_names
    fit = least_squares(design, y, names)
    cov = covariance(fit, design, se_type)
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
        dropped=dropped,
    )
