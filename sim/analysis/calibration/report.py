"""A calibration's tables, calibrated scenarios, summary and files (written into one folder atomically)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np
import pandas as pd

from sim.analysis.calibration.intervals import confounded_pairs
from sim.analysis.calibration.setup import decision_points
from sim.analysis.calibration.statistics import statistics_table
from sim.model import get_model
from sim.results import _png, provenance, publish_folder  # _png: a figure as PNG bytes, as in every result folder
from sim.scenario import Scenario, safe_folder_name, scenario_from_dict, to_toml

if TYPE_CHECKING:
    from sim.analysis.calibrate import Calibration


def estimates(calibration: "Calibration") -> pd.DataFrame:
    """One row per parameter: the scenario's value, the estimate, its interval, its range and whether it is identified."""
    model = get_model()
    low, high = calibration.bounds()
    level = round(calibration.level * 100)
    table = pd.DataFrame({
        "parameter": list(calibration.names),
        "label": [model.variables[n].name for n in calibration.names],
        "unit": [model.variables[n].units for n in calibration.names],
        "scenario_value": calibration.start_values,
        "estimate": calibration.fit.theta,
        f"low_{level}": low,
        f"high_{level}": high,
        "range_min": calibration.problem.lower,
        "range_max": calibration.problem.upper,
        "identified": [i.status for i in calibration.intervals],
    })
    if calibration.posterior is not None:
        quantiles = np.quantile(calibration.problem.theta(calibration.posterior.u), [0.05, 0.5, 0.95], axis=0)
        for name, values in zip(("posterior_p05", "posterior_p50", "posterior_p95"), quantiles):
            table[name] = values
    return table


def statistics(calibration: "Calibration") -> pd.DataFrame:
    """Per observed series: observations, noise, R², MAPE, RMSE and Theil's U^M, U^S, U^C."""
    fit, problem = calibration.fit, calibration.problem
    return statistics_table(problem.series, problem.series_index, problem.observed, fit.predictions, fit.noise, fit.noise_kind)


def correlation_table(calibration: "Calibration") -> pd.DataFrame:
    return pd.DataFrame(calibration.correlation, index=pd.Index(calibration.names, name="parameter"), columns=calibration.names)


def starts_table(calibration: "Calibration") -> pd.DataFrame:
    """Where each start began and ended, and its weighted sum of squares."""
    problem = calibration.problem
    rows = []
    for number, start in enumerate(calibration.fit.starts, start=1):
        row: dict[str, object] = {"start": number, "weighted_ssr": start.cost}
        row.update({f"{n}_from": v for n, v in zip(problem.names, problem.theta(start.u_start))})
        row.update({f"{n}_to": v for n, v in zip(problem.names, problem.theta(start.u_end))})
        rows.append(row)
    return pd.DataFrame(rows)


def _distribution(calibration: "Calibration", index: int, marginal: dict) -> dict[str, object]:
    problem = calibration.problem
    width = problem.upper[index] - problem.lower[index]
    if marginal["dist"] == "normal":
        return {"dist": "normal", "mean": _round(problem.theta(calibration.fit.u)[index]), "sd": _round(marginal["sd"] * width)}
    low = problem.lower[index] + marginal["low"] * width
    high = problem.lower[index] + marginal["high"] * width
    return {"dist": "uniform", "low": _round(low), "high": _round(high)}


def _round(value: float) -> float:
    return float(f"{value:.6g}")


