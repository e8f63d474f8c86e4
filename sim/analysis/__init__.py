"""Studies built on the batch engine, each a function of a scenario returning a tidy result object:
:mod:`~sim.analysis.sensitivity` (SALib Sobol and Morris), :mod:`~sim.analysis.optimize` (the best
budget split or schedule, robust over uncertainty; scipy and pymoo), :mod:`~sim.analysis.distributed`
(the same runs in chunks on a Dask cluster, streamed to Parquet), :mod:`~sim.analysis.loops` (Loops
that Matter: which feedback loop dominates when), :mod:`~sim.analysis.survey` (a virtual survey of a
population of simulated PMOs: the white paper's path model estimated on their answers)."""
