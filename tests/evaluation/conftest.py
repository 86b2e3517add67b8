"""Shared data for the statistics tests: reference data sets shipped in PyPI packages."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest


def _pingouin():  # pingouin imports matplotlib and seaborn: quieten their start-up warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pingouin

    return pingouin


@pytest.fixture(scope="session")
def pg():
    return _pingouin()


@pytest.fixture(scope="session")
def mediation_data(pg) -> pd.DataFrame:
    """pingouin's `mediation` example data (100 rows: X, M, Y, Mbin, Ybin, W1, W2)."""
    return pg.read_dataset("mediation")


@pytest.fixture(scope="session")
def simulated_scale() -> pd.DataFrame:
    """Six congeneric items (one factor, unequal loadings), 300 rows, one reverse-keyed."""
    rng = np.random.default_rng(2024)
    loadings = np.array([0.8, 0.7, 0.65, 0.6, 0.5, -0.55])
    factor = rng.normal(size=300)
    noise = rng.normal(size=(300, 6)) * np.sqrt(1 - loadings**2)
    items = 3 + factor[:, None] * loadings + noise
    return pd.DataFrame(items * [1.0, 1.2, 0.8, 1.5, 1.0, 1.1], columns=[f"i{j}" for j in range(6)])
