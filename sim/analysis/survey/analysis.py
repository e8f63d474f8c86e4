"""A survey from start to end: draw the population, measure it, analyse the answers, judge the claims."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.survey import claims, mediation, paths, population, reliability, sem
from sim.analysis.survey.measurement import Responses, measure
from sim.analysis.survey.study import MIN_RESPONDENTS
from sim.scenario import Scenario
from sim.scenario.survey_study import SurveyStudy


class SurveyError(Exception):
    """The survey cannot be analysed (too few PMOs answered)."""


#: The latent path model is judged only when at most this share of resamples gives improper construct correlations.
MAX_IMPROPER = 0.05
LATENT, SCORES = "latent", "scores"


@dataclass
class Analysis:
    """What the answers say: effects with intervals, the SEM reference fit, reliability, mediation, verdicts.

    Two estimates of every effect: ``latent`` (corrected for measurement error, as a structural-equation
    model estimates it; semopy's estimate and p-value beside each path) and ``scores`` (regression on the
    constructs' scores). The verdicts use the latent model when it can be estimated (its construct
    correlations are proper in the sample and in all but ``MAX_IMPROPER`` of the resamples), else the scores.
    """

    effects: pd.DataFrame  # latent effects (paths.effects_table), with sem_estimate and sem_p_value of each path
    score_effects: pd.DataFrame  # the same on construct scores
    sem: sem.SemFit | None
    reliability: pd.DataFrame
    htmt: pd.DataFrame
    mediation: pd.DataFrame
    improper_share: float  # share of resamples whose corrected construct correlations are not positive definite
    sample_proper: bool
    confidence: float

    @property
    def estimable(self) -> bool:
        return self.sample_proper and self.improper_share <= MAX_IMPROPER

    @property
    def basis(self) -> str:
        """Which estimate the verdicts rest on: ``latent`` or ``scores``."""
        return LATENT if self.estimable else SCORES

    @property
    def primary_effects(self) -> pd.DataFrame:
        return self.effects if self.estimable else self.score_effects

    @property
    def verdicts(self) -> list[claims.Verdict]:
        return claims.verdicts(self.primary_effects, basis=self.basis)

    def all_effects(self) -> pd.DataFrame:
        """Both estimates in one table, ``model`` saying which."""
        return pd.concat([self.effects.assign(model=LATENT), self.score_effects.assign(model=SCORES)], ignore_index=True)

    @property
    def sem_agreement(self) -> float:
        """Largest difference between a closed-form path and semopy's (NaN without a SEM fit)."""
        column = self.effects.get("sem_estimate")
        if column is None or column.isna().all():
            return float("nan")
        return float((self.effects["estimate"] - column).abs().max())


@dataclass
class SurveyResult:
    scenario: Scenario
    options: SurveyStudy
    population: population.Population
    responses: Responses
    analysis: Analysis


def analyse(responses: Responses, *, resamples: int, confidence: float, rng: np.random.Generator,
            fit_sem: bool = True) -> Analysis:
    """Analyse a questionnaire's answers (from a simulated population or from any other source)."""
    items, blocks = responses.items, responses.blocks
    sample = paths.estimate(items, blocks)
    drawn = paths.bootstrap(items, blocks, resamples=resamples, rng=rng)
    effects = paths.effects_table(sample, drawn, confidence=confidence)
    on_scores = paths.effects_table(paths.estimate(items, blocks, disattenuate=False),
                                    paths.bootstrap(items, blocks, resamples=resamples, rng=rng, disattenuate=False),
                                    confidence=confidence)
    fitted = None
    improper = float(1 - drawn.proper.mean())
    if fit_sem and sample.proper[0] and improper <= MAX_IMPROPER:
        fitted = sem.fit(items, blocks)
    elif fit_sem:  # no latent model is identified; semopy would search a long time for a meaningless optimum
        where = "in the sample" if not sample.proper[0] else f"in {improper:.0%} of the bootstrap resamples"
        fitted = sem.SemFit(pd.DataFrame(columns=["from", "to", "estimate", "p_value"]),
                            pd.DataFrame(columns=["construct", "item", "loading"]),
                            error=f"not fitted: the construct correlations corrected for measurement error are not "
                                  f"positive definite ({where}), so no latent model is identified")
    if fitted is not None and fitted.error is None:
        effects = effects.merge(fitted.paths.rename(columns={"estimate": "sem_estimate", "p_value": "sem_p_value"}),
                                on=["from", "to"], how="left")
        direct = effects["effect"] == "direct"
        effects.loc[~direct, ["sem_estimate", "sem_p_value"]] = np.nan
    return Analysis(
        effects=effects, score_effects=on_scores, sem=fitted, reliability=reliability.reliability_table(items, blocks),
        htmt=reliability.htmt(items, blocks),
        mediation=mediation.mediation_table(items, blocks, on_scores, confidence=confidence),
        improper_share=improper, sample_proper=bool(sample.proper[0]), confidence=confidence)


def run_survey(scenario: Scenario, options: SurveyStudy, *, pmos: int | None = None, bootstrap: int | None = None,
               seed: int | None = None, fit_sem: bool = True) -> SurveyResult:
    """Survey the scenario's population as the study says; ``pmos``, ``bootstrap`` and ``seed`` override it."""
    if seed is not None or bootstrap is not None:
        options = options.model_copy(update={k: v for k, v in (("seed", seed), ("bootstrap", bootstrap)) if v is not None})
    drawn = population.draw(scenario, options, pmos=pmos)
    respondents = drawn.respondents
    if len(respondents) < MIN_RESPONDENTS:
        raise SurveyError(f"only {len(respondents)} of {len(drawn.pmos)} PMOs answered (open: {int(drawn.pmos['open'].sum())}); "
                          f"the path model needs at least {MIN_RESPONDENTS}: survey more PMOs or lower non_response")
    rng = np.random.default_rng([drawn.seed, 7])
    responses = measure(respondents, options, rng)
    result = analyse(responses, resamples=options.bootstrap, confidence=options.confidence, rng=rng, fit_sem=fit_sem)
    return SurveyResult(scenario, options, drawn, responses, result)
