"""Workshops in SQLite: every change is committed before the caller hears it has happened.

One database file, ``workshops.sqlite3``, in the data folder: the ``folder`` given, else
``$PMO_SIM_WORKSHOP_DATA``, else ``$XDG_DATA_HOME/pmo-sim/workshops`` (``~/.local/share/...``).
Write-ahead logging lets teams read while another team's decision is written; ``synchronous=FULL``
makes a commit durable before it returns; every change runs in one ``BEGIN IMMEDIATE`` transaction
on its own connection, so concurrent sessions (Streamlit runs each in a thread) never interleave.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from sim.workshop.decisions import Decision
from sim.workshop.setup import WorkshopSetup

DATA_ENV = "PMO_SIM_WORKSHOP_DATA"
FILE_NAME = "workshops.sqlite3"
#: How long a write waits for another to finish before giving up (seconds).
BUSY_TIMEOUT = 30.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS workshops (
    id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL, setup TEXT NOT NULL,
    pin_salt BLOB NOT NULL, pin_hash BLOB NOT NULL, status TEXT NOT NULL DEFAULT 'open',
    leaderboard INTEGER NOT NULL DEFAULT 0, auto_advance INTEGER NOT NULL DEFAULT 0,
    failed_pins INTEGER NOT NULL DEFAULT 0, locked_until REAL NOT NULL DEFAULT 0,
    advances INTEGER NOT NULL DEFAULT 0, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS reference_runs (
    workshop_id INTEGER NOT NULL REFERENCES workshops(id), kind TEXT NOT NULL, series TEXT NOT NULL,
    PRIMARY KEY (workshop_id, kind));
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY, workshop_id INTEGER NOT NULL REFERENCES workshops(id), created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS teams (
    id INTEGER PRIMARY KEY, workshop_id INTEGER NOT NULL REFERENCES workshops(id), name TEXT NOT NULL,
    name_key TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, round INTEGER NOT NULL DEFAULT 1,
    closed_round INTEGER, joined REAL NOT NULL, UNIQUE (workshop_id, name_key));
CREATE TABLE IF NOT EXISTS decisions (
    team_id INTEGER NOT NULL REFERENCES teams(id), round INTEGER NOT NULL, decision TEXT NOT NULL,
    carried INTEGER NOT NULL DEFAULT 0, changes INTEGER NOT NULL DEFAULT 1, submitted REAL NOT NULL,
    PRIMARY KEY (team_id, round));
CREATE TABLE IF NOT EXISTS results (
    team_id INTEGER NOT NULL REFERENCES teams(id), round INTEGER NOT NULL, series TEXT NOT NULL,
    PRIMARY KEY (team_id, round));
CREATE TABLE IF NOT EXISTS journal (
    id INTEGER PRIMARY KEY, workshop_id INTEGER NOT NULL REFERENCES workshops(id), at REAL NOT NULL,
    message TEXT NOT NULL);
"""


def default_folder() -> Path:
    """``$PMO_SIM_WORKSHOP_DATA``, else the user's data folder."""
    chosen = os.environ.get(DATA_ENV)
    if chosen:
        return Path(chosen).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "pmo-sim" / "workshops"


@dataclass(frozen=True)
class WorkshopRow:
    id: int
    code: str
    name: str
    setup: WorkshopSetup
    status: str  # open, finished (every team has played every round or is out), ended (by the facilitator)
    leaderboard: bool
    auto_advance: bool
    advances: int
    pin_salt: bytes
    pin_hash: bytes
    failed_pins: int
    locked_until: float


@dataclass(frozen=True)
class TeamRow:
    id: int
    workshop_id: int
    name: str
    round: int  # the round the team decides now (rounds played + 1)
    closed_round: int | None  # the round at whose end the team's PMO was closed
    joined: float


@dataclass(frozen=True)
class DecisionRow:
    round: int
    decision: Decision
    carried: bool  # made at the round's close from the team's previous decision (none submitted)
    changes: int
    submitted: float


Series = dict[str, np.ndarray]  # "time" and one array per output


def _series_json(series: Series) -> str:
    return json.dumps({k: np.asarray(v, dtype=float).tolist() for k, v in series.items()})


def _series(text: str) -> Series:
    return {k: np.asarray(v, dtype=float) for k, v in json.loads(text).items()}


