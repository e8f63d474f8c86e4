"""History files as users write them: dates, encodings, gaps, horizons, --start and column names. Every bad file
is refused with ``file:line: column: message`` and exit code 2 (nothing written), and the API refuses it too."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.analysis.calibrate import HistoryError, calibrate, read_history
from sim.analysis.calibration.report import summary
from sim.cli import main
from sim.model import MAX_FINAL_TIME
from sim.scenario import scenario_from_dict

ROOT = Path(__file__).parent.parent
BASELINE = str(ROOT / "scenarios" / "baseline.toml")
SHORT = scenario_from_dict({"run": {"final_time": 24}}, name="short")


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _refused(capsys, name: str, expected: list[str], *options: str) -> None:
    """The CLI exits 2 printing exactly ``expected`` and writes nothing; the API raises the same problems."""
    assert main(["calibrate", name, "--scenario", BASELINE, "--out", "out", *options]) == 2
    assert capsys.readouterr().err.splitlines() == expected
    assert not Path("out").exists()
    start = options[options.index("--start") + 1] if "--start" in options else None
    with pytest.raises(HistoryError) as error:
        calibrate(name, SHORT, start=start)
    assert [str(p) for p in error.value.problems] == [e.removeprefix("pmo-sim calibrate: ") for e in expected]


def test_slash_dates_are_refused_as_ambiguous_whichever_way_they_would_read(in_tmp, capsys):
    """01/02/2021 is 2 January month-first and 1 February day-first; 31/01/2021 only day-first: both are refused,
    every line of them, with nothing else said about the file."""
    rows = "".join(f"01/{m:02d}/2021,0.6{m}\n" for m in range(2, 8))
    Path("monthly.csv").write_text("date,delivery_performance\n" + rows)
    ambiguous = "is not an ISO date (YYYY-MM-DD or YYYY-MM); day-first and month-first dates are ambiguous"
    _refused(capsys, "monthly.csv", [f"monthly.csv:{m}: date: '01/{m:02d}/2021' {ambiguous}" for m in range(2, 8)])
    Path("dayfirst.csv").write_text("date,delivery_performance\n31/01/2021,0.6\n28.02.2021,0.61\nMarch 2021,0.62\n")
    _refused(capsys, "dayfirst.csv", [f"dayfirst.csv:2: date: '31/01/2021' {ambiguous}",
                                      f"dayfirst.csv:3: date: '28.02.2021' {ambiguous}",
                                      "dayfirst.csv:4: date: 'March 2021' is not an ISO date (YYYY-MM-DD or YYYY-MM)"])


def test_iso_dates_and_months_read_the_same_and_one_file_keeps_one_form(in_tmp, capsys):
    """2021-02 is 1 February: a monthly file of months and one of first days are months 0 to 5; mixing the two
    forms (where 2021-01-31 and 2021-02 would be the same month) and impossible days are refused."""
    months = [f"2021-{m:02d}" for m in range(2, 8)]
    Path("months.csv").write_text("date,delivery_performance\n" + "".join(f"{d},0.6\n" for d in months))
    Path("days.csv").write_text("date,delivery_performance\n" + "".join(f"{d}-01,0.6\n" for d in months))
    for name in ("months.csv", "days.csv"):
        np.testing.assert_array_equal(read_history(name).months, np.arange(6))
    np.testing.assert_array_equal(read_history("months.csv", start="2021-01").months, np.arange(1, 7))
    Path("mixed.csv").write_text("date,delivery_performance\n2021-01-31,0.6\n2021-02,0.61\n2021-02-30,0.62\n"
                                 "2021-04-30,0.6\n")
    _refused(capsys, "mixed.csv", [
        "mixed.csv:3: date: '2021-02' is YYYY-MM but line 2 is YYYY-MM-DD; write every date the same way",
        "mixed.csv:4: date: '2021-02-30' is not a calendar date"])


def test_a_utf16_export_with_a_byte_order_mark_reads_like_its_utf8_csv(tmp_path):
    """A spreadsheet's "Unicode text" (UTF-16 with a byte-order mark, tab-separated) gives the same history as the
    UTF-8 CSV; UTF-16 without the mark is named, not called binary."""
    text = "date\tdelivery_performance\tpmo_budget\n2021-03-31\t61%\t95\n2021-06-30\t0.63\t95\n2021-09-30\t0.64\t110\n"
    (tmp_path / "utf8.csv").write_text(text, encoding="utf-8")
    for encoding in ("utf-16", "utf-16-be"):  # Python's utf-16 writes the mark (little-endian here)
        raw = text.encode(encoding)
        if encoding == "utf-16-be":
            raw = b"\xfe\xff" + raw
        (tmp_path / f"{encoding}.csv").write_bytes(raw)
        read, expected = read_history(tmp_path / f"{encoding}.csv"), read_history(tmp_path / "utf8.csv")
        np.testing.assert_array_equal(read.months, expected.months)
        np.testing.assert_array_equal(read.observed["delivery_performance"].values, [0.61, 0.63, 0.64])
        assert list(read.decisions["pmo_budget"]) == [95, 95, 110]
    (tmp_path / "bare.csv").write_bytes(text.encode("utf-16-le"))
    with pytest.raises(HistoryError) as error:
        read_history(tmp_path / "bare.csv", name="bare.csv")
    assert str(error.value) == "bare.csv:1: file: is UTF-16; save it as UTF-8 CSV"


def test_missing_value_marks_are_gaps_and_infinite_values_are_refused(in_tmp, capsys):
    """An empty cell, NA, N/A, #N/A, NaN and - are gaps alike; inf, -Infinity and 1e999 are refused at their line
    and column, in a value column and in the month column."""
    marks = ["", "NA", "n/a", "#N/A", "NaN", "nan", "-"]
    rows = "".join(f"{m},{mark},0.5\n" for m, mark in enumerate(marks)) + f"{len(marks)},0.7,0.5\n"
    Path("gaps.csv").write_text("month,delivery_performance,executive_support\n" + rows)
    history = read_history("gaps.csv")
    np.testing.assert_array_equal(history.observed["delivery_performance"].months, [len(marks)])
    assert len(history.observed["executive_support"].values) == len(marks) + 1
    Path("inf.csv").write_text("month,delivery_performance,executive_support\n0,0.6,inf\n1,-Infinity,0.5\n"
                               "2,1e999,0.5\ninf,0.6,0.5\n")
    gap = "(leave the cell empty for a gap)"
    _refused(capsys, "inf.csv", [f"inf.csv:2: executive_support: 'inf' is not a finite number {gap}",
                                 f"inf.csv:3: delivery_performance: '-Infinity' is not a finite number {gap}",
                                 f"inf.csv:4: delivery_performance: '1e999' is not a finite number {gap}",
                                 "inf.csv:5: month: 'inf' is not a finite number of months"])


def test_months_beyond_the_longest_run_are_refused_with_their_line(in_tmp, capsys):
    Path("far.csv").write_text(f"month,delivery_performance\n0,0.6\n120,0.6\n{MAX_FINAL_TIME + 1:g},0.6\n")
    _refused(capsys, "far.csv", [f"far.csv:4: month: {MAX_FINAL_TIME + 1:g} is beyond the longest run the model allows "
                                 f"({MAX_FINAL_TIME:g} months)"])
    Path("far_dates.csv").write_text("date,delivery_performance\n2021-01-01,0.6\n2131-01-01,0.6\n")
    _refused(capsys, "far_dates.csv", ["far_dates.csv:3: date: 2131-01-01 (month 1320) is beyond the longest run the "
                                       f"model allows ({MAX_FINAL_TIME:g} months)"])


def test_a_history_beyond_the_scenario_horizon_extends_it_and_an_exact_fit_keeps_a_width():
    """Three observations made by the model to month 36 against a 24-month scenario: the runs and the calibrated
    scenario go to month 36 and the summary says so. Too few observations to estimate the noise: it is assumed,
    the intervals rest on it (not on the residuals of an exact fit, which would give them zero width)."""
    names = ["investment_for_half_capability", "initial_delivery_support"]
    truth = np.array([17.22, 0.4])
    months = np.array([0, 18, 36])
    run = sim.simulate_batch(pd.DataFrame([truth], columns=names), final_time=36, outputs=["delivery_performance"])
    values = run["delivery_performance"].values[0, months]
    text = "month,delivery_performance\n" + "".join(f"{m},{v:.12f}\n" for m, v in zip(months, values))
    result = calibrate(text.encode(), SHORT, params=names, starts=2, band_runs=10)
    assert result.horizon == 36 and result.band["time"][-1] == 36
    from sim.analysis.calibration.report import calibrated_scenarios

    assert all(s.spec.run.final_time == 36 for s in calibrated_scenarios(result, runs=10))
    assert list(result.fit.noise_kind) == ["assumed"]
    low, high = result.bounds()
    width = (high - low) / (result.problem.upper - result.problem.lower)
    assert (low <= truth).all() and (truth <= high).all() and (width > 0.01).all(), (low, high)
    text = summary(result)
    assert "beyond the scenario's horizon (24 months): the fitted runs and the calibrated scenarios run to month 36" in text
    assert "the intervals rest on it" in text


def test_a_bad_start_is_an_error_of_the_option_not_of_the_file(in_tmp, capsys):
    Path("dated.csv").write_text("date,delivery_performance\n2021-01-31,0.6\n2021-02-28,0.61\n2021-03-31,0.62\n")
    _refused(capsys, "dated.csv", ["pmo-sim calibrate: --start: 'notadate' is not an ISO date (YYYY-MM-DD or YYYY-MM)"],
             "--start", "notadate")
    _refused(capsys, "dated.csv", ["pmo-sim calibrate: --start: '01/01/2021' is not an ISO date (YYYY-MM-DD or YYYY-MM); "
                                   "day-first and month-first dates are ambiguous"], "--start", "01/01/2021")
    Path("monthly.csv").write_text("month,delivery_performance\n0,0.6\n1,0.61\n2,0.62\n")
    _refused(capsys, "monthly.csv", ["pmo-sim calibrate: --start: monthly.csv counts time in months (its 'month' column), "
                                     "not dates; --start applies only to a 'date' column"], "--start", "2021-01-01")


def test_columns_are_named_as_sim_simulate_names_parameters(model, tmp_path):
    """A column may be snake_case or written as in the model file (any case, spaces or punctuation), as
    ``sim.simulate`` takes parameters; every output and input of the model reads under both names."""
    outputs = ["delivery_performance", "executive_support"]
    inputs = ["pmo_budget", "share_value_management"]
    snake = "month," + ",".join(outputs + inputs) + "\n0,0.6,0.5,100,0.1\n3,0.62,0.55,110,0.2\n"
    written = ",".join(["Month"] + [model.variables[n].name for n in outputs + inputs])
    assert written == "Month,Delivery Performance,Executive Support,PMO Budget,Share Value Management"
    (tmp_path / "snake.csv").write_text(snake)
    (tmp_path / "model.csv").write_text(written + snake[snake.index("\n"):])
    (tmp_path / "loose.csv").write_text("MONTH;delivery-performance;Executive  support;pmo budget;SHARE_VALUE_MANAGEMENT"
                                        + snake[snake.index("\n"):].replace(",", ";"))
    read = [read_history(tmp_path / f"{name}.csv") for name in ("snake", "model", "loose")]
    for history in read:
        assert set(history.observed) == set(outputs) and set(history.decisions) == set(inputs)
        for name in outputs:
            np.testing.assert_array_equal(history.observed[name].values, read[0].observed[name].values)
    frame = sim.simulate({"PMO Budget": 110, "share_value_management": 0.2}, final_time=1)
    assert frame["pmo_budget"].iloc[0] == 110  # the same rule as the Python API's parameters
