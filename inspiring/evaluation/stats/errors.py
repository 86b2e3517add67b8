"""The one exception the statistics core raises for bad input."""

from __future__ import annotations


class StatsError(ValueError):
    """Bad input for a statistic: unknown column, non-numeric data, too few rows, a singular
    design, zero variance, an invalid option.

    The message is one line, fit to show a researcher as it is.
    """
