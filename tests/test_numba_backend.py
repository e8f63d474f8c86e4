"""The numba backend's compile-once promises: outputs chosen at run time, kernels cached across processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.engine import batch

pytestmark = pytest.mark.skipif(batch.default_backend() != "numba", reason="numba not installed")


def test_a_new_outputs_list_reuses_the_compiled_kernel():
    """Changing ``outputs=`` neither generates a new kernel nor compiles a new signature."""
    from sim.engine import numba_backend, plan

    table = pd.DataFrame({"pmo_budget": [90.0, 110.0]})
    first = sim.simulate_batch(table, engine="numba", outputs=["pmo_survival"])
    kernels = numba_backend.kernel_for.cache_info().misses
    compiled_model = plan.compiled(sim.get_model())
    _, kernel = numba_backend.kernel_for(plan.plan_for(compiled_model, frozenset(), ()), compiled_model)
    signatures = len(kernel.signatures)
    second = sim.simulate_batch(table, engine="numba", outputs=list(sim.model.CONTRACT_OUTPUTS) + ["pmo_survival"])
    assert numba_backend.kernel_for.cache_info().misses == kernels
    assert len(kernel.signatures) == signatures == 1
    assert list(first.data_vars) == ["pmo_survival"]
    assert set(second.data_vars) == set(sim.model.CONTRACT_OUTPUTS) | {"pmo_survival"}
    pd.testing.assert_series_equal(first["pmo_survival"].to_series(), second["pmo_survival"].to_series())


RUN_ONE = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    import pandas as pd
    from sim.engine import batch, numba_backend
    from sim.model import Model
    path = Path(sys.argv[1])
    path.write_text('''{UTF-8}
    stock = INTEG(inflow - stock / 4, 1) ~ Dmnl ~ |
    inflow = IF THEN ELSE(Time > 3, gain * table(Time), 0) ~ Dmnl ~ |
    gain = 2 ~ Dmnl ~ |
    table([(0,0)-(10,10)],(0,0),(5,3),(10,4)) ~ Dmnl ~ |
    FINAL TIME = 10 ~ Month ~ | INITIAL TIME = 0 ~ Month ~ | SAVEPER = 1 ~ Month ~ | TIME STEP = 0.25 ~ Month ~ |
    '''.replace(' | ', '\\n\\t|\\n').replace('~ |', '~\\n\\t|'), encoding='utf-8')
    out = batch.outputs(pd.DataFrame({"gain": [1.0, 3.0]}), engine="numba", model=Model(path))
    kernel = next(iter(numba_backend._KERNELS.values()))[1]
    print(json.dumps({"hits": sum(kernel.stats.cache_hits.values()), "misses": sum(kernel.stats.cache_misses.values()),
                      "stock": out.values["stock"][:, -1].tolist()}))
""")


def test_a_second_process_loads_the_kernel_from_the_disk_cache(tmp_path):
    """The first process compiles and writes the kernel; a second (another hash seed) loads it, same results."""
    env = dict(os.environ, PMO_SIM_KERNEL_CACHE=str(tmp_path / "kernels"), PMO_SIM_CACHE=str(tmp_path / "translations"),
               PYTHONPATH=str(Path(sim.__file__).parent.parent))
    results = []
    for seed in ("1", "2"):
        done = subprocess.run([sys.executable, "-c", RUN_ONE, str(tmp_path / "m.mdl")], env=dict(env, PYTHONHASHSEED=seed),
                              capture_output=True, text=True, check=True)
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    assert (results[0]["hits"], results[0]["misses"]) == (0, 1)
    assert (results[1]["hits"], results[1]["misses"]) == (1, 0)
    assert results[0]["stock"] == results[1]["stock"]
    assert len(list((tmp_path / "kernels").glob("pmo_sim_kernel_*.py"))) == 1
