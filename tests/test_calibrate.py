"""Calibration to a PMO's history: recovery of known parameters, identifiability, the calibrated scenario, bad input."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.analysis import calibrate
from sim.analysis.calibrate import HistoryError, calibrate_each, read_history
from sim.analysis.calibration.lockstep import run_lockstep
from sim.cli import main
from sim.scenario import scenario_from_dict

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples" / "histories"
SHORT = scenario_from_dict({"run": {"final_time": 24}}, name="short")
RECOVERED = ("initial_delivery_support", "execution_building_time")


def _csv(months: np.ndarray, columns: dict[str, np.ndarray]) -> bytes:
    frame = pd.DataFrame({"month": months, **columns})
    return frame.to_csv(index=False, float_format="%.6f").encode()


def _synthetic(count: int, *, seed: int, noise: float = 0.02, months: np.ndarray = np.arange(0, 25)) -> tuple[list, np.ndarray]:
    """``count`` histories made by the model (one batch call) at true values drawn inside the ranges, with noise."""
    rng = np.random.default_rng(seed)
    truth = np.column_stack([rng.uniform(0.3, 0.6, count), rng.uniform(3.0, 10.0, count)])
    runs = sim.simulate_batch(pd.DataFrame(truth, columns=list(RECOVERED)), final_time=24,
                              outputs=["delivery_performance", "executive_support"])
    histories = []
    for i in range(count):
        columns = {name: runs[name].values[i, months] + rng.normal(0, noise, len(months))
                   for name in ("delivery_performance", "executive_support")}
        histories.append(read_history(_csv(months, columns), name=f"synthetic_{i}.csv"))
    return histories, truth


def test_ninety_percent_intervals_cover_the_true_values_of_thirty_synthetic_histories():
    """Profile intervals at 90% cover the values that made the histories in 80-98% of cases (noise estimated)."""
    histories, truth = _synthetic(30, seed=2026)
    results = calibrate_each(histories, SHORT, params=list(RECOVERED), starts=2, band_runs=20)
    low = np.array([c.bounds()[0] for c in results])
    high = np.array([c.bounds()[1] for c in results])
    covered = (low <= truth) & (truth <= high)
    share = covered.mean()
    per_parameter = ", ".join(f"{n} {c:.0%}" for n, c in zip(RECOVERED, covered.mean(axis=0)))
    assert 0.80 <= share <= 0.98, f"90% intervals cover the truth in {share:.1%} of {covered.size} cases ({per_parameter})"
    print(f"coverage of the 90% intervals: {share:.1%} of {covered.size} ({per_parameter})")
    assert all(c.identified() == dict.fromkeys(RECOVERED, "identified") for c in results)


def test_a_parameter_the_history_carries_no_information_about_is_not_identified(model):
    """Strategic Benefit Fraction only values benefits in money: a history of delivery says nothing about it."""
    import networkx as nx

    assert not nx.has_path(model.dynamic_graph(), "strategic_benefit_fraction", "delivery_performance")
    histories, _ = _synthetic(1, seed=5)
    result = calibrate(histories[0], SHORT, params=["initial_delivery_support", "strategic_benefit_fraction"], starts=2,
                       band_runs=20)
    status = result.identified()
    assert status == {"initial_delivery_support": "identified", "strategic_benefit_fraction": "not identified"}
    low, high = result.bounds()
    variable = model.variables["strategic_benefit_fraction"]
    assert (low[1], high[1]) == (variable.minimum, variable.maximum)  # the interval is the whole documented range


def test_the_calibrated_scenario_runs_and_reproduces_the_fitted_trajectory(in_tmp, capsys):
    """`pmo-sim run` of calibrated.toml gives the fitted run month by month; the uncertain one validates."""
    history = EXAMPLES / "synthetic_monthly.csv"
    code = main(["calibrate", str(history), "--scenario", str(ROOT / "scenarios" / "baseline.toml"), "--out", "out",
                 "--params", "initial_delivery_support,execution_building_time", "--starts", "2"])
    assert code == 0, capsys.readouterr().err
    folder = Path("out/synthetic_monthly_calibration")
    assert {"summary.txt", "estimates.csv", "fit.csv", "correlation.csv", "starts.csv", "fitted.csv", "calibration.png",
            "calibrated.toml", "calibrated_uncertain.toml", "manifest.json"} == {p.name for p in folder.iterdir()}
    fit = pd.read_csv(folder / "fit.csv").set_index("series")
    assert (fit[["theil_um", "theil_us", "theil_uc"]].sum(axis=1) - 1).abs().max() < 1e-8
    assert main(["run", str(folder / "calibrated.toml"), "--out", "runs"]) == 0
    fitted = pd.read_csv(folder / "fitted.csv").set_index("month")
    run = pd.read_csv("runs/synthetic_monthly_calibrated/timeseries.csv").set_index("time")
    for name in ("delivery_performance", "executive_support", "strategic_value_realization"):
        np.testing.assert_allclose(run[name].to_numpy(), fitted[name].reindex(run.index).to_numpy(), rtol=1e-8, atol=1e-10)
    assert main(["validate", str(folder / "calibrated_uncertain.toml")]) == 0
    assert not list(Path("out").glob(".*"))  # no temporary folder left behind


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


MONTHLY = "month,delivery_performance\n0,0.6\n1,0.61\n2,0.62\n3,0.6\n4,0.63\n"


@pytest.mark.parametrize("text,params,expected", [
    ("month,pmo_budget\n0,100\n1,100\n", None,
     "history.csv:1: file: no usable column: a history needs at least one of the model's outputs"),
    ("month,Delivery Perfomance\n0,0.6\n", None,
     "history.csv:1: Delivery Perfomance: unknown column 'Delivery Perfomance'; did you mean 'delivery_performance'?"),
    ("month,delivery_performance\n0,0.6\n1,high\n", None,
     "history.csv:3: delivery_performance: 'high' is not a number (leave the cell empty for a gap)"),
    ("month,delivery_performance\n0,0.6\n2,0.6\n1,0.6\n", None,
     "history.csv:4: month: 1 comes after a later one (line 3); rows must be in time order"),
    ("month,delivery_performance\n0,0.6\n1,0.6\n1,0.6\n", None, "history.csv:4: month: 1 is repeated (line 3)"),
    ("month,delivery_performance\n0,0.6\n1,72\n", None,
     "history.csv:3: delivery_performance: 72 is outside 0 to 1: Delivery Performance is a fraction (write 72% as 0.72)"),
    ("# a comment\nmonth,delivery_performance\n0,0.6\n1,0.61\n", "initial_governance,initial_delivery_support",
     "history.csv:2: file: 2 observations for 2 parameters to fit"),
    (MONTHLY, "initial_governance,initial_delivery_suport",
     "pmo-sim calibrate: --params initial_delivery_suport: unknown parameter 'initial_delivery_suport'; did you mean "
     "'initial_delivery_support'?"),
])
def test_bad_histories_and_parameters_are_reported_with_file_line_and_column(in_tmp, capsys, text, params, expected):
    """Exit code 2, ``file:line: column: message`` on stderr, and nothing written; the API raises the same."""
    Path("history.csv").write_text(text)
    argv = ["calibrate", "history.csv", "--scenario", str(ROOT / "scenarios" / "baseline.toml"), "--out", "out"]
    assert main(argv + (["--params", params] if params else [])) == 2
    assert expected in capsys.readouterr().err
    assert not Path("out").exists()
    with pytest.raises(HistoryError) as error:
        calibrate("history.csv", SHORT, params=params.split(",") if params else None)
    assert expected.removeprefix("pmo-sim calibrate: ") in str(error.value)


@pytest.mark.parametrize("raw, message", [
    (b"", "h.csv:1: file: the file is empty; a history needs a header and at least one row"),
    (b"month\x00,x\n", "h.csv:1: file: is a binary file, not a CSV text"),
    (b"month,delivery_performance\n0,\xff\n", "h.csv:1: file: is not UTF-8 text"),
    (b"#" * 5_000_001, "h.csv:1: file: is larger than 5,000,000 bytes; a history is a short table"),
])
def test_a_file_that_is_not_a_short_text_is_refused_before_it_is_parsed(raw, message):
    with pytest.raises(HistoryError) as error:
        read_history(raw, name="h.csv")
    assert str(error.value) == message


def test_a_byte_order_mark_is_read_as_nothing():
    history = read_history("\ufeffmonth,delivery_performance\n0,0.7\n12,0.75\n".encode(), name="bom.csv")
    np.testing.assert_allclose(history.observed["delivery_performance"].values, [0.7, 0.75])


def test_dates_quarter_ends_percentages_gaps_and_decisions_are_read():
    """Quarter-end dates are whole quarters from --start; 72% is 0.72; empty cells are gaps; inputs are decisions."""
    text = ("date,delivery_performance,maturity_level,pmo_budget\n2021-03-31,61%,,95\n2021-06-30,0.63,2.1,95\n"
            "2021-09-30,,2.2,110\n")
    history = read_history(text.encode(), name="q.csv", start="2021-01-01")
    np.testing.assert_allclose(history.months, [3, 6, 9])
    np.testing.assert_allclose(history.observed["delivery_performance"].values, [0.61, 0.63])
    np.testing.assert_allclose(history.observed["maturity_level"].months, [6, 9])
    assert list(history.decisions["pmo_budget"].items()) == [(3.0, 95.0), (6.0, 95.0), (9.0, 110.0)]
    assert read_history(text.encode(), name="q.csv").months[0] == 0  # month 0 is the first date by default


def test_an_emcee_posterior_agrees_with_the_profile_intervals():
    """The posterior's median lies inside the profile interval of each parameter (vectorised: walkers as runs)."""
    histories, _ = _synthetic(1, seed=9)
    result = calibrate(histories[0], SHORT, params=list(RECOVERED), starts=2, band_runs=20, posterior=True, walkers=8,
                       steps=150)
    low, high = result.bounds()
    median = np.median(result.problem.theta(result.posterior.u), axis=0)
    assert ((low <= median) & (median <= high)).all(), (low, median, high)
    assert 0.1 < result.posterior.acceptance < 0.9


