"""Loops that Matter: link, loop and relative loop scores on textbook models with known dominance, on
the PMO model against Simlin's implementation (pysimlin), through schedules and shocks, and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis.loop_catalogue import FAMILIES, feedback_loops
from sim.analysis.loops import DETAIL_RUNS, loop_dominance, run_loop_dominance
from sim.analysis import loop_scores
from sim.cli import main
from sim.diagram import NAMED_LOOPS
from sim.experiments import pulse_schedule
from sim.model import get_model

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str):
    return get_model(FIXTURES / f"{name}.mdl")


def test_goal_seeking_has_one_balancing_loop_explaining_everything():
    """A first-order goal-seeking stock: one balancing loop, relative score -1 at every month after the start."""
    study = run_loop_dominance(model=fixture("goal_seeking"))
    assert [loop.variables for loop in study.loops] == [("adjustment", "level")]
    assert study.polarity(study.loops[0]) == ("B", 1.0)
    relative = study.relative[0, 1:, 0]
    assert np.allclose(relative, -1.0)
    assert [(p.start, p.end) for p in study.dominant_periods(level="loop")] == [(1.0, study.times[-1])]


def test_logistic_growth_switches_from_reinforcing_to_balancing_at_the_inflection():
    """Logistic growth: the reinforcing loop dominates until the population passes half its capacity, the balancing one after."""
    model = fixture("logistic_growth")
    study = run_loop_dominance(model=model)
    growth = next(loop for loop in study.loops if loop.variables == ("growth", "population"))
    crowding = next(loop for loop in study.loops if "fractional_growth_rate" in loop.variables)
    assert study.polarity(growth)[0] == "R" and study.polarity(crowding)[0] == "B"
    population = study.links.values["population"][:, 0]
    half = model.variables["carrying_capacity"].default / 2
    inflection = study.times[np.argmax(population >= half)]  # the first month past the inflection
    periods = study.dominant_periods(level="loop")
    assert [p.loops for p in periods] == [(growth.id,), (crowding.id,)]
    assert periods[0].end < inflection + 1 and periods[1].start >= inflection - 1
    # The relative scores pass through one half together.
    relative = study.relative[:, :, 0]
    switch = 1 + int(np.argmax(relative[study.loops.index(growth), 1:] < 0.5))
    assert abs(study.times[switch] - inflection) <= 1


def test_oscillator_is_driven_by_the_loop_through_both_stocks():
    """A damped second-order oscillator: two balancing loops whose shares add up to one; the spring loop
    (through both stocks) dominates most months, the friction loop only briefly when the velocity peaks."""
    study = run_loop_dominance(model=fixture("oscillator"))
    spring = next(loop for loop in study.loops if len(loop.variables) == 3)
    assert len(study.loops) == 2 and all(study.polarity(loop)[0] == "B" for loop in study.loops)
    assert np.allclose(np.abs(study.relative[:, 1:, 0]).sum(axis=0), 1.0)
    months = sum(p.end - p.start + 1 for p in study.dominant_periods(level="loop") if p.loops == (spring.id,))
    assert months >= 0.8 * (len(study.times) - 1)


def test_link_score_is_the_ceteris_paribus_share_of_the_change():
    """LS(population -> growth) equals |Δ_P(growth) / Δ(growth)| * sign, recomputed by hand from the run's values."""
    study = run_loop_dominance(model=fixture("logistic_growth"))
    values = study.links.values
    p, fgr, g = values["population"][:, 0], values["fractional_growth_rate"][:, 0], values["growth"][:, 0]
    dt = 0.0625
    # The values one time step before each saved month, from the same equations.
    previous = run_loop_dominance(model=fixture("logistic_growth"), saveper=dt).links.values
    step = np.rint(study.times / dt).astype(int)
    p0, fgr0, g0 = (previous[n][step[1:] - 1, 0] for n in ("population", "fractional_growth_rate", "growth"))
    partial = p[1:] * fgr0 - g0
    expected = np.abs(partial / (g[1:] - g0)) * np.sign(partial / (p[1:] - p0))
    assert np.allclose(study.links.score("population", "growth")[1:, 0], expected, rtol=1e-9)
    assert np.allclose(study.links.score("growth", "population")[1:, 0], 1.0)  # the only flow of its stock


