"""Optimisation study: a planted optimum is found through the study's own search, a two-share problem
agrees with a dense grid, no reported policy breaks a constraint, and bad input leaves nothing behind."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_files import in_tmp, write  # noqa: F401 - in_tmp: each test in its own folder

import sim
from sim.analysis.optimize import PolicyProblem, model_measures, optimize
from sim.analysis.options import study_options
from sim.analysis.policy import PolicySpace
from sim.cli import main
from sim.experiments import SHARES

BASELINE = Path(__file__).parent.parent / "scenarios" / "baseline.toml"
TARGET = {"share_governance": 0.12, "share_delivery_support": 0.18, "share_strategic_alignment": 0.3,
          "share_value_management": 0.25, "share_capability_development": 0.15}


def short(name: str, text: str = "") -> Path:
    """The baseline over three years, with a small Monte Carlo, plus ``text``."""
    return write(name, f"""
        extends = "{BASELINE}"
        [run]
        final_time = 36
        [uncertainty]
        runs = 12
        {text}
    """)


def planted(table: pd.DataFrame) -> dict[str, np.ndarray]:
    """Performance peaks at TARGET's split and a budget of 180; a sampled input shifts it by a constant."""
    total = sum(table[name].to_numpy(dtype=float) for name in SHARES)
    distance = sum((table[name].to_numpy(dtype=float) / total - value) ** 2 for name, value in TARGET.items())
    budget = (table["pmo_budget"].to_numpy(dtype=float) - 180) / 1000
    noise = table["risk_tolerance"].to_numpy(dtype=float)
    performance = 1 - distance - budget**2 + noise
    return {"performance": performance, "net_value": performance, "survival": np.ones(len(table)), "cost": table["pmo_budget"].to_numpy()}


def test_a_planted_optimum_is_found():
    """The decoder, the robust mean over samples and differential evolution find a known split and budget."""
    result = optimize(sim.load_scenario(BASELINE), measure=planted, budget=[50, 400], samples=8, popsize=10, tol=1e-6,
                      maxiter=300, seed=1)
    found = result.policy["phases"][0]
    assert result.converged
    assert max(abs(found[name] - value) for name, value in TARGET.items()) < 0.01
    assert abs(result.policy["pmo_budget"] - 180) < 5


def test_two_shares_agree_with_a_dense_grid():
    """Moving governance against strategic alignment on the model: the optimiser's best is the grid's best."""
    scenario = sim.load_scenario(short("two.toml"))
    shares = ["share_governance", "share_strategic_alignment"]
    result = optimize(scenario, shares=shares, window=[24, 36], samples=12, popsize=8, tol=1e-4, seed=2)
    checked, options = study_options(scenario, "optimize", {"shares": shares, "window": [24, 36], "samples": 12})
    space = PolicySpace.of(checked, options)
    problem = PolicyProblem(checked, options, model_measures(checked, (24, 36)), space, seed=2)
    t = np.linspace(0, 1, 401)
    grid = problem.scores(space.decode(np.column_stack([t, 1 - t]))).objective  # one batch call, 401 x 12 runs
    assert result.objective >= grid.max() - 1e-4
    part = result.policy["phases"][0]
    found = part["share_governance"] / (part["share_governance"] + part["share_strategic_alignment"])
    assert abs(found - t[grid.argmax()]) <= 0.02


def test_no_reported_policy_breaks_a_constraint():
    """Best policy and every Pareto point: shares, budget cap and survival (rerun from best_policy.toml) hold."""
    path = short("constrained.toml", """
        [study.optimize]
        phases = 2
        budget = [40, 300]
        budget_cap = 150
        min_share = 0.12
        min_survival = 0.97
        samples = 12
        popsize = 4
        maxiter = 8
        pareto = true
        seed = 4
    """)
    assert main(["optimize", str(path), "--out", "out"]) == 0
    folder = Path("out/constrained_optimize")
    policy = json.loads((folder / "manifest.json").read_text())["study"]["policy"]
    assert policy["pmo_budget"] <= 150 and all(v >= 0.12 - 1e-9 for phase in policy["phases"] for v in phase.values())
    front = pd.read_csv(folder / "pareto.csv")
    assert len(front) and (front["pmo_budget"] <= 150).all() and (front["survival"] >= 0.97).all()
    assert (front[[c for c in front if c.startswith("share_")]] >= 0.12 - 1e-9).all().all()
    rerun = sim.run(sim.load_scenario(folder / "best_policy.toml"), runs=12, seed=4, with_parent=False)
    assert rerun.dataset["pmo_survival"].isel(time=-1).mean() >= 0.97
    kpis = pd.read_csv(folder / "policy_kpis.csv").set_index("measure")
    assert kpis.loc["objective", "best"] >= kpis.loc["objective", "current"]
    assert kpis.loc["net_value", "unit"] == "k$" and kpis.loc["survival", "unit"] == "Dmnl"
    assert {"comparison_kpis.csv", "comparison.png", "convergence.png", "pareto.png"} <= {p.name for p in folder.iterdir()}


@pytest.mark.parametrize("options, message", [
    (["--window", "24,48"], "pmo-sim: --window 24,48: [24, 48] lies outside the horizon 0 to 36 months (or is empty)"),
    (["--budget-cap", "50"], "pmo-sim: --budget-cap 50.0: infeasible: the scenario's PMO Budget (100) is above the cap 50; "
                             "lower it or give budget = [low, high]"),
    (["--min-share", "0.3"], "pmo-sim: --min-share 0.3: infeasible: 5 shares x 0.3 is more than the 1 of the budget they split"),
    (["--shares", "share_governance,share_valu"], "pmo-sim: --shares share_governance,share_valu: 'share_valu' is not a "
                                                  "budget share; did you mean 'share_value_management'?"),
    (["--min-survival", "1", "--maxiter", "2", "--samples", "4", "--popsize", "4"],
     "infeasible: no policy found keeps PMO Survival at 1 or more"),
])
def test_bad_input_exits_2_and_leaves_nothing(capsys, options, message):
    """Bad options and infeasible constraints: the message, exit code 2, no output folder."""
    path = short("s.toml")
    assert main(["optimize", str(path), "--out", "out", *options]) == 2
    assert message in capsys.readouterr().err
    assert not Path("out").exists()
