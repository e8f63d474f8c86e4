"""B20 units: every equation of the model is dimensionally consistent (sim.units, pint).

The shipped model must pass; copies broken on purpose and tiny models written to tmp_path show
that each rule (literals, INTEG, SMOOTH, DELAY, lookups, powers, functions) catches what it should.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import sim
from sim import units  # needs pint: the test extra installs it, so B20 always runs
from sim.cli import main
from sim.model import ModelError

CONTROL = """
FINAL TIME  = 12
\t~\tMonth
\t~\tThe final time for the simulation.
\t|

INITIAL TIME  = 0
\t~\tMonth
\t~\tThe initial time for the simulation.
\t|

SAVEPER  = 1
\t~\tMonth [0,?]
\t~\tThe frequency with which output is stored.
\t|

TIME STEP  = 0.125
\t~\t{time_step_units} [0,?]
\t~\tThe time step for the simulation.
\t|

\\\\\\---/// Sketch information - do not modify anything except names
V300  Do not put anything below this section - it will be ignored
"""

#: Inputs every tiny model may read: money, a money rate, a fraction, a time.
INPUTS = [
    ("Money = 10", "k$"),
    ("Spending = 5", "k$/Month"),
    ("Fraction = 0.5", "Dmnl"),
    ("Duration = 3", "Month"),
]


def tiny_model(tmp_path: Path, *equations: tuple[str, str], time_step_units: str = "Month") -> Path:
    """A small model file: ``equations`` (equation, units) after INPUTS, then the control section."""
    blocks = [f"{equation}\n\t~\t{declared}\n\t~\t\n\t|\n" for equation, declared in [*INPUTS, *equations]]
    path = tmp_path / "tiny.mdl"
    path.write_text("{UTF-8}\n" + "\n".join(blocks) + CONTROL.format(time_step_units=time_step_units), encoding="utf-8")
    return path


def problems_of(tmp_path: Path, *equations: tuple[str, str], **options: str) -> list[str]:
    return [f"{p.variable}: {p.message}" for p in units.check_units(tiny_model(tmp_path, *equations, **options))]


def shipped_copy(tmp_path: Path, model: sim.model.Model, old: str, new: str) -> Path:
    """The shipped model with the first ``old`` replaced by ``new``, written to tmp_path."""
    assert old in model.text, f"the shipped model no longer contains {old!r}"
    path = tmp_path / "broken.mdl"
    path.write_text(model.text.replace(old, new, 1), encoding="utf-8")
    return path


# -- the shipped model ---------------------------------------------------------------------------


def test_B20_every_equation_is_dimensionally_consistent(model):
    problems = units.check_model(model)
    assert not problems, "unit problems in the shipped model:\n" + "\n".join(map(str, problems))
    assert units.equation_count(model) >= 50


def test_a_changed_declaration_names_the_variable_and_both_units(tmp_path, model):
    budget = model.variables["effective_budget"]
    equation_units = units.show(units.parse(budget.units))
    start = model.text.index(f"\n{budget.name} = ")
    end = model.text.index(f"~\t{budget.units}", start) + 2 + len(budget.units)
    declaration = model.text[start:end]  # from the name to the units
    path = shipped_copy(tmp_path, model, declaration, declaration[: -len(budget.units)] + "k$")
    problems = [str(p) for p in units.check_units(path)]
    assert f"{path}: {budget.name}: equation gives {equation_units} but the variable declares k$" in problems


def test_a_flow_added_to_a_stock_level_quantity_is_caught(tmp_path, model):
    path = shipped_copy(tmp_path, model, "Cumulative Value Delivered = INTEG(",
                        "Cumulative Value Delivered = INTEG(Cumulative PMO Cost + ")
    problems = [f"{p.variable}: {p.message}" for p in units.check_units(path)]
    assert "Cumulative Value Delivered: '+' adds k$ and k$/Month" in problems, problems


# -- rules, on tiny models -----------------------------------------------------------------------


def test_literals_adopt_the_units_around_them(tmp_path):
    assert problems_of(
        tmp_path,
        ("Shortfall = MAX(0, Money - 2 * Money)", "k$"),
        ("Remainder = 1 - Fraction", "Dmnl"),
        ("Capped = MIN(100, Spending) + IF THEN ELSE(Money > 0, Spending, 0)", "k$/Month"),
        ("Half Life = Duration * LN(2) / 0.5", "Month"),
        ("Elapsed = Time - INITIAL TIME + TIME STEP", "Month"),
    ) == []


def test_literals_are_dimensionless_in_products(tmp_path):
    assert problems_of(tmp_path, ("Doubled = 2 * Money", "k$/Month")) == [
        "Doubled: equation gives k$ but the variable declares k$/Month"]


def test_sums_comparisons_and_branches_need_equal_units(tmp_path):
    assert problems_of(
        tmp_path,
        ("Risk = Fraction + Spending", "Dmnl"),
        ("Gap = Money - Spending", "k$"),
        ("Check = IF THEN ELSE(Money > Duration, 1, 0)", "Dmnl"),
        ("Choice = IF THEN ELSE(Fraction > 0.5, Money, Spending)", "k$"),
        ("Least = MIN(Money, Fraction)", "k$"),
    ) == [
        "Risk: '+' adds Dmnl and k$/Month",
        "Gap: '-' subtracts k$/Month from k$",
        "Check: '>' compares k$ and Month",
        "Choice: IF THEN ELSE branches give k$ and k$/Month",
        "Least: MIN compares k$ and Dmnl",
    ]


def test_products_divisions_and_zidz_combine_units(tmp_path):
    assert problems_of(
        tmp_path,
        ("Rate = Money / Duration", "k$/Month"),
        ("Acceleration = Spending / Duration", "1/Month"),
        ("Share = ZIDZ(Spending, Spending * Fraction)", "Dmnl"),
        ("Fallback = XIDZ(Money, Duration, Money)", "k$/Month"),
    ) == [
        "Acceleration: equation gives k$/Month**2 but the variable declares 1/Month",
        "Fallback: XIDZ gives k$/Month but its fallback is k$",
    ]


def test_powers_and_functions(tmp_path):
    assert problems_of(
        tmp_path,
        ("Root = Fraction ^ Fraction", "Dmnl"),
        ("Area = Money ^ 2", "k$**2"),
        ("Odd = Money ^ Fraction", "k$"),
        ("Half = Money ^ 0.5", "k$"),
        ("Exponent = Fraction ^ Duration", "Dmnl"),
        ("Growth = EXP(Duration)", "Dmnl"),
        ("Side = SQRT(Area) + ABS(Money)", "k$"),
    ) == [
        "Odd: '^' raises k$ to a power that is not a constant integer",
        "Half: '^' raises k$ to a power that is not a constant integer",
        "Exponent: '^' exponent is Month but must be Dmnl",
        "Growth: EXP needs a Dmnl argument but gets Month",
    ]


def test_integ_flow_times_month_is_the_stock_and_initial_matches(tmp_path):
    assert problems_of(tmp_path, ("Account = INTEG(Spending - Money / Duration, Money)", "k$")) == []
    assert problems_of(
        tmp_path,
        ("Account = INTEG(Money, Money)", "k$"),
        ("Level = INTEG(Fraction / Duration, Money)", "Dmnl"),
    ) == [
        "Account: INTEG flow gives k$ but the stock declares k$, so its flows must be k$/Month",
        "Level: INTEG initial value gives k$ but the stock declares Dmnl",
    ]


def test_smooth_and_delay_time_is_month_and_output_is_input(tmp_path):
    assert problems_of(
        tmp_path,
        ("Smoothed = SMOOTH(Spending, Duration)", "k$/Month"),
        ("Smoothed3 = SMOOTH3I(Spending, Duration, 0)", "k$/Month"),
        ("Delayed = DELAY1(Money, 2)", "k$"),
        ("Delayed3 = DELAY3I(Spending, Duration, Spending)", "k$/Month"),
    ) == []
    assert problems_of(
        tmp_path,
        ("Smoothed = SMOOTH(Spending, Money)", "k$/Month"),
        ("Lagged = SMOOTH3(Fraction, Duration)", "k$"),
        ("Started = SMOOTHI(Spending, Duration, Money)", "k$/Month"),
        ("Delayed = DELAY3(Spending, Fraction)", "k$/Month"),
        ("Held = DELAY1I(Money, Duration, Fraction)", "k$"),
        ("Late = DELAY3(Money, Duration)", "Dmnl"),
    ) == [
        "Smoothed: SMOOTH time is k$ but must be Month",
        "Lagged: equation gives Dmnl but the variable declares k$",
        "Started: SMOOTH input gives k$/Month but its initial value gives k$",
        "Delayed: DELAY3 time is Dmnl but must be Month",
        "Held: DELAY1 input gives k$ but its initial value gives Dmnl",
        "Late: equation gives k$ but the variable declares Dmnl",
    ]


def test_lookups_take_dimensionless_arguments_and_give_their_units(tmp_path):
    table = ("Effect Table(\n\t[(0,0)-(1,1)],(0,0),(0.5,0.8),(1,1))", "Dmnl")
    assert problems_of(
        tmp_path, table,
        ("Effect = Effect Table(Fraction)", "Dmnl"),
        ("Gate = WITH LOOKUP(Fraction, ([(0,0)-(1,1)],(0,0),(1,1)))", "Dmnl"),
    ) == []
    assert problems_of(
        tmp_path, table,
        ("Effect = Effect Table(Money)", "Dmnl"),
        ("Scaled = Effect Table(Fraction)", "k$"),
        ("Gate = WITH LOOKUP(Duration, ([(0,0)-(10,1)],(0,0),(10,1)))", "Dmnl"),
    ) == [
        "Effect: lookup Effect Table needs a Dmnl argument but gets k$",
        "Scaled: equation gives Dmnl but the variable declares k$",
        "Gate: WITH LOOKUP needs a Dmnl argument but gets Month",
    ]


def test_unreadable_and_empty_declarations(tmp_path):
    assert problems_of(
        tmp_path,
        ("Crowd = 4", "widgets"),
        ("Blank = Money", ""),
        ("Uses Crowd = Crowd * Spending", "k$/Month"),
    ) == [
        "Crowd: declares units 'widgets', which cannot be read: 'widgets' is not defined in the unit registry",
        "Blank: equation gives k$ but the variable declares Dmnl",
    ]


def test_control_settings_are_in_months(tmp_path):
    assert problems_of(tmp_path, time_step_units="Year") == [
        "TIME STEP: simulation control is in Month but the variable declares Year"]


# -- the command line ------------------------------------------------------------------------------


def test_cli_check_units_passes_on_the_shipped_model(capsys, model):
    assert main(["check-units"]) == 0
    assert capsys.readouterr().out == f"{units.equation_count(model)} equations checked, all dimensionally consistent\n"


def test_cli_check_units_reports_each_problem_and_exits_1(tmp_path, capsys):
    path = tiny_model(tmp_path, ("Risk = Fraction + Spending", "Dmnl"), ("Doubled = 2 * Money", "k$/Month"))
    assert main(["check-units", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == [f"{path}: Risk: '+' adds Dmnl and k$/Month",
                       f"{path}: Doubled: equation gives k$ but the variable declares k$/Month"]
    assert out[2] == "2 unit problems in 10 equations"


@pytest.mark.parametrize("content", [None, "hello world\n", ""])
def test_cli_check_units_exits_2_on_a_missing_file_or_not_a_model(tmp_path, capsys, content):
    path = tmp_path / "model.mdl"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert main(["check-units", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(path) in err
    assert ("no such model file" if content is None else "not a Vensim model file") in err
    with pytest.raises(ModelError):
        units.check_units(path)


def test_cli_check_units_without_pint_names_the_extra(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "pint", None)  # import pint now fails
    monkeypatch.delitem(sys.modules, "sim.units")
    monkeypatch.delattr(sim, "units")
    assert main(["check-units"]) == 2
    assert "pip install 'pmo-sim[units]'" in capsys.readouterr().err
