"""Each Vensim construct the batch engine supports, against analytic solutions and against PySD.

Small models are written into a temporary folder, so nothing is translated beside the sources.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.engine import batch, pysd_engine
from sim.engine.batch import BatchError
from sim.model import Model

CONTROL = """
FINAL TIME = {final} ~ Month ~ | INITIAL TIME = 0 ~ Month ~ |
SAVEPER = {saveper} ~ Month ~ | TIME STEP = {dt} ~ Month ~ |
"""


def make_model(tmp_path: Path, equations: str, *, final: float = 20, dt: float = 0.125, saveper: float = 1) -> Model:
    text = "{UTF-8}\n" + textwrap.dedent(equations).strip() + "\n" + CONTROL.format(final=final, dt=dt, saveper=saveper)
    path = tmp_path / f"m{abs(hash(text))}.mdl"
    path.write_text(text.replace(" | ", "\n\t|\n").replace("~ |", "~\n\t|"), encoding="utf-8")
    return Model(path)


BACKENDS = [
    "numpy",
    pytest.param("numba", marks=pytest.mark.skipif(batch.default_backend() != "numba", reason="numba not installed")),
]


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest) -> str:
    """Each construct is checked on both batch backends."""
    return request.param


def run_batch(engine: str, model: Model, table: pd.DataFrame | None = None) -> pd.DataFrame:
    table = table if table is not None else pd.DataFrame(index=[0])
    return batch.run(table, engine=engine, model=model).isel(run=0).drop_vars("run").to_dataframe()


def run_pysd(model: Model) -> pd.DataFrame:
    return pysd_engine.run({}, final_time=model.defaults()["final_time"], model=model)


def test_first_order_stock_follows_the_exact_euler_exponential(tmp_path, engine):
    model = make_model(tmp_path, """
        x = INTEG((target - x) / tau, 1) ~ Dmnl ~ |
        target = 3 ~ Dmnl ~ |
        tau = 4 ~ Month ~ |
    """, dt=0.125)
    x = run_batch(engine, model)["x"]
    steps = x.index.to_numpy() / 0.125
    np.testing.assert_allclose(x, 3 + (1 - 3) * (1 - 0.125 / 4) ** steps, rtol=1e-12)
    np.testing.assert_allclose(x, 3 - 2 * np.exp(-x.index.to_numpy() / 4), atol=0.02)  # the continuous solution


@pytest.mark.parametrize("function", ["SMOOTH", "DELAY1"])
def test_first_order_smooth_and_delay_are_exponential(tmp_path, function, engine):
    model = make_model(tmp_path, f"""
        y = {function}(input, 5) ~ Dmnl ~ |
        input = STEP(1, 2) ~ Dmnl ~ |
    """, final=40, dt=0.01)
    y = run_batch(engine, model)["y"]
    t = y.index.to_numpy()
    np.testing.assert_allclose(y, np.where(t >= 2, 1 - np.exp(-(t - 2) / 5), 0), atol=2e-3)


@pytest.mark.parametrize("function", ["SMOOTH3", "DELAY3"])
def test_third_order_step_response_is_erlang_3(tmp_path, function, engine):
    """Erlang-3: 50% at 0.89 D, 90% at 1.77 D (MODEL.md section 6)."""
    model = make_model(tmp_path, f"""
        y = {function}(input, 12) ~ Dmnl ~ |
        input = STEP(1, 5) ~ Dmnl ~ |
    """, final=65, dt=0.01, saveper=0.01)
    y = run_batch(engine, model)["y"].loc[5:]
    t = y.index.to_numpy() - 5
    k = 3 * t / 12
    np.testing.assert_allclose(y, 1 - np.exp(-k) * (1 + k + k**2 / 2), atol=2e-3)
    assert abs(t[np.argmax(y.to_numpy() >= 0.5)] / 12 - 0.89) < 0.01
    assert abs(t[np.argmax(y.to_numpy() >= 0.9)] / 12 - 1.77) < 0.01


@pytest.mark.parametrize("function,initial", [("SMOOTHI", 0.4), ("SMOOTH3I", 0.4), ("DELAY1I", 0.4), ("DELAY3I", 0.4)])
def test_initialised_forms_start_at_their_initial_value(tmp_path, function, initial, engine):
    model = make_model(tmp_path, f"""
        y = {function}(input, 6, {initial}) ~ Dmnl ~ |
        input = 1 ~ Dmnl ~ |
    """, final=60)
    y = run_batch(engine, model)["y"]
    assert y.iloc[0] == pytest.approx(initial)
    assert y.iloc[-1] == pytest.approx(1, abs=0.01)


LOOKUPS = """
table([(0,0)-(10,10)],(0,0),(2,4),(6,5),(10,10)) ~ Dmnl ~ |
standalone = table(x) ~ Dmnl ~ |
inline = WITH LOOKUP(x, ([(0,0)-(10,10)],(0,0),(2,4),(6,5),(10,10))) ~ Dmnl ~ |
x = Time - 2 ~ Dmnl ~ |
"""


def test_lookups_interpolate_and_hold_their_ends(tmp_path, engine):
    model = make_model(tmp_path, LOOKUPS, final=14)
    out = run_batch(engine, model)
    x = out["x"].to_numpy()
    expected = np.interp(x, [0, 2, 6, 10], [0, 4, 5, 10])  # linear inside, ends held outside
    np.testing.assert_allclose(out["standalone"], expected, rtol=1e-12)
    np.testing.assert_allclose(out["inline"], expected, rtol=1e-12)
    assert out.at[0, "standalone"] == 0 and out.at[14, "standalone"] == 10  # below and above the table
    assert out.at[6, "standalone"] == pytest.approx(4.5)


FUNCTIONS = """
a = IF THEN ELSE(Time > 5 :AND: Time <= 10, 1, -1) ~ Dmnl ~ |
b = MIN(Time, 7) + MAX(Time, 3) - ABS(5 - Time) ~ Dmnl ~ |
c = EXP(-Time / 10) + LN(1 + Time) + SQRT(Time) ~ Dmnl ~ |
d = ZIDZ(Time, Time - 4) + XIDZ(1, Time - 6, 42) ~ Dmnl ~ |
e = STEP(2, 3) + PULSE(4, 2) + RAMP(0.5, 8, 12) ~ Dmnl ~ |
f = (Time = 9) + (Time <> 9) * 2 + IF THEN ELSE(:NOT: (Time >= 1) :OR: Time > 15, 1, 0) + (Time < 2) ~ Dmnl ~ |
g = -Time ^ 2 / 4 * 3 - 2 + 1 ~ Dmnl ~ |
h = a * b - c / (1 + d) + e * f ~ Dmnl ~ |
"""


def test_functions_operators_and_time_match_pysd(tmp_path, engine):
    model = make_model(tmp_path, FUNCTIONS, final=16)
    batch_out, reference = run_batch(engine, model), run_pysd(model)
    for column in "abcdefgh":
        np.testing.assert_allclose(batch_out[column], reference[column], rtol=1e-12, atol=1e-15, err_msg=column)


def test_functions_have_their_vensim_meaning(tmp_path, engine):
    model = make_model(tmp_path, FUNCTIONS, final=16)
    out = run_batch(engine, model)
    assert out.at[4, "a"] == -1 and out.at[8, "a"] == 1
    assert out.at[4, "d"] == 0 + 1 / (4 - 6)  # ZIDZ by zero is 0
    assert out.at[6, "d"] == 6 / 2 + 42  # XIDZ by zero is its third argument
    assert out.at[2, "e"] == 0 and out.at[3, "e"] == 2  # STEP of 2 at 3
    assert out.at[5, "e"] == 2 + 1  # PULSE from 4 for 2 months
    assert out.at[10, "e"] == 2 + 0.5 * 2 and out.at[15, "e"] == 2 + 0.5 * 4  # RAMP from 8 to 12


def test_per_run_inputs_and_schedules(tmp_path, engine):
    model = make_model(tmp_path, """
        x = INTEG(rate, 0) ~ Dmnl ~ |
        rate = 1 ~ 1/Month ~ |
    """, final=10)
    table = pd.DataFrame({"rate": [1.0, 2.0, pd.Series([0.0, 0.0, 1.0], index=[0.0, 5.0, 5.0001])]})
    x = batch.run(table, engine=engine, model=model)["x"].to_numpy()
    np.testing.assert_allclose(x[0, -1], 10)
    np.testing.assert_allclose(x[1, -1], 20)
    np.testing.assert_allclose(x[2, -1], 39 * 0.125)  # Euler: the rate is on from the step after month 5


@pytest.mark.parametrize("equation,construct", [
    ("y = INTEGER(Time) ~ Dmnl ~ |", "INTEGER"),
    ("y = RANDOM UNIFORM(0, 1, 0) ~ Dmnl ~ |", "RANDOM_UNIFORM"),
    ("y = DELAY FIXED(Time, 2, 0) ~ Dmnl ~ |", "DELAYFIXED"),
    ("y = SIN(Time) ~ Dmnl ~ |", "SIN"),
])
def test_unsupported_constructs_are_named_with_their_variable(tmp_path, equation, construct):
    model = make_model(tmp_path, equation)
    with pytest.raises(BatchError, match=rf"does not support .*{construct}.* \(in 'y'\)"):
        batch.compile_model(model)
