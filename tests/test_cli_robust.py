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


def _command(kind: str, out: str) -> list[str]:
    """A command line that would run (and write into ``out``) were ``out`` fine."""
    baseline = str(SCENARIOS / "baseline.toml")
    return {"run": ["run", "one.toml", "two.toml", "--runs", "200"], "compare": ["compare", "one.toml", "two.toml"],
            "loops": ["loops", "one.toml"], "sensitivity": ["sensitivity", baseline, "-n", "8"],
            "optimize": ["optimize", baseline, "--samples", "5", "--maxiter", "2"],
            "calibrate": ["calibrate", "history.csv", "--scenario", "one.toml"],
            "survey": ["survey", "study.toml"]}[kind] + ["--out", out]


@pytest.mark.parametrize("kind", ["run", "compare", "loops", "sensitivity", "optimize", "calibrate", "survey"])
def test_an_out_that_is_a_file_is_refused_before_anything_runs(kind, capsys):
    """Every command that writes a folder checks --out first: exit 2, one line, nothing run."""
    write("one.toml", 'description = "one"\n')
    write("two.toml", 'description = "two"\n[params]\npmo_budget = 80\n')
    write("taken", "a file\n")
    assert main(_command(kind, "taken")) == 2
    assert capsys.readouterr() == ("", "pmo-sim: --out: 'taken' is a file, not a folder\n")
    assert Path("taken").read_text() == "a file\n"


def test_an_out_that_cannot_be_created_says_why_and_leaves_nothing(capsys):
    """Below a file, or with a name the system refuses: the reason; the folders made to find out are removed."""
    write("one.toml", 'description = "one"\n')
    write("taken", "a file\n")
    assert main(["run", "one.toml", "--out", "taken/results"]) == 2
    assert capsys.readouterr().err == "pmo-sim: --out: 'taken/results' cannot be created: '{}' is a file, not a folder\n".format(
        Path("taken").absolute())
    too_long = f"new/deeper/{'a' * 300}"
    assert main(["run", "one.toml", "--out", too_long]) == 2
    assert capsys.readouterr().err == f"pmo-sim: --out: '{too_long}' cannot be created: File name too long\n"
    assert not Path("new").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any folder")
def test_an_out_without_write_permission_is_refused(capsys):
    write("one.toml", 'description = "one"\n')
    Path("locked").mkdir(mode=0o555)
    assert main(["run", "one.toml", "--out", "locked"]) == 2
    assert capsys.readouterr().err == "pmo-sim: --out: cannot write into 'locked': Permission denied\n"


def test_a_good_out_is_not_created_when_the_files_are_bad(capsys):
    """The check of --out makes nothing that stays: bad input leaves no empty results folder behind."""
    write("bad.toml", "[params]\npmo_budgte = 1\n")
    assert main(["run", "bad.toml", "--out", "results/today"]) == 2
    assert "pmo_budgte" in capsys.readouterr().err
    assert not Path("results").exists()


def test_the_same_file_reached_twice_runs_once(capsys):
    """Named, inside a named folder, by another spelling and by a link: one run, no complaint."""
    Path("mine").mkdir()
    write("mine/plan.toml", 'description = "plan"\n')
    Path("link.toml").symlink_to("mine/plan.toml")
    assert main(["run", "mine/plan.toml", "mine", "./mine/../mine/plan.toml", "link.toml", "--out", "out"]) == 0
    printed = capsys.readouterr()
    assert printed.err == ""
    assert printed.out.splitlines() == [f"mine/plan.toml: 1 run -> {Path('out/plan').resolve()}"]


def test_two_files_with_the_same_name_are_still_refused(capsys):
    """A copy is another file: it would overwrite the first one's results, so it is bad input."""
    Path("mine").mkdir()
    write("mine/plan.toml", 'description = "plan"\n')
    write("plan.toml", 'description = "plan"\n')
    assert main(["validate", "mine/plan.toml", "plan.toml"]) == 2
    assert capsys.readouterr().err == ("plan.toml:1: name: 'plan' writes to the same folder as mine/plan.toml; "
                                       "give one of them another name\n")
