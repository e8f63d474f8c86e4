"""Memory for large batch results, reused once nothing refers to the results any more.

A batch of 100,000 runs saves its outputs in about 3 GB. Asking the operating system for fresh memory
that large is not free: every page is zeroed when it is first written, and on a virtual machine that
hands freed memory back to its host, the host must supply each page again. On this project's 2-core
machine that cost more than a third of a 100,000-run batch. So, like the caching allocators of array
libraries, the batch engine keeps the memory of large results it has returned: when a later batch
needs as much and no result, view or copy-free wrapper (an xarray ``Dataset``) still refers to that
memory, the batch writes into it instead of new memory. A result that is still held is never touched.

- Only arrays of at least :data:`MIN_BYTES` are pooled; smaller ones are cheap to allocate.
- At most :data:`KEEP_IDLE` unused buffers are kept from one batch to the next, the least recently used
  released first.
- The memory is private to the process, as malloc's is; a process started by fork starts without a pool.
- New buffers are mapped in small pages (:func:`_fresh`), whose first touch is faster here.
- :func:`release` gives the unused memory back at once; ``PMO_SIM_REUSE_MEMORY=0`` turns reuse off.
"""

from __future__ import annotations

import math
import mmap
import os
import sys
import threading

import numpy as np

#: Arrays smaller than this (bytes) are allocated as usual.
MIN_BYTES = 64 * 2**20
#: Unused buffers kept for reuse, at most.
KEEP_IDLE = 2
#: Environment variable: ``0`` turns reuse off.
REUSE_ENV = "PMO_SIM_REUSE_MEMORY"

_LOCK = threading.Lock()
_BUFFERS: list[np.ndarray] = []  # flat float64 owners, least recently used first


def _idle(index: int) -> bool:
    """Whether nothing but this pool refers to buffer ``index`` (its list entry and the call's argument)."""
    return sys.getrefcount(_BUFFERS[index]) == 2


def _enabled() -> bool:
    return os.environ.get(REUSE_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def _fresh(size: int) -> np.ndarray:
    """``size`` float64 of new memory in small pages: mapped here rather than by numpy, which asks for
    huge pages, whose first touch cost this project's machine 2-3 times as much. The mapping is
    private, as malloc's is: a process started by fork gets its own copy of what it writes."""
    if not hasattr(mmap, "MAP_PRIVATE"):  # not a POSIX system: numpy's own memory
        return np.empty(size)
    return np.frombuffer(mmap.mmap(-1, size * 8, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS), dtype=np.float64)


def _forget_after_fork() -> None:
    """In a forked child: a new lock (another thread may have held the parent's), and no pool (what
    the parent's results hold is copied on write, never shared, but nothing is reused across the fork)."""
    global _LOCK
    _LOCK = threading.Lock()
    _BUFFERS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


def empty(shape: tuple[int, ...]) -> np.ndarray:
    """An uninitialised C-ordered float64 array of ``shape``: new memory, or that of a result nobody holds."""
    size = math.prod(shape)
    if size * 8 < MIN_BYTES:
        return np.empty(shape)
    if not _enabled():
        return _fresh(size).reshape(shape)
    with _LOCK:
        fitting = [i for i in range(len(_BUFFERS)) if size <= _BUFFERS[i].size <= 2 * size and _idle(i)]
        owner = _BUFFERS.pop(min(fitting, key=lambda i: _BUFFERS[i].size)) if fitting else None
        idle = [i for i in range(len(_BUFFERS)) if _idle(i)]
        for i in reversed(idle[: max(0, len(idle) - (KEEP_IDLE - 1))]):
            del _BUFFERS[i]  # the least recently used unused buffers go first: with this one, at most KEEP_IDLE
        owner = _fresh(size) if owner is None else owner
        _BUFFERS.append(owner)  # most recently used last
        return owner[:size].reshape(shape)


def release() -> int:
    """Stop keeping memory for reuse: unused buffers are freed now, results still held when their
    holders drop them. The number of bytes freed now."""
    with _LOCK:
        freed = sum(_BUFFERS[i].nbytes for i in range(len(_BUFFERS)) if _idle(i))
        _BUFFERS.clear()
    return freed


def kept() -> int:
    """Bytes of memory kept for reuse that nothing else refers to."""
    with _LOCK:
        return sum(_BUFFERS[i].nbytes for i in range(len(_BUFFERS)) if _idle(i))
