"""Loops that Matter, the engine's part: the score of every causal link at every saved time of a batch run.

Link score (Schoenberg, Davidsen and Eberlein 2020, System Dynamics Review 36(2), eq. 2): for
``z = f(x, y)``, ``LS(x -> z) = |Δx(z) / Δz| * sign(Δx(z) / Δx)``, 0 where ``Δz = 0`` or ``Δx = 0``;
``Δx(z)`` re-evaluates ``f`` with ``x`` at its new value and every other input at its value one time
step before (ceteris paribus). Stocks: the flows of each stock are aggregated into its net flow and
the net flow's link to the stock scores 1, the form of Schoenberg, Hayward and Eberlein (2023, SDR
39(2)) that does not depend on how flows are split; a flow's link to its stock is then its share of
the change in the net flow, ``|Δi / Δ(net flow)|``, signed. Every change is taken over the time step
that ends at the scored time (isee Stella's timing; Simlin takes the stock links one step earlier).

SMOOTH and DELAY structures are expanded into the macro's stocks and flows (each stage a stock with
its net flow; a DELAY's flows between stages nodes of their own), and a model link through one is a
composite link: the path score with the largest magnitude among the simple paths through the
structure, at each time (Schoenberg and Eberlein 2020, "Seamlessly integrating Loops that Matter").
The maximum is taken over the macro's own pathways: aggregating the flows of a stage before choosing
would change it where a delay time acts on a stage's inflow and outflow together. Loops internal to
a structure are not model links and never appear.

The run itself is the numpy backend's: it hands every saved step's values and those of the step
before to a :class:`_Recorder`, so that every schedule, shock and per-run input is followed. The
re-evaluations then run once per link, vectorised over saved times and runs.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

from sim.engine import numpy_backend
from sim.engine.functions import HELPERS
from sim.engine.plan import CompiledModel, Plan, Stateful, var
from sim.engine.request import request
from sim.model import Model

TIME = "time"


@dataclass(frozen=True)
class Node:
    """One equation of the scoring graph: a model variable, or a stage or net flow inside a stateful."""

    name: str
    code: str | None  # None: a state, integrated from ``flow``
    deps: frozenset[str]
    flow: str | None = None  # a state's net flow


@dataclass(eq=False)
class ScoringGraph:
    """The equations Loops that Matter re-evaluates for one plan, and the model links they make."""

    nodes: dict[str, Node]
    model_nodes: frozenset[str]  # varying model variables
    stages: dict[str, list[str]]  # stateful -> the node of each of its stages (its states in the plan)
    links: list[tuple[str, str]]  # model links (source, target), both varying model variables
    paths: dict[tuple[str, str], list[tuple[str, ...]]]  # each model link's paths through the scoring graph



@functools.lru_cache(maxsize=None)
def _code(expression: str) -> Any:
    """An equation's expression compiled once per process (each link re-evaluates it at every month)."""
    return compile(expression, "<pmo-sim link score>", "eval")

def _stateful_nodes(s: Stateful) -> tuple[list[Node], list[str]]:
    """The nodes of a stock, SMOOTH or DELAY as the macro's stocks and flows, mirroring the plan's derivatives.

    Each stage is a state with its net flow (flows aggregated into the net flow, the 2023 form). A
    DELAY's flows between stages are nodes of their own, each the outflow of one stage and the
    inflow of the next, as in the macro's expansion (Vensim's and Stella's DELAY3: three stocks and
    four flows): a composite link's pathways are then the simple paths through those stocks and
    flows. Aggregating a stage's inflow and outflow into one node instead would merge the delay
    time's effects on both into one path, and open a path through each stage's own drain (delay
    time -> outflow -> stage -> the same outflow), which the macro does not have.
    """
    n, owner = s.order, s.name
    stage = [f"{owner}__stage{k}" for k in range(n)]
    if s.kind in ("integ", "smooth"):
        stage[-1] = owner
    flows = [f"{owner}__flow{k}" for k in range(n)]
    # A DELAY's outflow of stage k (the plan's states hold stage content x order): the last one is the output.
    outflows = [f"{owner}__out{k}" for k in range(n - 1)] + [owner]
    time_deps = frozenset(s.time_deps)
    input_deps = frozenset(_deps_of(s.input))
    nodes: list[Node] = []
    for k in range(n):
        if s.kind == "integ":
            code, deps = s.input, input_deps
        elif s.kind == "smooth":
            target = f"({s.input})" if k == 0 else var(stage[k - 1])
            code = f"({target} - {var(stage[k])}) * {n} / ({s.time})"
            deps = (input_deps if k == 0 else {stage[k - 1]}) | {stage[k]} | time_deps
        else:
            inflow = f"({s.input})" if k == 0 else var(outflows[k - 1])
            code = f"({inflow} - {var(outflows[k])}) * {n}"
            deps = (input_deps if k == 0 else {outflows[k - 1]}) | {outflows[k]}
        nodes.append(Node(flows[k], code, frozenset(deps)))
        nodes.append(Node(stage[k], None, frozenset({flows[k]}), flow=flows[k]))
    if s.kind == "delay":
        outflow_nodes = [Node(outflows[k], f"{var(stage[k])} / ({s.time})", frozenset({stage[k]}) | time_deps) for k in range(n)]
        nodes = outflow_nodes + nodes  # each outflow is evaluated before the net flows that read it
    return nodes, stage


