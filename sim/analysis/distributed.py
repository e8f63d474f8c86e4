"""Runs beyond one machine: a Monte Carlo, or any study's runs, in chunks on a Dask cluster (dask.distributed).

Each chunk is one batch-engine call on a worker. For a Monte Carlo (:func:`monte_carlo`) a worker
writes its chunk's runs to a Parquet partition and sends back only a summary: the chunk's moments
(count, mean, sum of squared deviations, min, max per output and month) and a t-digest of each
output at each month (Dunning and Ertl 2019; crick, Dask's own t-digest), built from the chunk's
exact quantiles on a fine grid. The client merges the summaries in chunk order (Chan, Golub and
LeVeque's pairwise update for the moments), so no process holds all runs, and the same seed gives
the same files whatever the cluster: the single-process path (``client=None``) runs the very same
chunk function in turn. A failed chunk is retried; a run stopped halfway resumes (``resume=True``)
from the chunks already on disk. Partitions are written where the workers can reach ``out`` (a
LocalCluster; a shared file system for a remote cluster).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np
import pandas as pd

from sim.analysis.evaluate import Progress, Runs, run_settings, run_table
from sim.codebook import codebook
from sim.results import (BREAK_EVEN_OUTPUTS, KPI_INPUTS, QUANTILE_COLUMNS, SERIES_OUTPUTS, _csv, _png,
                         kpi_table_from_values, kpi_values, manifest, runs_table)
from sim.runner import CHUNK_RUNS, Result, parameter_table
from sim.scenario import Scenario, safe_folder_name

RETRIES = 3  # times a failed chunk is tried again (a lost worker, an out-of-memory kill)
GRID = np.linspace(0.0, 1.0, 1001)  # the chunk quantiles each t-digest is built from
KPIs = dict  # KPI name -> (unit, one value per run), as sim.results.kpi_values gives them
WORKER_MEMORY = "2GB"


# -- a cluster -------------------------------------------------------------------------------------


@contextlib.contextmanager
def dask_client(address: str) -> Iterator[Any]:
    """A client of the scheduler at ``address``, or of a LocalCluster on this machine's cores (``"local"``)."""
    from dask.distributed import Client, LocalCluster

    if address == "local":
        with LocalCluster(n_workers=os.cpu_count() or 1, threads_per_worker=1, memory_limit=WORKER_MEMORY,
                          dashboard_address=":0") as cluster, Client(cluster) as client:
            yield client
    else:
        with Client(address) as client:
            yield client


class DaskEvaluator:
    """A study's evaluator on a cluster: the table in chunks, each one batch-engine call on a worker."""

    def __init__(self, client: Any, chunk_runs: int = CHUNK_RUNS) -> None:
        self.client, self.chunk_runs = client, chunk_runs

    def __call__(self, settings: dict[str, float | None], table: pd.DataFrame, outputs: Sequence[str]) -> Runs:
        bounds = range(0, len(table), self.chunk_runs)
        futures = [self.client.submit(run_table, settings, table.iloc[first:first + self.chunk_runs], list(outputs),
                                      retries=RETRIES, pure=False) for first in bounds]
        parts = self.client.gather(futures)
        return Runs(parts[0].months, {name: np.concatenate([p.values[name] for p in parts]) for name in outputs})


@contextlib.contextmanager
def dask_evaluator(address: str, *, chunk_runs: int = CHUNK_RUNS) -> Iterator[DaskEvaluator]:
    with dask_client(address) as client:
        yield DaskEvaluator(client, chunk_runs)


# -- a Monte Carlo in chunks -----------------------------------------------------------------------


@dataclass
class Summary:
    """Moments and t-digests of runs (outputs x months)."""

    count: int
    mean: np.ndarray
    m2: np.ndarray  # sum of squared deviations from the mean
    minimum: np.ndarray
    maximum: np.ndarray
    digests: list[list[Any]]  # [output][month]

    def merge(self, other: "Summary") -> "Summary":
        """Both together (Chan et al. 1979); the digests merge into this summary's."""
        count = self.count + other.count
        delta = other.mean - self.mean
        mean = self.mean + delta * other.count / count
        m2 = self.m2 + other.m2 + delta**2 * self.count * other.count / count
        for mine, theirs in zip(self.digests, other.digests):
            for digest, more in zip(mine, theirs):
                digest.merge(more)
        return Summary(count, mean, m2, np.minimum(self.minimum, other.minimum), np.maximum(self.maximum, other.maximum),
                       self.digests)


def summarise(values: np.ndarray) -> Summary:
    """The summary of runs x outputs x months."""
    from crick import TDigest

    count = values.shape[0]
    mean = values.mean(axis=0)
    ordered = np.sort(values, axis=0)
    grid = ordered[np.round(GRID * (count - 1)).astype(int)]  # (grid, outputs, months)
    weights = np.full(len(GRID), count / len(GRID))
    digests = []
    for output in range(values.shape[1]):
        row = []
        for month in range(values.shape[2]):
            digest = TDigest()
            digest.update(grid[:, output, month], weights)
            row.append(digest)
        digests.append(row)
    return Summary(count, mean, ((values - mean) ** 2).sum(axis=0), ordered[0], ordered[-1], digests)


