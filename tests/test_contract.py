"""The names, units, ranges and documentation that MODEL.md section 3 promises to users."""

from __future__ import annotations

import re

import pytest

# MODEL.md section 3: name -> units (None: Dmnl 0-1 quantities declared [0,1]).
CONTRACT_INPUTS = {
    "PMO Budget": "k$/Month",
    "Share Governance": "Dmnl",
    "Share Delivery Support": "Dmnl",
    "Share Strategic Alignment": "Dmnl",
    "Share Value Management": "Dmnl",
    "Share Capability Development": "Dmnl",
    "Strategic Turbulence": "Dmnl",
    "Risk Shock": "Dmnl",
    "Initial Governance": "Dmnl",
    "Initial Delivery Support": "Dmnl",
    "Initial Strategic Alignment": "Dmnl",
    "Initial Value Management": "Dmnl",
    "Initial Capability Development": "Dmnl",
}
CONTRACT_STOCKS = {
    "Governance and Standardization": "Dmnl",
    "Delivery Support": "Dmnl",
    "Strategic Alignment": "Dmnl",
    "Performance and Value Management": "Dmnl",
    "Capability Development": "Dmnl",
    "PMO Transformation": "Dmnl",
    "Executive Support": "Dmnl",
    "Cumulative Value Delivered": "k$",
    "Cumulative PMO Cost": "k$",
}
CONTRACT_OUTPUTS = {
    "Execution Track Strength": "Dmnl",
    "Value Track Strength": "Dmnl",
    "Delivery Performance": "Dmnl",
    "Strategic Value Realization": "Dmnl",
    "PMO Performance": "Dmnl",
    "Mandate Risk": "Dmnl",
    "Governance Fragmentation Risk": "Dmnl",
    "Value Measurement Risk": "Dmnl",
    "Risk Signal": "Dmnl",
    "Transformation Pressure": "Dmnl",
    "Maturity Level": "Dmnl",
    "Effective Budget": "k$/Month",
    "Value to Cost Ratio": "Dmnl",
}
FRACTIONS = {n for n, u in {**CONTRACT_STOCKS, **CONTRACT_OUTPUTS}.items() if u == "Dmnl"} - {
    "Maturity Level",
    "Value to Cost Ratio",
}
# A constant's comment must name its source or say "assumption".
SOURCES = re.compile(r"PMI|Aubry|Hobbs|SEI|CMMI|Duddy|Erlang|white paper|Sridharan|CBP|PM Solutions|by definition", re.I)


@pytest.mark.parametrize("name,units", {**CONTRACT_INPUTS, **CONTRACT_STOCKS, **CONTRACT_OUTPUTS}.items())
def test_contract_name_exists_with_its_units(model, name, units):
    """Every name of MODEL.md section 3 exists in the model file with the promised units."""
    variable = model.describe(name)
    assert variable.name == name
    assert variable.units == units


@pytest.mark.parametrize("name", sorted(CONTRACT_STOCKS))
def test_contract_stocks_are_stocks(model, name):
    assert model.describe(name).kind == "stock"


@pytest.mark.parametrize("name", sorted(CONTRACT_INPUTS))
def test_contract_inputs_are_overridable_constants(model, name):
    assert model.describe(name).kind == "constant"


@pytest.mark.parametrize("name", sorted(FRACTIONS))
def test_fractions_are_declared_zero_to_one(model, name):
    """0-1 quantities carry the documented range [0, 1] in the model file."""
    variable = model.describe(name)
    assert (variable.minimum, variable.maximum) == (0.0, 1.0)


def test_maturity_level_is_declared_one_to_four(model):
    variable = model.describe("Maturity Level")
    assert (variable.minimum, variable.maximum) == (1.0, 4.0)


def test_every_variable_has_units_and_a_one_sentence_comment(model):
    missing = [v.name for v in model.variables.values() if v.kind != "control" and not (v.units and v.comment)]
    assert missing == []


def test_every_constant_has_a_source_or_says_assumption(model):
    """A parameter names a published source or is marked as an assumption."""
    unsourced = [v.name for v in model.inputs if not (v.is_assumption or SOURCES.search(v.comment))]
    assert unsourced == []


def test_every_input_has_a_documented_range_holding_its_default(model):
    for variable in model.inputs:
        assert variable.minimum is not None and variable.maximum is not None, variable.name
        assert variable.minimum <= variable.default <= variable.maximum, variable.name


def test_documented_ranges_cover_model_md_section_5(model):
    """PMO Budget 0 to 10x default; shares, turbulence, shock and initial levels 0 to 1."""
    budget = model.describe("pmo_budget")
    assert budget.minimum == 0 and budget.maximum >= 10 * budget.default
    for variable in model.decisions:
        if variable.py_name != "pmo_budget":
            assert (variable.minimum, variable.maximum) == (0.0, 1.0), variable.name


def test_time_settings_match_model_md(model):
    defaults = model.defaults()
    assert defaults["initial_time"] == 0 and defaults["final_time"] == 120
    assert defaults["saveper"] == 1 and defaults["time_step"] == 0.125
    assert model.describe("Time").units == "Month" if "time" in model.variables else True


def test_default_pmo_is_execution_heavy(model, baseline):
    """The shipped defaults describe a typical execution-heavy PMO (strong execution, weak value)."""
    defaults = model.defaults()
    execution = defaults["share_governance"] + defaults["share_delivery_support"]
    value = defaults["share_strategic_alignment"] + defaults["share_value_management"]
    assert execution >= 2 * value
    start = baseline.iloc[0]
    assert start["execution_track_strength"] > 1.5 * start["value_track_strength"]
    assert baseline["delivery_performance"].iloc[-1] > baseline["strategic_value_realization"].iloc[-1] + 0.3
