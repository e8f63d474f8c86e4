"""Studies built on the batch engine, one module each: each a function of a scenario (or a history)
returning a result object, every model run going through batch-engine calls over many runs at once:
:mod:`~sim.analysis.sensitivity` (SALib Sobol and Morris), :mod:`~sim.analysis.optimize` (the best
budget split or schedule, robust over uncertainty; scipy and pymoo), :mod:`~sim.analysis.distributed`
(the same runs in chunks on a Dask cluster, streamed to Parquet), :mod:`~sim.analysis.loops` (Loops
that Matter: which feedback loop dominates when), :mod:`~sim.analysis.survey` (a virtual survey of a
population of simulated PMOs: the white paper's path model estimated on their answers), and calibration
to a PMO's history:

    sim.analysis.calibrate(history, scenario, *, params=None, ...) -> Calibration   # fit to a PMO's history

``sim.analysis.calibrate`` is the function; the module's other names come with
``from sim.analysis.calibrate import Calibration, HistoryError, calibrate_each, read_history``.
"""

from sim.analysis.calibrate import calibrate

__all__ = ["calibrate"]