def calibrated_scenarios(calibration: "Calibration", *, runs: int = 200) -> tuple[Scenario, Scenario]:
    """The input scenario with the history's decisions as schedules and the horizon of the chart, as

    - the calibrated scenario: the estimates in ``[params]`` (one run: the fitted trajectory), and
    - the uncertain one: the estimates' uncertainty in ``[uncertainty]`` (a normal for a parameter the
      history bounds on both sides, uniform over its interval otherwise), with the input's other
      uncertain parameters kept.
    """
    source = calibration.scenario
    spec = source.spec
    history = calibration.history
    stem = safe_folder_name(Path(history.label).stem)
    data = source.resolved()
    data.pop("uncertainty", None)
    data["run"] = {k: v for k, v in data["run"].items() if v is not None}
    data["run"]["final_time"] = calibration.horizon
    decided = set(history.decisions)
    schedule = {n: s for n, s in data.get("schedule", {}).items() if n not in decided}
    schedule.update({n: {"points": decision_points(s)} for n, s in history.decisions.items()})
    data["schedule"] = schedule
    data["shocks"] = [s for s in data.get("shocks", []) if s["input"] not in decided]
    fixed_uncertain = {}
    if spec.uncertainty is not None:
        from sim.analysis.calibration.setup import scenario_value

        fixed_uncertain = {n: scenario_value(source, n) for n in spec.uncertainty.params
                           if n not in calibration.names and n not in decided}
    params = {n: v for n, v in data.get("params", {}).items() if n not in decided}
    level = round(calibration.level * 100)
    note = (f"Calibrated to {history.label} ({history.n_observations} observations of {len(history.observed)} series, "
            f"months {history.months[0]:g} to {history.last_month:g}): {len(calibration.names)} parameters fitted by "
            f"weighted least squares, {level}% profile-likelihood intervals.")
    point = {**data, "name": f"{stem}_calibrated", "description": f"{spec.description}\n\n{note}".strip(),
             "params": {**params, **fixed_uncertain, **calibration.estimates}}  # full precision: the run reproduces the fit
    distributions = {n: _distribution(calibration, i, m) for i, (n, m) in enumerate(zip(calibration.names, calibration.marginals()))}
    kept = {n: d.model_dump(exclude_none=True) for n, d in (spec.uncertainty.params.items() if spec.uncertainty else [])
            if n not in calibration.names and n not in decided}
    seed = spec.uncertainty.seed if spec.uncertainty else calibration.options.get("seed", 0)
    uncertain = {**data, "name": f"{stem}_calibrated_uncertain",
                 "description": f"{spec.description}\n\n{note} The estimates' uncertainty as a Monte Carlo "
                                "(the estimates' correlation is not carried: see correlation.csv).".strip(),
                 "params": params,
                 "uncertainty": {"runs": runs, "seed": seed, "params": {**kept, **distributions}}}
    return scenario_from_dict(point, name=point["name"]), scenario_from_dict(uncertain, name=uncertain["name"])


def agreement(calibration: "Calibration") -> str:
    """Whether the starts reach the same fit and agree on the estimates, in a sentence."""
    reached, total, agree = calibration.fit.agreement()
    if reached == 1 and total > 1:
        return (f"only one of {total} starts reaches the best fit; the others stop at worse fits (local optima), so "
                "more starts (--starts) may find a better one.")
    if not agree:
        return (f"{reached} of {total} starts reach equally good fits at different estimates: the history does not pin "
                "every parameter down (see the intervals).")
    others = "" if reached == total else "; the others stop at worse fits"
    return f"{'all' if reached == total else reached} of {total} starts reach the best fit and agree on every estimate{others}."


