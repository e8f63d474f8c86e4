"""The standard experiments of MODEL.md section 5 are built as defined there."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.experiments import SHARES, months_to_fraction, pulse_schedule, share_move, split, track_step


def investments(run: pd.DataFrame, month: float) -> dict[str, float]:
    names = ["governance", "delivery_support", "strategic_alignment", "value_management", "capability_development"]
    return {n: run.at[month, f"investment_in_{n}"] for n in names}


@pytest.mark.parametrize("track,grown", [("execution", {"governance", "delivery_support"}),
                                         ("value", {"strategic_alignment", "value_management"})])
def test_track_step_sends_all_extra_budget_to_that_track(track, grown):
    """From month 12 PMO Budget is 25% higher and only that track's spending grows (split evenly)."""
    base = sim.simulate({"pmo_transformation": 0.3, "executive_support": 0.6})
    stepped = sim.simulate({**track_step(track), "pmo_transformation": 0.3, "executive_support": 0.6})
    assert stepped.at[11, "pmo_budget"] == base.at[11, "pmo_budget"]
    assert stepped.at[12, "pmo_budget"] == pytest.approx(1.25 * base.at[12, "pmo_budget"])
    before, after = investments(base, 24), investments(stepped, 24)
    extra = {n: after[n] - before[n] for n in before}
    for name, value in extra.items():
        if name in grown:
            assert value == pytest.approx(0.25 * base.at[24, "effective_budget"] / 2)
        else:
            assert value == pytest.approx(0, abs=1e-9)


def test_share_move_keeps_the_budget_and_moves_half_the_execution_shares():
    params = share_move(fraction=0.5, at=12)
    defaults = sim.get_model().defaults()
    after = {name: series.iloc[-1] for name, series in params.items()}
    assert sum(after.values()) == pytest.approx(sum(defaults[n] for n in params))
    assert after["share_governance"] == pytest.approx(defaults["share_governance"] / 2)
    assert "pmo_budget" not in params


def test_split_and_pulse():
    assert split(0.5, 0.5, 0, 0, 0) == dict(zip(SHARES, (0.5, 0.5, 0.0, 0.0, 0.0)))
    pulse = pulse_schedule(0.5, start=24, duration=3)
    values = np.interp([23.9, 24, 26.9, 27, 30], pulse.index, pulse.to_numpy())
    np.testing.assert_allclose(values, [0, 0.5, 0.5, 0, 0])


def test_months_to_fraction_finds_the_first_month_at_the_share_of_the_final_value():
    response = pd.Series([0.0, 0.2, 0.6, 0.9, 1.0], index=[0.0, 1.0, 2.0, 3.0, 4.0])
    assert months_to_fraction(response, 0.5) == 2.0
    assert np.isnan(months_to_fraction(pd.Series([0.0, 0.0], index=[0.0, 1.0])))
