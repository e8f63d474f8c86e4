"""The codebook of a result folder: what each column of ``timeseries.csv`` holds, in which unit.

Written beside the time series as ``variables.csv`` (column, variable, unit, statistic, meaning), so
that the numbers can be read without the model file: a column is a model variable (as the model file
names it, with its units and the first sentence of its comment), or a statistic of one over the runs
of a Monte Carlo (``_p05`` ... ``_p95``, ``_mean``, ``_sd``, ``_min``, ``_max``).
"""

from __future__ import annotations

from typing import Iterable

import pandas as pd

from sim.model import get_model

#: Column suffixes and the statistic over the runs they hold.
STATISTICS = {
    "p05": "5th percentile over the runs", "p25": "25th percentile over the runs", "p50": "median over the runs",
    "p75": "75th percentile over the runs", "p95": "95th percentile over the runs", "mean": "mean over the runs",
    "sd": "standard deviation over the runs", "min": "smallest over the runs", "max": "largest over the runs",
}


def _first_sentence(text: str) -> str:
    sentence = text.strip().split(". ")[0].strip()
    return sentence if sentence.endswith(".") or not sentence else sentence + "."


def codebook(columns: Iterable[str]) -> pd.DataFrame:
    """One row per column of a time-series table: column, variable, unit, statistic, meaning."""
    model = get_model()
    rows = []
    for column in columns:
        if column == "time":
            rows.append(("time", "Time", "Month", "", "Months since the start of the run."))
            continue
        base, _, suffix = column.rpartition("_")
        name, statistic = (base, STATISTICS[suffix]) if suffix in STATISTICS and base in model.variables else (column, "")
        variable = model.variables[name]
        rows.append((column, variable.name, variable.units or "Dmnl", statistic, _first_sentence(variable.comment or "")))
    return pd.DataFrame(rows, columns=["column", "variable", "unit", "statistic", "meaning"])
