"""The constructs of the PMO Dual-Track Mechanism's path model and the paths between them.

The white paper's model (Dual-Track Mechanism, sections 5-7): the five capabilities and the three
risks each act on PMO Transformation, and every construct, PMO Transformation included, has a direct
path to PMO Performance. Each construct is a model variable (0-1) that a survey measures with items.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Construct:
    name: str  # the model variable (snake_case)
    label: str
    short: str  # for charts and item names
    role: str  # execution, value, enabling, risk, mediator, outcome


CONSTRUCTS: tuple[Construct, ...] = (
    Construct("governance_and_standardization", "Governance & Standardization", "GOV", "execution"),
    Construct("delivery_support", "Delivery Support", "DS", "execution"),
    Construct("strategic_alignment", "Strategic Alignment", "SA", "value"),
    Construct("performance_and_value_management", "Performance & Value Management", "PVM", "value"),
    Construct("capability_development", "Capability Development", "CD", "enabling"),
    Construct("mandate_risk", "Mandate Risk", "MR", "risk"),
    Construct("governance_fragmentation_risk", "Governance Fragmentation Risk", "GFR", "risk"),
    Construct("value_measurement_risk", "Value Measurement Risk", "VMR", "risk"),
    Construct("pmo_transformation", "PMO Transformation", "TR", "mediator"),
    Construct("pmo_performance", "PMO Performance", "PERF", "outcome"),
)
BY_NAME = {c.name: c for c in CONSTRUCTS}
NAMES = tuple(c.name for c in CONSTRUCTS)
MEDIATOR = "pmo_transformation"
OUTCOME = "pmo_performance"
#: The constructs that act on PMO Transformation and, directly, on PMO Performance.
PREDICTORS = tuple(c.name for c in CONSTRUCTS if c.role not in ("mediator", "outcome"))


def short(name: str) -> str:
    return BY_NAME[name].short


def label(name: str) -> str:
    return BY_NAME[name].label


def paths() -> list[tuple[str, str]]:
    """Every structural path as (from, to): predictors -> transformation, predictors and transformation -> performance."""
    return [(x, MEDIATOR) for x in PREDICTORS] + [(x, OUTCOME) for x in PREDICTORS + (MEDIATOR,)]
