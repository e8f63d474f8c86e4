"""Measurements of the behaviours a PMO practitioner demands (B13-B19), one function per id.

No free lunch from a crisis, transformation needs direction, PMOs that lose backing close, value
counted against the same portfolio without a PMO, the execution foundation first, authority that
fits its organisation, and the published anchors. Thresholds live in ``tests/test_behaviours.py``.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from sim.behaviours.dynamics import BALANCED, CAPABILITIES, gain, run, run_many
from sim.experiments import SHARES, months_to_fraction, split, step_schedule, track_step
from sim.model import get_model

FROM_SCRATCH = {initial: 0.05 for initial in CAPABILITIES.values()}
DEFAULT_SPLIT = "default"
TURBULENCE_LEVELS = (0.0, 0.25, 0.5, 0.75, 1.0)


def _splits() -> dict[str, dict[str, float]]:
    defaults = get_model().defaults()
    return {
        DEFAULT_SPLIT: {name: defaults[name] for name in SHARES},
        "balanced": BALANCED,
        "execution only": split(0.5, 0.5, 0, 0, 0),
        "value only": split(0, 0, 0.5, 0.5, 0),
    }


def _averages(param_sets: list[dict]) -> np.ndarray:
    """Average performance (months 60-120) of each parameter set, in one batch call."""
    data = run_many(param_sets)["pmo_performance"]
    return data.sel(time=slice(60, 120)).mean("time").to_numpy()


def b13_no_free_lunch() -> dict[str, float]:
    figures: dict[str, float] = {}
    shock = pd.Series([0.0, 0.0, 0.3, 0.3], index=[0.0, 12 - 1e-6, 12.0, 1e4])
    for label in (DEFAULT_SPLIT, "balanced"):
        shares = _splits()[label]
        calm, shocked = _averages([shares, {**shares, "risk_shock": shock}])
        figures[f"{label}: average performance change with a permanent shock 0.3"] = float(shocked - calm)
    for label, shares in _splits().items():
        averages = _averages([{**shares, "strategic_turbulence": level} for level in TURBULENCE_LEVELS])
        figures[f"{label}: average performance at turbulence 1 minus 0"] = float(averages[-1] - averages[0])
        figures[f"{label}: largest rise between turbulence levels"] = float(np.diff(averages).max())
    return figures


def splits_without_value_track(step: float = 0.1) -> list[dict[str, float]]:
    """Every split with both value shares 0 on a grid of ``step`` (governance, support, capability)."""
    levels = np.round(np.arange(0, 1 + step / 2, step), 10)
    return [split(g, d, 0, 0, c) for g, d, c in itertools.product(levels, repeat=3) if abs(g + d + c - 1) < 1e-9]


def b14_direction() -> dict[str, float]:
    initial = get_model().defaults()["initial_pmo_transformation"]
    turbulent = {"strategic_turbulence": 0.8}
    undirected, balanced = run({**split(0.4, 0.4, 0, 0, 0.2), **turbulent}), run({**BALANCED, **turbulent})
    figures = {
        "turbulence 0.8: transformation gained by 120, (0.4, 0.4, 0, 0, 0.2)": float(undirected.at[120, "pmo_transformation"] - initial),
        "turbulence 0.8: transformation gained by 120, balanced": float(balanced.at[120, "pmo_transformation"] - initial),
    }
    candidates = splits_without_value_track()
    for level in (0.0, 0.4, 0.8):
        averages = _averages([{**BALANCED, "strategic_turbulence": level}] + [{**c, "strategic_turbulence": level} for c in candidates])
        figures[f"turbulence {level}: best split without value track minus balanced"] = float(averages[1:].max() - averages[0])
    return figures


def b15_closure() -> dict[str, float]:
    budget = get_model().defaults()["pmo_budget"]
    runs = {
        "default": run(),
        "execution only": run(split(0.5, 0.5, 0, 0, 0)),
        "balanced": run(BALANCED),
        "zero budget": run({"pmo_budget": 0}),
        "new PMO, balanced": run({**FROM_SCRATCH, **BALANCED, "pmo_budget": budget}),
    }
    survival = {label: frame["pmo_survival"] for label, frame in runs.items()}
    return {
        "lowest survival in these runs": float(min(s.min() for s in survival.values())),
        "largest survival in these runs": float(max(s.max() for s in survival.values())),
        "largest monthly rise of survival": float(max(s.diff().max() for s in survival.values())),
        "execution only: survival at 60": float(survival["execution only"].at[60]),
        "balanced: lowest survival through 120": float(survival["balanced"].min()),
        "execution only: survival at 120": float(survival["execution only"].at[120]),
        "default: survival at 120": float(survival["default"].at[120]),
        "balanced: survival at 120": float(survival["balanced"].at[120]),
        "zero budget: survival at 36": float(survival["zero budget"].at[36]),
        "new PMO, balanced: survival at 12": float(survival["new PMO, balanced"].at[12]),
    }


def net_value_by_budget(budgets: np.ndarray, shares: dict[str, float] = BALANCED) -> np.ndarray:
    """Cumulative Net Value at month 120 for each PMO Budget (k$/Month), one batch call."""
    data = run_many([{**shares, "pmo_budget": float(b)} for b in budgets], outputs=("cumulative_net_value",))
    return data["cumulative_net_value"].sel(time=120).to_numpy()


def b16_net_value() -> dict[str, float]:
    defaults = get_model().defaults()
    budgets = np.arange(0.0, 10 * defaults["pmo_budget"] + 1, 5.0)
    net = net_value_by_budget(budgets)
    best = int(np.argmax(net))
    return {
        "zero budget: cumulative net value at 120": float(run({"pmo_budget": 0}).at[120, "cumulative_net_value"]),
        "default: cumulative net value at 120": float(run().at[120, "cumulative_net_value"]),
        "balanced: best budget": float(budgets[best]),
        "balanced: best budget, share of portfolio spend": float(budgets[best] / defaults["project_portfolio_spend"]),
        "balanced: best budget is interior": float(0 < best < len(budgets) - 1),
        "balanced: cumulative net value at the best budget": float(net[best]),
    }


def b17_foundation_first() -> dict[str, float]:
    budget = 2 * get_model().defaults()["pmo_budget"]
    start = {**FROM_SCRATCH, "pmo_budget": budget}

    def phased(first: dict[str, float]) -> dict[str, pd.Series]:
        return {name: step_schedule(first[name], BALANCED[name], 18) for name in SHARES}

    foundation = run({**start, **phased(split(0.4, 0.4, 0, 0, 0.2))})
    value_first = run({**start, **phased(split(0, 0, 0.4, 0.4, 0.2))})
    # The same value spending on a weak and on a strong execution foundation.
    strong = run({**start, **split(0, 0, 0.4, 0.4, 0.2), "initial_governance": 0.6, "initial_delivery_support": 0.6})
    return {
        "foundation first minus value first, performance at 36": gain(foundation, value_first, "pmo_performance", 36),
        "foundation first minus value first, performance at 60": gain(foundation, value_first, "pmo_performance", 60),
        "value first: strategic alignment at 12, weak foundation": float(value_first.at[12, "strategic_alignment"]),
        "value first: strategic alignment at 12, strong foundation": float(strong.at[12, "strategic_alignment"]),
        "value first: value management at 12, weak foundation": float(value_first.at[12, "performance_and_value_management"]),
        "value first: value management at 12, strong foundation": float(strong.at[12, "performance_and_value_management"]),
    }


AUTHORITIES = (0.0, 0.25, 0.5, 0.75, 1.0)
COMPLEXITIES = (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0)


def b18_authority_fit() -> dict[str, float]:
    """Executive Support is held at its initial value so that only authority differs."""
    held = {"executive_support": get_model().defaults()["initial_executive_support"]}
    grid = list(itertools.product(COMPLEXITIES, AUTHORITIES))
    averages = _averages([{**held, "organisational_complexity": c, "pmo_authority": a} for c, a in grid])
    table = pd.Series(averages, index=pd.MultiIndex.from_tuples(grid, names=["complexity", "authority"]))
    best = table.groupby(level="complexity").idxmax().map(lambda key: key[1])
    figures = {
        "complexity 0.9: directive minus supportive": float(table[(0.9, 1.0)] - table[(0.9, 0.0)]),
        "complexity 0.1: supportive minus controlling": float(table[(0.1, 0.0)] - table[(0.1, 0.5)]),
        "complexity 0.1: supportive minus directive": float(table[(0.1, 0.0)] - table[(0.1, 1.0)]),
        "distinct best authority levels over complexity": float(best.nunique()),
    }
    for authority in (0.0, 0.5, 1.0):
        at = {**held, "pmo_authority": authority}
        reference = run(at)
        governance = run({**at, **_single_step("share_governance")})
        support = run({**at, **_single_step("share_delivery_support")})
        figures[f"authority {authority}: delivery gain at 48, governance alone minus delivery support"] = (
            gain(governance, reference, "delivery_performance", 48) - gain(support, reference, "delivery_performance", 48)
        )
    return figures


def _single_step(share: str) -> dict[str, pd.Series]:
    """Like a step into a track, but all of the extra budget goes to one share."""
    params = track_step("execution")
    defaults = get_model().defaults()
    other = "share_delivery_support" if share == "share_governance" else "share_governance"
    extra = params[share].iloc[-1] - defaults[share] + params[other].iloc[-1] - defaults[other]
    return {
        "pmo_budget": params["pmo_budget"],
        share: step_schedule(defaults[share], defaults[share] + extra, 12),
    }


def b19_anchors() -> dict[str, float]:
    default = run()
    new = run({**FROM_SCRATCH, **BALANCED})
    gained = (new["delivery_performance"] - new.at[0, "delivery_performance"]).loc[:24]
    return {
        "default: lowest delivery in 0-12": float(default.loc[0:12, "delivery_performance"].min()),
        "default: highest delivery in 0-12": float(default.loc[0:12, "delivery_performance"].max()),
        "default: lowest value realised in 0-12": float(default.loc[0:12, "strategic_value_realization"].min()),
        "default: highest value realised in 0-12": float(default.loc[0:12, "strategic_value_realization"].max()),
        "new PMO: months to half of its 24-month delivery gain": months_to_fraction(gained, 0.5),
    }
