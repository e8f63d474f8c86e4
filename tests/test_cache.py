"""The disk cache of the parsed and compiled model: a second process skips PySD's parser, same results."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.engine import batch, plan
from sim.engine.functions import BatchError
from sim.model import Model

MODEL = """{UTF-8}
stock = INTEG(inflow - stock / 4, start) ~ Dmnl ~ |
inflow = gain * table(Time) ~ Dmnl ~ |
start = 1 ~ Dmnl [0, 10] ~ The stock's initial value. |
gain = 2 ~ Dmnl [0, 5] ~ |
table([(0,0)-(10,10)],(0,0),(5,3),(10,4)) ~ Dmnl ~ |
FINAL TIME = 10 ~ Month ~ | INITIAL TIME = 0 ~ Month ~ | SAVEPER = 1 ~ Month ~ | TIME STEP = 0.25 ~ Month ~ |
"""


def _write(path, text: str):
    path.write_text(text.replace(" | ", "\n\t|\n").replace("~ |", "~\n\t|"), encoding="utf-8")
    return path


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PMO_SIM_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_a_second_load_comes_from_the_cache_without_parsing(tmp_path, cache):
    """The second Model of the same file reads the cache: same variables and graph, PySD's parser never runs."""
    path = _write(tmp_path / "m.mdl", MODEL)
    first = Model(path)
    compiled_first = plan.compiled(first)
    assert first.syntax._abstract_model is not None  # parsed, then cached
    second = Model(path)
    compiled_second = plan.compiled(second)
    assert second.syntax._abstract_model is None  # nothing parsed: the cache had it all
    assert second.variables == first.variables and sorted(second.graph.edges) == sorted(first.graph.edges)
    assert (compiled_second.constants, compiled_second.equations) == (compiled_first.constants, compiled_first.equations)
    table = pd.DataFrame({"gain": [1.0, 3.0], "start": [1.0, 2.0]})
    expected = batch.outputs(table, engine="numpy", model=first).values["stock"]
    assert (batch.outputs(table, engine="numpy", model=second).values["stock"] == expected).all()
    assert second.variables["start"].ast == 1  # the syntax is still there when asked for
    assert second.syntax._abstract_model is not None


def test_a_changed_file_or_a_damaged_entry_is_parsed_again(tmp_path, cache):
    """The cache is keyed by the file's bytes, and an unreadable entry is made again, never trusted."""
    path = _write(tmp_path / "m.mdl", MODEL)
    Model(path)
    _write(path, MODEL.replace("gain = 2", "gain = 3"))
    assert Model(path).variables["gain"].default == 3
    for entry in (cache / "models").glob("*.pickle"):
        entry.write_bytes(b"not a pickle")
    assert Model(path).variables["gain"].default == 3


def test_initial_values_that_depend_on_each_other_are_refused(tmp_path, cache):
    """Two stocks whose initial values read each other: a clear error naming the cycle."""
    text = MODEL.replace("INTEG(inflow - stock / 4, start)", "INTEG(inflow, other)") + "other = INTEG(0, stock) ~ Dmnl ~ |\n"
    model = Model(_write(tmp_path / "cycle.mdl", text))
    with pytest.raises(BatchError, match="initial values depend on each other: stock -> other -> stock"):
        batch.outputs(pd.DataFrame({"gain": [1.0]}), engine="numpy", model=model)
