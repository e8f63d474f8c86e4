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
import sys
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
import xarray as xr

from sim.model import CONTRACT_OUTPUTS, get_model
from sim.runner import Result
from sim.scenario import safe_folder_name

KPI_MONTHS = (12, 36, 60)
KPI_OUTPUTS = ("pmo_performance", "delivery_performance", "strategic_value_realization")
QUANTILE_COLUMNS = {"p05": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95}


class OutputError(Exception):
    """Results cannot be written where asked."""


# -- KPIs ------------------------------------------------------------------------------------------


def _first_month(months: np.ndarray, reached: np.ndarray) -> np.ndarray:
    """Per run, the first month where ``reached`` (runs x months) is true; NaN if never."""
    first = np.argmax(reached, axis=1)
    return np.where(reached.any(axis=1), months[first], np.nan)


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
    difference = net[:, :common] - parent_net[:, :common]
    months = result.dataset["time"].to_numpy()[:common]
    below = difference < 0
    # The month after the last month below; none below: 0; below at the end: never.
    last_below = np.where(below.any(axis=1), common - 1 - np.argmax(below[:, ::-1], axis=1), -1)
    month = np.where(last_below < 0, 0.0, months[np.minimum(last_below + 1, common - 1)])
    return np.where(last_below == common - 1, np.nan, month)


def kpi_values(result: Result) -> dict[str, tuple[str, np.ndarray]]:
    """Every KPI per run: name -> (unit, values)."""
    data = result.dataset
    months = data["time"].to_numpy()
    final = months[-1]
    kpis: dict[str, tuple[str, np.ndarray]] = {}
    for name in KPI_OUTPUTS:
        for month in KPI_MONTHS:
            if month <= final:
                kpis[f"{name} at month {month}"] = ("Dmnl", data[name].sel(time=month).to_numpy())
        kpis[f"{name} at month {final:g} (final)"] = ("Dmnl", data[name].isel(time=-1).to_numpy())
    maturity = data["maturity_level"].to_numpy()
    kpis["maturity level reached"] = ("level 1-4", np.floor(maturity.max(axis=1) + 1e-9))
    for level in (2, 3, 4):
        kpis[f"month maturity level {level} reached"] = ("Month", _first_month(months, maturity >= level))
    kpis["value to cost ratio (final)"] = ("Dmnl", data["value_to_cost_ratio"].isel(time=-1).to_numpy())
    kpis["lowest executive support"] = ("Dmnl", data["executive_support"].min(dim="time").to_numpy())
    break_even = break_even_months(result)
    if break_even is not None:
        kpis[f"month of break-even against {result.parent.scenario.name}"] = ("Month", break_even)
    return kpis


def kpi_table(result: Result) -> pd.DataFrame:
    """One row per KPI: its value, or with several runs its mean and 5/25/50/75/95% quantiles."""
    rows = []
    for name, (unit, values) in kpi_values(result).items():
        row: dict[str, object] = {"kpi": name, "unit": unit}
        if len(values) == 1:
            row["value"] = values[0]
        else:
            reached = values[~np.isnan(values)]
            row["mean"] = reached.mean() if len(reached) else np.nan
            for column, q in QUANTILE_COLUMNS.items():
                row[column] = np.quantile(reached, q) if len(reached) else np.nan
            row["runs counted"] = len(reached)
        rows.append(row)
    return pd.DataFrame(rows)


# -- tables ----------------------------------------------------------------------------------------


def timeseries_table(dataset: xr.Dataset, outputs: Sequence[str] = CONTRACT_OUTPUTS) -> pd.DataFrame:
    """Time and every output: the values of a single run, or 5/25/50/75/95% quantiles of many."""
    months = dataset["time"].to_numpy()
    columns: dict[str, np.ndarray] = {"time": months}
    names = [n for n in outputs if n in dataset]
    if dataset.sizes["run"] == 1:
        columns.update({name: dataset[name].to_numpy()[0] for name in names})
    else:
        for name in names:
            quantiles = np.quantile(dataset[name].to_numpy(), list(QUANTILE_COLUMNS.values()), axis=0)
            columns.update({f"{name}_{suffix}": q for suffix, q in zip(QUANTILE_COLUMNS, quantiles)})
    return pd.DataFrame(columns)


def runs_table(dataset: xr.Dataset, outputs: Sequence[str] = CONTRACT_OUTPUTS) -> pd.DataFrame:
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
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


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


def manifest(result: Result, *, command_line: Sequence[str], files: dict[str, bytes]) -> dict:
    """What makes the results reproducible: versions, hashes, seed, engine, command, time."""
    import pysd

    import sim

    model = get_model()
    scenario = result.scenario
    return {
        "pmo_sim_version": sim.__version__,
        "model_file": model.path.name,
        "model_sha256": model.sha256,
        "scenario": scenario.name,
        "scenario_file": str(scenario.path) if scenario.path else None,
        "scenario_sha256": scenario.sha256(),
        "resolved_scenario": scenario.resolved(),
        "seed": result.seed,
        "runs": result.runs,
        "engine": result.engine,
        "command_line": list(command_line),
        "created_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pysd": pysd.__version__,
        "files": {name: hashlib.sha256(content).hexdigest() for name, content in files.items()},
    }


def result_files(result: Result, *, file_format: str = "csv", command_line: Sequence[str] = ()) -> dict[str, bytes]:
    """Every file of a scenario's results, by name, as bytes (the CLI writes them; the app zips them)."""
    from sim.plotting import scenario_figure

    files = {
        "timeseries.csv": _csv(timeseries_table(result.dataset)),
        "kpis.csv": _csv(kpi_table(result)),
        "charts.png": _png(scenario_figure(result.dataset, title=result.scenario.name)),
    }
    if file_format == "parquet":
        files["runs.parquet"] = _parquet(runs_table(result.dataset))
    elif file_format != "csv":
        raise OutputError(f"unknown format '{file_format}'; choose csv or parquet")
    files["manifest.json"] = (json.dumps(manifest(result, command_line=command_line or sys.argv, files=files), indent=2) + "\n").encode()
    return files


def write_results(result: Result, out: Path, *, file_format: str = "csv", command_line: Sequence[str] = ()) -> Path:
    """Write a scenario's results into ``out/<name>/``; returns that folder."""
    files = result_files(result, file_format=file_format, command_line=command_line)
    folder = output_folder(out, result.scenario.name)
    for name, content in files.items():
        write_atomic(folder / name, content)
    return folder


def comparison_files(results: Sequence[Result]) -> dict[str, bytes]:
    """Overlay chart and KPI table (one column per scenario; medians for Monte Carlo)."""
    from sim.plotting import comparison_figure

    table = None
    for result in results:
        kpis = kpi_table(result)
        column = kpis["value"] if "value" in kpis else kpis["p50"]
        frame = pd.DataFrame({"kpi": kpis["kpi"], "unit": kpis["unit"], result.scenario.name: column})
        table = frame if table is None else table.merge(frame, on=["kpi", "unit"], how="outer", sort=False)
    figure = comparison_figure([(r.scenario.name, r.dataset) for r in results])
    return {"comparison_kpis.csv": _csv(table), "comparison.png": _png(figure)}
