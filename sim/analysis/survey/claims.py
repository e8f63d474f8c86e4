"""The three empirical claims of the Dual-Track white paper (section 7, "Empirical insights"), each judged on
the table of effects: a part holds when the bootstrap interval says so.

1. Governance & Standardization and Delivery Support have a significant, direct, positive effect on
   PMO Performance.
2. Strategic Alignment and Performance & Value Management have no direct effect on performance; their
   effect is significant only through PMO Transformation.
3. The risks (unclear mandate, fragmented governance, weak value measurement) do not lower performance
   directly; they raise PMO Transformation.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sim.analysis.survey.constructs import MEDIATOR, OUTCOME, short


@dataclass(frozen=True)
class Part:
    figure: str  # the effect, its estimate and its interval
    claim: str  # what the claim says of it
    holds: bool


@dataclass(frozen=True)
class Verdict:
    claim: int
    title: str
    parts: tuple[Part, ...]
    basis: str = "latent"  # the estimate judged: latent (corrected for measurement error) or scores

    @property
    def reproduced(self) -> bool:
        return all(part.holds for part in self.parts)

    def line(self) -> str:
        status = "REPRODUCED" if self.reproduced else "NOT REPRODUCED"
        return f"Claim {self.claim} ({self.title}) [{self.basis}]: {status}: " + "; ".join(
            f"{part.figure} (claimed {part.claim}: {'holds' if part.holds else 'FAILS'})" for part in self.parts)


def _row(effects: pd.DataFrame, kind: str, source: str, target: str) -> pd.Series:
    return effects[(effects["effect"] == kind) & (effects["from"] == source) & (effects["to"] == target)].iloc[0]


def _figure(row: pd.Series) -> str:
    arrow = f"{short(row['from'])} -> {short(MEDIATOR)} -> {short(row['to'])}" if row["effect"] == "indirect" \
        else f"{short(row['from'])} -> {short(row['to'])}"
    return f"{row['effect']} {arrow} {row['estimate']:+.3f} [{row['ci_low']:+.3f}, {row['ci_high']:+.3f}]"


def _positive(row: pd.Series) -> Part:
    return Part(_figure(row), "significant and positive", bool(row["ci_low"] > 0))


def _not_significant(row: pd.Series) -> Part:
    return Part(_figure(row), "not significant", not bool(row["significant"]))


def _not_negative(row: pd.Series) -> Part:
    return Part(_figure(row), "not significantly negative", not bool(row["ci_high"] < 0))


def verdicts(effects: pd.DataFrame, *, basis: str = "latent") -> list[Verdict]:
    """One verdict per claim, from a table of effects with intervals (:func:`paths.effects_table`)."""
    execution = ("governance_and_standardization", "delivery_support")
    value = ("strategic_alignment", "performance_and_value_management")
    risks = ("mandate_risk", "governance_fragmentation_risk", "value_measurement_risk")
    first = tuple(_positive(_row(effects, "direct", x, OUTCOME)) for x in execution)
    second = tuple(part for x in value for part in (_not_significant(_row(effects, "direct", x, OUTCOME)),
                                                    _positive(_row(effects, "indirect", x, OUTCOME))))
    third = tuple(part for x in risks for part in (_not_negative(_row(effects, "direct", x, OUTCOME)),
                                                   _positive(_row(effects, "direct", x, MEDIATOR))))
    return [Verdict(1, "the execution track acts on performance directly", first, basis),
            Verdict(2, "the value track acts only through PMO Transformation", second, basis),
            Verdict(3, "risks trigger transformation and do not lower performance directly", third, basis)]
