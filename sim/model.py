"""The model file, loaded once: its variables' metadata and its dependency graph.

Everything that needs to know about the model (engines, validation, the app's sliders, the
documentation) reads it from here, so a parameter's units, range and comment are declared once,
in ``sim/models/pmo_dual_track.mdl``.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import hashlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import networkx as nx

from sim import cache

MODEL_FILE = Path(__file__).parent / "models" / "pmo_dual_track.mdl"

#: The longest horizon any run may ask for, in months (100 years): a guard, not a model property.
MAX_FINAL_TIME = 1200.0

#: Vensim's simulation-control constants; set through the run settings, not as parameters.
CONTROL_NAMES = ("initial_time", "final_time", "time_step", "saveper")

#: The stocks and outputs users, files and charts rely on (snake_case).
CONTRACT_OUTPUTS = (
    "execution_track_strength", "value_track_strength", "delivery_performance",
    "strategic_value_realization", "pmo_performance", "mandate_risk", "governance_fragmentation_risk",
    "value_measurement_risk", "risk_signal", "transformation_pressure", "maturity_level",
    "effective_budget", "value_to_cost_ratio", "governance_and_standardization", "delivery_support",
    "strategic_alignment", "performance_and_value_management", "capability_development",
    "pmo_transformation", "executive_support", "cumulative_value_delivered", "cumulative_pmo_cost",
    # version 2
    "transformation_activity", "transformation_disruption", "pmo_survival", "closure_hazard",
    "value_visibility", "net_value_added", "cumulative_net_value",
)


class ModelError(Exception):
    """A problem with the model file or with a request that names the model's variables."""


@dataclass(frozen=True)
class Variable:
    """One variable of the model file, as declared there.

    ``kind`` is one of ``constant`` (an input a run may override), ``control`` (simulation
    settings), ``stock`` (INTEG), ``lookup`` (a standalone table function) or ``auxiliary``
    (everything computed, including flows and SMOOTH/DELAY outputs).
    """

    name: str  # as written in the model file, e.g. "Delivery Performance"
    py_name: str  # snake_case, e.g. "delivery_performance"
    kind: str
    units: str
    comment: str
    minimum: float | None
    maximum: float | None
    step: float | None
    default: float | None  # constants only
    group: str  # the model file's section header, e.g. "Decisions and environment"
    syntax: "Syntax" = field(repr=False, compare=False)

    @property
    def ast(self) -> Any:
        """The equation's abstract syntax as PySD's Vensim translator makes it."""
        return self.syntax.asts[self.py_name]

    @property
    def is_assumption(self) -> bool:
        """True when the comment marks the value as an assumption rather than sourced."""
        return "assumption" in self.comment.lower()


def snake_case(name: str) -> str:
    """PySD's Python name for a Vensim name: ``Delivery Performance`` -> ``delivery_performance``."""
    return re.sub(r"[^0-9a-zA-Z]+", "_", name.strip()).strip("_").lower()


