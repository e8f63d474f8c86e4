"""Make the two synthetic histories of this folder with the model itself, so that a calibration can be checked
against the parameters that made them (written beside each history as ``<name>.truth.toml``).

    python examples/histories/make_synthetic.py

Each history is the baseline scenario (its uncertain parameters at their medians) with some parameters set to
"true" values and the history's decisions as schedules, measured with Gaussian noise, rounded as a PMO would
report it, with a few months missing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import sim
from sim.analysis.calibration.setup import scenario_value
from sim.scenario import load_scenario

HERE = Path(__file__).parent
SCENARIO = HERE.parents[1] / "scenarios" / "baseline.toml"

MONTHLY = {
    "name": "synthetic_monthly",
    "about": "36 months of a PMO whose budget rises from 100 to 140 k$/month at month 18; monthly reports.",
    "truth": {"execution_building_time": 7.0, "initial_delivery_support": 0.38, "initial_executive_support": 0.52,
              "executive_value_expectation": 0.24, "delivery_credit_weight": 0.15},
    "noise": {"delivery_performance": 0.02, "executive_support": 0.03, "strategic_value_realization": 0.015},
    "decisions": {"pmo_budget": [(0, 100.0), (17, 100.0), (18, 140.0), (36, 140.0)]},
    "months": np.arange(0, 37),
    "missing": {"executive_support": [4, 5, 13, 22, 23], "strategic_value_realization": [9, 30]},
    "digits": 3,
}
QUARTERLY = {
    "name": "synthetic_quarterly",
    "about": "Four years of quarter-end reports (dates) of a PMO that moves budget to value management after two "
             "years; maturity assessed once a year.",
    "truth": {"initial_strategic_alignment": 0.3, "initial_value_management": 0.15, "value_building_time": 9.0},
    "noise": {"strategic_value_realization": 0.02, "pmo_performance": 0.02, "maturity_level": 0.05},
    "decisions": {"share_value_management": [(0, 0.1), (24, 0.1), (25, 0.25), (48, 0.25)],
                  "share_delivery_support": [(0, 0.3), (24, 0.3), (25, 0.15), (48, 0.15)]},
    "months": np.arange(3, 49, 3),
    "missing": {"maturity_level": [3, 6, 9, 15, 18, 21, 27, 30, 33, 39, 42, 45]},
    "digits": 3,
}


def _schedule(points: list[tuple[float, float]]) -> pd.Series:
    months, values = zip(*points)
    return pd.Series(values, index=np.array(months, dtype=float))


def make(spec: dict, *, seed: int) -> None:
    scenario = load_scenario(SCENARIO)
    params: dict = {n: scenario_value(scenario, n) for n in scenario.spec.uncertainty.params}
    params.update(spec["truth"])
    params.update({name: _schedule(points) for name, points in spec["decisions"].items()})
    months = spec["months"]
    run = sim.simulate(params, final_time=float(months.max()))
    rng = np.random.default_rng(seed)
    table = pd.DataFrame({"month": months})
    for name, sd in spec["noise"].items():
        values = run[name].reindex(months.astype(float)).to_numpy() + rng.normal(0, sd, len(months))
        variable = sim.get_model().variables[name]
        values = np.clip(values, variable.minimum, variable.maximum).round(spec["digits"])
        values[np.isin(months, spec["missing"].get(name, []))] = np.nan
        table[name] = values
    for name, points in spec["decisions"].items():
        table[name] = np.interp(months, *zip(*points))
    if spec["name"] == "synthetic_quarterly":  # quarter-end dates, month 0 = 1 January 2021
        start = pd.Timestamp("2021-01-01")
        dates = [(start + pd.DateOffset(months=int(m))) - pd.Timedelta(days=1) for m in months]  # quarter ends
        table.insert(0, "date", [d.date().isoformat() for d in dates])
        table = table.drop(columns="month")
    header = f"# {spec['about']}\n# Synthetic: made by the model (examples/histories/make_synthetic.py); true values in {spec['name']}.truth.toml\n"
    (HERE / f"{spec['name']}.csv").write_text(header + table.to_csv(index=False, float_format="%g"))
    truth = [f"# The values {spec['name']}.csv was made with: the baseline scenario with these parameters,",
             "# its decisions as schedules, and Gaussian noise of these standard deviations.",
             'scenario = "scenarios/baseline.toml"', "", "[params]"]
    truth += [f"{k} = {v:g}" for k, v in spec["truth"].items()]
    truth += ["", "[noise]"] + [f"{k} = {v:g}" for k, v in spec["noise"].items()]
    (HERE / f"{spec['name']}.truth.toml").write_text("\n".join(truth) + "\n")


if __name__ == "__main__":
    make(MONTHLY, seed=11)
    make(QUARTERLY, seed=12)
