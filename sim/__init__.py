"""pmo-sim: a system-dynamics simulation of the PMO Dual-Track Mechanism.

The public API::

    sim.simulate(params=None, *, final_time=120, engine="pysd") -> pandas.DataFrame
    sim.get_model() -> sim.model.Model    # metadata and dependency graph of the model file
"""

from sim.model import ModelError, get_model
from sim.simulate import simulate

__version__ = "0.1.0"
__all__ = ["ModelError", "get_model", "simulate", "__version__"]
