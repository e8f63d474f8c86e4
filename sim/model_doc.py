"""``docs/model.md``: the model reference, generated from the model file.

Every variable by the model file's sections (equation, units, range, comment, source), the named
feedback loops of :mod:`sim.diagram` and the behaviours with the figures :mod:`sim.behaviours`
measures. Write it with ``python -m sim.reference --model-doc docs/model.md``; a test fails when
the file on disk differs from what this module generates.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Mapping

from sim.model import Model, Variable, get_model
from sim.reference import _number, clean_comment, source

COMMAND = "python -m sim.reference --model-doc docs/model.md"

KINDS = {
    "constant": "input",
    "stock": "stock",
    "auxiliary": "flow or auxiliary",
    "lookup": "lookup",
    "control": "simulation control",
}
PLURALS = {
    "constant": "inputs", "stock": "stocks", "auxiliary": "flows or auxiliaries", "lookup": "lookups",
    "control": "simulation controls",
}

#: What each behaviour requires, in one line (the thresholds are in tests/test_behaviours.py).
BEHAVIOURS = {
    "B1": ("short cycle", "a budget step into the execution track shows in Delivery Performance within months: "
           "by month 18 at least half of the gain it has by month 48"),
    "B2": ("long cycle", "a budget step into the value track acts slowly and S-shaped: under a tenth of its month-96 "
           "performance gain by month 18, at least half by month 60, and in the end more than the same step into execution"),
    "B3": ("mediation", "with PMO Transformation held fixed, value-track spending builds the value track but changes no "
           "performance output: the value track acts only through transformation"),
    "B4": ("risk as trigger", "a risk shock does not hurt performance when it hits (under 1% in months 24-27); it raises "
           "Transformation Pressure and, through transformation, performance later; without readiness less than half the gain"),
    "B5": ("worse before better", "moving half of the execution shares to the value track dips performance in months "
           "13-30, recovers before month 60 and leads from then to month 120"),
    "B6": ("imbalance", "execution only is efficient but irrelevant (delivery far above value realised, support lost), "
           "value only cannot be realised, and a balanced PMO outperforms both"),
    "B7": ("readiness", "more Capability Development makes the transformation a value step brings faster (earlier, "
           "shorter delay) and fuller (higher peak and month-120 response)"),
    "B8": ("extreme conditions", "with zero budget every capability decays towards its floor with the erosion time "
           "constant (within 0.002 of exponential decay) and nothing is spent; any inputs in range stay finite"),
    "B9": ("calibration to PMI Pulse", "about 33% of projects on goal with no PMO budget (within 0.05, settled) and "
           "85-95% for a balanced PMO at 2x and 4x budget, never above 95% (PMI Pulse of the Profession 2017-2018)"),
    "B10": ("maturity pace", "a balanced PMO at 2x budget from scratch reaches maturity level 2 in 12-36 months and "
            "level 3 in 36-66 months (SEI: a median of 21-22 months per level)"),
    "B11": ("legitimacy and reconfiguration cycles", "a reporting factory loses executive support and budget by month "
            "60; under high turbulence the PMO reconfigures every 18-48 months, at least three peaks in a row "
            "(Hobbs and Aubry 2010: every 2-3 years)"),
    "B12": ("integration", "halving TIME STEP changes no contract output by more than 1%"),
    "B13": ("no free lunch from a crisis", "a permanent risk shock or more turbulence does not make a PMO perform "
            "better on average, whatever its budget split"),
    "B14": ("transformation needs direction", "risk-triggered change without a value track builds little lasting "
            "PMO Transformation; under high turbulence no split without a value track beats a balanced PMO"),
    "B15": ("closure", "PMO Survival starts at 1, never rises and stays in [0, 1]; a PMO that loses its backing or its "
            "budget is likely closed within a few years, a balanced, funded PMO survives (Duddy and Perry; Hobbs 2007)"),
    "B16": ("net value against a portfolio without a PMO", "no budget adds no net value, the default PMO adds "
            "positive Cumulative Net Value, and a balanced PMO's best budget is interior, about 1.7-5% of portfolio "
            "spend (CBP: 1.7%; PM Solutions 2016: 5%)"),
    "B17": ("foundation first", "building the execution foundation first, then the value track, leads value-first "
            "by month 60, and the value capabilities build faster on a strong execution foundation"),
    "B18": ("authority fits context", "the best PMO authority rises with organisational complexity: directive wins in "
            "complex organisations, supportive in simple ones; governance alone never beats delivery support (Aubry 2015)"),
    "B19": ("anchors", "the default PMO starts where surveys find PMOs: about 69-70% of projects on goal and about 31% "
            "of benefits realised (PMI Pulse), and a new PMO shows its delivery gain within 6-24 months (Hobbs 2007)"),
    "B20": ("units", "every equation is dimensionally consistent (a units check, `pmo-sim check-units`, in "
            "`sim.units`; it measures no figures)"),
}

INTRO = """\
A system-dynamics model of a project management office (PMO) in Vensim text format,
`sim/models/pmo_dual_track.mdl`, version 2. The PMO works on two tracks. The execution track
(Governance and Standardization, Delivery Support) lifts Delivery Performance within months. The
value track (Strategic Alignment, Performance and Value Management) acts only through PMO
Transformation, a reconfiguration that completes after a third-order delay, so it pays off over
years. Capability Development speeds every building rate and is the PMO's readiness to transform.
Risks never harm performance directly; past the organisation's tolerance they trigger
transformation. Executives fund the PMO for the value they can see; a PMO that loses its backing
may be closed (PMO Survival), and its Net Value Added is counted against the same portfolio
without a PMO, minus the PMO's cost, weighted by survival.

