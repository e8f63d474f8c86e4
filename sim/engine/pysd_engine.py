"""Reference engine: PySD, full Vensim semantics, one run at a time.

The model file is translated once per model version into a cache folder (never beside the
installed model file). Every run loads a fresh PySD model object from the translation, so one
run never leaks parameters or state into the next.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Mapping

import pandas as pd

from sim import cache
from sim.model import Model, get_model

_LOCK = threading.Lock()


def cache_dir() -> Path:
    """Where translations are kept: ``$PMO_SIM_CACHE``, else the user's cache folder."""
    return cache.cache_dir()


def translated_model_file(model: Model | None = None) -> Path:
    """The PySD translation of the model file, made on first use.

    The translation is written in a private temporary folder and renamed into place, so
    concurrent processes never see a half-written file.
    """
    import pysd

    model = model or get_model()
    target_dir = cache_dir() / f"pysd-{pysd.__version__}" / model.sha256[:16]
    target = target_dir / (model.path.stem + ".py")
    with _LOCK:
        if target.exists():
            return target
        target_dir.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".translating-", dir=target_dir.parent))
        try:
            shutil.copy2(model.path, work / model.path.name)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pysd.read_vensim(str(work / model.path.name))
            try:
                work.rename(target_dir)
            except OSError:  # another process won the race; its translation is identical
                if not target.exists():
                    raise
        finally:
            if work.exists():
                shutil.rmtree(work, ignore_errors=True)
    return target


def run(
    params: Mapping[str, float | pd.Series],
    *,
    final_time: float,
    time_step: float | None = None,
    saveper: float | None = None,
    model: Model | None = None,
) -> pd.DataFrame:
    """Run the model once with PySD and return every variable by snake_case name.

    ``params`` holds already-validated snake_case names; a value is a number or a
    ``pandas.Series`` schedule indexed by month (PySD interpolates it linearly).
    """
    import pysd

    model = model or get_model()
    with warnings.catch_warnings():
        # PySD warns when a computed variable is replaced by a constant; callers do that on purpose.
        warnings.simplefilter("ignore")
        pysd_model = pysd.load(str(translated_model_file(model)))
        frame = pysd_model.run(
            params=dict(params),
            final_time=final_time,
            time_step=time_step,
            saveper=saveper,
            return_columns=[v.name for v in model.variables.values() if v.kind not in ("lookup", "control")],
        )
    frame = frame.rename(columns={v.name: v.py_name for v in model.variables.values()})
    frame.index = frame.index.astype(float)
    frame.index.name = "time"
    return frame
