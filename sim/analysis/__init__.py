"""Studies built on the batch engine, one module each: each a function of a scenario (or a history)
returning a result object, every model run going through batch-engine calls over many runs at once.

    sim.analysis.calibrate(history, scenario, *, params=None, ...) -> Calibration   # fit to a PMO's history

``sim.analysis.calibrate`` is the function; the module's other names come with
``from sim.analysis.calibrate import Calibration, HistoryError, calibrate_each, read_history``.
"""

from sim.analysis.calibrate import calibrate

__all__ = ["calibrate"]
