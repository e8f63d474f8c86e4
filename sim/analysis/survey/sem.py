"""The full structural-equation model on the items, estimated by semopy (MIT licence; Igolkina and
Meshcheryakov 2020): each construct a latent variable measured by its items, the white paper's paths
between them, maximum likelihood. Its standardised paths are the reference the closed-form estimator
of :mod:`paths` (used for the bootstrap) is checked against.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.analysis.survey.constructs import BY_NAME, MEDIATOR, NAMES, OUTCOME, PREDICTORS, short

#: Fit indices reported, with the usual thresholds of good fit (Hu and Bentler 1999).
FIT_INDICES = ("CFI", "TLI", "RMSEA", "chi2", "DoF")


@dataclass
class SemFit:
    """semopy's estimates: standardised paths with Wald p-values, standardised loadings, fit indices."""

    paths: pd.DataFrame  # from, to, estimate (standardised), p_value
    loadings: pd.DataFrame  # construct, item, loading (standardised)
    fit: dict[str, float] = field(default_factory=dict)
    error: str | None = None


def description(blocks: dict[str, list[str]]) -> str:
    """The model in semopy's (lavaan's) syntax."""
    lines = [f"{short(name)} =~ {' + '.join(items)}" for name, items in blocks.items()]
    lines.append(f"{short(MEDIATOR)} ~ {' + '.join(short(x) for x in PREDICTORS)}")
    lines.append(f"{short(OUTCOME)} ~ {' + '.join(short(x) for x in PREDICTORS + (MEDIATOR,))}")
    return "\n".join(lines)


def fit(items: pd.DataFrame, blocks: dict[str, list[str]]) -> SemFit:
    """Fit the model; a failure of the optimiser is reported in ``error``, not raised."""
    import semopy

    by_short = {BY_NAME[name].short: name for name in NAMES}
    empty = pd.DataFrame(columns=["from", "to", "estimate", "p_value"])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = semopy.Model(description(blocks))
            model.fit(items.astype(float))
            table = model.inspect(std_est=True)
            stats = semopy.calc_stats(model)
    except Exception as error:  # noqa: BLE001 - semopy's optimiser fails in many ways; the survey reports it
        return SemFit(empty, pd.DataFrame(columns=["construct", "item", "loading"]), error=f"{type(error).__name__}: {error}")
    regressions = table[(table["op"] == "~") & ~table["lval"].isin(items.columns)]
    paths = pd.DataFrame({
        "from": [by_short[v] for v in regressions["rval"]],
        "to": [by_short[v] for v in regressions["lval"]],
        "estimate": regressions["Est. Std"].astype(float).to_numpy(),
        "p_value": pd.to_numeric(regressions["p-value"], errors="coerce").to_numpy(),
    })
    measured = table[(table["op"] == "~") & table["lval"].isin(items.columns)]
    loadings = pd.DataFrame({"construct": [by_short[v] for v in measured["rval"]], "item": measured["lval"].to_numpy(),
                             "loading": measured["Est. Std"].astype(float).to_numpy()})
    indices = {name: float(stats[name].iloc[0]) for name in FIT_INDICES if name in stats}
    if not np.all(np.isfinite(paths["estimate"])):
        return SemFit(paths, loadings, indices, error="semopy returned non-finite estimates")
    return SemFit(paths, loadings, indices)