@pytest.mark.parametrize("name", ["goal_seeking", "logistic_growth", "oscillator", "supply_line"])
def test_textbook_models_agree_with_pysimlin(name):
    """pysimlin finds the same loops, the same relative scores (one time step apart, Simlin's documented shift) and
    dominance; the supply line's DELAY3 has a variable delay time in a loop, so its composite link is checked too."""
    pytest.importorskip("simlin")
    from sim.analysis.loop_check import compare_with_simlin

    comparison = compare_with_simlin(fixture(name))
    assert comparison.matched and not comparison.unmatched and not comparison.missed
    assert comparison.largest_difference < 1e-8
    assert comparison.dominance_agreement == 1.0


def test_composite_link_through_a_delay_time_follows_the_macro_pathways():
    """A DELAY3's delay time reaches its output by the three pathways of the macro's stocks and flows (Schoenberg and
    Eberlein 2020): directly, through the second outflow and third stock, and through the first outflow and the
    second and third stocks; never through a stage's own drain (delay time -> outflow -> the stage it drains)."""
    from sim.engine.scoring_graph import scoring_graph
    from sim.engine.plan import compiled, plan_for

    compiled_model = compiled(fixture("supply_line"))
    graph = scoring_graph(compiled_model, plan_for(compiled_model, frozenset(), ()))
    paths = {tuple(name.replace("arrivals__", "") for name in path[1:-1]) for path in graph.paths[("lead_time", "arrivals")]}
    assert paths == {(), ("out1", "flow2", "stage2"), ("out0", "flow1", "stage1", "out1", "flow2", "stage2")}
    assert len(graph.paths[("orders", "arrivals")]) == 1  # the input's one pathway through the three stages


def test_pmo_loops_agree_with_pysimlin():
    """The PMO model: every loop Simlin reports is one of ours; relative scores agree within 1e-8 on every loop,
    those through the transformation's DELAY3 with its variable delay time included (the two differ by rounding
    only: about 5e-10, from link scores that divide by changes as small as 1e-10); the largest dominant loop
    agrees at every month."""
    pytest.importorskip("simlin")
    from sim.analysis.loop_check import compare_with_simlin, simlin_analysis

    theirs = simlin_analysis()
    comparison = compare_with_simlin()
    assert comparison.complete and len(comparison.matched) == len(theirs.loops) >= 20 and not comparison.unmatched
    assert any("transformation_delay" in s.variables for s in theirs.loops)  # the composite through the delay time is compared
    assert comparison.largest_difference < 1e-8
    assert comparison.dominance_agreement == 1.0


def test_pmo_catalogue_names_every_loop_and_the_documented_loops_have_their_polarity():
    """Every loop of the PMO model belongs to a family; the loops the model file documents exist and act with
    the polarity their names give (measured over the baseline)."""
    loops = feedback_loops()
    assert len(loops) == len(get_model().feedback_loops(max_length=60))
    assert {loop.family for loop in loops} <= {f.name for f in FAMILIES}
    study = run_loop_dominance()
    strength = np.abs(study.mean_relative).mean(axis=1)
    for name, members in NAMED_LOOPS.items():  # the diagram's loops, through the variables it shows
        candidates = [i for i, loop in enumerate(loops) if set(members) <= set(loop.variables)]
        loop = loops[min(candidates, key=lambda i: (len(loops[i].variables), -strength[i]))]
        assert loop.family == name
        assert study.polarity(loop)[0] == name[0], name


def shock_and_schedule() -> pd.DataFrame:
    """Three runs: the defaults, a risk shock at month 24, a budget step at month 24."""
    return pd.DataFrame({"risk_shock": [0.0, pulse_schedule(0.5, start=24, duration=3), 0.0],
                         "pmo_budget": [100.0, 100.0, pd.Series([100.0, 100.0, 150.0], index=[0.0, 24.0, 25.0])]})


def test_scores_follow_a_shock_and_a_schedule():
    """Runs of one call that differ only from month 24 (a risk shock; a budget schedule) score the same loops
    the same way before it, and differently after."""
    study = loop_dominance(shock_and_schedule(), final_time=48)
    for run in (1, 2):
        assert np.allclose(study.relative[:, :24, 0], study.relative[:, :24, run])
        assert np.abs(study.relative[:, 25:, 0] - study.relative[:, 25:, run]).max() > 0.05


