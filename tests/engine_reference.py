"""What the equivalence tests share: the tolerance, both backends, PySD's reference runs (once per process) and
random parameter sets over every input's documented range."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.engine import batch

RTOL, ATOL = 1e-9, 1e-12
BACKENDS = [
    "numpy",
    pytest.param("numba", marks=pytest.mark.skipif(batch.default_backend() != "numba", reason="numba not installed")),
]
_REFERENCES: dict[str, pd.DataFrame] = {}


def pysd_run(key: str, params: dict, **settings) -> pd.DataFrame:
    """PySD's run of ``params``, once per process: both backends compare against the same one."""
    if key not in _REFERENCES:
        _REFERENCES[key] = sim.simulate(params, engine="pysd", **settings)
    return _REFERENCES[key]


def assert_same(batch: pd.DataFrame, reference: pd.DataFrame) -> None:
    assert list(batch.index) == list(reference.index)
    assert set(batch.columns) == set(reference.columns)
    for column in reference.columns:
        np.testing.assert_allclose(batch[column], reference[column], rtol=RTOL, atol=ATOL, err_msg=column)


def random_parameter_sets(n: int, seed: int) -> pd.DataFrame:
    """Every input drawn uniformly inside its documented range."""
    rng = np.random.default_rng(seed)
    inputs = sim.get_model().inputs
    return pd.DataFrame({v.py_name: rng.uniform(v.minimum, v.maximum, n) for v in inputs})