def _deps_of(code: str) -> set[str]:
    """The variables an expression of the plan reads (``v_name`` identifiers), and ``time``."""
    import ast

    names = {node.id for node in ast.walk(ast.parse(code, mode="eval")) if isinstance(node, ast.Name)}
    return {n[2:] for n in names if n.startswith("v_")} | ({TIME} & names)


@functools.lru_cache(maxsize=16)
def scoring_graph(compiled_model: CompiledModel, plan: Plan) -> ScoringGraph:
    """The scoring graph of ``plan``: its varying equations, with every stateful expanded into stages."""
    varying_equations = [n for n in plan.saved if n in compiled_model.equations and n not in plan.scheduled]
    nodes: dict[str, Node] = {}
    for name in varying_equations:
        equation = compiled_model.equations[name]
        nodes[name] = Node(name, equation.code, frozenset(equation.deps | ({TIME} if equation.reads_time else set())))
    stages: dict[str, list[str]] = {}
    for s in plan.statefuls:
        stateful_nodes, stages[s.name] = _stateful_nodes(s)
        nodes.update({node.name: node for node in stateful_nodes})
    model_nodes = frozenset(n for n in compiled_model.model.variables if n in nodes or n in plan.scheduled)
    # Model links: paths from a varying model variable to another, through internal nodes only.
    readers: dict[str, list[str]] = {}
    for node in nodes.values():
        for dep in node.deps:
            readers.setdefault(dep, []).append(node.name)
    # A SMOOTH's or DELAY's own stages draining into each other are the structure's inner loops, not model links.
    inner = {s.name for s in plan.statefuls if s.kind != "integ" and s.name not in _deps_of(s.input)}
    paths: dict[tuple[str, str], list[tuple[str, ...]]] = {}
    for source in sorted(model_nodes):
        stack = [(source,)]
        while stack:
            path = stack.pop()
            for reader in sorted(readers.get(path[-1], ())):
                if reader in model_nodes:
                    if reader == source and source in inner:
                        continue
                    paths.setdefault((source, reader), []).append(path + (reader,))
                elif reader not in path:
                    stack.append(path + (reader,))
    return ScoringGraph(nodes, model_nodes, stages, sorted(paths), paths)


class _Recorder:
    """Keeps, at every saved step, the values of the scoring graph's model variables and stages now and one step before."""

    def __init__(self, graph: ScoringGraph, plan: Plan, n_saved: int, n_runs: int) -> None:
        self.value_positions = {n: plan.saved.index(n) for n in graph.model_nodes if n in plan.saved}
        self.state_positions = {name: (i, k) for i, s in enumerate(plan.statefuls)
                                for k, name in enumerate(graph.stages[s.name])}
        names = list(self.value_positions) + [n for n in self.state_positions if n not in self.value_positions]
        self.now = {n: np.empty((n_saved, n_runs)) for n in names}
        self.before = {n: np.empty((n_saved, n_runs)) for n in names}

    def record(self, row: int, runs: slice, states: tuple, values: tuple, previous_states: tuple, previous_values: tuple) -> None:
        for name, position in self.value_positions.items():
            self.now[name][row, runs] = values[position]
            self.before[name][row, runs] = previous_values[position]
        for name, (i, k) in self.state_positions.items():
            if name not in self.value_positions:
                self.now[name][row, runs] = states[i][k]
                self.before[name][row, runs] = previous_states[i][k]


@dataclass
class LinkScores:
    """The score of every model link at every saved time of every run: ``scores[i]`` is ``links[i]``'s, (time, run)."""

    links: list[tuple[str, str]]
    scores: np.ndarray  # (link, time, run)
    times: np.ndarray
    values: dict[str, np.ndarray] = field(default_factory=dict)  # the run's varying model variables, (time, run)

    def score(self, source: str, target: str) -> np.ndarray:
        return self.scores[self.links.index((source, target))]