Time is in months (Euler integration, TIME STEP {time_step:g}, saved every {saveper:g} month,
{final_time:g} months by default).

This file is generated from the model file by `{command}`; do not edit it by
hand. Change the model file and regenerate it: a test fails while this file and the model
disagree. "Source" is the published source a variable's comment names, "assumption" where the
comment marks the value as one, and "—" for model structure that needs neither.
"""


def anchor(title: str) -> str:
    """The fragment a Markdown renderer gives a heading (lower case, punctuation dropped, spaces to hyphens)."""
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def link(model: Model, py_name: str) -> str:
    name = model.variables[py_name].name
    return f"[{name}](#{anchor(name)})"


def mdl_blocks(text: str) -> tuple[dict[str, str], dict[str, str]]:
    """From the model file's text: each variable's equation as written, and each section's description."""
    equations: dict[str, str] = {}
    sections: dict[str, str] = {}
    body = text.split("\\\\\\---///", 1)[0].replace("{UTF-8}", "")
    for block in re.split(r"\n\s*\|", body):
        head, _, rest = block.partition("~")
        header = re.search(r"^\s*\.(.+?)\s*$", head, flags=re.MULTILINE)
        if "*****" in head and header:
            sections[header.group(1)] = " ".join(rest.split())
            continue
        definition = re.match(r"\s*([A-Za-z][^=(]*?)\s*=(.*)", head, flags=re.DOTALL)
        if definition:
            equations[definition.group(1)] = " ".join(definition.group(2).split())
    return equations, sections


def equation(variable: Variable, written: Mapping[str, str]) -> str:
    """``Name = expression`` as written in the model file; a lookup shows its points."""
    if variable.kind == "lookup":
        points = ", ".join(f"({_number(float(x))}, {_number(float(y))})" for x, y in zip(variable.ast.x, variable.ast.y))
        return f"{variable.name}(x): lookup through {points}"
    return f"{variable.name} = {written.get(variable.name, '?')}"


def value_range(variable: Variable) -> str:
    low, high = variable.minimum, variable.maximum
    if low is None and high is None:
        return "—"
    span = f"{_number(low)} to {_number(high)}" if high is not None else f"from {_number(low)}"
    return span + (f", step {_number(variable.step)}" if variable.step else "")


