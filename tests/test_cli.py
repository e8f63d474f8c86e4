"""The pmo-sim command line, in-process with temporary folders."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cli_files import MONTE_CARLO, in_tmp, write  # noqa: F401 - in_tmp: autouse fixture
from sim.cli import main

SCENARIOS = Path(__file__).parent.parent / "scenarios"


def test_run_writes_every_result_file_atomically(capsys):
    write("single.toml", 'description = "one run"\n[params]\npmo_budget = 120\n')
    assert main(["run", "single.toml", "--out", "out"]) == 0
    folder = Path("out/single")
    assert sorted(p.name for p in folder.iterdir()) == ["charts.png", "kpis.csv", "manifest.json", "timeseries.csv", "variables.csv"]
    series = pd.read_csv(folder / "timeseries.csv")
    codebook = pd.read_csv(folder / "variables.csv", keep_default_na=False).set_index("column")
    assert list(codebook.index) == list(series.columns)  # every column explained, in order
    assert tuple(codebook.loc["net_value_added", ["variable", "unit"]]) == ("Net Value Added", "k$/Month")
    assert tuple(codebook.loc["time", ["unit", "meaning"]]) == ("Month", "Months since the start of the run.")
    assert list(series["time"]) == list(range(121))
    assert {"delivery_performance", "pmo_transformation", "pmo_survival", "net_value_added", "cumulative_net_value"} <= set(series)
    kpis = pd.read_csv(folder / "kpis.csv").set_index("kpi")
    assert {"pmo_performance at month 12", "maturity level reached", "lowest executive support",
            "pmo_survival at month 120 (final)", "month pmo_survival falls below 50%", "net_value_added at month 120 (final)",
            "cumulative_net_value at month 120 (final)", "month of break-even against no PMO"} <= set(kpis.index)
    assert kpis.at["cumulative_net_value at month 120 (final)", "value"] == pytest.approx(series["cumulative_net_value"].iloc[-1])
    milestones = kpis["unit"] == "Month"
    assert kpis.loc[milestones, "reached_share"].isin([0, 1]).all() and kpis.loc[~milestones, "reached_share"].isna().all()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["engine"] == "batch" and manifest["runs"] == 1 and manifest["seed"] is None
    assert manifest["command_line"] == ["pmo-sim", "run", "single.toml", "--out", "out"]
    assert len(manifest["model_sha256"]) == 64 and len(manifest["scenario_sha256"]) == 64
    assert manifest["resolved_scenario"]["params"] == {"pmo_budget": 120.0}
    assert (folder / "charts.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(Path("out").rglob("*.tmp"))  # no temporary file left behind
    assert capsys.readouterr().err == ""  # no progress bar when stderr is not a terminal


def test_monte_carlo_quantiles_and_reproducibility():
    write("mc.toml", MONTE_CARLO)
    assert main(["run", "mc.toml", "--out", "a"]) == 0
    assert main(["run", "mc.toml", "--out", "b"]) == 0
    assert main(["run", "mc.toml", "--out", "c", "--seed", "6", "--runs", "40"]) == 0
    series = pd.read_csv("a/mc/timeseries.csv")
    assert {"pmo_performance_p05", "pmo_performance_p50", "pmo_performance_p95"} <= set(series)
    assert (series["pmo_performance_p05"] <= series["pmo_performance_p95"]).all()
    codebook = pd.read_csv("a/mc/variables.csv", keep_default_na=False).set_index("column")
    assert list(codebook.index) == list(series.columns)
    assert tuple(codebook.loc["pmo_performance_p05", ["variable", "statistic"]]) == ("PMO Performance", "5th percentile over the runs")
    assert Path("a/mc/kpis.csv").read_text() == Path("b/mc/kpis.csv").read_text()  # same seed, same results
    kpis = pd.read_csv("a/mc/kpis.csv").set_index("kpi")
    assert list(kpis.columns) == ["unit", "mean", "p05", "p25", "p50", "p75", "p95", "runs_reached", "reached_share",
                                  "median_among_reached"]
    level3 = kpis.loc["month maturity level 3 reached"]
    assert level3["reached_share"] == level3["runs_reached"] / 30
    assert pd.isna(level3["median_among_reached"]) == (level3["runs_reached"] == 0)
    assert pd.isna(level3["p50"]) == (level3["runs_reached"] <= 15)  # a median only when more than half reach it
    assert Path("a/mc/kpis.csv").read_text() != Path("c/mc/kpis.csv").read_text()
    manifest = json.loads(Path("c/mc/manifest.json").read_text())
    assert (manifest["seed"], manifest["runs"]) == (6, 40)


def test_parquet_holds_every_run():
    write("mc.toml", MONTE_CARLO)
    assert main(["run", "mc.toml", "--out", "out", "--format", "parquet"]) == 0
    runs = pd.read_parquet("out/mc/runs.parquet")
    assert len(runs) == 30 * 121 and set(runs["run"]) == set(range(30))


def test_parameter_override_on_the_command_line():
    write("one.toml", 'description = "x"\n')
    assert main(["run", "one.toml", "--out", "out", "-p", "pmo_budget=150", "-p", "strategic_turbulence=0.5"]) == 0
    manifest = json.loads(Path("out/one/manifest.json").read_text())
    assert manifest["resolved_scenario"]["params"] == {"pmo_budget": 150.0, "strategic_turbulence": 0.5}


def test_mixed_batch_runs_the_good_files_and_reports_the_bad(capsys):
    write("good.toml", 'description = "good"\n')
    write("bad.toml", "[params]\npmo_budgte = 1\n")
    write("also_good.toml", 'description = "also good"\n[params]\npmo_budget = 90\n')
    assert main(["run", "good.toml", "bad.toml", "also_good.toml", "--out", "out"]) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines() == ["bad.toml:2: params.pmo_budgte: unknown parameter 'pmo_budgte'; did you mean 'pmo_budget'?"]
    assert sorted(p.name for p in Path("out").iterdir()) == ["also_good", "good"]
    assert "good.toml: 1 run -> " in captured.out


def test_folders_expand_to_their_scenario_files(capsys):
    Path("set").mkdir()
    write("set/a.toml", 'description = "a"\n')
    write("set/b.toml", 'description = "b"\n')
    write("set/notes.txt", "not a scenario")
    assert main(["validate", "set"]) == 0
    assert capsys.readouterr().out.splitlines() == ["set/a.toml: ok (a, single run)", "set/b.toml: ok (b, single run)"]


def test_names_become_safe_folder_names_and_duplicates_are_refused(capsys):
    """A written name must already be a folder name; a file's own name is made one; two files naming
    the same folder: the second is refused, the first still runs."""
    write("a.toml", 'name = "My PMO: phase 2!"\ndescription = "a"\n')
    assert main(["validate", "a.toml"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "a.toml:1: name: 'My PMO: phase 2!' names the output folder and may contain only letters, digits, - and _; "
        "e.g. 'My_PMO_phase_2'"]
    write("my case.toml", 'description = "a"\n')
    write("b.toml", 'name = "my_case"\ndescription = "b"\n')
    assert main(["run", "my case.toml", "b.toml", "--out", "out"]) == 2
    assert [p.name for p in Path("out").iterdir()] == ["my_case"]
    assert capsys.readouterr().err.splitlines() == [
        "b.toml:1: name: 'my_case' writes to the same folder as my case.toml; give one of them another name"]


@pytest.mark.parametrize("command, what", [("run", "run"), ("loops", "loop analysis")])
def test_every_file_is_tried_when_one_cannot_be_written(capsys, command, what):
    write("one.toml", 'name = "one"\ndescription = "x"\n')
    write("two.toml", 'name = "two"\ndescription = "y"\n')
    Path("out").mkdir()
    Path("out/one").write_text("a file where the first folder should be")
    assert main([command, "one.toml", "two.toml", "--out", "out"]) == 1
    lines = capsys.readouterr()
    assert lines.err.startswith(f"pmo-sim: one.toml: {what} failed: ")
    assert "two.toml: " in lines.out and (Path("out") / "two").is_dir()


def test_extends_gives_a_break_even_kpi():
    write("parent.toml", 'description = "p"\n')
    write("child.toml", 'description = "c"\nextends = "parent.toml"\n[params]\nshare_strategic_alignment = 0.3\n')
    assert main(["run", "child.toml", "--out", "out"]) == 0
    kpis = pd.read_csv("out/child/kpis.csv").set_index("kpi")
    assert "month of break-even against parent" in kpis.index


def test_compare_writes_an_overlay_and_a_kpi_table(capsys):
    for stem in ("reporting_factory", "balanced_dual_track"):
        Path(f"{stem}.toml").write_text((SCENARIOS / f"{stem}.toml").read_text())
    Path("baseline.toml").write_text((SCENARIOS / "baseline.toml").read_text())
    assert main(["compare", "reporting_factory.toml", "balanced_dual_track.toml", "--out", "cmp", "--runs", "20"]) == 0
    table = pd.read_csv("cmp/comparison_kpis.csv")
    assert list(table.columns) == ["kpi", "unit", "reporting_factory", "balanced_dual_track"]
    share = table.set_index("kpi").loc["month pmo_survival falls below 50%: share of runs reaching it"]
    assert share["unit"] == "share of runs" and 0 <= share["reporting_factory"] <= 1  # medians say how many runs reach them
    assert Path("cmp/comparison.png").read_bytes()[:4] == b"\x89PNG"


def test_list_params_shows_units_defaults_ranges_and_comments(capsys):
    assert main(["list-params"]) == 0
    lines = capsys.readouterr().out.splitlines()
    budget = next(line for line in lines if line.startswith("pmo_budget "))
    assert "k$/Month" in budget and "100" in budget and "0 to 1000" in budget and "asks for" in budget
    assert main(["list-params", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {"name": "pmo_budget", "units": "k$/Month", "default": 100.0, "minimum": 0.0, "maximum": 1000.0}.items() <= listed[0].items()


def test_schema_is_json_schema_with_every_input(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["properties"]["params"]["properties"]["pmo_budget"]["maximum"] == 1000
    assert schema["properties"]["params"]["additionalProperties"] is False
    assert "uncertainty" in schema["properties"]


def test_console_script_and_python_dash_m(tmp_path):
    """The installed entry points work as a separate process (everything else runs in-process)."""
    for command in ([sys.executable, "-m", "sim", "--help"], [str(Path(sys.executable).parent / "pmo-sim"), "--help"]):
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0 and "list-params" in done.stdout


def test_runs_on_a_file_without_uncertainty_is_noted(capsys):
    write("one.toml", 'description = "x"\n')
    assert main(["run", "one.toml", "--out", "out", "--runs", "50"]) == 0
    assert capsys.readouterr().err.splitlines() == ["pmo-sim: note: one.toml has no [uncertainty]; --runs and --seed do not apply"]
    assert json.loads(Path("out/one/manifest.json").read_text())["runs"] == 1
