"""MODEL.md section 5: the behaviours the model must show, one test per id, with its thresholds.

The experiments and measurements are in ``sim.behaviours`` (trainers and the closing notes use the
same figures); the thresholds are here. Runs use the reference engine and the model as shipped.
"""

from __future__ import annotations

from sim import behaviours


def test_B1_short_cycle():
    """A step into the execution track shows in Delivery Performance within months."""
    f = behaviours.b1_short_cycle()
    assert f["delivery gain at 48"] > 0
    assert f["delivery gain at 18"] >= 0.5 * f["delivery gain at 48"]


def test_B2_long_cycle():
    """A step into the value track is S-shaped, slow, and in the end larger than the execution step."""
    f = behaviours.b2_long_cycle()
    at96 = f["performance gain at 96"]
    assert at96 > 0
    assert f["performance gain at 18"] < 0.1 * at96
    assert f["performance gain at 60"] >= 0.5 * at96
    assert at96 > f["execution step performance gain at 96"]


def test_B3_mediation():
    """With PMO Transformation held fixed, value-track spending changes no performance output."""
    f = behaviours.b3_mediation()
    assert f["value track strength gain at 120"] > 0.05  # the spending did build the value track
    assert f["largest performance change"] <= 1e-12


def test_B4_risk_as_trigger():
    """A risk shock does not hurt performance; it triggers transformation that helps later."""
    f = behaviours.b4_risk_as_trigger()
    assert f["largest relative performance change in 24-27"] < 0.01
    assert f["pressure gain at 25"] > 0.05
    assert f["transformation gain at 48"] > 0
    assert f["performance gain at 84"] > 0


def test_B4_risk_needs_readiness():
    """With Capability Development near zero the shock's month-84 gain is less than half as large."""
    f = behaviours.b4_risk_as_trigger()
    assert f["performance gain at 84 without readiness"] < 0.5 * f["performance gain at 84"]


def test_B5_worse_before_better():
    """Moving half of the execution shares to the value track dips first, then wins for good."""
    f = behaviours.b5_worse_before_better()
    assert f["deepest dip in 13-30"] < 0
    assert f["month back above"] < 60
    assert f["smallest lead from then to 120"] > 0


def test_B6_imbalance():
    """Execution only: efficient but irrelevant; value only: intent that cannot be realised."""
    f = behaviours.b6_imbalance()
    assert f["execution only: delivery minus value realised at 120"] > 0.3
    assert f["execution only: support change 0-120"] < 0
    assert f["value only: value realised at 120"] < f["balanced: value realised at 120"]
    assert f["balanced: performance at 120"] > f["execution only: performance at 120"]
    assert f["balanced: performance at 120"] > f["value only: performance at 120"]


def test_B7_readiness():
    """More Capability Development: the transformation a value step brings is faster and fuller.

    Faster is measured on a common yardstick (months to reach half of the low-readiness peak
    response), because a small response that fades reaches a share of its own final value early.
    """
    f = behaviours.b7_readiness()
    assert f["high readiness: month response reaches yardstick"] < f["low readiness: month response reaches yardstick"]
    assert f["high readiness: mean transformation delay"] < f["low readiness: mean transformation delay"]
    assert f["high readiness: peak response"] > f["low readiness: peak response"]
    assert f["high readiness: response at 120"] > f["low readiness: response at 120"]


def test_B8_zero_budget_decays_with_erosion_time():
    """Zero budget: every capability decays towards its floor with the erosion time constant."""
    f = behaviours.b8_zero_budget_decay()
    assert f["largest deviation from exponential decay"] <= 0.002
    assert f["largest effective budget"] == 0


def test_B9_calibration():
    """PMI Pulse: about 33% of projects on goal with no PMO budget, 85-95% for a balanced, funded PMO."""
    f = behaviours.b9_calibration()
    assert abs(f["zero budget: delivery at 240"] - 0.33) <= 0.05
    assert abs(f["zero budget: delivery change 216-240"]) < 0.005  # settled
    for multiple in (2, 4):
        for month in (120, 240):
            assert 0.85 <= f[f"balanced {multiple}x budget: delivery at {month}"] <= 0.95


def test_B9_most_execution_friendly_inputs_stay_below_ceiling(model):
    """Budget 10x, all money on execution and capability, no turbulence: still at most 0.95."""
    top = {v.py_name: v.maximum for v in model.decisions}
    top.update(share_strategic_alignment=0, share_value_management=0, strategic_turbulence=0, risk_shock=0)
    assert behaviours.run(top, final_time=240)["delivery_performance"].max() <= 0.95


def test_B10_maturity_pace():
    """SEI: about 21-22 months per level; a balanced PMO at 2x budget from scratch."""
    f = behaviours.b10_maturity_pace()
    assert 12 <= f["month level 2 reached"] <= 36
    assert 36 <= f["month level 3 reached"] <= 66


def test_B11_legitimacy():
    """A reporting factory loses executive support, and its budget with it."""
    f = behaviours.b11_legitimacy()
    assert f["execution only: support lost by 60"] > 0.1
    assert f["execution only: effective budget change by 60"] < 0


def test_B11_reconfiguration_cycles():
    """Hobbs and Aubry: under high turbulence PMOs reconfigure every 2-3 years."""
    months = behaviours.reconfiguration_peaks(behaviours.run({"strategic_turbulence": 0.8}, final_time=240))
    gaps = months[1:] - months[:-1]
    in_range = (gaps >= 18) & (gaps <= 48)
    longest_run = max((len(s) for s in "".join("1" if x else "0" for x in in_range).split("0")), default=0)
    assert len(months) >= 3, months
    assert longest_run >= 2, gaps  # at least three consecutive peaks 18-48 months apart


def test_B12_integration():
    """Halving TIME STEP changes no contract output by more than 1%."""
    assert behaviours.b12_integration()["largest relative change of a contract output"] <= 0.01
