"""The behaviours the model must show (B1-B19), one test per id, with its thresholds.

The experiments and measurements are in ``sim.behaviours`` (trainers, docs/model.md and the closing
notes use the same figures); the thresholds are here and are never loosened. A behaviour the
version-2 calibration does not meet yet is marked ``unmet`` (a strict xfail that names the measured
figure): the test still runs, and it fails the suite as soon as the behaviour holds, so that the
marker is removed. B20 (units) is ``tests/test_units.py``.
"""

from __future__ import annotations

import pytest

from sim import behaviours


def unmet(why: str):
    """A behaviour the shipped calibration does not meet yet; strict, so it cannot silently pass."""
    return pytest.mark.xfail(strict=True, reason=f"version-2 calibration unfinished: {why}")


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
    """A risk shock does not hurt performance while it lasts; it triggers transformation that helps later."""
    f = behaviours.b4_risk_as_trigger()
    assert f["largest relative performance change in 24-27"] < 0.01
    assert f["pressure gain at 25"] > 0.05
    assert f["transformation gain at 48"] > 0
    assert f["performance gain at 84"] > 0


def test_B4_risk_needs_readiness():
    """With Capability Development near zero the shock's month-84 gain is less than half as large."""
    f = behaviours.b4_risk_as_trigger()
    assert f["performance gain at 84 without readiness"] < 0.5 * f["performance gain at 84"]


def test_B4_risk_needs_direction():
    """Without a value track the shock's gain is less than half as large, and delivery pays for reconfiguring."""
    f = behaviours.b4_risk_as_trigger()
    assert f["performance gain at 84 without value track"] < 0.5 * f["performance gain at 84"]
    assert f["without value track: deepest delivery dip in 25-48"] < 0


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


@unmet("no reconfiguration cycles at the defaults or at turbulence 0.8 with direction-gated triggers")
@pytest.mark.parametrize("params", [{"strategic_turbulence": 0.8}, {}], ids=["turbulence 0.8", "defaults"])
def test_B11_reconfiguration_cycles(params):
    """Hobbs and Aubry: PMOs are reconfigured every 2-3 years, also at the defaults."""
    months = behaviours.reconfiguration_peaks(behaviours.run(params, final_time=240))
    assert behaviours.longest_regular_run(months) >= 3, months  # three consecutive peaks 18-48 months apart


@unmet("outputs near zero change by more than 1%: value to cost ratio 5.5% at month 1 (sums from zero), transformation "
       "disruption 2.7% (at 3e-7), cumulative net value 1.6% (crossing zero) and net value added 1.0%")
def test_B12_integration():
    """Halving TIME STEP changes no contract output by more than 1%."""
    assert behaviours.b12_integration()["largest relative change of a contract output"] <= 0.01


def test_B13_no_free_lunch():
    """A permanent crisis and a turbulent world lower average performance (months 60-120)."""
    f = behaviours.b13_no_free_lunch()
    for split in ("default", "balanced"):
        assert f[f"{split}: average performance change with a permanent shock 0.3"] < 0, f
    for split in ("default", "balanced", "execution only", "value only"):
        assert f[f"{split}: average performance at turbulence 1 minus 0"] < 0, f
        assert f[f"{split}: largest rise between turbulence levels"] <= 0.005, f


def test_B14_undirected_change_builds_little_transformation():
    """At turbulence 0.8, a split with no value track gains less than half the balanced split's transformation."""
    f = behaviours.b14_direction()
    balanced = f["turbulence 0.8: transformation gained by 120, balanced"]
    assert balanced > 0
    assert f["turbulence 0.8: transformation gained by 120, (0.4, 0.4, 0, 0, 0.2)"] < 0.5 * balanced


def test_B14_no_split_without_value_track_beats_balanced():
    f = behaviours.b14_direction()
    for level in (0.0, 0.4, 0.8):
        assert f[f"turbulence {level}: best split without value track minus balanced"] <= 0, f


def test_B15_survival_is_a_probability_that_never_rises():
    f = behaviours.b15_closure()
    assert 0 <= f["lowest survival in these runs"] and f["largest survival in these runs"] <= 1
    assert f["largest monthly rise of survival"] <= 0


def test_B15_balanced_survives_zero_budget_closes_new_pmo_gets_time():
    f = behaviours.b15_closure()
    assert f["balanced: lowest survival through 120"] > 0.85
    assert f["zero budget: survival at 36"] < 0.2
    assert f["new PMO, balanced: survival at 12"] >= 0.9
    assert f["execution only: survival at 120"] < f["default: survival at 120"] < f["balanced: survival at 120"]


@unmet("execution only: survival at 60 is 0.87 (support falls from month 24, the PMO closes by month 120: 0.06)")
def test_B15_zombie_pmo_closes():
    """A reporting factory (execution only) is more likely closed than not by month 60."""
    assert behaviours.b15_closure()["execution only: survival at 60"] < 0.5


def test_B16_net_value():
    """Zero budget adds no net value; the best budget is interior, 1.5-5% of portfolio spend (CBP, PM Solutions)."""
    f = behaviours.b16_net_value()
    assert abs(f["zero budget: cumulative net value at 120"]) < 0.01 * abs(f["default: cumulative net value at 120"])
    assert f["balanced: best budget is interior"] == 1
    assert 0.015 <= f["balanced: best budget, share of portfolio spend"] <= 0.05


def test_B17_value_builds_slowly_on_a_weak_foundation():
    f = behaviours.b17_foundation_first()
    assert f["value first: strategic alignment at 12, weak foundation"] < f["value first: strategic alignment at 12, strong foundation"]
    assert f["value first: value management at 12, weak foundation"] < f["value first: value management at 12, strong foundation"]


def test_B17_foundation_first_beats_value_first():
    """Seed of the PMO journey: master execution first. Higher performance at months 36 and 60."""
    f = behaviours.b17_foundation_first()
    assert f["foundation first minus value first, performance at 36"] > 0
    assert f["foundation first minus value first, performance at 60"] > 0


def test_B18_authority_fits_context():
    """Directive wins in a complex organisation, supportive in a small agile one; no type is always best."""
    f = behaviours.b18_authority_fit()
    assert f["complexity 0.9: directive minus supportive"] > 0
    assert f["complexity 0.1: supportive minus controlling"] > 0
    assert f["complexity 0.1: supportive minus directive"] > 0
    assert f["distinct best authority levels over complexity"] > 1


def test_B18_governance_alone_is_no_better_than_support():
    """Aubry 2015: raising control alone does not beat the same budget in delivery support."""
    f = behaviours.b18_authority_fit()
    for authority in (0.0, 0.5, 1.0):
        assert f[f"authority {authority}: delivery gain at 48, governance alone minus delivery support"] <= 0


def test_B19_anchors():
    """PMI Pulse: 69-70% of projects meet goals, 31% high benefits maturity; Hobbs 2007: set-up takes 6-24 months."""
    f = behaviours.b19_anchors()
    assert 0.62 <= f["default: lowest delivery in 0-12"] and f["default: highest delivery in 0-12"] <= 0.78
    assert 0.2 <= f["default: lowest value realised in 0-12"] and f["default: highest value realised in 0-12"] <= 0.4
    assert f["new PMO: months to half of its 24-month delivery gain"] >= 6