def variable_section(variable: Variable, written: Mapping[str, str]) -> list[str]:
    facts = " · ".join((
        f"`{variable.py_name}`", KINDS.get(variable.kind, variable.kind), f"units {variable.units or '—'}",
        f"range {value_range(variable)}", f"source: {source(variable)}",
    ))
    lines = [f"#### {variable.name}", "", facts, "", "```text", equation(variable, written), "```", ""]
    if variable.comment:
        lines += [clean_comment(variable.comment), ""]
    return lines


def variables_part(model: Model) -> list[str]:
    written, descriptions = mdl_blocks(model.text)
    groups: dict[str, list[Variable]] = {}
    for variable in model.variables.values():
        groups.setdefault(variable.group, []).append(variable)
    lines = ["## Variables", ""]
    lines += [f"- [{group}](#{anchor(group)}) ({len(members)})" for group, members in groups.items()]
    lines.append("")
    for group, members in groups.items():
        lines += [f"### {group}", ""]
        if descriptions.get(group):
            lines += [clean_comment(descriptions[group]), ""]
        for variable in members:
            lines += variable_section(variable, written)
    return lines


def loops_part(model: Model) -> list[str]:
    from sim.diagram import LOOP_MEANINGS, NAMED_LOOPS

    lines = ["## Feedback loops", "",
             "R marks a reinforcing loop, B a balancing one; the last variable of each path feeds the first.", "",
             "| loop | runs through | meaning |", "|---|---|---|"]
    for name, path in NAMED_LOOPS.items():
        through = " → ".join(link(model, v) for v in path + path[:1])
        lines.append(f"| {name} | {through} | {LOOP_MEANINGS.get(name, '')} |")
    return lines + [""]


def significant(value: float) -> str:
    """``value`` to 4 significant digits, without an exponent where it reads well."""
    if math.isnan(value):
        return "n/a"
    if abs(value) < 1e-12:
        return "0"
    rounded = float(f"{value:.4g}")
    if 1e-4 <= abs(rounded) < 1e7:
        return f"{rounded:.12f}".rstrip("0").rstrip(".")
    return f"{value:.4g}"


def measure_behaviours() -> dict[str, dict[str, float]]:
    from sim.behaviours import ALL

    return {behaviour: measure() for behaviour, measure in ALL.items()}


def behaviours_part(figures: Mapping[str, Mapping[str, float]]) -> list[str]:
    lines = ["## Behaviours", "",
             "What the model must show. `python -m sim.behaviours` runs every experiment and prints the figures; "
             "the thresholds are in `tests/test_behaviours.py` and `tests/test_units.py` (B20).", "",
             "| id | behaviour | what it requires |", "|---|---|---|"]
    lines += [f"| {b} | {title} | {requires} |" for b, (title, requires) in BEHAVIOURS.items()]
    lines += ["", "### Measured figures", "",
              "Measured on the model as shipped when this file was generated (4 significant digits; n/a: not reached "
              "or undefined).", "", "| id | figure | value |", "|---|---|---|"]
    for behaviour, measured in figures.items():
        lines += [f"| {behaviour} | {name} | {significant(float(value))} |" for name, value in measured.items()]
    return lines + [""]


def model_doc(model: Model | None = None, figures: Mapping[str, Mapping[str, float]] | None = None) -> str:
    """The whole of ``docs/model.md``; ``figures`` default to measuring every behaviour (about 10 s)."""
    model = model or get_model()
    defaults = model.defaults()
    counts = Counter(variable.kind for variable in model.variables.values())
    summary = ", ".join(f"{counts[kind]} {PLURALS[kind]}" for kind in KINDS if counts[kind])
    lines = ["# The PMO dual-track model: reference", "",
             INTRO.format(time_step=defaults["time_step"], saveper=defaults["saveper"], final_time=defaults["final_time"],
                          command=COMMAND),
             f"{len(model.variables)} variables: {summary}.", "",
             "Contents: [Variables](#variables) · [Feedback loops](#feedback-loops) · [Behaviours](#behaviours)", ""]
    lines += variables_part(model) + loops_part(model) + behaviours_part(measure_behaviours() if figures is None else figures)
    return "\n".join(lines).rstrip() + "\n"
