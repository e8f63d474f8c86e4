"""Virtual survey: a population of simulated PMOs, surveyed as researchers survey real ones, and the white
paper's path model estimated on the answers.

Split by job: ``study`` (the study file's ``[study.survey]`` table, whose fields are declared in
:mod:`sim.scenario.survey_study`), ``population`` (who is surveyed, at what age, with which risk
events, who answers), ``readings`` (a model quantity read at the survey or over the months before it),
``measurement`` (Likert items), the analysis (``paths``: the path model in closed form
and its bootstrap; ``sem``: the full structural-equation model by semopy; ``reliability``; ``mediation``:
plain regressions; ``claims``: the verdicts), ``analysis`` (all of it in order) and ``report`` (files and
the path diagram).

    scenario, options = load_study("studies/white_paper_survey.toml")
    result = run_survey(scenario, options)
    for verdict in result.analysis.verdicts:
        print(verdict.line())
"""

from sim.analysis.survey.analysis import Analysis, SurveyError, SurveyResult, analyse, run_survey
from sim.analysis.survey.study import load_study, load_uploaded_study, survey_options
from sim.scenario.survey_study import SurveyStudy

__all__ = ["Analysis", "SurveyError", "SurveyResult", "SurveyStudy", "analyse", "load_study", "load_uploaded_study",
           "run_survey", "survey_options"]
