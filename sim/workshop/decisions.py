"""A team's decisions for one round, checked against the model file's documented ranges."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Mapping

from sim.model import get_model
from sim.scenario import ScenarioFile, base_points
from sim.workshop.setup import WorkshopError, WorkshopSetup

SHARES = ("share_governance", "share_delivery_support", "share_strategic_alignment", "share_value_management",
          "share_capability_development")
SHARE_LABELS = ("Governance", "Delivery support", "Strategic alignment", "Value management", "Capability development")
#: Every input a team may decide (the set-up says which of them it does).
DECISION_INPUTS = ("pmo_budget", *SHARES, "pmo_authority")
#: How far from 100% the shares may add up (rounding in a form).
SHARE_TOLERANCE = 0.5


@dataclass(frozen=True)
class Decision:
    """One round's decisions: budget asked (k$/Month), the five shares (fractions adding up to 1)
    and PMO Authority (0 supportive, 0.5 controlling, 1 directive)."""

    budget: float
    shares: tuple[float, float, float, float, float]
    authority: float

    def inputs(self) -> dict[str, float]:
        return {"pmo_budget": self.budget, **dict(zip(SHARES, self.shares)), "pmo_authority": self.authority}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Decision":
        return cls(float(data["budget"]), tuple(float(s) for s in data["shares"]), float(data["authority"]))  # type: ignore[arg-type]


def scenario_value(spec: ScenarioFile, name: str, month: float) -> float:
    """The starting scenario's own value of ``name`` at ``month`` (its schedule, parameter or default)."""
    points = base_points(spec, name)
    months, values = zip(*points)
    if month <= months[0]:
        return float(values[0])
    for (m0, v0), (m1, v1) in zip(points, points[1:]):
        if m0 <= month <= m1:
            return float(v0 + (month - m0) * (v1 - v0) / (m1 - m0)) if m1 > m0 else float(v1)
    return float(values[-1])


def scenario_decision(spec: ScenarioFile, month: float = 0.0) -> Decision:
    """What the starting PMO itself does at ``month``: the decisions a team starts from."""
    shares = [scenario_value(spec, s, month) for s in SHARES]
    total = sum(shares)
    normalised = tuple(s / total for s in shares) if total > 0 else (0.2,) * 5
    return Decision(scenario_value(spec, "pmo_budget", month), normalised, scenario_value(spec, "pmo_authority", month))  # type: ignore[arg-type]


def _range(name: str) -> tuple[float, float, str]:
    variable = get_model().variables[name]
    return float(variable.minimum), float(variable.maximum), variable.units


def check_decision(setup: WorkshopSetup, previous: Decision, *, budget: object = None,
                   shares_percent: object = None, authority: object = None) -> Decision:
    """A round's decision from a team's entries, or :class:`WorkshopError` listing every problem.

    What the set-up does not let teams decide is taken from ``previous`` (the starting PMO's or the
    team's last decision); entries for those are ignored. Shares are percentages adding up to 100.
    """
    problems: list[tuple[str, str]] = []
    chosen_budget, chosen_shares, chosen_authority = previous.budget, previous.shares, previous.authority

    def number(field: str, value: object, low: float, high: float, unit: str) -> float | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            problems.append((field, f"enter a number between {low:g} and {high:g} {unit}"))
            return None
        if not low <= value <= high:
            problems.append((field, f"{value:g} is outside the allowed range {low:g} to {high:g} {unit}"))
            return None
        return float(value)

    if setup.decide_budget:
        low, high, unit = _range("pmo_budget")
        chosen = number("PMO Budget", budget, low, high, unit)
        chosen_budget = chosen if chosen is not None else chosen_budget
    if setup.decide_shares:
        if not isinstance(shares_percent, (list, tuple)) or len(shares_percent) != len(SHARES):
            problems.append(("shares", f"give the five shares in percent: {', '.join(SHARE_LABELS)}"))
        else:
            values = [number(f"{label} share", v, 0, 100, "%") for label, v in zip(SHARE_LABELS, shares_percent)]
            if None not in values:
                total = sum(values)  # type: ignore[arg-type]
                if abs(total - 100) > SHARE_TOLERANCE:
                    problems.append(("shares", f"the five shares add up to {total:g}%; they must add up to 100%"))
                else:
                    chosen_shares = tuple(v / total for v in values)  # type: ignore[operator, assignment]
    if setup.decide_authority:
        low, high, _ = _range("pmo_authority")
        chosen = number("PMO Authority", authority, low, high, "(0 supportive, 0.5 controlling, 1 directive)")
        chosen_authority = chosen if chosen is not None else chosen_authority
    if problems:
        raise WorkshopError(problems)
    return Decision(chosen_budget, chosen_shares, chosen_authority)  # type: ignore[arg-type]
