"""Every kind of bad scenario input gets its exact message (path:line: field: message) and exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_files import in_tmp, validate, write  # noqa: F401 - in_tmp: autouse fixture
from sim.cli import main


def test_toml_syntax_error_gives_its_line(capsys):
    write("bad.toml", """
        description = "x"
        [params]
        pmo_budget = = 3
    """)
    assert validate(capsys, "bad.toml") == (2, ["bad.toml:3: syntax: TOML syntax error: invalid value"])


def test_unknown_field_suggests_the_closest(capsys):
    write("bad.toml", """
        descripton = "x"
    """)
    assert validate(capsys, "bad.toml") == (2, ["bad.toml:1: descripton: unknown field; did you mean 'description'?"])


def test_unknown_field_in_a_table(capsys):
    write("bad.toml", """
        [run]
        final_tme = 60
    """)
    assert validate(capsys, "bad.toml") == (2, ["bad.toml:2: run.final_tme: unknown field; did you mean 'final_time'?"])


def test_unknown_parameter_suggests_the_closest(capsys):
    write("bad.toml", """
        [params]
        pmo_budgte = 100
    """)
    assert validate(capsys, "bad.toml") == (2, ["bad.toml:2: params.pmo_budgte: unknown parameter 'pmo_budgte'; did you mean 'pmo_budget'?"])


def test_computed_variable_is_not_a_parameter(capsys):
    write("bad.toml", """
        [params]
        delivery_performance = 0.9
    """)
    assert validate(capsys, "bad.toml") == (2, ["bad.toml:2: params.delivery_performance: 'delivery_performance' is computed by the model, not an input; see pmo-sim list-params"])


def test_wrong_type(capsys):
    write("bad.toml", """
        [params]
        pmo_budget = "lots"
    """)
    assert validate(capsys, "bad.toml") == (2, ["bad.toml:2: params.pmo_budget: expected a number, got text"])


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_nan_and_infinity(capsys, value):
    write("bad.toml", f"""
        [params]
        pmo_budget = {value}
    """)
    assert validate(capsys, "bad.toml") == (2, ["bad.toml:2: params.pmo_budget: must be a finite number (not nan or inf)"])


def test_out_of_documented_range(capsys):
    write("bad.toml", """
        [params]
        pmo_budget = 5000
        share_governance = -0.5
    """)
    assert validate(capsys, "bad.toml") == (2, [
        "bad.toml:2: params.pmo_budget: 5000 is outside the documented range 0 to 1000 (k$/Month)",
        "bad.toml:3: params.share_governance: -0.5 is outside the documented range 0 to 1 (Dmnl)",
    ])


@pytest.mark.parametrize("value", ["0", "-0.25"])
def test_zero_or_negative_time_step(capsys, value):
    write("bad.toml", f"""
        [run]
        time_step = {value}
    """)
    assert validate(capsys, "bad.toml") == (2, ["bad.toml:2: run.time_step: input should be greater than 0"])


def test_unsorted_schedule(capsys):
    write("bad.toml", """
        [schedule.pmo_budget]
        points = [[0, 100], [24, 120], [12, 110]]
    """)
    assert validate(capsys, "bad.toml") == (2, ["bad.toml:2: schedule.pmo_budget.points: months must be in increasing order"])


def test_schedule_value_out_of_range(capsys):
    write("bad.toml", """
        [schedule.share_governance]
        points = [[0, 0.3], [24, 1.5]]
    """)
    assert validate(capsys, "bad.toml") == (2, ["bad.toml:2: schedule.share_governance.points: 1.5 is outside the documented range 0 to 1 (Dmnl)"])


def test_shock_that_leaves_the_range(capsys):
    write("bad.toml", """
        [[shocks]]
        input = "risk_shock"
        at = 24
        size = 1.5
        duration = 3
    """)
    assert validate(capsys, "bad.toml") == (2, ["bad.toml:4: shocks[0].size: with this shock the input reaches 1.5, which is outside the documented range 0 to 1 (Dmnl)"])


def test_unknown_distribution(capsys):
    write("bad.toml", """
        [uncertainty.params]
        capability_erosion_time = { dist = "beta", a = 2 }
    """)
    assert validate(capsys, "bad.toml") == (2, ["bad.toml:2: uncertainty.params.capability_erosion_time: unknown distribution 'beta'; use uniform, triangular, normal or lognormal"])


def test_bad_distribution_parameters(capsys):
    write("bad.toml", """
        [uncertainty]
        runs = 10
        [uncertainty.params]
        capability_erosion_time = { dist = "triangular", low = 24, mode = 60, high = 48 }
        learning_strength = { dist = "normal", mean = 1 }
        risk_tolerance = { dist = "uniform", low = 0.9, high = 0.7 }
    """)
    assert validate(capsys, "bad.toml") == (2, [
        "bad.toml:4: uncertainty.params.capability_erosion_time.mode: mode must lie between low and high",
        "bad.toml:5: uncertainty.params.learning_strength.sd: required field is missing",
        "bad.toml:6: uncertainty.params.risk_tolerance.high: high must be above low",
    ])


def test_extends_cycle(capsys):
    write("a.toml", 'description = "a"\nextends = "b.toml"\n')
    write("b.toml", 'description = "b"\nextends = "a.toml"\n')
    assert validate(capsys, "a.toml") == (2, ["b.toml:2: extends: cycle: a.toml -> b.toml -> a.toml"])


def test_extends_missing_file(capsys):
    write("a.toml", 'description = "a"\nextends = "nothere.toml"\n')
    assert validate(capsys, "a.toml") == (2, ["a.toml:2: extends: no such file: nothere.toml"])


def test_problem_in_a_parent_points_at_the_parent(capsys):
    write("parent.toml", "[params]\npmo_budget = 5000\n")
    write("child.toml", 'extends = "parent.toml"\n[params]\nshare_governance = 0.4\n')
    assert validate(capsys, "child.toml") == (2, ["parent.toml:2: params.pmo_budget: 5000 is outside the documented range 0 to 1000 (k$/Month)"])


def test_empty_file(capsys):
    write("empty.toml", "  \n\n")
    assert validate(capsys, "empty.toml") == (2, ["empty.toml:1: file: the file is empty; a scenario needs at least a description or a [params] table"])


def test_binary_file(capsys):
    write("binary.toml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert validate(capsys, "binary.toml") == (2, ["binary.toml:1: file: is a binary file, not a TOML text"])


def test_missing_file(capsys):
    assert validate(capsys, "nothere.toml") == (2, ["nothere.toml:1: file: no such file"])


@pytest.mark.parametrize("name", ["../../outside", "a/b", "..", ".hidden"])
def test_name_that_tries_to_leave_the_output_folder(capsys, tmp_path, name):
    write("bad.toml", f'name = "{name}"\ndescription = "x"\n')
    code = main(["run", "bad.toml", "--out", "out"])
    assert (code, capsys.readouterr().err.splitlines()) == (
        2, ["bad.toml:1: name: must not contain '/', '\\' or '..' (a name cannot point outside the output folder)"])
    assert not any(p.name == "outside" for p in tmp_path.parent.iterdir())
    assert not Path("out").exists() or not any(Path("out").iterdir())


def test_absurd_horizon(capsys):
    write("bad.toml", "[run]\nfinal_time = 100000\n")
    assert validate(capsys, "bad.toml") == (2, ["bad.toml:2: run.final_time: input should be less than or equal to 1200"])


def test_absurd_number_of_steps(capsys):
    write("bad.toml", "[run]\nfinal_time = 1200\ntime_step = 0.001\n")
    assert validate(capsys, "bad.toml") == (2, ["bad.toml:3: run.time_step: 1200 months in steps of 0.001 is more than 100,000 steps"])


def test_absurd_run_count(capsys):
    write("bad.toml", "[uncertainty]\nruns = 10000000\n")
    assert validate(capsys, "bad.toml") == (2, ["bad.toml:2: uncertainty.runs: input should be less than or equal to 100000"])


def test_runs_times_months_that_would_exhaust_memory(capsys):
    write("bad.toml", "[run]\nfinal_time = 1200\n[uncertainty]\nruns = 100000\n")
    assert validate(capsys, "bad.toml") == (2, ["bad.toml:4: uncertainty.runs: 100,000 runs x 1,201 saved months is more than 20,000,000 values per output; lower runs or final_time, or raise saveper"])


def test_every_problem_of_a_file_is_reported_at_once(capsys):
    write("bad.toml", """
        descripton = "x"
        [params]
        pmo_budgte = 100
        share_governance = 2
        [run]
        final_time = -1
    """)
    assert validate(capsys, "bad.toml") == (2, [
        "bad.toml:1: descripton: unknown field; did you mean 'description'?",
        "bad.toml:3: params.pmo_budgte: unknown parameter 'pmo_budgte'; did you mean 'pmo_budget'?",
        "bad.toml:4: params.share_governance: 2 is outside the documented range 0 to 1 (Dmnl)",
        "bad.toml:6: run.final_time: input should be greater than 0",
    ])


def test_bad_override_on_the_command_line(capsys):
    write("ok.toml", 'description = "ok"\n')
    assert main(["run", "ok.toml", "--out", "out", "-p", "pmo_budget=lots"]) == 2
    assert capsys.readouterr().err.splitlines() == ["pmo-sim: -p pmo_budget=lots: expected a number after '='"]
    assert main(["run", "ok.toml", "--out", "out", "-p", "pmo_budget=5000"]) == 2
    assert capsys.readouterr().err.splitlines() == ["pmo-sim: -p pmo_budget=5000: 5000 is outside the documented range 0 to 1000 (k$/Month)"]


def test_usage_errors_exit_2(capsys):
    assert main(["run", "x.toml"]) == 2
    assert "the following arguments are required: --out" in capsys.readouterr().err
    assert main(["frobnicate"]) == 2