def _dataset(runs: Runs, first: int, n_runs: int):
    import xarray as xr

    return xr.Dataset({name: (("run", "time"), values) for name, values in runs.values.items()},
                      coords={"run": np.arange(first, first + n_runs), "time": runs.months})


def _chunk(settings: dict[str, float | None], table: pd.DataFrame, first: int, outputs: list[str], folder: str,
           index: int, scenario: Scenario, parent_table: pd.DataFrame | None = None) -> tuple[Summary, np.ndarray, KPIs]:
    """One chunk on a worker: run it, write its partition, return its summary and its runs' KPIs (the runs
    stay on disk). ``parent_table``: the matching runs of the scenario it extends (its break-even KPI)."""
    runs = run_table(settings, table, list(dict.fromkeys([*outputs, *KPI_INPUTS])))  # the KPIs read more than is kept
    dataset = _dataset(runs, first, len(table))
    path = Path(folder) / "runs" / f"part-{index:05d}.parquet"
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    runs_table(dataset, outputs).to_parquet(temporary, index=False)
    os.replace(temporary, path)
    summary = summarise(np.stack([runs.values[name] for name in outputs], axis=1))
    parent = None
    if parent_table is not None:
        parent_runs = run_table(run_settings(scenario.parent), parent_table, BREAK_EVEN_OUTPUTS)
        parent = Result(scenario.parent, _dataset(parent_runs, first, len(parent_table)), "batch", None, len(parent_table))
    # copies: the KPIs are views of the chunk's runs, which would otherwise stay alive with them
    kpis = {name: (unit, values.copy()) for name, (unit, values) in
            kpi_values(Result(scenario, dataset, "batch", None, len(table), parent=parent)).items()}
    _save_summary(Path(folder) / "chunks" / f"part-{index:05d}.pickle", (summary, runs.months, kpis))
    return summary, runs.months, kpis


def _save_summary(path: Path, chunk: tuple[Summary, np.ndarray, KPIs]) -> None:
    import pickle

    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(pickle.dumps(chunk))
    os.replace(temporary, path)


def _load_summary(path: Path) -> tuple[Summary, np.ndarray, KPIs] | None:
    import pickle

    try:
        found = pickle.loads(path.read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError):
        return None
    return found if isinstance(found, tuple) and len(found) == 3 else None  # an older chunk without KPIs: run again


@dataclass
class MonteCarlo:
    """What :func:`monte_carlo` wrote: the folder, and who ran what (for the manifest)."""

    scenario: Scenario
    folder: Path
    runs: int
    seed: int | None
    chunks: int
    resumed: int  # chunks found finished on disk
    timeseries: pd.DataFrame
    kpis: pd.DataFrame
    engine: str = "batch"


def timeseries(summary: Summary, months: np.ndarray, outputs: Sequence[str]) -> pd.DataFrame:
    """Time, then per output its mean, sd, min, max and the 5/25/50/75/95% quantiles (from the merged t-digests)."""
    columns: dict[str, np.ndarray] = {"time": months}
    sd = np.sqrt(summary.m2 / max(summary.count - 1, 1))
    for i, name in enumerate(outputs):
        columns[f"{name}_mean"], columns[f"{name}_sd"] = summary.mean[i], sd[i]
        columns[f"{name}_min"], columns[f"{name}_max"] = summary.minimum[i], summary.maximum[i]
        for suffix, level in QUANTILE_COLUMNS.items():
            columns[f"{name}_{suffix}"] = np.array([d.quantile(level) for d in summary.digests[i]])
    return pd.DataFrame(columns)


def _plan(scenario: Scenario, runs: int, seed: int | None, chunk_runs: int, outputs: Sequence[str]) -> dict[str, Any]:
    return {"scenario_sha256": scenario.sha256(), "runs": runs, "seed": seed, "chunk_runs": chunk_runs,
            "outputs": list(outputs),  # and the scenario it extends: the chunks' break-even KPIs compare with it
            "parent_sha256": scenario.parent.sha256() if scenario.parent is not None else None}


