"""pmo-sim: a system-dynamics simulation of the PMO Dual-Track Mechanism.

The public API::

    sim.load_scenario(path) -> Scenario
    sim.run(scenario, *, engine="batch") -> Result        # Result.dataset: xarray (run, time)
    sim.simulate(params=None, *, final_time=120, engine="batch") -> pandas.DataFrame
    sim.simulate_batch(param_table, *, final_time=120, time_step=None, outputs=None) -> xarray.Dataset
    sim.get_model() -> sim.model.Model    # metadata and dependency graph of the model file
"""

from sim.model import ModelError, get_model
from sim.runner import Result, run
from sim.scenario import Scenario, ScenarioError, load_scenario
from sim.simulate import simulate, simulate_batch

__version__ = "0.1.0"
__all__ = [
    "ModelError", "Result", "Scenario", "ScenarioError", "get_model", "load_scenario", "run", "simulate",
    "simulate_batch", "__version__",
]
