"""Where pmo-sim keeps what it can make again: translations, the parsed model, generated kernels.

Everything here is a cache: deleting the folder costs time, never results. Entries are keyed by
the bytes they were made from (the model file, the source of the code that made them, library
versions), written to a temporary name and renamed, so concurrent processes never read half an
entry; an entry that cannot be read is made again.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any, Callable


def cache_dir() -> Path:
    """``$PMO_SIM_CACHE``, else ``pmo-sim`` in the user's cache folder."""
    configured = os.environ.get("PMO_SIM_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "pmo-sim"


def key(*parts: str | bytes | Path) -> str:
    """A hash of ``parts``; a path stands for its file's bytes."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.read_bytes() if isinstance(part, Path) else part.encode() if isinstance(part, str) else part
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()[:24]


def cached(kind: str, entry_key: str, make: Callable[[], Any]) -> Any:
    """The entry ``kind/entry_key`` from disk, else ``make()``, stored for the next process."""
    folder = cache_dir() / kind
    path = folder / f"{entry_key}.pickle"
    try:
        with open(path, "rb") as file:
            return pickle.load(file)  # noqa: S301 - written by this package into the user's own cache
    except Exception:  # missing, or written by another version: make it again
        pass
    value = make()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp", delete=False) as file:
            partial = Path(file.name)
            try:
                pickle.dump(value, file, protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException:
                file.close()
                partial.unlink()
                raise
        os.replace(partial, path)
    except OSError:  # a read-only cache still gives correct results, only slower
        pass
    return value