def _workshop(row: sqlite3.Row | None) -> WorkshopRow | None:
    if row is None:
        return None
    return WorkshopRow(row["id"], row["code"], row["name"], WorkshopSetup.from_dict(json.loads(row["setup"])), row["status"],
                       bool(row["leaderboard"]), bool(row["auto_advance"]), row["advances"], row["pin_salt"], row["pin_hash"],
                       row["failed_pins"], row["locked_until"])


def _team(row: sqlite3.Row | None) -> TeamRow | None:
    if row is None:
        return None
    return TeamRow(row["id"], row["workshop_id"], row["name"], row["round"], row["closed_round"], row["joined"])


class Tx:
    """The queries of one transaction (see :meth:`Store.transaction`)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.db = connection

    # -- workshops -----------------------------------------------------------------------------
    def add_workshop(self, code: str, setup: WorkshopSetup, salt: bytes, pin_hash: bytes) -> int:
        cursor = self.db.execute(
            "INSERT INTO workshops (code, name, setup, pin_salt, pin_hash, auto_advance, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (code, setup.name, json.dumps(setup.to_dict()), salt, pin_hash, int(setup.auto_advance), time.time()))
        return int(cursor.lastrowid)

    def workshop(self, workshop_id: int) -> WorkshopRow | None:
        return _workshop(self.db.execute("SELECT * FROM workshops WHERE id = ?", (workshop_id,)).fetchone())

    def workshop_by_code(self, code: str) -> WorkshopRow | None:
        return _workshop(self.db.execute("SELECT * FROM workshops WHERE code = ?", (code,)).fetchone())

    def update_workshop(self, workshop_id: int, **fields: Any) -> None:
        allowed = {"status", "leaderboard", "auto_advance", "failed_pins", "locked_until", "advances"}
        if not fields or set(fields) - allowed:
            raise ValueError(f"cannot update {sorted(set(fields) - allowed)}")
        assignments = ", ".join(f"{name} = ?" for name in fields)
        self.db.execute(f"UPDATE workshops SET {assignments} WHERE id = ?", (*fields.values(), workshop_id))  # noqa: S608 - names checked above

    def add_reference(self, workshop_id: int, kind: str, series: Series) -> None:
        self.db.execute("INSERT INTO reference_runs (workshop_id, kind, series) VALUES (?, ?, ?)",
                        (workshop_id, kind, _series_json(series)))

    def references(self, workshop_id: int) -> dict[str, Series]:
        rows = self.db.execute("SELECT kind, series FROM reference_runs WHERE workshop_id = ?", (workshop_id,))
        return {row["kind"]: _series(row["series"]) for row in rows}

    # -- facilitator sessions ------------------------------------------------------------------
    def add_session(self, token_hash: str, workshop_id: int) -> None:
        self.db.execute("INSERT INTO sessions (token_hash, workshop_id, created) VALUES (?, ?, ?)", (token_hash, workshop_id, time.time()))

    def session_workshop(self, token_hash: str) -> int | None:
        row = self.db.execute("SELECT workshop_id FROM sessions WHERE token_hash = ?", (token_hash,)).fetchone()
        return None if row is None else int(row["workshop_id"])

    # -- teams ---------------------------------------------------------------------------------
    def add_team(self, workshop_id: int, name: str, token_hash: str) -> int:
        cursor = self.db.execute("INSERT INTO teams (workshop_id, name, name_key, token_hash, joined) VALUES (?, ?, ?, ?, ?)",
                                 (workshop_id, name, name.casefold(), token_hash, time.time()))
        return int(cursor.lastrowid)

    def team_named(self, workshop_id: int, name: str) -> TeamRow | None:
        return _team(self.db.execute("SELECT * FROM teams WHERE workshop_id = ? AND name_key = ?", (workshop_id, name.casefold())).fetchone())

    def team_by_token(self, token_hash: str) -> TeamRow | None:
        return _team(self.db.execute("SELECT * FROM teams WHERE token_hash = ?", (token_hash,)).fetchone())

    def team(self, team_id: int) -> TeamRow | None:
        return _team(self.db.execute("SELECT * FROM teams WHERE id = ?", (team_id,)).fetchone())

    def teams(self, workshop_id: int) -> list[TeamRow]:
        rows = self.db.execute("SELECT * FROM teams WHERE workshop_id = ? ORDER BY joined, id", (workshop_id,))
        return [_team(row) for row in rows]  # type: ignore[misc]

    def set_team_token(self, team_id: int, token_hash: str) -> None:
        self.db.execute("UPDATE teams SET token_hash = ? WHERE id = ?", (token_hash, team_id))

    def move_team(self, team_id: int, round_number: int, closed_round: int | None) -> None:
        self.db.execute("UPDATE teams SET round = ?, closed_round = ? WHERE id = ?", (round_number, closed_round, team_id))

    # -- decisions and results -----------------------------------------------------------------
    def put_decision(self, team_id: int, round_number: int, decision: Decision, *, carried: bool = False) -> None:
        self.db.execute(
            "INSERT INTO decisions (team_id, round, decision, carried, submitted) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (team_id, round) DO UPDATE SET decision = excluded.decision, carried = excluded.carried, "
            "changes = changes + 1, submitted = excluded.submitted",
            (team_id, round_number, json.dumps(decision.to_dict()), int(carried), time.time()))

    def decisions(self, team_id: int) -> dict[int, DecisionRow]:
        rows = self.db.execute("SELECT * FROM decisions WHERE team_id = ? ORDER BY round", (team_id,))
        return {row["round"]: DecisionRow(row["round"], Decision.from_dict(json.loads(row["decision"])), bool(row["carried"]),
                                          row["changes"], row["submitted"]) for row in rows}

    def put_result(self, team_id: int, round_number: int, series: Series) -> None:
        self.db.execute("INSERT OR REPLACE INTO results (team_id, round, series) VALUES (?, ?, ?)",
                        (team_id, round_number, _series_json(series)))

    def results(self, team_id: int) -> dict[int, Series]:
        rows = self.db.execute("SELECT round, series FROM results WHERE team_id = ? ORDER BY round", (team_id,))
        return {row["round"]: _series(row["series"]) for row in rows}

    def forget_from(self, team_id: int, round_number: int) -> None:
        """Delete the team's decisions and results from ``round_number`` on (a rewind)."""
        self.db.execute("DELETE FROM decisions WHERE team_id = ? AND round >= ?", (team_id, round_number))
        self.db.execute("DELETE FROM results WHERE team_id = ? AND round >= ?", (team_id, round_number))

    # -- journal -------------------------------------------------------------------------------
    def log(self, workshop_id: int, message: str) -> None:
        self.db.execute("INSERT INTO journal (workshop_id, at, message) VALUES (?, ?, ?)", (workshop_id, time.time(), message))

    def journal(self, workshop_id: int, last: int = 50) -> list[tuple[float, str]]:
        rows = self.db.execute("SELECT at, message FROM journal WHERE workshop_id = ? ORDER BY id DESC LIMIT ?", (workshop_id, last))
        return [(row["at"], row["message"]) for row in rows][::-1]


