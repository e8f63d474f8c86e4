"""Reliability and validity of the measurement, as a survey paper reports them.

- Cronbach's alpha (internal consistency), at least 0.7 (Nunnally 1978);
- composite reliability, at least 0.7, and average variance extracted, at least 0.5 (Fornell and
  Larcker 1981), from the items' standardised one-factor loadings;
- the heterotrait-monotrait ratio of correlations between every two constructs, below 0.85 for
  discriminant validity (Henseler, Ringle and Sarstedt 2015); absolute correlations, since the
  risks are measured in the opposite direction to the capabilities.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.survey.constructs import NAMES
from sim.analysis.survey.paths import item_loadings

ALPHA_MIN, CR_MIN, AVE_MIN, HTMT_MAX = 0.7, 0.7, 0.5, 0.85


def reliability_table(items: pd.DataFrame, blocks: dict[str, list[str]]) -> pd.DataFrame:
    """One row per construct: items, Cronbach's alpha, composite reliability, AVE, and whether each passes."""
    cov = items.cov().to_numpy()
    corr = items.corr().to_numpy()
    position = {c: i for i, c in enumerate(items.columns)}
    rows = []
    for name in NAMES:
        block = [position[c] for c in blocks[name]]
        k = len(block)
        sub = cov[np.ix_(block, block)]
        alpha = k / (k - 1) * (1 - np.trace(sub) / sub.sum())
        loadings = item_loadings(corr[None], block)[0]
        explained = loadings.sum() ** 2
        composite = explained / (explained + (1 - loadings**2).sum())
        ave = float(np.mean(loadings**2))
        rows.append({"construct": name, "items": k, "cronbach_alpha": alpha, "composite_reliability": composite,
                     "ave": ave, "passes": bool(alpha >= ALPHA_MIN and composite >= CR_MIN and ave >= AVE_MIN)})
    return pd.DataFrame(rows)


def htmt(items: pd.DataFrame, blocks: dict[str, list[str]]) -> pd.DataFrame:
    """The heterotrait-monotrait ratio of every two constructs (a symmetric table, 1 on the diagonal)."""
    corr = items.corr().abs().to_numpy()
    position = {c: i for i, c in enumerate(items.columns)}
    index = {name: [position[c] for c in blocks[name]] for name in NAMES}

    def monotrait(block: list[int]) -> float:
        sub = corr[np.ix_(block, block)]
        return float(sub[np.triu_indices(len(block), 1)].mean())

    within = {name: monotrait(block) for name, block in index.items()}
    table = pd.DataFrame(np.eye(len(NAMES)), index=list(NAMES), columns=list(NAMES))
    for i, a in enumerate(NAMES):
        for b in NAMES[i + 1:]:
            value = corr[np.ix_(index[a], index[b])].mean() / np.sqrt(within[a] * within[b])
            table.loc[a, b] = table.loc[b, a] = value
    return table


def htmt_problems(table: pd.DataFrame, limit: float = HTMT_MAX) -> list[tuple[str, str, float]]:
    """The pairs of constructs whose HTMT reaches ``limit``: they are not told apart by their items."""
    names = list(table.index)
    return [(a, b, float(table.loc[a, b])) for i, a in enumerate(names) for b in names[i + 1:] if table.loc[a, b] >= limit]
