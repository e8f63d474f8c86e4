"""Mediation by plain regressions on construct scores, for readers without structural-equation models.

Scores are the means of each construct's items, standardised. Three least-squares regressions
(statsmodels), each with all eight predictors: transformation on the predictors (paths ``a``),
performance on the predictors (total effects ``c``) and performance on the predictors and
transformation (direct effects ``c'`` and path ``b``). The indirect effect ``a b`` is tested by the
Sobel test and by a percentile bootstrap (Preacher and Hayes 2008); the kind of mediation follows
Zhao, Lynch and Chen (2010). Scores carry measurement error, which these regressions do not correct:
compare with the latent path model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.survey.constructs import MEDIATOR, OUTCOME, PREDICTORS, label


def _ols(scores: pd.DataFrame, target: str, predictors: list[str]):
    import statsmodels.api as sm

    return sm.OLS(scores[target], sm.add_constant(scores[predictors])).fit()


def kind(indirect_significant: bool, direct_significant: bool, same_sign: bool) -> str:
    """Zhao, Lynch and Chen (2010)'s kinds of mediation."""
    if indirect_significant and not direct_significant:
        return "indirect-only (full mediation)"
    if indirect_significant:
        return "complementary (partial mediation)" if same_sign else "competitive (partial mediation)"
    return "direct-only (no mediation)" if direct_significant else "no effect"


def mediation_table(items: pd.DataFrame, blocks: dict[str, list[str]], score_effects: pd.DataFrame, *,
                    confidence: float) -> pd.DataFrame:
    """One row per predictor: a, b, c', c with p-values, the indirect effect with Sobel and bootstrap tests.

    ``score_effects`` is the bootstrap of the same regressions (:func:`paths.effects_table` on scores)."""
    raw = pd.DataFrame({name: items[columns].mean(axis=1) for name, columns in blocks.items()})
    scores = (raw - raw.mean()) / raw.std()
    predictors = list(PREDICTORS)
    a_fit = _ols(scores, MEDIATOR, predictors)
    c_fit = _ols(scores, OUTCOME, predictors)
    direct_fit = _ols(scores, OUTCOME, predictors + [MEDIATOR])
    indirect = score_effects[score_effects["effect"] == "indirect"].set_index("from")
    b, se_b = direct_fit.params[MEDIATOR], direct_fit.bse[MEDIATOR]
    rows = []
    for name in predictors:
        a, se_a = a_fit.params[name], a_fit.bse[name]
        sobel = a * b / np.sqrt(b**2 * se_a**2 + a**2 * se_b**2)
        low, high = indirect.loc[name, "ci_low"], indirect.loc[name, "ci_high"]
        significant = bool(indirect.loc[name, "significant"])
        direct, direct_p = direct_fit.params[name], direct_fit.pvalues[name]
        rows.append({
            "predictor": name, "a": a, "a_p": a_fit.pvalues[name], "b": b, "b_p": direct_fit.pvalues[MEDIATOR],
            "direct": direct, "direct_p": direct_p, "total": c_fit.params[name], "total_p": c_fit.pvalues[name],
            "indirect": a * b, "indirect_ci_low": low, "indirect_ci_high": high,
            "sobel_p": 2 * stats.norm.sf(abs(sobel)),
            "mediation": kind(significant, direct_p < 1 - confidence, np.sign(a * b) == np.sign(direct)),
        })
    return pd.DataFrame(rows)


def mediation_lines(table: pd.DataFrame, confidence: float) -> list[str]:
    """The table in words, one line per predictor."""
    level = f"{confidence:.0%}"
    return [
        f"{label(row.predictor)} -> {label(MEDIATOR)} -> {label(OUTCOME)}: a = {row.a:+.3f} (p {row.a_p:.3f}), "
        f"b = {row.b:+.3f}, indirect = {row.indirect:+.3f} [{level} CI {row.indirect_ci_low:+.3f}, {row.indirect_ci_high:+.3f}], "
        f"direct c' = {row.direct:+.3f} (p {row.direct_p:.3f}), total c = {row.total:+.3f}: {row.mediation}"
        for row in table.itertuples()
    ]
