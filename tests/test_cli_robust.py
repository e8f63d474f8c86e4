"""The command line where the world around it is awkward: a reader of its output that goes away, an --out
where nothing can be written, the same scenario file named twice."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import sim
from cli_files import in_tmp, write  # noqa: F401 - in_tmp: autouse fixture
from sim.cli import READER_GONE, main

SCENARIOS = Path(__file__).parent.parent / "scenarios"
ENV = {**os.environ, "PYTHONPATH": str(Path(sim.__file__).parent.parent)}


def _pmo_sim(*args: str, stdout) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sim", *args], stdout=stdout, stderr=subprocess.PIPE, env=ENV)


def test_a_reader_that_goes_away_ends_the_output_quietly():
    """``pmo-sim schema | head -c 10``: no traceback, no "Exception ignored", exit 141 as a shell reports SIGPIPE."""
    # schema prints more than a pipe holds (64 KiB), so it is still writing when the reader closes after 10 bytes
    head = _pmo_sim("schema", stdout=subprocess.PIPE)
    # the others print less: their reader is gone before they start, as when ``head`` has already exited
    gone = []
    for args in (("list-params", "--json"), ("list-params",)):
        read, written = os.pipe()
        os.close(read)
        gone.append(_pmo_sim(*args, stdout=written))
        os.close(written)
    assert head.stdout.read(10) == b'{\n  "$defs'
    head.stdout.close()
    for process in (head, *gone):
        _, errors = process.communicate(timeout=120)
        assert (process.returncode, errors.decode()) == (READER_GONE, ""), process.args


def test_output_read_to_its_end_still_exits_0():
    """The flush that notices a reader gone away does not change a normal exit."""
    done = subprocess.run([sys.executable, "-m", "sim", "list-params", "--json"], capture_output=True, env=ENV, timeout=120)
    assert done.returncode == 0 and done.stderr == b"" and done.stdout.rstrip().endswith(b"]")
