"""A scenario's runs summarised chunk by chunk, so that memory does not grow with the number of runs.

The runs go through the engine in chunks (:func:`sim.runner.run_in_chunks`, the same samples in
the same order as one big run). Of each chunk only what the result files need is kept: every KPI
per run (a few numbers a run), and the time series the report shows, appended to one temporary
file per output on disk. At the end each output's file is read back alone (runs x months: 0.1 GB
at 100,000 runs x 121 months) and its quantiles are computed exactly as for runs held in memory,
so the result files are the same whatever the chunk size. ``--format parquet`` streams every run
to ``runs.parquet`` chunk by chunk.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from sim.results import (REPORT_OUTPUTS, REPORT_SERIES, OutputError, Report, kpi_table_from_values, kpi_values,
                         output_folder, publish, report_files, runs_table, series_columns, write_atomic)
from sim.runner import CHUNK_RUNS, Result, run_count, run_in_chunks
from sim.scenario import Scenario

#: Called after each chunk with (runs done, runs in all).
Progress = Callable[[int, int], None]


def summarise(scenario: Scenario, *, engine: str = "batch", runs: int | None = None, seed: int | None = None,
              chunk_runs: int = CHUNK_RUNS, progress: Progress | None = None, with_parent: bool = True,
              on_chunk: Callable[[Result], None] | None = None) -> Report:
    """Run ``scenario`` in chunks of ``chunk_runs`` runs and return its :class:`~sim.results.Report`.

    ``runs`` and ``seed`` override the file's ``[uncertainty]``; ``with_parent`` also runs the
    scenario it extends (break-even KPIs); ``on_chunk`` sees every chunk's runs before they are dropped.
    """
    total = run_count(scenario.spec, runs)
    kpis: dict[str, tuple[str, list[np.ndarray]]] = {}
    done, months, used_seed = 0, None, None
    with tempfile.TemporaryDirectory(prefix="pmo-sim-runs-") as folder:
        paths = {name: Path(folder) / f"{index}.float64" for index, name in enumerate(REPORT_SERIES)}
        for chunk in run_in_chunks(scenario, engine=engine, runs=runs, seed=seed, outputs=REPORT_OUTPUTS,
                                   with_parent=with_parent, chunk_runs=chunk_runs):
            used_seed = chunk.seed
            months = chunk.dataset["time"].to_numpy()
            for name, path in paths.items():
                if name in chunk.dataset:
                    with path.open("ab") as handle:
                        np.asarray(chunk.dataset[name].to_numpy(), dtype=np.float64).tofile(handle)
            for name, (unit, values) in kpi_values(chunk).items():
                kpis.setdefault(name, (unit, []))[1].append(values.copy())  # not a view that would keep the chunk alive
            if on_chunk is not None:
                on_chunk(chunk)
            done += chunk.runs
            del chunk  # before the next chunk is computed: one chunk in memory at a time
            if progress is not None:
                progress(done, total)
        columns: dict[str, np.ndarray] = {"time": months}
        for name, path in paths.items():
            if path.exists():
                columns.update(series_columns(name, np.fromfile(path, dtype=np.float64).reshape(done, len(months))))
    table = kpi_table_from_values({name: (unit, np.concatenate(parts)) for name, (unit, parts) in kpis.items()})
    return Report(scenario, engine, used_seed, done, pd.DataFrame(columns), table)


class _RunsFile:
    """``runs.parquet`` written chunk by chunk to a temporary name, then renamed into place."""

    def __init__(self, path: Path) -> None:
        try:
            import pyarrow.parquet
        except ImportError:
            raise OutputError("--format parquet needs pyarrow: pip install 'pmo-sim[parquet]'") from None
        self.parquet = pyarrow.parquet
        self.path = path
        descriptor, self.temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(descriptor)
        self.writer = None

    def add(self, chunk: Result) -> None:
        import pyarrow

        table = pyarrow.Table.from_pandas(runs_table(chunk.dataset), preserve_index=False)
        if self.writer is None:
            self.writer = self.parquet.ParquetWriter(self.temporary, table.schema)
        self.writer.write_table(table)

    def finish(self) -> str:
        """Close, rename into place and return the file's SHA-256."""
        self.writer.close()
        self.writer = None
        digest = hashlib.sha256()
        with open(self.temporary, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        publish(self.temporary, self.path)
        return digest.hexdigest()

    def discard(self) -> None:
        if self.writer is not None:
            self.writer.close()
        Path(self.temporary).unlink(missing_ok=True)


def write_summarised(scenario: Scenario, out: Path, *, engine: str = "batch", runs: int | None = None,
                     seed: int | None = None, file_format: str = "csv", command_line: Sequence[str] = (),
                     chunk_runs: int = CHUNK_RUNS, progress: Progress | None = None) -> tuple[Path, Report]:
    """Run ``scenario`` in chunks and write its result files into ``out/<name>/``, each atomically.

    The same files as :func:`sim.results.write_results` of one big run, in bounded memory.
    """
    if file_format not in ("csv", "parquet"):
        raise OutputError(f"unknown format '{file_format}'; choose csv or parquet")
    runs_file = _RunsFile(output_folder(out, scenario.name) / "runs.parquet") if file_format == "parquet" else None
    try:
        summary = summarise(scenario, engine=engine, runs=runs, seed=seed, chunk_runs=chunk_runs, progress=progress,
                            on_chunk=runs_file.add if runs_file else None)
        written = {"runs.parquet": runs_file.finish()} if runs_file else {}
    finally:
        if runs_file is not None:
            runs_file.discard()
    files = report_files(summary, command_line=command_line, written=written)
    folder = output_folder(out, scenario.name)
    for name, content in files.items():
        write_atomic(folder / name, content)
    return folder, summary