def monte_carlo(scenario: Scenario, out: Path, *, client: Any = None, runs: int | None = None, seed: int | None = None,
                chunk_runs: int = CHUNK_RUNS, outputs: Sequence[str] = SERIES_OUTPUTS, resume: bool = False,
                command_line: Sequence[str] = (), progress: Progress | None = None) -> MonteCarlo:
    """Run a scenario's Monte Carlo in chunks (on ``client``'s cluster, else here, in turn) into ``out/<name>/``.

    The folder holds ``runs/part-NNNNN.parquet`` (every run, long form), ``timeseries.csv`` (moments and
    quantiles per month), ``kpis.csv`` (as ``pmo-sim run`` writes it: every run's KPIs, kept on the client,
    a few numbers a run), ``charts.png`` and ``manifest.json``. Until it is complete it is built in
    ``out/.<name>.partial/``, which ``resume=True`` continues from; then renamed into place.
    """
    from sim.plotting import scenario_figure

    uncertainty = scenario.spec.uncertainty
    total = runs or (uncertainty.runs if uncertainty else 1)
    used_seed = (uncertainty.seed if seed is None else seed) if uncertainty else None
    outputs = list(outputs)
    out = Path(out)
    final = out.resolve() / safe_folder_name(scenario.name)
    partial = final.with_name(f".{final.name}.partial")
    plan = _plan(scenario, total, used_seed, chunk_runs, outputs)
    plan_file = partial / "plan.json"
    if partial.exists() and not (resume and plan_file.exists() and json.loads(plan_file.read_text()) == plan):
        shutil.rmtree(partial)  # another run's, or not resuming: start again
    for sub in ("runs", "chunks"):
        (partial / sub).mkdir(parents=True, exist_ok=True)
    plan_file.write_text(json.dumps(plan))
    table = parameter_table(scenario.spec, runs=total, seed=seed)
    settings = run_settings(scenario)
    starts = list(range(0, total, chunk_runs))
    parent_rows = _parent_rows(scenario, runs, seed, len(table))
    done: dict[int, tuple[Summary, np.ndarray, KPIs]] = {}
    for index in range(len(starts)):
        found = _load_summary(partial / "chunks" / f"part-{index:05d}.pickle")
        if found is not None and (partial / "runs" / f"part-{index:05d}.parquet").exists():
            done[index] = found
    resumed = len(done)
    merged: Summary | None = None
    months = None
    kpis: dict[str, tuple[str, list[np.ndarray]]] = {}
    next_index = 0

    def absorb() -> None:  # merge finished chunks in order, dropping each once merged
        nonlocal merged, months, next_index
        while next_index in done:
            summary, months, chunk_kpis = done.pop(next_index)
            merged = summary if merged is None else merged.merge(summary)
            for name, (unit, values) in chunk_kpis.items():
                kpis.setdefault(name, (unit, []))[1].append(values)
            next_index += 1

    pending = [i for i in range(len(starts)) if i not in done]
    absorb()
    arguments = [(settings, table.iloc[starts[i]:starts[i] + chunk_runs], starts[i], outputs, str(partial), i, scenario,
                  parent_rows(starts[i], min(starts[i] + chunk_runs, total))) for i in pending]
    finished = resumed
    if client is None:
        results = ((i, _chunk(*args)) for i, args in zip(pending, arguments))
    else:
        from dask.distributed import as_completed

        futures = {client.submit(_chunk, *args, retries=RETRIES, pure=False): i for i, args in zip(pending, arguments)}
        # each future dropped once read, so that the workers release its result
        results = ((futures.pop(future), future.result()) for future in as_completed(list(futures)))
    for index, found in results:
        done[index] = found
        finished += 1
        absorb()
        if progress is not None:
            progress(min(finished * chunk_runs, total), total)
    series = timeseries(merged, months, outputs)
    kpi_table = kpi_table_from_values({name: (unit, np.concatenate(parts)) for name, (unit, parts) in kpis.items()})
    record = MonteCarlo(scenario, final, total, used_seed, len(starts), resumed, series, kpi_table)
    files = {"timeseries.csv": _csv(series), "variables.csv": _csv(codebook(series.columns)), "kpis.csv": _csv(kpi_table)}
    with warnings.catch_warnings():  # panels of outputs not kept are left empty
        warnings.simplefilter("ignore")
        files["charts.png"] = _png(scenario_figure(series, title=scenario.name))
    for stray in (partial / "runs").glob(".part-*.tmp"):  # half-written by a worker that was lost, then retried
        stray.unlink(missing_ok=True)
    listed = {**files, **{f"runs/{p.name}": _sha256(p) for p in sorted((partial / "runs").glob("part-*.parquet"))}}
    document = manifest(record, command_line=list(command_line), files=listed)
    document["distributed"] = {"chunks": len(starts), "chunk_runs": chunk_runs, "resumed_chunks": resumed,
                               "outputs": outputs, "quantiles": "t-digest (crick) of each chunk's exact quantiles"}
    files["manifest.json"] = (json.dumps(document, indent=2) + "\n").encode()
    for name, content in files.items():
        (partial / name).write_bytes(content)
    shutil.rmtree(partial / "chunks")
    plan_file.unlink()
    _replace_folder(partial, final)
    return record


def _parent_rows(scenario: Scenario, runs: int | None, seed: int | None, n_runs: int):
    """Which runs of the scenario ``scenario`` extends each chunk compares with (its break-even KPI), as
    :func:`sim.runner.run_in_chunks` pairs them: the matching runs, or its first run when the two differ
    in number. A function of a chunk's first and end run (None when it extends nothing)."""
    if scenario.parent is None:
        return lambda start, end: None
    parent_table = parameter_table(scenario.parent.spec, runs=runs, seed=seed)
    if len(parent_table) != n_runs:
        return lambda start, end: parent_table.iloc[[0]]
    return lambda start, end: parent_table.iloc[start:end]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _replace_folder(source: Path, target: Path) -> None:
    """Rename a finished folder into place; an older one is moved aside first and removed after."""
    old = target.with_name(f".{target.name}.old")
    if target.exists():
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
    os.replace(source, target)
    shutil.rmtree(old, ignore_errors=True)
