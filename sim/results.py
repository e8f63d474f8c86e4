"""What a run produces: KPIs, tidy time series, CSV / Parquet, charts and a manifest.

Every file is written to a temporary name in its folder and renamed into place, so an
interrupted run never leaves a half-written result, and nothing is written outside the
output folder given.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import platform
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
import xarray as xr

from sim.model import CONTRACT_OUTPUTS, get_model
from sim.runner import Result
from sim.scenario import Scenario, safe_folder_name

KPI_MONTHS = (12, 36, 60)
KPI_OUTPUTS = ("pmo_performance", "delivery_performance", "strategic_value_realization")
QUANTILE_COLUMNS = {"p05": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95}
#: KPIs in this unit are milestones: the month something is first reached, NaN for a run that never reaches it.
MILESTONE_UNIT = "Month"
#: What the time series and run files hold: the contract outputs, PMO survival and net value against no PMO.
SERIES_OUTPUTS = CONTRACT_OUTPUTS + tuple(
    name for name in ("pmo_survival", "closure_hazard", "net_value_added", "cumulative_net_value") if name not in CONTRACT_OUTPUTS)
#: The time series a report keeps: those of timeseries.csv and those the charts also draw.
REPORT_SERIES = SERIES_OUTPUTS + ("maturity_index",)
#: Everything the result files read: the time series, the KPIs and the charts (a run may keep only these).
#: What break-even against the scenario a file extends reads, of both runs (:func:`break_even_months`).
BREAK_EVEN_OUTPUTS = ("cumulative_value_delivered", "cumulative_pmo_cost")
#: What every KPI of :func:`kpi_values` reads.
KPI_INPUTS = KPI_OUTPUTS + ("maturity_level", "value_to_cost_ratio", "executive_support", "pmo_survival",
                            "net_value_added", "cumulative_net_value") + BREAK_EVEN_OUTPUTS
REPORT_OUTPUTS = tuple(dict.fromkeys(REPORT_SERIES + KPI_INPUTS))


class OutputError(Exception):
    """Results cannot be written where asked."""


# -- KPIs ------------------------------------------------------------------------------------------


def _first_month(months: np.ndarray, reached: np.ndarray) -> np.ndarray:
    """Per run, the first month where ``reached`` (runs x months) is true; NaN if never."""
    first = np.argmax(reached, axis=1)
    return np.where(reached.any(axis=1), months[first], np.nan)


def month_from_which(months: np.ndarray, holds: np.ndarray) -> np.ndarray:
    """Per run, the month from which ``holds`` (runs x months) stays true to the end.

    The first month when it always holds; NaN when it does not hold at the end.
    """
    fails = ~holds
    last_fail = np.where(fails.any(axis=1), fails.shape[1] - 1 - np.argmax(fails[:, ::-1], axis=1), -1)
    month = months[np.clip(last_fail + 1, 0, fails.shape[1] - 1)]
    return np.where(last_fail == fails.shape[1] - 1, np.nan, month)


def break_even_months(result: Result) -> np.ndarray | None:
    """Per run, the month from which cumulative net value stays at or above the scenario it extends.

    Net value is Cumulative Value Delivered minus Cumulative PMO Cost. 0 when never below; NaN when
    still below at the end. Runs are paired by index when both have as many, else compared with the
    parent's first run. None when the scenario extends nothing.
    """
    parent = result.parent
    if parent is None:
        return None
    net = (result.dataset["cumulative_value_delivered"] - result.dataset["cumulative_pmo_cost"]).to_numpy()
    parent_net = (parent.dataset["cumulative_value_delivered"] - parent.dataset["cumulative_pmo_cost"]).to_numpy()
    if parent_net.shape[0] != net.shape[0]:
        parent_net = np.broadcast_to(parent_net[:1], net.shape)
    common = min(net.shape[1], parent_net.shape[1])
    months = result.dataset["time"].to_numpy()[:common]
    return month_from_which(months, net[:, :common] - parent_net[:, :common] >= 0)


def kpi_values(result: Result) -> dict[str, tuple[str, np.ndarray]]:
    """Every KPI per run: name -> (unit, values). Milestones (unit Month) are NaN for runs that never reach them."""
    data = result.dataset
    months = data["time"].to_numpy()
    final = months[-1]
    at_final = f"at month {final:g} (final)"
    kpis: dict[str, tuple[str, np.ndarray]] = {}
    for name in KPI_OUTPUTS:
        for month in KPI_MONTHS:
            if month <= final:
                kpis[f"{name} at month {month}"] = ("Dmnl", data[name].sel(time=month).to_numpy())
        kpis[f"{name} {at_final}"] = ("Dmnl", data[name].isel(time=-1).to_numpy())
    maturity = data["maturity_level"].to_numpy()
    kpis["maturity level reached"] = ("level 1-4", np.floor(maturity.max(axis=1) + 1e-9))
    for level in (2, 3, 4):
        kpis[f"month maturity level {level} reached"] = (MILESTONE_UNIT, _first_month(months, maturity >= level))
    kpis["value to cost ratio (final)"] = ("Dmnl", data["value_to_cost_ratio"].isel(time=-1).to_numpy())
    kpis["lowest executive support"] = ("Dmnl", data["executive_support"].min(dim="time").to_numpy())
    survival = data["pmo_survival"].to_numpy()
    kpis[f"pmo_survival {at_final}"] = ("Dmnl", survival[:, -1])
    kpis["month pmo_survival falls below 50%"] = (MILESTONE_UNIT, _first_month(months, survival < 0.5))
    kpis[f"net_value_added {at_final}"] = ("k$/Month", data["net_value_added"].isel(time=-1).to_numpy())
    cumulative = data["cumulative_net_value"].to_numpy()
    kpis[f"cumulative_net_value {at_final}"] = ("k$", cumulative[:, -1])
    kpis["month of break-even against no PMO"] = (
        MILESTONE_UNIT, month_from_which(months, cumulative >= 0))
    break_even = break_even_months(result)
    if break_even is not None:
        kpis[f"month of break-even against {result.parent.scenario.name}"] = (MILESTONE_UNIT, break_even)
    return kpis


def milestone_summary(values: np.ndarray) -> dict[str, float]:
    """Mean and quantiles of a milestone over all runs, a run that never reaches it counting as after the horizon.

    A quantile that falls among those runs is NaN (written blank: not reached); so is the mean
    unless every run reaches it. ``runs_reached`` and ``reached_share`` say how many do.
    """
    reached = ~np.isnan(values)
    ordered = np.sort(np.where(reached, values, np.inf))
    quantiles = np.array(list(QUANTILE_COLUMNS.values()))
    within = np.isfinite(ordered[np.ceil((len(ordered) - 1) * quantiles).astype(int)])
    with np.errstate(invalid="ignore"):
        values_at = np.where(within, np.quantile(ordered, quantiles), np.nan)
    row = {"mean": float(values.mean()) if reached.all() else np.nan}
    row.update(zip(QUANTILE_COLUMNS, values_at.tolist()))
    return row


def kpi_table(result: Result) -> pd.DataFrame:
    """One row per KPI: its value, or with several runs its mean and 5/25/50/75/95% quantiles.

    Milestones also give ``runs_reached`` and ``reached_share``; their quantiles count every run
    (see :func:`milestone_summary`), and a blank value or quantile means not reached. With several
    runs, ``median_among_reached`` is the median month among the runs that reach it. Rows come in
    time order within each output (month 12, 36, 60, then the final month).
    """
    return kpi_table_from_values(kpi_values(result))


def kpi_table_from_values(kpis: dict[str, tuple[str, np.ndarray]]) -> pd.DataFrame:
    """:func:`kpi_table` from per-run KPI values (:func:`kpi_values`, or those of chunks joined)."""
    rows = []
    for name, (unit, values) in kpis.items():
        row: dict[str, object] = {"kpi": name, "unit": unit}
        milestone = unit == MILESTONE_UNIT
        if len(values) == 1:
            row["value"] = values[0]
        elif milestone:
            row.update(milestone_summary(values))
        else:
            row["mean"] = values.mean()
            row.update(zip(QUANTILE_COLUMNS, np.quantile(values, list(QUANTILE_COLUMNS.values()))))
        if milestone:
            count = int((~np.isnan(values)).sum())
            row.update(runs_reached=count, reached_share=count / len(values))
            if len(values) > 1:
                row["median_among_reached"] = float(np.nanmedian(values)) if count else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


# -- tables ----------------------------------------------------------------------------------------


def timeseries_table(dataset: xr.Dataset, outputs: Sequence[str] = SERIES_OUTPUTS) -> pd.DataFrame:
    """Time and every output (contract, survival, net value): the values of a single run, or 5/25/50/75/95% quantiles of many."""
    columns: dict[str, np.ndarray] = {"time": dataset["time"].to_numpy()}
    for name in (n for n in outputs if n in dataset):
        columns.update(series_columns(name, dataset[name].to_numpy()))
    return pd.DataFrame(columns)


def series_columns(name: str, values: np.ndarray) -> dict[str, np.ndarray]:
    """The time-series columns of one output from its values (runs x months): the values of a single
    run, or the exact 5/25/50/75/95% quantiles of many at every month (numpy's linear interpolation)."""
    if values.shape[0] == 1:
        return {name: values[0]}
    quantiles = np.quantile(values, list(QUANTILE_COLUMNS.values()), axis=0)
    return {f"{name}_{suffix}": q for suffix, q in zip(QUANTILE_COLUMNS, quantiles)}


def runs_table(dataset: xr.Dataset, outputs: Sequence[str] = SERIES_OUTPUTS) -> pd.DataFrame:
    """Every run in long form: run, time and every output."""
    names = [n for n in outputs if n in dataset]
    return dataset[names].to_dataframe().reset_index()


# -- writing ---------------------------------------------------------------------------------------


def write_atomic(path: Path, content: bytes) -> None:
    """Write ``content`` to a temporary file beside ``path`` and rename it into place."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
        publish(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def new_file_mode() -> int:
    """The mode ``open()`` gives a new file: 0o666 less the process's umask (read without changing it for good)."""
    return 0o666 & ~_umask()


def publish(temporary: str | Path, path: Path) -> None:
    """Give a finished temporary file the mode a new file would have (the replaced file's, if any), sync it
    and rename it to ``path``. ``mkstemp`` makes files private (0600); results are meant to be shared as
    the user's umask says."""
    os.chmod(temporary, path.stat().st_mode & 0o777 if path.exists() else new_file_mode())
    with open(temporary, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def publish_folder(out: Path, name: str, files: dict[str, bytes]) -> Path:
    """Write ``files`` into ``out/<safe name>/`` at once: built in a hidden temporary folder beside it, then
    renamed into place (a folder already there is replaced), with the modes new files and folders would have.
    Nothing is left behind on failure, not even ``out`` if this call created it."""
    root = out.resolve()
    target = (root / safe_folder_name(name)).resolve()
    if target.parent != root:
        raise OutputError(f"'{name}' would be written outside {out}")
    created = not root.exists()
    root.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(dir=root, prefix=f".{target.name}.", suffix=".tmp"))
    try:
        for file_name, content in files.items():
            (temporary / file_name).write_bytes(content)
            os.chmod(temporary / file_name, new_file_mode())
        os.chmod(temporary, 0o777 & ~_umask())
        old = None
        if target.exists():
            old = Path(tempfile.mkdtemp(dir=root, prefix=f".{target.name}.", suffix=".old"))
            os.replace(target, old / "previous")
        os.replace(temporary, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        if created:
            try:
                root.rmdir()  # only if nothing else is in it
            except OSError:
                pass
        raise
    return target


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def output_folder(out: Path, name: str) -> Path:
    """``out/<safe name>``, created; refuses anything that would land outside ``out``."""
    root = out.resolve()
    folder = (root / safe_folder_name(name)).resolve()
    if folder.parent != root:
        raise OutputError(f"'{name}' would be written outside {out}")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, float_format="%.10g").encode("utf-8")


def _png(figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    buffer = io.BytesIO()
    FigureCanvasAgg(figure)
    figure.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


def _parquet(frame: pd.DataFrame) -> bytes:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise OutputError("--format parquet needs pyarrow: pip install 'pmo-sim[parquet]'") from None
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


@dataclass
class Report:
    """What the result files of a scenario hold: who ran what, and the summary tables (not the runs)."""

    scenario: Scenario
    engine: str
    seed: int | None
    runs: int
    timeseries: pd.DataFrame  # timeseries_table of REPORT_SERIES (timeseries.csv holds those of SERIES_OUTPUTS)
    kpis: pd.DataFrame  # kpi_table


def report(result: Result) -> Report:
    """The :class:`Report` of runs held in memory."""
    series = timeseries_table(result.dataset, REPORT_SERIES)
    return Report(result.scenario, result.engine, result.seed, result.runs, series, kpi_table(result))


def _series_csv(table: pd.DataFrame) -> pd.DataFrame:
    """The columns of timeseries.csv: time and those of SERIES_OUTPUTS."""
    kept = {"time", *SERIES_OUTPUTS, *(f"{name}_{suffix}" for name in SERIES_OUTPUTS for suffix in QUANTILE_COLUMNS)}
    return table[[c for c in table if c in kept]]


def manifest(result: Result | Report, *, command_line: Sequence[str], files: dict[str, bytes]) -> dict:
    """What makes the results reproducible: versions, hashes, seed, engine, command, time.

    ``files`` gives each file's content, or its SHA-256 already computed (a file written in pieces).
    """
    scenario = result.scenario
    return provenance(scenario, command_line=command_line, files=files, before={"resolved_scenario": scenario.resolved()},
                      run={"seed": result.seed, "runs": result.runs, "engine": result.engine})


def provenance(scenario: Scenario, *, command_line: Sequence[str], files: dict[str, bytes | str], before: dict | None = None,
               run: dict | None = None) -> dict:
    """The manifest of any result made from a scenario: versions, model and scenario hashes, ``before`` and ``run``
    (what the result adds), the command line, the time and every file's SHA-256 (content, or a hash already computed)."""
    import pysd

    import sim

    model = get_model()
    return {
        "pmo_sim_version": sim.__version__,
        "model_file": model.path.name,
        "model_sha256": model.sha256,
        "scenario": scenario.name,
        "scenario_file": str(scenario.path) if scenario.path else None,
        "scenario_sha256": scenario.sha256(),
        **(before or {}),
        **(run or {}),
        "command_line": list(command_line),
        "created_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pysd": pysd.__version__,
        "files": {name: content if isinstance(content, str) else hashlib.sha256(content).hexdigest() for name, content in files.items()},
    }


def report_files(summary: Report, *, command_line: Sequence[str] = (), written: dict[str, str] | None = None) -> dict[str, bytes]:
    """The files of a report by name, as bytes; ``written`` names files already written (e.g. ``runs.parquet``)
    with their SHA-256, for the manifest."""
    from sim.plotting import scenario_figure

    from sim.codebook import codebook

    series = _series_csv(summary.timeseries)
    files = {
        "timeseries.csv": _csv(series),
        "variables.csv": _csv(codebook(series.columns)),
        "kpis.csv": _csv(summary.kpis),
        "charts.png": _png(scenario_figure(summary.timeseries, title=summary.scenario.name)),
    }
    listed: dict[str, bytes | str] = {**files, **(written or {})}
    files["manifest.json"] = (json.dumps(manifest(summary, command_line=command_line or sys.argv, files=listed), indent=2) + "\n").encode()
    return files


def result_files(result: Result, *, file_format: str = "csv", command_line: Sequence[str] = ()) -> dict[str, bytes]:
    """Every file of a scenario's results, by name, as bytes (the app zips them)."""
    if file_format not in ("csv", "parquet"):
        raise OutputError(f"unknown format '{file_format}'; choose csv or parquet")
    extra = {"runs.parquet": _parquet(runs_table(result.dataset))} if file_format == "parquet" else {}
    written = {name: hashlib.sha256(content).hexdigest() for name, content in extra.items()}
    return {**report_files(report(result), command_line=command_line, written=written), **extra}


def write_results(result: Result, out: Path, *, file_format: str = "csv", command_line: Sequence[str] = ()) -> Path:
    """Write a scenario's results into ``out/<name>/``; returns that folder."""
    files = result_files(result, file_format=file_format, command_line=command_line)
    folder = output_folder(out, result.scenario.name)
    for name, content in files.items():
        write_atomic(folder / name, content)
    return folder


def comparison_column(kpis: pd.DataFrame) -> pd.Series:
    """A KPI table as one value per row (medians for Monte Carlo); each milestone followed by how many runs
    reach it, their share and, with several runs, the median month among them."""
    values = kpis["value"] if "value" in kpis else kpis["p50"]
    rows: list[tuple[str, str, float]] = []
    for index, row in kpis.iterrows():
        rows.append((row["kpi"], row["unit"], values[index]))
        if row["unit"] == MILESTONE_UNIT:
            rows.append((f"{row['kpi']}: runs reaching it", "runs", row["runs_reached"]))
            rows.append((f"{row['kpi']}: share of runs reaching it", "share of runs", row["reached_share"]))
            if "median_among_reached" in kpis:
                rows.append((f"{row['kpi']}: median month among runs reaching it", MILESTONE_UNIT, row["median_among_reached"]))
    return pd.Series([value for *_, value in rows], index=pd.MultiIndex.from_tuples([key[:2] for key in rows], names=["kpi", "unit"]))


def comparison_files(results: Sequence[Result | Report]) -> dict[str, bytes]:
    """Overlay chart and KPI table (one column per scenario; medians for Monte Carlo, blank: not reached)."""
    from sim.plotting import comparison_figure

    reports = [item if isinstance(item, Report) else report(item) for item in results]
    columns = {r.scenario.name: comparison_column(r.kpis) for r in reports}
    order = list(dict.fromkeys(key for column in columns.values() for key in column.index))
    table = pd.DataFrame(columns).reindex(pd.MultiIndex.from_tuples(order, names=["kpi", "unit"])).reset_index()
    figure = comparison_figure([(r.scenario.name, r.timeseries) for r in reports])
    return {"comparison_kpis.csv": _csv(table), "comparison.png": _png(figure)}
