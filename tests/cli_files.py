"""What the command-line tests share: each test in its own temporary folder, scenario files written there."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

MONTE_CARLO = """
    description = "mc"
    [uncertainty]
    runs = 30
    seed = 5
    [uncertainty.params]
    capability_erosion_time = { dist = "uniform", low = 24, high = 48 }
"""


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    """Run every test of a module that imports this fixture in its own temporary folder."""
    monkeypatch.chdir(tmp_path)


def write(name: str, text: str | bytes) -> Path:
    """``text`` dedented and stripped at the start, as UTF-8; bytes as given (BOMs, binary files)."""
    path = Path(name)
    path.write_bytes(text if isinstance(text, bytes) else textwrap.dedent(text).lstrip().encode())
    return path


def validate(capsys, *paths) -> tuple[int, list[str]]:
    """``pmo-sim validate`` on ``paths``: its exit code and the lines it wrote to stderr."""
    from sim.cli import main

    code = main(["validate", *map(str, paths)])
    return code, capsys.readouterr().err.splitlines()