def test_lockstep_answers_every_waiting_job_in_one_call_per_round():
    """Five jobs asking three times each: three evaluations of five requests, each job getting its own answers."""
    calls = []

    def evaluate(requests):
        calls.append(len(requests))
        assert threading.current_thread() is threading.main_thread()
        return [r * 10 for r in requests]

    def job(number):
        return lambda ask: [ask(number + k) for k in range(3)]

    assert run_lockstep([job(n * 100) for n in range(5)], evaluate) == [[n * 1000 + k * 10 for k in range(3)] for n in range(5)]
    assert calls == [5, 5, 5]


def test_a_failing_job_is_raised_after_the_others_finish():
    """An exception of one job reaches the caller; the other jobs still get their answers."""
    finished = []

    def good(ask):
        finished.append(ask(1))

    def bad(ask):
        ask(2)
        raise ValueError("bad job")

    with pytest.raises(ValueError, match="bad job"):
        run_lockstep([good, bad], lambda requests: list(requests))
    assert finished == [1]


def test_the_shipped_example_histories_read_and_the_truth_files_name_model_inputs():
    """Every example history reads without a problem; the synthetic ones carry their true values beside them."""
    import tomllib

    inputs = {v.py_name for v in sim.get_model().inputs}
    examples = sorted(EXAMPLES.glob("*.csv"))
    assert {p.stem for p in examples} == {"quarterly_pmo", "synthetic_monthly", "synthetic_quarterly"}
    for path in examples:
        assert read_history(path).n_observations > 20
        truth = path.with_suffix(".truth.toml")
        if path.stem.startswith("synthetic"):
            assert set(tomllib.loads(truth.read_text())["params"]) <= inputs


