"""Scenario and study files are checked as strictly as TOML types them, one readable line per problem.

A number field refuses true and "3" (a whole number still stands for a fraction), a yes/no field
refuses "yes" and 1; a refused value names the field as the file writes it, says what is allowed, and
never shows pydantic's internals. Each case: a real file, `pmo-sim validate`, its exact lines, exit 2.
"""

from __future__ import annotations

import pytest

from cli_files import in_tmp, validate, write  # noqa: F401 - in_tmp: autouse fixture
from sim.cli import main
from sim.scenario import ScenarioError, load_scenario, scenario_from_dict

WRONG_TYPES = [
    ("[params]\npmo_budget = true\n", "bad.toml:2: params.pmo_budget: expected a number, got bool"),
    ("[run]\nfinal_time = true\n", "bad.toml:2: run.final_time: expected a number, got bool"),
    ('[run]\nfinal_time = "60"\n', "bad.toml:2: run.final_time: expected a number, got text"),
    ("[uncertainty]\nruns = true\n", "bad.toml:2: uncertainty.runs: expected a whole number, got bool"),
    ("[uncertainty]\nruns = 2.5\n", "bad.toml:2: uncertainty.runs: expected a whole number, got 2.5"),
    ("[schedule.pmo_budget]\npoints = [[0, 100], [12, true]]\n",
     "bad.toml:2: schedule.pmo_budget.points[1][1]: expected a number, got bool"),
    ('[uncertainty.params]\nrisk_tolerance = { dist = "uniform", low = true, high = 0.9 }\n',
     "bad.toml:2: uncertainty.params.risk_tolerance.low: expected a number, got bool"),
    ('[study.optimize]\nsamples = true\npareto = "no"\n',
     "bad.toml:2: study.optimize.samples: expected a whole number, got bool\n"
     "bad.toml:3: study.optimize.pareto: expected true or false, got text"),
    ('[uncertainty.params]\nrisk_tolerance = { dist = "uniform", low = 0.5, high = 0.9 }\n'
     '[study.sensitivity]\nsecond_order = "yes"\n',
     "bad.toml:4: study.sensitivity.second_order: expected true or false, got text"),
    ("[uncertainty]\nruns = 10\n[study.survey]\nsurvivors_only = 1\n",
     "bad.toml:4: study.survey.survivors_only: expected true or false, got a number"),
]


@pytest.mark.parametrize("text, lines", WRONG_TYPES, ids=[t.split("\n")[1].split("=")[0].strip() + "-" + str(i)
                                                          for i, (t, _) in enumerate(WRONG_TYPES)])
def test_bool_and_text_are_not_numbers_and_numbers_are_not_bools(capsys, text, lines):
    write("bad.toml", text)
    assert validate(capsys, "bad.toml") == (2, lines.split("\n"))


def test_whole_numbers_still_stand_for_fractions_and_runs(capsys):
    write("ok.toml", "[run]\nfinal_time = 24\ntime_step = 1\nsaveper = 2\n[params]\npmo_budget = 150\n"
                     "[uncertainty]\nruns = 4.0\n")
    assert main(["validate", "ok.toml"]) == 0
    scenario = load_scenario("ok.toml")
    assert scenario.spec.run.final_time == 24.0 and scenario.spec.uncertainty.runs == 4


def test_the_api_refuses_what_files_refuse():
    with pytest.raises(ScenarioError) as refused:
        scenario_from_dict({"params": {"pmo_budget": True}, "run": {"final_time": True}})
    assert [(p.field, p.message) for p in refused.value.problems] == [
        ("run.final_time", "expected a number, got bool"), ("params.pmo_budget", "expected a number, got bool")]


UNREADABLE_BEFORE = [
    ('[study.optimize]\nobjective = "profit"\n',
     "bad.toml:2: study.optimize.objective: 'profit' is not one of performance, net_value, survival "
     "(or a table of weights over them)"),
    ("[study.optimize]\nobjective = { survivl = 1, performance = 1 }\n",
     "bad.toml:2: study.optimize.objective.survivl: unknown objective 'survivl'; did you mean 'survival'?"),
    ("[study.optimize.objective]\nperformance = 1\nsurvival = true\n",
     "bad.toml:3: study.optimize.objective.survival: a weight is a number, got bool"),
    ("[study.optimize]\nwindow = [12, 24, 36]\n",
     "bad.toml:2: study.optimize.window: expected two numbers [first, last], got 3"),
    ("[schedule.pmo_budget]\npoints = [[0, 100, 5]]\n",
     "bad.toml:2: schedule.pmo_budget.points[0]: expected two numbers [month, value], got 3"),
    ("[schedule.pmo_budget]\npoints = []\n", "bad.toml:2: schedule.pmo_budget.points: needs at least 1 value, got 0"),
    ('[study.sensitivity]\nparams = ["pmo_budget"]\nmethod = "fast"\n',
     "bad.toml:3: study.sensitivity.method: 'fast' is not one of 'sobol', 'morris'"),
    ("[params.sub]\nx = 1\n", "bad.toml:1: params.sub: unknown parameter 'sub'; see pmo-sim list-params"),
    ("[params.pmo_budget]\nx = 1\n", "bad.toml:1: params.pmo_budget: expected a number, got a table"),
    ("[[shocks]]\ninput = \"risk_shock\"\nat = 24\nsize = 1.5\nduration = 3\n",
     "bad.toml:4: shocks[0].size: with this shock the input reaches 1.5, which is outside the documented range 0 to 1 (Dmnl)"),
]


