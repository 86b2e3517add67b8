"""A pure statistics core for researchers (issue 7): numpy, scipy and pandas only, no Django.

Every function takes a pandas DataFrame and column names, leaves out incomplete rows
(listwise, reporting how many), and raises `StatsError` (a ValueError) with a one-line message
for bad input. Randomness (the mediation bootstrap) comes from `numpy.random.default_rng(seed)`
and the seed is reported, so every result can be reproduced. Each module's docstring states
its formulas and references.
"""

from .change import ChangeResult, ReliableChange, paired_change
from .descriptives import ColumnSummary, describe, scale_score
from .errors import StatsError
from .fiml import sem_fiml
from .invariance import InvarianceResult, InvarianceStep, invariance
from .logistic import LogisticResult, LogitCoefficient, logistic
from .mediation import CI_METHODS, BootEstimate, MediationResult, mediate
from .regression import SE_TYPES, Coefficient, Formula, RegressionResult, ols, parse_formula
from .reliability import (
    AlphaResult,
    FactorOmega,
    ModelOmegaResult,
    OmegaResult,
    cronbach_alpha,
    mcdonald_omega,
    model_omega,
)
from .sem import Estimate, SemResult, fit_covariance, parse_model, sem

__all__ = [
    "CI_METHODS",
    "SE_TYPES",
    "AlphaResult",
    "BootEstimate",
    "ChangeResult",
    "Coefficient",
    "ColumnSummary",
    "Estimate",
    "FactorOmega",
    "Formula",
    "InvarianceResult",
    "InvarianceStep",
    "LogisticResult",
    "LogitCoefficient",
    "MediationResult",
    "ModelOmegaResult",
    "OmegaResult",
    "RegressionResult",
    "ReliableChange",
    "SemResult",
    "StatsError",
    "cronbach_alpha",
    "describe",
    "fit_covariance",
    "invariance",
    "logistic",
    "mcdonald_omega",
    "mediate",
    "model_omega",
    "ols",
    "paired_change",
    "parse_formula",
    "parse_model",
    "scale_score",
    "sem",
    "sem_fiml",
]