def _ratio(partial: np.ndarray, total: np.ndarray, change: np.ndarray) -> np.ndarray:
    """``|partial / total| * sign(partial / change)``, 0 where ``total`` or ``change`` is 0."""
    # |p / t| * sign(p / c) = p / t * sign(t * c)
    direction = np.sign(total * change)
    score = np.divide(partial, total, out=np.zeros(np.broadcast_shapes(partial.shape, total.shape)), where=direction != 0)
    score *= direction
    return score


def _node_scores(graph: ScoringGraph, wanted: set[tuple[str, str]], now: dict[str, Any], before: dict[str, Any],
                 namespace: dict[str, Any]) -> dict[tuple[str, str], np.ndarray]:
    """The score of every link of the scoring graph in ``wanted`` (dependency, node)."""
    scores: dict[tuple[str, str], np.ndarray] = {}
    earlier = dict(namespace, **{var(n): v for n, v in before.items() if n != TIME}, time=before[TIME])
    later = dict(namespace, **{var(n): v for n, v in now.items() if n != TIME}, time=now[TIME])
    for node in graph.nodes.values():  # net flows and a DELAY's flows: computed here, now and before
        if node.code is not None and node.name not in now:
            code = _code(node.code)
            now[node.name] = later[var(node.name)] = np.asarray(eval(code, later))  # noqa: S307 - code from the model file
            before[node.name] = earlier[var(node.name)] = np.asarray(eval(code, earlier))  # noqa: S307
    for node in graph.nodes.values():
        if node.code is None:  # a net flow's link to its state
            if (node.flow, node.name) in wanted:
                scores[(node.flow, node.name)] = np.ones_like(now[node.name])
            continue
        deps = [d for d in sorted(node.deps) if (d, node.name) in wanted and d in now]
        if not deps:
            continue
        code = _code(node.code)
        total = now[node.name] - before[node.name]
        for dep in deps:
            partial = eval(code, dict(earlier, **{var(dep) if dep != TIME else TIME: now[dep]})) - before[node.name]  # noqa: S307
            scores[(dep, node.name)] = _ratio(partial, total, now[dep] - before[dep])
    return scores


def _composite(paths: Sequence[tuple[str, ...]], scores: dict[tuple[str, str], np.ndarray]) -> np.ndarray:
    """The path score of largest magnitude among ``paths``, at each time and run."""
    best = None
    for path in paths:
        product = scores[(path[0], path[1])]
        for link in zip(path[1:-1], path[2:]):
            product = product * scores[link]
        best = product if best is None else np.where(np.abs(product) > np.abs(best), product, best)
    return best


def link_scores(param_table: pd.DataFrame, *, final_time: float | None = None, time_step: float | None = None,
                saveper: float | None = None, model: Model | None = None,
                links: Sequence[tuple[str, str]] | None = None) -> LinkScores:
    """Run every row of ``param_table`` on the numpy backend and score ``links`` (default: every model link).

    A link the plan does not have (its target held as an input) scores 0.
    """
    req = request(param_table, final_time=final_time, time_step=time_step, saveper=saveper, outputs=None, model=model)
    graph = scoring_graph(req.compiled_model, req.plan)
    wanted_links = list(graph.links if links is None else links)
    n_saved = sum(req.saved_steps)
    recorder = _Recorder(graph, req.plan, n_saved, req.n_runs)
    outputs = numpy_backend.run(req, workers=1, trace=recorder)
    times = outputs.times
    namespace: dict[str, Any] = dict(HELPERS)
    namespace.update({f"_lk_{n}": table for n, table in req.compiled_model.lookups.items()})
    namespace.update({k: np.float64(v) for k, v in req.settings.items()})
    for name, values in outputs.values.items():
        if name not in recorder.now:  # constant during each run: one value per run
            namespace[var(name)] = values[:, 0]
    now, before = dict(recorder.now), dict(recorder.before)
    now[TIME] = times[:, None]
    before[TIME] = np.concatenate([times[:1], times[1:] - req.dt])[:, None]
    inner = {(a, b) for link in wanted_links for path in graph.paths.get(link, ()) for a, b in zip(path, path[1:])}
    with np.errstate(all="ignore"):
        node_scores = _node_scores(graph, inner, now, before, namespace)
        scores = np.zeros((len(wanted_links), n_saved, req.n_runs))
        for i, link in enumerate(wanted_links):
            if link in graph.paths:
                scores[i] = _composite(graph.paths[link], node_scores)
    values = {n: recorder.now[n] for n in graph.model_nodes if n in recorder.now}
    return LinkScores(wanted_links, scores, np.asarray(times), values)
