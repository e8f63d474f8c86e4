"""The constructs of the PMO Dual-Track Mechanism's path model and the paths between them.

The white paper's model (Dual-Track Mechanism, sections 5-7): the five capabilities and the three
risks each act on PMO Transformation, and every construct, PMO Transformation included, has a direct
path to PMO Performance. The constructs, and the model quantity a questionnaire reads for each by
default, are declared with the study's fields (:mod:`sim.scenario.survey_study`).
"""

from __future__ import annotations

from sim.scenario.survey_study import CONSTRUCTS, Construct

__all__ = ["BY_NAME", "CONSTRUCTS", "Construct", "MEDIATOR", "NAMES", "OUTCOME", "PREDICTORS", "label", "paths", "short"]

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