def summary(calibration: "Calibration") -> str:
    """What a reader needs first: the fit's agreement, the estimates with intervals, the fit per series, and what
    the history cannot tell apart."""
    history = calibration.history
    level = round(calibration.level * 100)
    lines = [f"Calibrated {calibration.scenario.name} to {history.label}: {history.n_observations} observations of "
             f"{len(history.observed)} series (months {history.months[0]:g} to {history.last_month:g}), "
             f"{len(calibration.names)} parameters.", f"Starts: {agreement(calibration)}"]
    scenario_horizon = calibration.scenario.spec.run.final_time
    if calibration.horizon > scenario_horizon:
        lines.append(f"The history goes beyond the scenario's horizon ({scenario_horizon:g} months): the fitted runs and "
                     f"the calibrated scenarios run to month {calibration.horizon:g}.")
    table = estimates(calibration)
    width = max(len(n) for n in calibration.names)
    lines += ["", f"{'parameter':<{width}}  {'scenario':>9}  {'estimate':>9}  {level}% interval{'':<10} identified"]
    for row in table.itertuples(index=False):
        interval = interval_text(getattr(row, f'low_{level}'), getattr(row, f'high_{level}'))
        lines.append(f"{row.parameter:<{width}}  {_fmt(row.scenario_value):>9}  {_fmt(row.estimate):>9}  {interval:<22} {row.identified}")
    fits = statistics(calibration)
    series_width = max(len(n) for n in fits["series"])
    lines += ["", f"{'series':<{series_width}}  {'R2':>6}  {'MAPE %':>7}  {'U^M':>5}  {'U^S':>5}  {'U^C':>5}  noise sd"]
    for row in fits.itertuples(index=False):
        lines.append(f"{row.series:<{series_width}}  {row.r2:>6.3f}  {row.mape_percent:>7.2f}  {row.theil_um:>5.2f}  "
                     f"{row.theil_us:>5.2f}  {row.theil_uc:>5.2f}  {_fmt(row.noise_sd)} ({row.noise})")
    assumed = list(fits.loc[fits["noise"] == "assumed", "series"])
    if assumed:
        lines += ["", f"Noise assumed (5% of the documented range) for {', '.join(assumed)}: too few observations for the "
                      "parameters to estimate it, and the intervals rest on it; give it with --noise SERIES=SD if you know it."]
    pairs = confounded_pairs(calibration.names, calibration.correlation)
    if pairs:
        lines += ["", "The history cannot tell these apart (correlation of the estimates):"]
        lines += [f"  {a} and {b}: {r:+.2f}" for a, b, r in pairs]
    if calibration.posterior is not None:
        post = calibration.posterior
        lines += ["", f"Posterior (emcee): {post.walkers} walkers x {post.steps} steps, acceptance {post.acceptance:.2f}, "
                      f"{len(post.u)} samples after burn-in {post.burn} and thinning {post.thin}."]
        if not post.converged:
            lines.append(f"  The chain is shorter than 50 autocorrelation times ({np.nanmax(post.autocorrelation):.0f} steps): "
                         "raise --steps for a reliable posterior.")
    return "\n".join(lines)


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def interval_text(low: float, high: float) -> str:
    """``low to high`` with 4 significant digits, or as many more as it takes to show that a narrow interval
    has a width (``17.218 to 17.224``, not ``17.22 to 17.22``)."""
    for digits in range(4, 10):
        low_text, high_text = f"{low:.{digits}g}", f"{high:.{digits}g}"
        if low_text != high_text or low == high:
            break
    return f"{low_text} to {high_text}"


def _csv(frame: pd.DataFrame, *, index: bool = False) -> bytes:
    return frame.to_csv(index=index, float_format="%.10g").encode("utf-8")


def folder_name(calibration: "Calibration") -> str:
    return f"{safe_folder_name(Path(calibration.history.label).stem)}_calibration"


def files(calibration: "Calibration", *, command_line: Sequence[str] = ()) -> dict[str, bytes]:
    """Every file of a calibration by name, as bytes (the app offers them as a zip)."""
    from sim.analysis.calibrate import fitted_frame
    from sim.analysis.calibration.chart import calibration_figure

    point, uncertain = calibrated_scenarios(calibration)
    content = {
        "summary.txt": (summary(calibration) + "\n").encode(),
        "estimates.csv": _csv(estimates(calibration)),
        "fit.csv": _csv(statistics(calibration)),
        "correlation.csv": _csv(correlation_table(calibration), index=True),
        "starts.csv": _csv(starts_table(calibration)),
        "fitted.csv": _csv(fitted_frame(calibration)),
        "calibration.png": _png(calibration_figure(calibration)),
        "calibrated.toml": to_toml(point).encode(),
        "calibrated_uncertain.toml": to_toml(uncertain).encode(),
    }
    if calibration.posterior is not None:
        samples = pd.DataFrame(calibration.problem.theta(calibration.posterior.u), columns=calibration.names)
        content["posterior.csv"] = _csv(samples)
    content["manifest.json"] = (json.dumps(manifest(calibration, content, command_line), indent=2) + "\n").encode()
    return content


def manifest(calibration: "Calibration", content: dict[str, bytes], command_line: Sequence[str]) -> dict:
    """What makes the calibration reproducible: versions, hashes of the model, scenario and history, options, times."""
    import scipy

    return provenance(calibration.scenario, command_line=command_line, files=content, run={
        "history_file": calibration.history.label,
        "history_sha256": calibration.history.sha256,
        "parameters": list(calibration.names),
        "options": calibration.options,
        "model_evaluations": calibration.fit.evaluations,
        "timings_seconds": {k: round(v, 3) for k, v in calibration.timings.items()},
        "scipy": scipy.__version__,
    })


def write(calibration: "Calibration", out: Path, *, command_line: Sequence[str] = ()) -> Path:
    """Write every file into ``out/<history>_calibration/``: built in a temporary folder beside it, then renamed into
    place (replacing an earlier calibration of the same history), so that the folder is never half-written."""
    return publish_folder(out, folder_name(calibration), files(calibration, command_line=command_line))
