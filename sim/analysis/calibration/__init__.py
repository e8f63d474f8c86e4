"""The jobs of calibrating the model to a PMO's history (the entry is :func:`sim.analysis.calibrate`):

``history`` (reading and checking the CSV), ``setup`` (which parameters, their ranges and starts,
the inputs held fixed), ``problem`` (what is fitted, and model runs for many problems in one
batch-engine call), ``lockstep`` (many solver jobs sharing those calls), ``fitting`` (weighted
least squares from several starts, the noise of each series), ``intervals`` (profile likelihood,
correlation, emcee posterior), ``statistics`` (R², MAPE, Theil's inequality decomposition),
``chart`` (history, fitted run and bands) and ``report`` (tables, summary, calibrated scenario
files, written atomically).
"""
