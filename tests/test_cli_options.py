"""The command line's own options and guarantees: --version, --help of every subcommand, -p problems named
as command-line problems, empty folders, umask, chunked Monte Carlo with progress, validate = run's checks."""

from __future__ import annotations

import argparse
import json
import os
import stat
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pandas as pd
import pytest

import sim
from cli_files import MONTE_CARLO, in_tmp, write  # noqa: F401 - in_tmp: autouse fixture
from sim import results, runner
from sim.cli import _parser, main

def cli(*args: str, umask: int | None = None) -> subprocess.CompletedProcess:
    """pmo-sim as a separate process (exit codes, umask and stderr exactly as a user meets them)."""
    env = {**os.environ, "PYTHONPATH": str(Path(sim.__file__).parent.parent)}
    before = os.umask(umask) if umask is not None else None
    try:
        return subprocess.run([sys.executable, "-m", "sim.cli", *args], capture_output=True, text=True, env=env, timeout=300)
    finally:
        if before is not None:
            os.umask(before)


def test_version_comes_from_the_package_metadata():
    done = cli("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"pmo-sim {metadata.version('pmo-sim')}"


def test_every_option_of_every_subcommand_is_documented():
    """Each option has a help text; each option taking a value names it (metavar or choices)."""
    subcommands = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert set(subcommands.choices) == {"run", "validate", "compare", "list-params", "schema", "check-units", "sensitivity", "optimize", "loops", "calibrate", "survey"}
    for name, parser in subcommands.choices.items():
        assert parser.description, name
        for action in parser._actions:
            assert action.help, (name, action.dest)
            if action.nargs != 0:
                assert action.metavar or action.choices, (name, action.dest)
    assert "--out OUT" in cli("compare", "--help").stdout


def test_problems_of_p_are_named_as_command_line_problems(capsys):
    write("one.toml", 'description = "x"\n')
    write("scheduled.toml", 'description = "s"\n[schedule.pmo_budget]\npoints = [[0, 100], [12, 150]]\n')
    assert main(["validate", "one.toml", "-p", "pmo_budgte=1", "-p", "strategic_turbulence=-1", "-p", "x"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "pmo-sim: -p x: expected NAME=VALUE, e.g. -p pmo_budget=150",
        "pmo-sim: -p pmo_budgte=1: unknown parameter 'pmo_budgte'; did you mean 'pmo_budget'?",
        "pmo-sim: -p strategic_turbulence=-1: -1 is outside the documented range 0 to 1 (Dmnl)",
    ]
    assert main(["run", "one.toml", "scheduled.toml", "--out", "out", "--param", "pmo_budget=120"]) == 0
    captured = capsys.readouterr()  # -p replaces the file's schedule (or distribution) of that input
    assert "one.toml: 1 run -> " in captured.out and "scheduled.toml: 1 run -> " in captured.out
    resolved = json.loads(Path("out/scheduled/manifest.json").read_text())["resolved_scenario"]
    assert resolved["params"] == {"pmo_budget": 120.0} and resolved["schedule"] == {}


def test_a_folder_without_scenario_files_is_bad_input(capsys):
    Path("empty").mkdir()
    for command in (["run", "empty", "--out", "out"], ["validate", "empty"], ["compare", "empty", "empty", "--out", "cmp"]):
        assert main(command) == 2
        assert "pmo-sim: empty: no scenario files (*.toml) in this folder" in capsys.readouterr().err
    assert not Path("out").exists()


@pytest.mark.parametrize(("option", "message"), [
    (["--runs", "0"], "pmo-sim: --runs 0: must be between 1 and 100,000"),
    (["--seed", "-1"], "pmo-sim: --seed -1: must be 0 or more"),
])
def test_validate_and_compare_check_runs_and_seed_as_run_does(capsys, option, message):
    write("mc.toml", MONTE_CARLO)
    for command in (["validate", "mc.toml"], ["run", "mc.toml", "--out", "out"], ["compare", "mc.toml", "mc.toml", "--out", "c"]):
        assert main(command + option) == 2
        assert capsys.readouterr().err.splitlines() == [message]


def test_a_name_too_long_for_a_folder_fails_validate_not_the_run(capsys):
    write("long.toml", f'name = "{"a" * 121}"\ndescription = "x"\n')
    write("fine.toml", f'name = "{"b" * 120}"\ndescription = "x"\n')
    message = "long.toml:1: name: is 121 characters long; a name names the output folder and may have at most 120 (without a name, the file name is used)"
    assert main(["validate", "long.toml"]) == 2
    assert capsys.readouterr().err.splitlines() == [message]
    assert main(["run", "long.toml", "fine.toml", "--out", "out"]) == 2
    assert capsys.readouterr().err.splitlines() == [message]
    assert [p.name for p in Path("out").iterdir()] == ["b" * 120]


@pytest.mark.parametrize(("umask", "mode"), [(0o027, 0o640), (0o002, 0o664)])
def test_result_files_honour_the_umask(umask, mode):
    write("one.toml", 'description = "x"\n')
    done = cli("run", "one.toml", "--out", "out", umask=umask)
    assert done.returncode == 0, done.stderr
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in Path("out/one").iterdir()}
    assert modes == dict.fromkeys(["charts.png", "kpis.csv", "manifest.json", "timeseries.csv", "variables.csv"], mode)


def test_chunked_monte_carlo_prints_progress_and_writes_the_same_files_as_one_big_run():
    """Chunks of 7 runs give byte-identical quantiles and KPIs, and every run in runs.parquet, in order."""
    write("mc.toml", MONTE_CARLO)
    write("child.toml", 'description = "child"\nextends = "mc.toml"\n[params]\nshare_strategic_alignment = 0.3\n')
    done = cli("run", "mc.toml", "child.toml", "--out", "chunked", "--chunk-runs", "7", "--format", "parquet")
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[:5] == [f"mc: {n} of 30 runs" for n in ("7", "14", "21", "28", "30")]
    for name in ("mc", "child"):
        whole = runner.run(sim.load_scenario(f"{name}.toml"))
        results.write_results(whole, Path("whole"), file_format="parquet")
        for file in ("timeseries.csv", "kpis.csv"):
            assert Path(f"chunked/{name}/{file}").read_bytes() == Path(f"whole/{name}/{file}").read_bytes(), (name, file)
        pd.testing.assert_frame_equal(pd.read_parquet(f"chunked/{name}/runs.parquet"), pd.read_parquet(f"whole/{name}/runs.parquet"))
    kpis = pd.read_csv("chunked/child/kpis.csv").set_index("kpi")
    assert "month of break-even against mc" in kpis.index  # each chunk compared with its parent's matching runs
    manifest = json.loads(Path("chunked/child/manifest.json").read_text())
    assert set(manifest["files"]) == {"timeseries.csv", "variables.csv", "kpis.csv", "charts.png", "runs.parquet"}
    assert not list(Path("chunked").rglob("*.tmp"))


def test_a_run_in_one_chunk_prints_no_progress(capsys):
    write("mc.toml", MONTE_CARLO)
    assert main(["run", "mc.toml", "--out", "out"]) == 0
    assert capsys.readouterr().err == ""


def test_kpi_rows_are_in_time_order_and_milestones_say_how_many_runs_reach_them(capsys):
    """kpis.csv and compare's CSV (and its printed table): month 36 before month 120; counts beside medians."""
    write("mc.toml", MONTE_CARLO)
    write("other.toml", MONTE_CARLO.replace('"mc"', '"other"') + "    [params]\n    pmo_budget = 150\n")
    assert main(["run", "mc.toml", "--out", "out"]) == 0
    rows = list(pd.read_csv("out/mc/kpis.csv")["kpi"])
    for output in ("pmo_performance", "delivery_performance", "strategic_value_realization"):
        months = [rows.index(f"{output} at month {m}") for m in (12, 36, 60)] + [rows.index(f"{output} at month 120 (final)")]
        assert months == sorted(months)
    assert main(["compare", "mc.toml", "other.toml", "--out", "cmp"]) == 0
    printed = capsys.readouterr().out
    table = pd.read_csv("cmp/comparison_kpis.csv")
    assert Path("cmp/comparison_kpis.csv").read_text() in printed  # the printed table is the CSV
    kpis = list(table["kpi"])
    assert kpis.index("pmo_performance at month 36") < kpis.index("pmo_performance at month 120 (final)")
    level3 = "month maturity level 3 reached"
    follows = kpis[kpis.index(level3) + 1:kpis.index(level3) + 4]
    assert follows == [f"{level3}: runs reaching it", f"{level3}: share of runs reaching it",
                       f"{level3}: median month among runs reaching it"]
    counts = table.set_index("kpi").loc[f"{level3}: runs reaching it", ["mc", "other"]]
    shares = table.set_index("kpi").loc[f"{level3}: share of runs reaching it", ["mc", "other"]]
    assert list(counts / 30) == pytest.approx(list(shares))
