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


def write(name: str, text: str) -> Path:
    path = Path(name)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path