def _limit(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _groups(text: str) -> dict[str, str]:
    """Map each variable to the ``.Group`` header above it in the model file."""
    groups: dict[str, str] = {}
    current = ""
    for line in text.splitlines():
        header = re.match(r"^\t\.(.+?)\s*$", line)
        if header:
            current = header.group(1)
            continue
        definition = re.match(r"^([A-Za-z][^=(~|]*?)\s*(=|\()", line)
        if definition:
            groups.setdefault(snake_case(definition.group(1)), current)
    return groups


def _classify(py_name: str, ast: Any, component_type: str) -> str:
    if py_name in CONTROL_NAMES:
        return "control"
    if component_type == "Lookup":
        return "lookup"
    if isinstance(ast, (int, float)):
        return "constant"
    if type(ast).__name__ == "IntegStructure":
        return "stock"
    return "auxiliary"


@dataclass(frozen=True)
class Edge:
    """``source`` is read by ``target``.

    ``delay`` is the delay time (months) of a SMOOTH/DELAY the reference passes through, ``None``
    when it passes through none; ``math.inf`` when the delay time is not a constant.
    ``initial`` marks references used only for initial values.
    """

    source: str
    target: str
    delay: float | None = None
    initial: bool = False


class Syntax:
    """The model file's abstract model (PySD's Vensim translator), parsed on first use only: a
    process that finds the model in the cache never needs it to run."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._abstract_model: Any = None

    def __getstate__(self) -> dict[str, Any]:
        return {"path": self.path, "_abstract_model": None}  # never cached: it needs PySD to load

    @property
    def abstract_model(self) -> Any:
        if self._abstract_model is None:
            from pysd.translators.vensim.vensim_file import VensimFile

            vensim_file = VensimFile(self.path)
            vensim_file.parse()
            self._abstract_model = vensim_file.get_abstract_model()
        return self._abstract_model

    @functools.cached_property
    def asts(self) -> dict[str, Any]:
        return {snake_case(e.name): e.components[0].ast for s in self.abstract_model.sections for e in s.elements}


class Model:
    """The parsed model file. Use :func:`get_model` to share one instance per process.

    What parsing yields (variables, edges, graph) is cached on disk by the file's bytes (see
    :mod:`sim.cache`), so later processes skip PySD's parser; the equations' syntax is parsed again
    only when something asks for it.
    """

    def __init__(self, path: Path = MODEL_FILE) -> None:
        self.path = Path(path)
        data = self.path.read_bytes()
        self.text = data.decode("utf-8")
        self.sha256 = hashlib.sha256(data).hexdigest()
        self.syntax = Syntax(self.path)
        entry = cache.key(data, Path(__file__), parser_version())
        parsed = cache.cached("models", entry, self._parse)
        self.variables: dict[str, Variable] = parsed["variables"]
        self.edges: list[Edge] = parsed["edges"]
        self.graph: nx.DiGraph = parsed["graph"]
        for variable in self.variables.values():
            object.__setattr__(variable, "syntax", self.syntax)  # this file's, parsed at most once

    @property
    def abstract_model(self) -> Any:
        return self.syntax.abstract_model

    def _parse(self) -> dict[str, Any]:
        groups = _groups(self.text)
        self.variables = {}
        for section in self.abstract_model.sections:
            for element in section.elements:
                component = element.components[0]
                py_name = snake_case(element.name)
                kind = _classify(py_name, component.ast, component.type)
                limits = tuple(element.limits or ()) + (None, None, None)
                self.variables[py_name] = Variable(
                    name=element.name,
                    py_name=py_name,
                    kind=kind,
                    units=(element.units or "").strip(),
                    comment=" ".join((element.documentation or "").split()),
                    minimum=_limit(limits[0]),
                    maximum=_limit(limits[1]),
                    step=_limit(limits[2]),
                    default=float(component.ast) if kind in ("constant", "control") else None,
                    group=groups.get(py_name, ""),
                    syntax=self.syntax,
                )
        edges = list(self._edges())
        graph = nx.DiGraph()
        graph.add_nodes_from(self.variables)
        for edge in edges:
            # Several references may join one pair: the edge is dynamic if any of them is, and
            # its delay is the shortest among its dynamic references (None: no delay at all).
            if not graph.has_edge(edge.source, edge.target):
                graph.add_edge(edge.source, edge.target, delay=edge.delay, initial=edge.initial)
                continue
            data = graph.edges[edge.source, edge.target]
            if edge.initial:
                continue
            if data["initial"]:
                data.update(delay=edge.delay, initial=False)
            elif data["delay"] is not None:
                data["delay"] = None if edge.delay is None else min(data["delay"], edge.delay)
        return {"variables": self.variables, "edges": edges, "graph": graph}

    # -- names -------------------------------------------------------------------------------

    def of_kind(self, *kinds: str) -> list[Variable]:
        return [v for v in self.variables.values() if v.kind in kinds]

    @property
    def inputs(self) -> list[Variable]:
        """Constants a run may override (decisions, environment, initial levels, parameters)."""
        return self.of_kind("constant")

    @property
    def decisions(self) -> list[Variable]:
        """The inputs of the "Decisions and environment" group: budget, shares, environment, start."""
        return [v for v in self.inputs if v.group == "Decisions and environment"]

    @property
    def stocks(self) -> list[Variable]:
        return self.of_kind("stock")

    def defaults(self) -> dict[str, float]:
        return {v.py_name: v.default for v in self.of_kind("constant", "control")}  # type: ignore[misc]

    def resolve(self, name: str, *, allowed: set[str] | None = None) -> str:
        """The snake_case name of ``name`` (snake_case or as in the model file).

        Raises :class:`ModelError` with the closest known name when it is unknown.
        """
        candidates = allowed if allowed is not None else set(self.variables)
        py_name = name if name in candidates else snake_case(name)
        if py_name in candidates:
            return py_name
        close = difflib.get_close_matches(snake_case(name), sorted(candidates), n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise ModelError(f"unknown model variable '{name}'{hint}")

    def describe(self, py_name: str) -> Variable:
        return self.variables[self.resolve(py_name)]

    # -- dependency graph --------------------------------------------------------------------

    def _constant_value(self, ast: Any) -> float:
        if isinstance(ast, (int, float)):
            return float(ast)
        if type(ast).__name__ == "ReferenceStructure":
            variable = self.variables.get(ast.reference)
            if variable is not None and variable.default is not None:
                return variable.default
        return math.inf

    def _edges(self) -> Iterator[Edge]:
        for variable in self.variables.values():
            yield from self._references(variable.ast, variable.py_name, delay=None, initial=False)

    def _references(self, ast: Any, target: str, *, delay: float | None, initial: bool) -> Iterator[Edge]:
        kind = type(ast).__name__
        if kind == "ReferenceStructure":
            if ast.reference in self.variables:
                yield Edge(ast.reference, target, delay, initial)
            return
        if kind == "CallStructure":
            # The function slot names a builtin (exp, min, ...) or a standalone lookup.
            yield from self._references(ast.function, target, delay=delay, initial=initial)
            for argument in ast.arguments:
                yield from self._references(argument, target, delay=delay, initial=initial)
            return
        if kind == "IntegStructure":
            yield from self._references(ast.flow, target, delay=delay, initial=initial)
            yield from self._references(ast.initial, target, delay=delay, initial=True)
            return
        if kind in ("SmoothStructure", "DelayStructure"):
            time_ast = ast.smooth_time if kind == "SmoothStructure" else ast.delay_time
            through = self._constant_value(time_ast)
            yield from self._references(ast.input, target, delay=max(delay or 0.0, through), initial=initial)
            yield from self._references(time_ast, target, delay=delay, initial=initial)
            yield from self._references(ast.initial, target, delay=delay, initial=True)
            return
        if dataclasses.is_dataclass(ast):
            for item in dataclasses.fields(ast):
                yield from self._references(getattr(ast, item.name), target, delay=delay, initial=initial)
        elif isinstance(ast, (list, tuple)):
            for item in ast:
                yield from self._references(item, target, delay=delay, initial=initial)

    def dynamic_graph(self) -> nx.DiGraph:
        """The graph of references that act during a run (initial-value references left out)."""
        graph = nx.DiGraph()
        graph.add_nodes_from(self.graph.nodes)
        graph.add_edges_from((s, t, d) for s, t, d in self.graph.edges(data=True) if not d["initial"])
        return graph

    def feedback_loops(self, *, max_length: int = 14) -> list[list[str]]:
        """Every feedback loop (cycle) of the dynamic graph up to ``max_length`` variables."""
        return [cycle for cycle in nx.simple_cycles(self.dynamic_graph(), length_bound=max_length)]


@functools.lru_cache(maxsize=None)
def parser_version() -> str:
    """The version of PySD, whose parser reads the model file (part of the cache keys)."""
    from importlib.metadata import version

    return version("pysd")


@functools.lru_cache(maxsize=None)
def get_model(path: Path = MODEL_FILE) -> Model:
    """The parsed model, loaded once per process."""
    return Model(path)
