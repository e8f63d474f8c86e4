"""Reading a PMO's history (CSV) and checking it against the model file: every problem at once.

A history has a ``month`` column (months since the start of the run, 0 first), or a ``date`` column
and a start date, and any of the model's outputs (observed: Delivery Performance, Executive Support,
...) and inputs (known decisions: PMO Budget, the shares, ...). Column names are matched like
scenario parameters: snake_case or the model file's names. Rows may be monthly, quarterly or
irregular. Dates are ISO only (``2023-03-31`` or ``2023-03``, the latter the 1st of the month): ``01/02/2021`` is
refused, as day-first and month-first readings differ. An empty cell is a gap, and so are the missing-value marks
spreadsheets and statistics packages write (``NA``, ``N/A``, ``#N/A``, ``NaN``, ``-``); an infinite value is
refused. A UTF-16 file with a byte-order mark (a spreadsheet's "Unicode text") is read as well as UTF-8. Problems
are reported as ``file:line: column: message``; a bad ``start`` as ``--start: message``.
"""

from __future__ import annotations

import calendar
import codecs
import csv
import datetime as dt
import difflib
import hashlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.model import CONTROL_NAMES, MAX_FINAL_TIME, Variable, get_model, snake_case
from sim.scenario import ScenarioProblem
from sim.scenario.source import UnreadableText, decode_text

#: A history is a short table; anything larger is refused before it is parsed.
MAX_HISTORY_BYTES = 5_000_000
#: Cells read as a gap (compared in lower case): empty, or a missing-value mark of a spreadsheet or statistics package.
GAPS = ("", "na", "n/a", "#n/a", "nan", "-")
#: The date forms accepted: ISO 8601 calendar dates and months (a month is its 1st day).
ISO_DATE = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")
#: What a day-first or month-first date looks like (``01/02/2021``, ``1.2.21``, ``01-02-2021``).
NUMERIC_DATE = re.compile(r"\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}")
#: Spelled forms of ISO dates in messages.
DATE_FORMS = "YYYY-MM-DD or YYYY-MM"


class HistoryError(ValueError):
    """A history (or what is asked of it) cannot be used; ``problems`` lists everything wrong, in reading order."""

    def __init__(self, problems: list[ScenarioProblem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.path, p.line))
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class OptionProblem(ScenarioProblem):
    """A problem of an option rather than of a file: ``--params foo: unknown parameter 'foo'``."""

    def __str__(self) -> str:
        return f"{self.path} {self.field}: {self.message}" if self.field else f"{self.path}: {self.message}"


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
    """The file as text: UTF-8 (a byte-order mark, which spreadsheets often write, is dropped), or UTF-16 with a
    byte-order mark (a spreadsheet's "Unicode text" export); UTF-16 without one is refused by name."""
    try:
        if raw[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) and len(raw) <= MAX_HISTORY_BYTES:
            try:
                raw = raw.decode("utf-16").encode("utf-8")
            except UnicodeDecodeError:
                raise UnreadableText("starts as UTF-16 but is not UTF-16 text; save it as UTF-8 CSV") from None
        elif _utf16_without_mark(raw):
            raise UnreadableText("is UTF-16; save it as UTF-8 CSV")
        return decode_text(raw, limit=MAX_HISTORY_BYTES, kind="CSV", short="a history is a short table",
                           empty="a history needs a header and at least one row", encoding="utf-8-sig")
    except UnreadableText as error:
        raise HistoryError([ScenarioProblem(label, 1, "file", str(error))]) from None


