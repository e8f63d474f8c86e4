"""Writing a study's folder: every file made in memory first, then each written atomically, the manifest last.

A study that fails (bad input, a failed run) fails before anything is written, so it leaves nothing
in the output folder; an interrupted write leaves no half-written file (:func:`sim.results.write_atomic`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from sim.results import _csv, _png, manifest, output_folder, write_atomic

csv_bytes = _csv
png_bytes = _png


def write_study(out: Path, name: str, files: dict[str, bytes], *, result: Any, study: dict[str, Any],
                command_line: Sequence[str] = ()) -> Path:
    """Write ``files`` and a ``manifest.json`` (as ``pmo-sim run`` writes it, plus the study's options) into
    ``out/<name>/``; returns the folder. ``result`` has the ``scenario``, ``seed``, ``runs`` and ``engine``."""
    record = manifest(result, command_line=list(command_line) or sys.argv, files=files)
    record["study"] = study
    content = {**files, "manifest.json": (json.dumps(record, indent=2, default=_plain) + "\n").encode()}
    folder = output_folder(out, name)
    for file_name, data in content.items():
        write_atomic(folder / file_name, data)
    return folder


def _plain(value: Any) -> Any:
    """numpy numbers and frames in a manifest as plain JSON."""
    if isinstance(value, pd.DataFrame):
        return value.to_dict("records")
    if hasattr(value, "item"):
        return value.item()
    return str(value)
