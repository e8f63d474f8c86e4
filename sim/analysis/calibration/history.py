"""Reading a PMO's history (CSV) and checking it against the model file: every problem at once.

A history has a ``month`` column (months since the start of the run, 0 first), or a ``date`` column
and a start date, and any of the model's outputs (observed: Delivery Performance, Executive Support,
...) and inputs (known decisions: PMO Budget, the shares, ...). Column names are matched like
scenario parameters: snake_case or the model file's names. Rows may be monthly, quarterly or
irregular; an empty cell is a gap. Problems are reported as ``file:line: column: message``.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import difflib
import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.model import CONTROL_NAMES, Variable, get_model, snake_case
from sim.scenario import ScenarioProblem
from sim.scenario.source import UnreadableText, decode_text

#: A history is a short table; anything larger is refused before it is parsed.
MAX_HISTORY_BYTES = 5_000_000
#: Cells read as a gap.
GAPS = ("", "na", "n/a", "nan", "-")


class HistoryError(ValueError):
    """A history (or what is asked of it) cannot be used; ``problems`` lists everything wrong, in reading order."""

    def __init__(self, problems: list[ScenarioProblem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.path, p.line))
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class OptionProblem(ScenarioProblem):
    """A problem of an option rather than of a file: ``--params foo: unknown parameter 'foo'``."""

    def __str__(self) -> str:
        return f"{self.path} {self.field}: {self.message}"


@dataclass(frozen=True)
class Observed:
    """One observed output: its values at the months they were measured (gaps left out)."""

    name: str
    months: np.ndarray
    values: np.ndarray
    lines: tuple[int, ...]  # the file line of each value


@dataclass(frozen=True)
class History:
    """A checked history: the observed outputs and the known decisions (as schedules)."""

    label: str  # how the file is named in messages
    observed: dict[str, Observed]
    decisions: dict[str, pd.Series]  # input -> values by month, gaps left out
    months: np.ndarray  # every row's month
    start: dt.date | None  # the date of month 0 when the file has dates
    sha256: str
    header_line: int = 1
    columns: dict[str, str] = field(default_factory=dict)  # model name -> column as written

    @property
    def n_observations(self) -> int:
        return sum(len(o.values) for o in self.observed.values())

    @property
    def last_month(self) -> float:
        return float(self.months[-1])

    def problem(self, field_name: str, message: str, line: int | None = None) -> ScenarioProblem:
        return ScenarioProblem(self.label, self.header_line if line is None else line, field_name, message)


def _label(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _text(raw: bytes, label: str) -> str:
    try:  # utf-8-sig: spreadsheets often start a CSV with a byte-order mark
        return decode_text(raw, limit=MAX_HISTORY_BYTES, kind="CSV", short="a history is a short table",
                           empty="a history needs a header and at least one row", encoding="utf-8-sig")
    except UnreadableText as error:
        raise HistoryError([ScenarioProblem(label, 1, "file", str(error))]) from None


def _rows(text: str) -> list[tuple[int, list[str]]]:
    """Non-blank, non-comment (``#``) rows with their line numbers; comma, semicolon or tab separated."""
    lines = [(number, line) for number, line in enumerate(text.splitlines(), start=1)
             if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        return []
    header = lines[0][1]
    delimiter = max(",;\t", key=header.count) if any(d in header for d in ",;\t") else ","
    parsed = csv.reader([line for _, line in lines], delimiter=delimiter)
    return [(number, [cell.strip() for cell in cells]) for (number, _), cells in zip(lines, parsed)]


def _number(cell: str) -> float:
    """A number; ``72%`` is 0.72. Raises ValueError for anything else (nan and inf included)."""
    text = cell.replace("\u2212", "-")
    scale = 1.0
    if text.endswith("%"):
        text, scale = text[:-1].strip(), 0.01
    value = float(text) * scale
    if not math.isfinite(value):
        raise ValueError(cell)
    return value


def _date(cell: str) -> dt.date:
    value = pd.Timestamp(cell)
    if pd.isna(value):
        raise ValueError(cell)
    return value.date()


def _position(day: dt.date) -> float:
    """Months since year 0 at ``day``; the last day of a month counts as the month's end (reports are dated so)."""
    days = calendar.monthrange(day.year, day.month)[1]
    whole = day.year * 12 + day.month - 1
    return whole + 1.0 if day.day == days else whole + (day.day - 1) / days


def months_since(start: dt.date, day: dt.date) -> float:
    """Months from ``start`` to ``day``: 2023-01-01 to 2023-03-31 is 3 (a quarter), to 2023-02-15 is 1.5."""
    return _position(day) - _position(start)


def _resolve(name: str, allowed: dict[str, Variable]) -> str | None:
    if name in allowed:
        return name
    snake = snake_case(name)
    return snake if snake in allowed else None


def _outside(variable: Variable, value: float) -> str | None:
    low, high = variable.minimum, variable.maximum
    if (low is None or value >= low) and (high is None or value <= high):
        return None
    if low == 0 and high == 1:
        hint = f" (write {value:g}% as {value / 100:g})" if 1 < value <= 100 else ""
        return f"{value:g} is outside 0 to 1: {variable.name} is a fraction{hint}"
    low_text = "-inf" if low is None else f"{low:g}"
    high_text = "inf" if high is None else f"{high:g}"
    return f"{value:g} is outside the documented range {low_text} to {high_text} ({variable.units})"


class _Reader:
    """Collects the problems of one history file."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.problems: list[ScenarioProblem] = []

    def add(self, line: int, column: str, message: str) -> None:
        self.problems.append(ScenarioProblem(self.label, line, column, message))

    def columns(self, line: int, header: list[str]) -> tuple[int | None, str | None, dict[int, str]]:
        """The time column (index, kind) and the model variable of every other column by index."""
        model = get_model()
        allowed = {v.py_name: v for v in model.variables.values() if v.kind not in ("control", "lookup")}
        time_index, time_kind = None, None
        resolved: dict[int, str] = {}
        seen: dict[str, str] = {}
        for index, name in enumerate(header):
            if name.lower() in ("month", "date"):
                if time_index is not None:
                    self.add(line, name, f"a second time column; keep either '{header[time_index]}' or '{name}'")
                    continue
                time_index, time_kind = index, name.lower()
                continue
            if not name:
                self.add(line, f"column {index + 1}", "has no name")
                continue
            py_name = _resolve(name, allowed)
            if py_name is None:
                if snake_case(name) in CONTROL_NAMES:
                    self.add(line, name, "is a simulation setting, not something a PMO measures or decides")
                    continue
                close = difflib.get_close_matches(snake_case(name), sorted(allowed), n=1, cutoff=0.6)
                hint = f"; did you mean '{close[0]}'?" if close else "; see pmo-sim list-params and the model's outputs"
                self.add(line, name, f"unknown column '{name}'{hint}")
                continue
            if py_name in seen:
                self.add(line, name, f"names the same variable as column '{seen[py_name]}' ({py_name})")
                continue
            seen[py_name] = name
            resolved[index] = py_name
        if time_index is None:
            self.add(line, "month", "no time column: add 'month' (months since the start, 0 first) or 'date'")
        return time_index, time_kind, resolved

    def times(self, rows: list[tuple[int, list[str]]], index: int, kind: str, start: dt.date | None,
              name: str) -> tuple[np.ndarray, dt.date | None]:
        """Every row's month; problems for unreadable, negative, repeated or out-of-order months."""
        months = np.full(len(rows), np.nan)
        dates: list[dt.date | None] = [None] * len(rows)
        for position, (line, cells) in enumerate(rows):
            cell = cells[index] if index < len(cells) else ""
            try:
                if kind == "month":
                    months[position] = _number(cell)
                else:
                    dates[position] = _date(cell)
            except (ValueError, TypeError, OverflowError):
                what = "a number of months" if kind == "month" else "a date (e.g. 2023-03-31)"
                self.add(line, name, f"'{cell}' is not {what}" if cell else f"is empty; every row needs {what}")
        if kind == "date":
            known = [d for d in dates if d is not None]
            if start is None and known:
                start = known[0]
            if start is not None:
                months = np.array([months_since(start, d) if d is not None else np.nan for d in dates])
        previous: tuple[float, int] | None = None
        for (line, cells), month in zip(rows, months):
            if np.isnan(month):
                continue
            shown = cells[index]
            if month < 0:
                self.add(line, name, f"{shown} is before the start of the run (month 0"
                                     + (f" = {start.isoformat()})" if start else ")"))
            if previous is not None:
                if math.isclose(month, previous[0], abs_tol=1e-9):
                    self.add(line, name, f"{shown} is repeated (line {previous[1]}); give each month once")
                elif month < previous[0]:
                    self.add(line, name, f"{shown} comes after a later one (line {previous[1]}); rows must be in time order")
            previous = (month, line)
        return months, start

    def values(self, rows: list[tuple[int, list[str]]], index: int, name: str, variable: Variable) -> np.ndarray:
        values = np.full(len(rows), np.nan)
        for position, (line, cells) in enumerate(rows):
            cell = cells[index] if index < len(cells) else ""
            if cell.lower() in GAPS:
                continue
            try:
                value = _number(cell)
            except ValueError:
                self.add(line, name, f"'{cell}' is not a number (leave the cell empty for a gap)")
                continue
            problem = _outside(variable, value)
            if problem:
                self.add(line, name, problem)
                continue
            values[position] = value
        return values


def read_history(source: str | Path | bytes, *, start: dt.date | str | None = None, name: str | None = None) -> History:
    """Read and check a history CSV (a path, or the file's bytes with ``name`` for messages).

    ``start`` is the date of month 0 for a file with a ``date`` column (default: the first date). Raises
    :class:`HistoryError` listing every problem as ``file:line: column: message``.
    """
    if isinstance(source, bytes):
        raw, label = source, name or "<history>"
    else:
        path = Path(source)
        label = name or _label(path)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise HistoryError([ScenarioProblem(label, 1, "file", "no such file")]) from None
        except IsADirectoryError:
            raise HistoryError([ScenarioProblem(label, 1, "file", "is a folder, not a history file")]) from None
        except OSError as error:
            raise HistoryError([ScenarioProblem(label, 1, "file", f"cannot be read ({error.strerror})")]) from None
    if isinstance(start, str):
        try:
            start = _date(start)
        except (ValueError, TypeError):
            raise HistoryError([ScenarioProblem(label, 1, "date", f"start '{start}' is not a date (e.g. 2023-01-01)")]) from None
    rows = _rows(_text(raw, label))
    reader = _Reader(label)
    header_line, header = rows[0]
    body = rows[1:]
    if not body:
        raise HistoryError([ScenarioProblem(label, header_line, "file", "has a header but no rows")])
    for line, cells in body:
        if len(cells) > len(header):
            reader.add(line, "row", f"{len(cells)} cells, but the header (line {header_line}) names {len(header)} columns")
    time_index, time_kind, resolved = reader.columns(header_line, header)
    model = get_model()
    months, used_start = (np.zeros(0), start)
    if time_index is not None:
        months, used_start = reader.times(body, time_index, time_kind, start, header[time_index])
    observed: dict[str, Observed] = {}
    decisions: dict[str, pd.Series] = {}
    for index, py_name in resolved.items():
        variable = model.variables[py_name]
        values = reader.values(body, index, header[index], variable)
        if not len(months):  # no time column: reported already
            continue
        keep = ~np.isnan(values) & ~np.isnan(months)
        if not keep.any():
            reader.add(header_line, header[index], "has no values")
            continue
        if variable.kind == "constant":
            decisions[py_name] = pd.Series(values[keep], index=months[keep], name=py_name)
        else:
            lines = tuple(line for (line, _), k in zip(body, keep) if k)
            observed[py_name] = Observed(py_name, months[keep], values[keep], lines)
    if not observed and time_index is not None:
        outputs = ", ".join(("delivery_performance", "strategic_value_realization", "executive_support", "maturity_level"))
        found = f" (found only decisions: {', '.join(decisions)})" if decisions else ""
        reader.add(header_line, "file", f"no usable column: a history needs at least one of the model's outputs, e.g. "
                                        f"{outputs}{found}")
    if reader.problems:
        raise HistoryError(reader.problems)
    return History(label=label, observed=observed, decisions=decisions, months=months, start=used_start if time_kind == "date" else None,
                   sha256=hashlib.sha256(raw).hexdigest(), header_line=header_line,
                   columns={resolved[i]: header[i] for i in resolved})