def _utf16_without_mark(raw: bytes) -> bool:
    """Text of ASCII characters saved as UTF-16 without a byte-order mark: every other byte is NUL."""
    head = raw[:4096]
    if len(head) < 4 or len(head) % 2:
        return False
    return any(head[i::2].count(0) == len(head) // 2 and 0 not in head[1 - i::2] for i in (0, 1))


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
    """A finite number; ``72%`` is 0.72. Raises ValueError, with what to write instead for an infinite one."""
    text = cell.replace("\u2212", "-")
    scale = 1.0
    if text.endswith("%"):
        text, scale = text[:-1].strip(), 0.01
    try:
        value = float(text) * scale
    except ValueError:
        raise ValueError(f"'{cell}' is not a number") from None
    if math.isnan(value):
        raise ValueError(f"'{cell}' is not a number")
    if math.isinf(value):
        raise ValueError(f"'{cell}' is not a finite number")
    return value


def parse_date(cell: str) -> tuple[dt.date, str]:
    """An ISO date (``2023-03-31``) or month (``2023-03``, its 1st day) and which of the two forms it is.

    Raises ValueError with the message for the user: other forms are refused, since ``01/02/2021`` is
    2 January read month-first and 1 February read day-first."""
    match = ISO_DATE.fullmatch(cell.strip())
    if match is None:
        ambiguous = "; day-first and month-first dates are ambiguous" if NUMERIC_DATE.fullmatch(cell.strip()) else ""
        raise ValueError(f"'{cell}' is not an ISO date ({DATE_FORMS}){ambiguous}")
    year, month, day = match.groups()
    try:
        return dt.date(int(year), int(month), int(day or 1)), ("YYYY-MM-DD" if day else "YYYY-MM")
    except ValueError:
        raise ValueError(f"'{cell}' is not a calendar date") from None


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
        first_form: tuple[str, int] | None = None  # every date of a file is written the same way
        for position, (line, cells) in enumerate(rows):
            cell = cells[index] if index < len(cells) else ""
            if not cell:
                what = "a number of months" if kind == "month" else f"a date ({DATE_FORMS})"
                self.add(line, name, f"is empty; every row needs {what}")
                continue
            try:
                if kind == "month":
                    months[position] = _number(cell)
                    continue
                dates[position], form = parse_date(cell)
            except ValueError as error:
                self.add(line, name, f"{error} of months" if kind == "month" else str(error))
                continue
            if first_form is None:
                first_form = (form, line)
            elif form != first_form[0]:
                self.add(line, name, f"'{cell}' is {form} but line {first_form[1]} is {first_form[0]}; write every date "
                                     "the same way")
                dates[position] = None
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
            elif month > MAX_FINAL_TIME:
                at = f" (month {month:g})" if kind == "date" else ""
                self.add(line, name, f"{shown}{at} is beyond the longest run the model allows ({MAX_FINAL_TIME:g} months)")
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
            except ValueError as error:
                self.add(line, name, f"{error} (leave the cell empty for a gap)")
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
            start = parse_date(start)[0]
        except ValueError as error:
            raise HistoryError([OptionProblem("--start", 0, "", str(error))]) from None
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
        if np.isnan(months).all():  # no row has a time: reported already, and no column can have values
            months = np.zeros(0)
        if time_kind == "month" and start is not None:
            reader.problems.append(OptionProblem("--start", 0, "", f"{label} counts time in months (its '{header[time_index]}' "
                                                                   "column), not dates; --start applies only to a 'date' column"))
    observed: dict[str, Observed] = {}
    decisions: dict[str, pd.Series] = {}
    for index, py_name in resolved.items():
        variable = model.variables[py_name]
        values = reader.values(body, index, header[index], variable)
        if not len(months):  # no time column, or no readable time: reported already
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
    if not observed and len(months):
        outputs = ", ".join(("delivery_performance", "strategic_value_realization", "executive_support", "maturity_level"))
        found = f" (found only decisions: {', '.join(decisions)})" if decisions else ""
        reader.add(header_line, "file", f"no usable column: a history needs at least one of the model's outputs, e.g. "
                                        f"{outputs}{found}")
    if reader.problems:
        raise HistoryError(reader.problems)
    return History(label=label, observed=observed, decisions=decisions, months=months, start=used_start if time_kind == "date" else None,
                   sha256=hashlib.sha256(raw).hexdigest(), header_line=header_line,
                   columns={resolved[i]: header[i] for i in resolved})
