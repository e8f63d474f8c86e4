"""Sensitivity study: known Sobol indices recovered through the study's own code path, an input the output
never reads gets no index, and the command writes its folder (or nothing, on bad input)."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from cli_files import in_tmp, write  # noqa: F401 - in_tmp: each test in its own folder

from sim import get_model, load_scenario
from sim.analysis.sensitivity import indices, sensitivity
from sim.cli import main
from sim.scenario import ScenarioError


# Ishigami and Homma (1990) with a = 7, b = 0.1: analytic variances of the terms.
A, B = 7.0, 0.1
V1 = 0.5 * (1 + B * np.pi**4 / 5) ** 2
V2 = A**2 / 8
V13 = B**2 * np.pi**8 * (1 / 18 - 1 / 50)
VAR = V1 + V2 + V13
ISHIGAMI_S1 = np.array([V1, V2, 0]) / VAR
ISHIGAMI_ST = np.array([V1 + V13, V2, V13]) / VAR


def ishigami(unit: np.ndarray) -> dict[str, np.ndarray]:
    x = -np.pi + 2 * np.pi * unit
    y = np.sin(x[:, 0]) + A * np.sin(x[:, 1]) ** 2 + B * x[:, 2] ** 4 * np.sin(x[:, 0])
    return {"y": y[:, None]}


def test_ishigami_indices_are_recovered_within_their_intervals():
    """The Sobol design, the analysis and the intervals the model's study uses recover the analytic indices."""
    result = indices(["x1", "x2", "x3"], ishigami, months=[0.0], reported=[0.0], n=2048, second_order=True, seed=3)
    table = result.indices.set_index("parameter").loc[["x1", "x2", "x3"]]
    assert np.all(np.abs(table["S1"] - ISHIGAMI_S1) <= table["S1_conf"])
    assert np.all(np.abs(table["ST"] - ISHIGAMI_ST) <= table["ST_conf"])
    pair = result.second_order.set_index(["parameter_1", "parameter_2"]).loc[("x1", "x3")]
    assert abs(pair["S2"] - V13 / VAR) <= pair["S2_conf"]
    assert list(result.ranking()["parameter"]) == ["x1", "x2", "x3"]


def _baseline():
    """The shipped baseline."""
    return load_scenario(Path(__file__).parent.parent / "scenarios" / "baseline.toml")


def test_an_input_the_output_never_reads_has_no_total_index():
    """On the model, an input with no path to PMO Performance gets ST < 0.01 (Sobol) and mu* = 0 (Morris)."""
    model = get_model()
    ancestors = nx.ancestors(model.graph, "pmo_performance")
    unread = next(v.py_name for v in model.inputs if v.py_name not in ancestors)
    scenario = _baseline()
    varied = ["investment_for_half_capability", "executive_value_expectation", unread]
    sobol = sensitivity(scenario, params=varied, n=64, every=60)
    total = sobol.indices.set_index("parameter")["ST"]
    assert total[unread] < 0.01
    assert total["investment_for_half_capability"] > 0.05  # the study does see inputs that matter
    assert sobol.over_time["month"].max() == 120 and sobol.runs == 64 * 5
    morris = sensitivity(scenario, params=varied, method="morris", n=10, every=60)
    effects = morris.indices.set_index("parameter")["mu_star"]
    assert effects[unread] == 0 and effects["investment_for_half_capability"] > 0


def test_sensitivity_command_writes_indices_charts_and_manifest(capsys):
    """pmo-sim sensitivity writes OUT/<name>/ with the indices, both charts and a manifest of the study."""
    write("short.toml", """
        extends = "%s"
        [run]
        final_time = 36
        [study.sensitivity]
        outputs = ["pmo_performance", "pmo_survival"]
        n = 32
        every = 12
    """ % (Path(__file__).parent.parent / "scenarios" / "baseline.toml"))
    assert main(["sensitivity", "short.toml", "--out", "out", "--second-order", "--name", "which"]) == 0
    folder = Path("out/which")
    assert {p.name for p in folder.iterdir()} == {"indices.csv", "indices_over_time.csv", "second_order.csv", "factors.csv",
                                                  "ranking.png", "over_time.png", "manifest.json"}
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["study"]["kind"] == "sensitivity" and manifest["study"]["second_order"] is True
    assert manifest["runs"] == 32 * (2 * 12 + 2)
    assert set(manifest["files"]) >= {"indices.csv", "ranking.png"}
    text = (folder / "indices.csv").read_text().splitlines()
    assert text[0] == "output,month,parameter,S1,S1_conf,ST,ST_conf,rank" and len(text) == 1 + 2 * 12
    assert "most important" in capsys.readouterr().out


@pytest.mark.parametrize("options, message", [
    (["--outputs", "pmo_performence"], "pmo-sim: --outputs pmo_performence: unknown output 'pmo_performence'; did you mean 'pmo_performance'?"),
    (["--vary", "risk_tolerence"], "pmo-sim: --vary risk_tolerence: unknown parameter 'risk_tolerence'; did you mean 'risk_tolerance'?"),
    (["-n", "1000"], "pmo-sim: --n 1000: Sobol sampling needs a power of 2, e.g. 512 or 1024"),
    (["--months", "130"], "pmo-sim: --months 130: month 130 lies outside the horizon 0 to 120"),
    (["-n", "16384", "--second-order"], "pmo-sim: --n 16384: this study makes 425,984 runs at once, more than 250,000 on one "
                                          "machine; lower it or give a Dask scheduler (--scheduler)"),
])
def test_bad_options_exit_2_and_leave_nothing(capsys, options, message):
    """A bad option is named as typed; exit 2 and no output folder."""
    baseline = Path(__file__).parent.parent / "scenarios" / "baseline.toml"
    assert main(["sensitivity", str(baseline), "--out", "out", *options]) == 2
    assert capsys.readouterr().err.strip() == message
    assert not Path("out").exists()


def test_bad_study_table_gives_file_line_field():
    """A [study.sensitivity] table is checked like the rest of the file: every problem at its line."""
    write("bad.toml", """
        [uncertainty.params]
        risk_tolerance = { dist = "uniform", low = 0.7, high = 0.8 }
        [study.sensitivity]
        method = "sobol"
        params = ["share_governance", "capability_flor"]
        outputs = ["pmo_performance"]
        second_ordr = true
        [schedule.share_governance]
        points = [[0, 0.3], [24, 0.5]]
    """)
    with pytest.raises(ScenarioError) as error:
        load_scenario("bad.toml")
    assert [str(p) for p in error.value.problems] == [
        "bad.toml:5: study.sensitivity.params: 'share_governance' is scheduled; an input varied by the study has one value per run",
        "bad.toml:5: study.sensitivity.params: unknown parameter 'capability_flor'; did you mean 'capability_floor'?",
        "bad.toml:7: study.sensitivity.second_ordr: unknown field; did you mean 'second_order'?",
    ]