def test_many_runs_match_single_runs_and_the_numpy_path_matches_the_kernel():
    """Beyond the detailed run count, each run's family scores are those of the run alone; the compiled kernel and
    the numpy products give the same relative scores."""
    budgets = np.linspace(60, 160, DETAIL_RUNS + 5)
    many = loop_dominance(pd.DataFrame({"pmo_budget": budgets}), final_time=36)
    assert many.relative is None and many.family_relative.shape[2] == len(budgets)
    one = loop_dominance(pd.DataFrame({"pmo_budget": budgets[-2:]}), final_time=36)
    assert np.allclose(many.family_relative[:, :, -2:], one.family_relative, atol=1e-12)
    links = one.links
    index = {link: i for i, link in enumerate(links.links)}
    order = loop_scores.LoopOrder.of([[index[link] for link in loop.links] for loop in one.loops])
    partitions = [loop.partition for loop in one.loops]
    members = [one.families.index(loop.family) if loop.partition == 0 else -1 for loop in one.loops]
    kernel = loop_scores.score_block(links.scores, order, partitions, members, len(one.families), compiled=True)
    plain = loop_scores.score_block(links.scores, order, partitions, members, len(one.families), compiled=False)
    assert np.allclose(kernel.relative, plain.relative, atol=1e-12) and np.allclose(kernel.family, plain.family, atol=1e-12)


@pytest.mark.parametrize("name", ["supply_line", None])
def test_both_backends_give_the_same_link_scores(name):
    """The link scores from the numba kernel's run and from the numpy backend's (the fallback without numba) agree,
    through a shock and a schedule too: the two runs differ only in the last bits of a few values."""
    pytest.importorskip("numba")
    from sim.engine.link_scores import link_scores

    model = fixture(name) if name else None
    table = pd.DataFrame({"base_lead_time": [3.0, 4.0]}) if name else shock_and_schedule()
    numba_scores = link_scores(table, model=model, final_time=None if name else 36, engine="numba")
    numpy_scores = link_scores(table, model=model, final_time=None if name else 36, engine="numpy")
    assert numba_scores.links == numpy_scores.links and np.count_nonzero(numba_scores.scores) > numba_scores.scores.size / 4
    assert np.allclose(numba_scores.scores, numpy_scores.scores, rtol=1e-8, atol=1e-12)


def write_scenario(folder: Path, text: str, name: str = "study.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_cli_writes_the_study_atomically_with_a_manifest(tmp_path, capsys):
    """`pmo-sim loops` writes the scores, catalogue, periods, chart and manifest into OUT/<name>/ and nothing else."""
    path = write_scenario(tmp_path, 'name = "short"\n[run]\nfinal_time = 36\n[[shocks]]\ninput = "risk_shock"\nat = 12\nsize = 0.5\nduration = 3\n')
    out = tmp_path / "out"
    assert main(["loops", str(path), "--out", str(out), "--variable", "Delivery Performance"]) == 0
    folder = out / "short"
    assert sorted(p.name for p in out.iterdir()) == ["short"]
    assert {p.name for p in folder.iterdir()} == {"family_scores.csv", "loop_scores.csv", "loops.csv", "dominant_periods.csv",
                                                  "loop_dominance.png", "manifest.json"}
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["variable"] == "delivery_performance" and set(manifest["files"]) >= {"loops.csv", "loop_dominance.png"}
    families = pd.read_csv(folder / "family_scores.csv")
    assert list(families["time"]) == list(range(37)) and "R credibility" in families
    periods = pd.read_csv(folder / "dominant_periods.csv")
    assert set(periods["level"]) == {"family", "loop"} and (periods["share"] >= 0.5).all()


def test_cli_bad_input_exits_2_and_writes_nothing(tmp_path, capsys):
    """A bad --variable or a bad scenario file: exit code 2, a message naming the problem, nothing in --out."""
    good = write_scenario(tmp_path, 'name = "short"\n[run]\nfinal_time = 24\n')
    out = tmp_path / "out"
    assert main(["loops", str(good), "--out", str(out), "--variable", "delivery_performence"]) == 2
    assert "did you mean 'delivery_performance'" in capsys.readouterr().err
    bad = write_scenario(tmp_path, 'name = "bad"\n[params]\npmo_budgett = 3\n', "bad.toml")
    assert main(["loops", str(bad), "--out", str(out)]) == 2
    assert "bad.toml:3: params.pmo_budgett" in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())