def test_a_series_with_too_few_observations_gets_an_assumed_noise_unless_given():
    """Yearly surveys (three points) cannot estimate their own noise: 5% of the range, marked assumed; --noise wins."""
    from sim.analysis.calibration.fitting import initial_noise
    from sim.analysis.calibration.setup import build_problem

    history = read_history(EXAMPLES / "quarterly_pmo.csv", start="2021-01-01")
    params = ["initial_delivery_support", "initial_value_management", "executive_value_expectation"]
    problem, _ = build_problem(history, sim.load_scenario(ROOT / "scenarios" / "baseline.toml"), params)
    noise, kind = initial_noise(problem, {"executive_support": 0.03})
    kinds = dict(zip(problem.series, kind))
    assert kinds == {"delivery_performance": "estimated", "strategic_value_realization": "estimated",
                     "executive_support": "given", "maturity_level": "assumed"}
    assert noise[problem.series.index("maturity_level")] == pytest.approx(0.05 * (4 - 1))


def test_calibration_never_imports_streamlit():
    """The calibration core and its command are below the app: importing them leaves streamlit out."""
    import subprocess
    import sys

    code = ("import sys, sim.analysis, sim.analysis.calibration.report, sim.analysis.calibration.chart, "
            "sim.commands.calibrate; print('streamlit' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "False"
