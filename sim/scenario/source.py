"""Reading a scenario file: bytes -> TOML data, the line of every key, and ``extends`` merging."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.scenario.schema import MAX_FILE_BYTES, ScenarioError, ScenarioProblem


class UnreadableText(ValueError):
    """A user's file that is not a short text: the message says why, as ``file:1: file:`` problems put it."""


def decode_text(raw: bytes, *, limit: int, kind: str, short: str, empty: str, encoding: str = "utf-8") -> str:
    """The bytes of a user's text file (scenario, history) as text, checked before anything parses it:
    at most ``limit`` bytes (else "... ; ``short``"), no NUL byte (a binary file, not a ``kind`` text),
    ``encoding`` (UTF-8), and not blank (else "the file is empty; ``empty``")."""
    if len(raw) > limit:
        raise UnreadableText(f"is larger than {limit:,} bytes; {short}")
    if b"\x00" in raw:
        raise UnreadableText(f"is a binary file, not a {kind} text")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        raise UnreadableText("is not UTF-8 text") from None
    if not text.strip():
        raise UnreadableText(f"the file is empty; {empty}")
    return text


_KEY = r'(?:[A-Za-z0-9_-]+|"[^"]*"|\'[^\']*\')'


def _key_parts(text: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in re.findall(_KEY, text))


def key_lines(text: str) -> dict[tuple, int]:
    """Line of every key, table and inline-table key in a TOML text, by path."""
    lines: dict[tuple, int] = {}
    text = text.removeprefix("\ufeff")  # a byte-order mark is not part of the first key
    table: tuple = ()
    array_counts: dict[tuple, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        header = re.match(r"^\[\[\s*([^\]]+?)\s*\]\]", line)
        if header:
            path = _key_parts(header.group(1))
            index = array_counts.get(path, 0)
            array_counts[path] = index + 1
            table = path + (index,)
            lines.setdefault(path, number)
            lines[table] = number
            continue
        header = re.match(r"^\[\s*([^\]]+?)\s*\]", line)
        if header:
            table = _key_parts(header.group(1))
            for depth in range(1, len(table) + 1):
                lines.setdefault(table[:depth], number)
            continue
        assignment = re.match(rf"^({_KEY}(?:\s*\.\s*{_KEY})*)\s*=(.*)$", line)
        if assignment:
            path = table + _key_parts(assignment.group(1))
            lines.setdefault(path, number)
            inline = re.match(r"^\s*\{(.*)\}", assignment.group(2))
            if inline:
                for inner in re.finditer(rf"({_KEY})\s*=", inline.group(1)):
                    lines.setdefault(path + _key_parts(inner.group(1)), number)
    return lines


@dataclass
class _Source:
    """One file of an ``extends`` chain: its data and where each key is."""

    path: Path
    data: dict[str, Any]
    lines: dict[tuple, int]

    def line(self, location: tuple) -> int:
        for depth in range(len(location), 0, -1):
            if location[:depth] in self.lines:
                return self.lines[location[:depth]]
        return 1


def _read(path: Path, label: str) -> _Source:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError([ScenarioProblem(label, 1, "file", "no such file")]) from None
    except IsADirectoryError:
        raise ScenarioError([ScenarioProblem(label, 1, "file", "is a folder, not a scenario file")]) from None
    except OSError as error:
        raise ScenarioError([ScenarioProblem(label, 1, "file", f"cannot be read ({error.strerror})")]) from None
    return _parse(raw, label, path)


def _parse(raw: bytes, label: str, path: Path) -> _Source:
    """Bytes of a scenario file -> its data and key lines; nothing in it is executed or opened."""

    def fail(message: str, line: int = 1, field: str = "file") -> ScenarioError:
        return ScenarioError([ScenarioProblem(label, line, field, message)])

    try:
        text = decode_text(raw, limit=MAX_FILE_BYTES, kind="TOML", short="a scenario file is a short text",
                           empty="a scenario needs at least a description or a [params] table",
                           encoding="utf-8-sig")  # a byte-order mark (Windows Notepad) is not TOML: dropped
    except UnreadableText as error:
        raise fail(str(error)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        found = re.search(r"\(at line (\d+), column \d+\)", message)
        line = int(found.group(1)) if found else len(text.splitlines()) or 1
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message)
        raise fail(f"TOML syntax error: {message[:1].lower() + message[1:]}", line, "syntax") from None
    return _Source(path, data, key_lines(text))


def _merge(parent: dict, child: dict) -> dict:
    """Child values win; tables merge key by key; arrays (shocks) are replaced whole."""
    merged = dict(parent)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _owner(chain: list[_Source], location: tuple) -> _Source:
    """The file of the chain (child first) that sets ``location`` or its nearest parent key."""
    for depth in range(len(location), 0, -1):
        for source in chain:
            node: Any = source.data
            for key in location[:depth]:
                if isinstance(node, dict) and key in node:
                    node = node[key]
                elif isinstance(node, list) and isinstance(key, int) and key < len(node):
                    node = node[key]
                else:
                    break
            else:
                return source
    return chain[0]


#: The folder uploads are placed in: a name, never a path on disk.
UPLOAD_FOLDER = "<upload>"


def _label(path: Path) -> str:
    """How a file is named in messages: relative to the working folder when it is below it; an
    upload (the app) by its name alone."""
    if path.parent.name == UPLOAD_FOLDER:
        return path.name
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _field(location: tuple) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "file"

