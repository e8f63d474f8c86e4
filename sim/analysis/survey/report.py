"""What a survey writes: the verdicts, the table of effects, the path diagram, reliability and validity, the
mediation report, the answers themselves and a manifest; the whole folder appears at once or not at all."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Sequence

from sim.analysis.survey.analysis import LATENT, SurveyResult
from sim.analysis.survey.constructs import NAMES, short
from sim.analysis.survey.diagram import path_dot, path_figure
from sim.analysis.survey.mediation import mediation_lines
from sim.analysis.survey.reliability import HTMT_MAX, htmt_problems
from sim.analysis.survey.study import reading
from sim.results import _csv, _png, manifest


def _range(values) -> str:
    return f"{values.min():.0f}-{values.max():.0f}"


def summary_lines(result: SurveyResult) -> list[str]:
    """The survey in words: who answered, how it was measured, whether the model is estimable, the verdicts."""
    options, analysis = result.options, result.analysis
    pmos = result.population.pmos
    answered = result.population.respondents
    level = f"{analysis.confidence:.0%}"
    lines = [
        f"Survey {result.scenario.name}: {len(pmos)} PMOs drawn, {int(pmos['open'].sum())} still open at their age, "
        f"{len(answered)} answered (ages {_range(answered['age'])} months, median {answered['age'].median():.0f}).",
        f"Measurement: {options.scale}-point Likert items, {', '.join(f'{short(n)} {len(result.responses.blocks[n])}' for n in NAMES)} "
        f"items; common-method loading {options.common_method:g}; {options.bootstrap} bootstrap resamples, {level} intervals.",
    ]
    read = [f"{short(n)} = {reading(options, n).text()}" for n in NAMES if reading(options, n).measure != "state"]
    lines.append("What the items ask about: " + "".join(f"{r}; " for r in read) + ("the other constructs" if read else "every construct")
                 + " at the survey month.")
    if options.events is not None:
        lines.append(f"Risk events on {options.events.input}: {pmos['events'].mean():.1f} per PMO over the horizon on average "
                     f"(gaps of {options.events.every:g} months on average), each PMO its own.")
    problems = htmt_problems(analysis.htmt)
    if problems:
        pairs = ", ".join(f"{short(a)}-{short(b)} {v:.2f}" for a, b, v in sorted(problems, key=lambda p: -p[2]))
        lines.append(f"Discriminant validity fails for {len(problems)} pairs of constructs (HTMT >= {HTMT_MAX}): {pairs}.")
    weak = analysis.reliability[~analysis.reliability["passes"]]["construct"].tolist()
    if weak:
        lines.append(f"Reliability below the usual thresholds (alpha, CR 0.7; AVE 0.5): {', '.join(short(n) for n in weak)}.")
    if analysis.estimable:
        agreement = analysis.sem_agreement
        check = f"; semopy's maximum-likelihood paths differ from it by at most {agreement:.3f}" if agreement == agreement else ""
        lines.append(f"Latent path model (corrected for measurement error) estimable{check}. Verdicts on it:")
    else:
        where = "in the sample" if not analysis.sample_proper else "in the resamples"
        lines.append(
            f"The latent path model cannot be estimated: the construct correlations corrected for measurement error are "
            f"not positive definite ({where}; {analysis.improper_share:.1%} of resamples), because the constructs are "
            f"nearly linear functions of one another. Verdicts on regression on construct scores (not corrected for "
            f"measurement error):")
    lines += [verdict.line() for verdict in analysis.verdicts]
    return lines


def survey_files(result: SurveyResult, *, command_line: Sequence[str] = ()) -> dict[str, bytes]:
    """Every file of a survey, by name, as bytes."""
    analysis = result.analysis
    basis = "latent path model" if analysis.basis == LATENT else "regression on construct scores"
    title = f"{result.scenario.name}: {len(result.responses.items)} PMOs, {basis}"
    text = summary_lines(result) + ["", "Mediation by regression on construct scores:"]
    text += mediation_lines(analysis.mediation, analysis.confidence)
    if analysis.sem is not None:
        fit = analysis.sem.fit
        text.append("")
        text.append(f"semopy: {analysis.sem.error}" if analysis.sem.error else
                    "semopy fit: " + ", ".join(f"{name} {value:.3f}" for name, value in fit.items()))
    population = result.population
    answers = result.responses.items.copy()
    answers.insert(0, "age", population.pmos.loc[answers.index, "age"].round(2))
    answers.insert(0, "pmo", population.pmos.loc[answers.index, "pmo"])
    files = {
        "verdicts.txt": ("\n".join(text) + "\n").encode(),
        "effects.csv": _csv(analysis.all_effects()),
        "reliability.csv": _csv(analysis.reliability),
        "htmt.csv": _csv(analysis.htmt.reset_index(names="construct")),
        "mediation.csv": _csv(analysis.mediation),
        "responses.csv": _csv(answers),
        "population.csv": _csv(population.pmos.join(population.samples)),
        "paths.png": _png(path_figure(analysis.primary_effects, title=title)),
        "paths.dot": path_dot(analysis.primary_effects, title=title).encode(),
    }
    if analysis.sem is not None and not analysis.sem.loadings.empty:
        files["loadings.csv"] = _csv(analysis.sem.loadings)
    record = manifest(_Run(result.scenario, population.seed, len(population.pmos)), command_line=command_line, files=files)
    record["study"] = result.options.model_dump(mode="json")
    record["respondents"] = len(result.responses.items)
    record["verdict_basis"] = analysis.basis
    record["verdicts"] = {f"claim {v.claim}": v.reproduced for v in analysis.verdicts}
    record["sem_package"] = _sem_version()
    files["manifest.json"] = (json.dumps(record, indent=2) + "\n").encode()
    return files


@dataclass
class _Run:
    """What the run manifest asks of a run."""

    scenario: object
    seed: int
    runs: int
    engine: str = "batch"


def _sem_version() -> str:
    from importlib import metadata

    try:
        return f"semopy {metadata.version('semopy')} (MIT)"
    except metadata.PackageNotFoundError:
        return "semopy not installed"


