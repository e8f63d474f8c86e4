"""Runs on a real Dask LocalCluster: the same seed gives the same files as one process, a killed worker
does not stop a study or change its result, and an interrupted run resumes from its finished chunks."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.analysis.distributed import DaskEvaluator, monte_carlo
from sim.analysis.sensitivity import sensitivity

BASELINE = Path(__file__).parent.parent / "scenarios" / "baseline.toml"
OUTPUTS = ["pmo_performance", "pmo_survival"]
RUNS, CHUNK = 600, 100


@pytest.fixture(scope="module")
def client():
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, memory_limit="2GB", dashboard_address=":0") as cluster, \
            Client(cluster) as connected:
        yield connected


def _files(folder: Path) -> dict[str, bytes]:
    """Every result file but the manifest (which records the time and the command)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "manifest.json"}


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    """The Monte Carlo in one process, in chunks, and its files."""
    out = tmp_path_factory.mktemp("single")
    monte_carlo(sim.load_scenario(BASELINE), out, runs=RUNS, chunk_runs=CHUNK, outputs=OUTPUTS)
    return _files(out / "baseline")


def test_two_workers_give_the_single_process_result(client, single, tmp_path):
    """Same seed: byte-identical partitions and summary; the runs are those of one in-memory batch call."""
    done = monte_carlo(sim.load_scenario(BASELINE), tmp_path, client=client, runs=RUNS, chunk_runs=CHUNK, outputs=OUTPUTS)
    assert done.chunks == RUNS // CHUNK and _files(done.folder) == single
    parts = pd.concat([pd.read_parquet(p) for p in sorted((done.folder / "runs").glob("*.parquet"))])
    whole = sim.run(sim.load_scenario(BASELINE), runs=RUNS, outputs=OUTPUTS, with_parent=False).dataset
    assert np.array_equal(parts["pmo_survival"].to_numpy(), whole["pmo_survival"].to_numpy().ravel())
    series = pd.read_csv(done.folder / "timeseries.csv")
    assert np.allclose(series["pmo_performance_mean"], whole["pmo_performance"].mean("run"), rtol=1e-9, atol=0)  # CSV keeps 10 digits
    assert np.allclose(series["pmo_performance_p50"], whole["pmo_performance"].quantile(0.5, "run"), atol=0.01)
    codebook = pd.read_csv(done.folder / "variables.csv", keep_default_na=False)
    assert list(codebook["column"]) == list(series.columns) and "standard deviation over the runs" in set(codebook["statistic"])


def test_the_cluster_writes_the_kpis_pmo_sim_run_writes(single, tmp_path):
    """kpis.csv from the chunks' per-run KPIs equals the one a local run of the same samples writes, break-even
    against the scenario it extends included (budget_cut extends baseline)."""
    from sim.results import _csv
    from sim.summary import summarise

    assert _csv(summarise(sim.load_scenario(BASELINE), runs=RUNS, chunk_runs=RUNS).kpis) == single["kpis.csv"]
    cut = sim.load_scenario(BASELINE.with_name("budget_cut.toml"))
    done = monte_carlo(cut, tmp_path, runs=200, chunk_runs=50, outputs=OUTPUTS)
    local = summarise(cut, runs=200, chunk_runs=200).kpis
    assert "month of break-even against baseline" in set(local["kpi"])
    assert (done.folder / "kpis.csv").read_bytes() == _csv(local)


def test_a_study_on_the_cluster_gives_the_same_indices(client):
    """Sobol indices computed from chunks on two workers equal those of one batch call here."""
    scenario = sim.load_scenario(BASELINE)
    here = sensitivity(scenario, n=16, every=60)
    there = sensitivity(scenario, n=16, every=60, evaluator=DaskEvaluator(client, chunk_runs=64))
    pd.testing.assert_frame_equal(here.indices, there.indices)