#: One write lock per database file in this process: the app's sessions (threads) queue here and are
#: served in turn at once, rather than in SQLite's busy handler, which sleeps in growing steps.
_WRITERS: dict[Path, threading.Lock] = {}
_WRITERS_LOCK = threading.Lock()


def _writer(path: Path) -> threading.Lock:
    with _WRITERS_LOCK:
        return _WRITERS.setdefault(path.resolve(), threading.Lock())


class Store:
    """The workshops' database in ``folder`` (see the module's docstring for the default)."""

    def __init__(self, folder: str | Path | None = None) -> None:
        self.folder = Path(folder).expanduser() if folder is not None else default_folder()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / FILE_NAME
        with contextlib.closing(self._connect()) as connection:
            connection.execute("PRAGMA journal_mode = WAL")
            connection.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False)
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA synchronous = FULL")
        connection.execute("PRAGMA foreign_keys = ON")
        return connection

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Tx]:
        """A write transaction: committed (durably) when the block ends, rolled back if it raises."""
        with _writer(self.path), contextlib.closing(self._connect()) as connection:
            connection.execute("BEGIN IMMEDIATE")  # other processes wait in SQLite's busy handler
            try:
                yield Tx(connection)
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    @contextlib.contextmanager
    def reading(self) -> Iterator[Tx]:
        """A read transaction: one consistent snapshot of the database."""
        connection = self._connect()
        try:
            connection.execute("BEGIN")
            try:
                yield Tx(connection)
            finally:
                connection.execute("ROLLBACK")
        finally:
            connection.close()
