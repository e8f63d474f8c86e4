"""B8 and B9 as properties over the documented input ranges (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim

MODEL = sim.get_model()
FRACTION_OUTPUTS = [
    v.py_name
    for v in MODEL.variables.values()
    if v.kind in ("stock", "auxiliary") and (v.minimum, v.maximum) == (0.0, 1.0)
]
RUN_SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def inputs_in_range(variables) -> st.SearchStrategy[dict[str, float]]:
    return st.fixed_dictionaries(
        {
            v.py_name: st.floats(v.minimum, v.maximum, allow_nan=False, allow_infinity=False)
            for v in variables
        }
    )


def extremes_or_inside(variables) -> st.SearchStrategy[dict[str, float]]:
    """Values at either bound or anywhere inside: extremes are where models break."""
    return st.fixed_dictionaries(
        {
            v.py_name: st.one_of(
                st.sampled_from([v.minimum, v.maximum]),
                st.floats(v.minimum, v.maximum, allow_nan=False, allow_infinity=False),
            )
            for v in variables
        }
    )


@RUN_SETTINGS
@given(params=st.one_of(inputs_in_range(MODEL.inputs), extremes_or_inside(MODEL.inputs)))
def test_B8_extreme_conditions_every_input_in_range(params):
    """Any combination of inputs inside their documented ranges: finite, fractions in [0, 1]."""
    run = sim.simulate(params)
    numbers = run.to_numpy(dtype=float)
    assert np.isfinite(numbers).all()
    fractions = run[FRACTION_OUTPUTS].to_numpy()
    assert fractions.min() >= -1e-9 and fractions.max() <= 1 + 1e-9
    assert run["maturity_level"].between(1 - 1e-9, 4 + 1e-9).all()


@RUN_SETTINGS
@given(params=extremes_or_inside(MODEL.decisions))
def test_B9_no_decision_pushes_delivery_above_ceiling(params):
    """With the calibrated parameters, no budget, split, environment or start exceeds 95% delivery."""
    run = sim.simulate(params)
    assert run["delivery_performance"].max() <= 0.95 + 1e-12