def test_an_interrupted_run_resumes_from_its_finished_chunks(single, tmp_path):
    """A run stopped after two chunks resumes with them and ends with the same files."""
    scenario = sim.load_scenario(BASELINE)

    def stop(done: int, total: int) -> None:
        if done >= 2 * CHUNK:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        monte_carlo(scenario, tmp_path, runs=RUNS, chunk_runs=CHUNK, outputs=OUTPUTS, progress=stop)
    assert not (tmp_path / "baseline").exists()  # only the hidden partial folder
    done = monte_carlo(scenario, tmp_path, runs=RUNS, chunk_runs=CHUNK, outputs=OUTPUTS, resume=True)
    assert done.resumed == 2 and _files(done.folder) == single
    assert [p.name for p in tmp_path.iterdir()] == ["baseline"]


def test_a_resume_starts_again_when_the_scenario_it_extends_has_changed(tmp_path):
    """The finished chunks' break-even KPIs compare with the parent: a changed parent makes them stale."""
    (tmp_path / "parent.toml").write_text('description = "p"\n[params]\npmo_budget = 100\n')
    (tmp_path / "child.toml").write_text('extends = "parent.toml"\ndescription = "c"\n[params]\npmo_budget = 80\n'
                                         '[uncertainty]\nruns = 40\n[uncertainty.params]\n'
                                         'capability_erosion_time = { dist = "uniform", low = 24, high = 48 }\n')

    def stop(done: int, total: int) -> None:
        if done >= 20:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        monte_carlo(sim.load_scenario(tmp_path / "child.toml"), tmp_path / "out", chunk_runs=10, outputs=OUTPUTS, progress=stop)
    (tmp_path / "parent.toml").write_text('description = "p"\n[params]\npmo_budget = 60\n')
    child = sim.load_scenario(tmp_path / "child.toml")
    done = monte_carlo(child, tmp_path / "out", chunk_runs=10, outputs=OUTPUTS, resume=True)
    from sim.results import _csv
    from sim.summary import summarise

    assert done.resumed == 0 and (done.folder / "kpis.csv").read_bytes() == _csv(summarise(child).kpis)


def test_run_on_a_local_cluster_writes_what_a_local_run_writes(tmp_path, capsys):
    """``pmo-sim run --scheduler local``: a file without [uncertainty] is one run whatever --runs says (with
    the same note as a local run), and its kpis.csv is the local run's."""
    from sim.cli import main

    (tmp_path / "plain.toml").write_text('description = "one PMO"\n[params]\npmo_budget = 120\n')
    assert main(["run", str(tmp_path / "plain.toml"), "--out", str(tmp_path / "local"), "--runs", "5"]) == 0
    local = capsys.readouterr()
    assert main(["run", str(tmp_path / "plain.toml"), "--out", str(tmp_path / "cluster"), "--runs", "5",
                 "--scheduler", "local"]) == 0
    cluster = capsys.readouterr()
    note = "has no [uncertainty]; --runs and --seed do not apply"
    assert note in local.err and note in cluster.err and "1 run in 1 chunk -> " in cluster.out
    assert (tmp_path / "cluster/plain/kpis.csv").read_bytes() == (tmp_path / "local/plain/kpis.csv").read_bytes()


def test_a_killed_worker_does_not_stop_the_study(client, single, tmp_path):
    """One of the two workers is killed once the first chunk is on disk: the run finishes, unchanged."""
    pids = list(client.run(os.getpid).values())
    found = {}
    thread = threading.Thread(target=lambda: found.setdefault("done", monte_carlo(
        sim.load_scenario(BASELINE), tmp_path, client=client, runs=RUNS, chunk_runs=CHUNK, outputs=OUTPUTS)))
    thread.start()
    partial = tmp_path / ".baseline.partial" / "runs"
    deadline = time.monotonic() + 120
    while not (partial.exists() and any(partial.glob("part-*.parquet"))) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not (tmp_path / "baseline").exists()  # mid-study
    os.kill(pids[0], signal.SIGKILL)
    thread.join(timeout=300)
    assert _files(found["done"].folder) == single
    assert pids[0] not in client.run(os.getpid).values()  # its nanny started a new worker
