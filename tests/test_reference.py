"""The generated references, README parameter table and docs/model.md, agree with the model file."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from sim import model_doc as doc
from sim.diagram import NAMED_LOOPS
from sim.reference import END, START, clean_comment, main, parameter_table, published_sources

ROOT = Path(__file__).parent.parent
FIGURES = {"B1": {"delivery gain at 18": 0.0123456, "month reached": float("nan")}, "B11a": {"peaks": 3.0}}


def assert_same(on_disk: str, generated: str, command: str) -> None:
    if on_disk != generated:
        diff = "".join(list(difflib.unified_diff(on_disk.splitlines(True), generated.splitlines(True), "on disk", "generated"))[:40])
        pytest.fail(f"stale: regenerate it with `{command}` (inside .venv)\n{diff}")


def test_readme_parameter_table_matches_the_model_file():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    between = readme.split(START, 1)[1].split(END, 1)[0]
    assert_same(between.strip() + "\n", parameter_table().strip() + "\n", "python -m sim.reference --write README.md")


def test_model_doc_matches_the_model_file():
    """docs/model.md is what the generator makes of the model file and the measured behaviours."""
    path = ROOT / "docs" / "model.md"
    assert path.exists(), f"docs/model.md is missing: run `{doc.COMMAND}`"
    assert_same(path.read_text(encoding="utf-8"), doc.model_doc(), doc.COMMAND)


def test_model_doc_covers_every_variable_loop_and_behaviour(model):
    text = doc.model_doc(figures=FIGURES)
    for variable in model.variables.values():
        assert f"#### {variable.name}\n" in text and f"`{variable.py_name}`" in text
    assert " = ?\n" not in text  # every equation was found in the model file's text
    for new in ("pmo_authority", "organisational_complexity", "pmo_survival", "closure_hazard", "net_value_added",
                "cumulative_net_value", "transformation_activity", "transformation_disruption", "value_visibility"):
        assert f"`{new}`" in text
    assert "`pmo_survival` · stock · units Dmnl · range 0 to 1" in text
    assert "`pmo_budget` · input · units k$/Month · range 0 to 1000, step 5 · source: assumption" in text
    for loop in NAMED_LOOPS:
        assert f"| {loop} | " in text
    for number in range(1, 21):
        assert f"\n| B{number} | " in text
    assert "| B1 | delivery gain at 18 | 0.01235 |" in text and "| B1 | month reached | n/a |" in text
    assert "| B11a | peaks | 3 |" in text
    assert doc.COMMAND in text
    lowered = text.lower()
    assert "model.md section" not in lowered and "seed 0" not in lowered


def test_lookups_show_their_points_and_links_reach_headings(model):
    text = doc.model_doc(figures={})
    lookup = next(v for v in model.variables.values() if v.kind == "lookup")
    assert f"{lookup.name}(x): lookup through (" in text
    headings = {doc.anchor(line.lstrip("#").strip()) for line in text.splitlines() if line.startswith("#")}
    links = {part.split(")", 1)[0] for part in text.split("](#")[1:]}
    assert links <= headings, links - headings


def test_comments_lose_internal_pointers_and_name_their_sources():
    assert clean_comment("Seen as cost centres (seed 004: reporting factories). Assumption.") == \
        "Seen as cost centres (reporting factories). Assumption."
    assert clean_comment("At most 3 months (short cycle, MODEL.md rule 3).") == "At most 3 months (short cycle)."
    assert clean_comment("Readiness (white paper, section 5.5); pulses (MODEL.md section 3).") == "Readiness (white paper, section 5.5); pulses."
    assert clean_comment("Every 2-3 years (Hobbs and Aubry 2010: cycles)") == "Every 2-3 years (Hobbs and Aubry 2010: cycles)"
    assert published_sources("PMI's PMO typology; Hobbs and Aubry 2007 find all three. PMI Pulse 2017: 31%.") == [
        "PMI PMO typology", "Hobbs and Aubry 2007", "PMI Pulse 2017"]
    assert published_sources("Aubry et al. 2011 and Duddy and Perry; SEI data") == ["Aubry et al. 2011", "Duddy and Perry", "SEI"]
    assert published_sources("No source here, 12 months. Assumption.") == []


def test_command_writes_both_files_atomically(tmp_path, monkeypatch):
    monkeypatch.setattr(doc, "measure_behaviours", lambda: FIGURES)
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{START}\nold\n{END}\n\ntail\n", encoding="utf-8")
    assert main(["--write", str(readme), "--model-doc", str(tmp_path / "docs" / "model.md")]) == 0
    assert readme.read_text(encoding="utf-8") == f"# x\n\n{START}\n{parameter_table()}{END}\n\ntail\n"
    assert (tmp_path / "docs" / "model.md").read_text(encoding="utf-8") == doc.model_doc(figures=FIGURES)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["README.md", "docs", "model.md"]  # no temporary left