@pytest.mark.parametrize("text, line", UNREADABLE_BEFORE, ids=range(len(UNREADABLE_BEFORE)))
def test_one_readable_line_per_refused_value(capsys, text, line):
    code, lines = validate(capsys, write("bad.toml", text))
    assert (code, lines) == (2, [line])
    assert not any(internal in line for internal in ("literal[", "dict[", "[key]", "after validation", "input should"))


def test_a_step_that_does_not_divide_the_default_saveper_is_reported_at_the_step(capsys):
    write("bad.toml", 'description = "x"\n[run]\ntime_step = 0.3\n')
    assert validate(capsys, "bad.toml") == (2, [
        "bad.toml:3: run.time_step: 0.3 months does not divide the saving interval (saveper, default 1 month): values "
        "are saved at multiples of the time step; give a time step that divides it (e.g. 0.25 or 0.125), or a saveper "
        "that is a multiple of the step"])


def test_a_byte_order_mark_is_accepted(capsys):
    write("bom.toml", b'\xef\xbb\xbfdescription = "saved by Notepad"\n[params]\npmo_budget = 5000\n')
    # read as TOML: the first key is found, and a problem still has its line
    assert validate(capsys, "bom.toml") == (2, ["bom.toml:3: params.pmo_budget: 5000 is outside the documented range 0 to 1000 (k$/Month)"])
    write("bom.toml", b'\xef\xbb\xbfdescription = "saved by Notepad"\n[params]\npmo_budget = 150\n')
    assert load_scenario("bom.toml").spec.params == {"pmo_budget": 150.0}


@pytest.mark.parametrize("parent, problem", [
    (b"  \n", "empty.toml:1: file: the file is empty; a scenario needs at least a description or a [params] table"),
    (b"[params\n", "empty.toml:1: syntax: TOML syntax error: expected ']' at the end of a table declaration"),
])
def test_an_unreadable_parent_is_named_from_the_child(capsys, parent, problem):
    write("empty.toml", parent)
    write("child.toml", 'description = "c"\n\nextends = "empty.toml"\n')
    assert validate(capsys, "child.toml") == (2, [f"child.toml:3: extends: 'empty.toml' cannot be read: {problem}"])


def test_a_name_is_letters_digits_dash_and_underscore(capsys):
    write("bad.toml", 'name = "my case"\n')
    assert validate(capsys, "bad.toml") == (2, [
        "bad.toml:1: name: 'my case' names the output folder and may contain only letters, digits, - and _; e.g. 'my_case'"])
    write("my case.toml", 'description = "a file name is not a name the user wrote: it is made a folder name"\n')
    assert main(["validate", "my case.toml"]) == 0
    for name in ("_draft", "case_2_", "a-b"):
        write("good.toml", f'name = "{name}"\n')
        assert validate(capsys, "good.toml") == (0, [])


def test_a_shock_or_schedule_point_after_the_horizon_is_harmless(capsys):
    """The run ends before it: a shorter horizon over a parent's shocks (or the app's saved runs) still runs."""
    write("late.toml", """
        [run]
        final_time = 60
        [[shocks]]
        input = "risk_shock"
        at = 500
        size = 0.3
        duration = 2
        [schedule.pmo_budget]
        points = [[0, 100], [500, 200]]
    """)
    assert validate(capsys, "late.toml") == (0, [])


def test_all_five_shares_at_zero_is_refused(capsys):
    write("bad.toml", """
        [params]
        share_governance = 0
        share_delivery_support = 0
        share_strategic_alignment = 0
        share_capability_development = 0
        [schedule.share_value_management]
        points = [[0, 0.2], [24, 0]]
    """)
    assert validate(capsys, "bad.toml") == (2, [
        "bad.toml:2: params.share_governance: all five budget shares are 0 at month 24: the budget would be spent and "
        "invest in nothing; give at least one share above 0 (or pmo_budget = 0 for a PMO without budget)"])
    write("no_pmo.toml", "[params]\npmo_budget = 0\n" + "".join(f"{n} = 0\n" for n in (
        "share_governance", "share_delivery_support", "share_strategic_alignment", "share_value_management",
        "share_capability_development")))
    assert validate(capsys, "no_pmo.toml") == (0, [])
