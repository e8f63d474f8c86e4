"""Shared fixtures: a private translation cache, and the runs several behaviour tests compare against."""

from __future__ import annotations

import pandas as pd
import pytest

import sim


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Translate the model into a temporary cache, never into the user's or beside the source."""
    mp = pytest.MonkeyPatch()
    mp.setenv("PMO_SIM_CACHE", str(tmp_path_factory.mktemp("pmo-sim-cache")))
    yield
    mp.undo()


@pytest.fixture(scope="session", autouse=True)
def _kernel_cache(pytestconfig: pytest.Config) -> None:
    """Numba kernels in pytest's own cache folder, kept between sessions: each compiles once, not per session."""
    mp = pytest.MonkeyPatch()
    mp.setenv("PMO_SIM_KERNEL_CACHE", str(pytestconfig.cache.mkdir("pmo-sim-kernels")))
    yield
    mp.undo()


@pytest.fixture(scope="session")
def model() -> sim.model.Model:
    return sim.get_model()


@pytest.fixture(scope="session")
def baseline() -> pd.DataFrame:
    """The shipped defaults over 120 months."""
    return sim.simulate()


@pytest.fixture(scope="session")
def workshop_kernel() -> str:
    """The workshop's compiled kernels, in the kernel cache before a workshop test runs (compiled once
    per machine, loaded after): no test waits for, or competes with, a compilation in the background."""
    from sim.workshop.warm import warm_workshop

    return warm_workshop()
