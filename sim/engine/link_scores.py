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
a structure are not model links and never appear (:mod:`sim.engine.scoring_graph`).

The run is the default backend's (the numba kernel where numba is installed, else numpy): it keeps
every saved step's values and states and those of the step before, so that every schedule, shock
and per-run input is followed. The re-evaluations then run in one generated function per model and
set of links, vectorised over saved times and runs.
"""

from __future__ import annotations

import ast
import functools
import types
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

from sim.engine.batch import backend
from sim.engine.plan import CompiledModel, Plan, var
from sim.engine.request import _saved_times, request
from sim.engine.scoring_graph import TIME, ScoringGraph, scoring_graph
from sim.model import Model


@dataclass
class LinkScores:
    """The score of every model link at every saved time of every run: ``scores[i]`` is ``links[i]``'s, (time, run)."""

    links: list[tuple[str, str]]
    scores: np.ndarray  # (link, time, run)
    times: np.ndarray
    values: dict[str, np.ndarray] = field(default_factory=dict)  # the run's varying model variables, (time, run)

    def score(self, source: str, target: str) -> np.ndarray:
        return self.scores[self.links.index((source, target))]


class _Renamer(ast.NodeTransformer):
    """An expression with some variables read at their new value: ``v_x`` -> ``n_x``, ``time`` -> ``n_time``."""

    def __init__(self, names: set[str]) -> None:
        self.names = names

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in self.names:
            return ast.copy_location(ast.Name("n" + node.id[1:] if node.id.startswith("v_") else "n_time", node.ctx), node)
        return node


def _with_new(code: str, names: set[str]) -> str:
    """``code`` reading ``names`` (model-variable identifiers and ``time``) at their new values."""
    return ast.unparse(_Renamer(names).visit(ast.parse(code, mode="eval")))


def _identifier(name: str) -> str:
    return TIME if name == TIME else var(name)


@dataclass(frozen=True)
class _Scorer:
    """One model's re-evaluations for a set of links, as one generated function.

    ``function(now, before, time_now, time_before, partial, total, change)`` fills, for every link
    of the scoring graph that a wanted model link passes through (``pairs``), the ceteris-paribus
    change of its target, its target's change and its source's change, (time, run) each. ``traced``
    names what the run keeps (the plan's saved values as ``v_<name>``, its states as ``s<i>_<k>``) for
    the graph nodes ``traced_nodes``; ``unit`` marks the net flow-to-stock pairs (score 1).
    """

    traced_nodes: tuple[str, ...]
    traced: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...]
    unit: np.ndarray  # (pair,) bool
    code: types.CodeType
    direct: tuple[tuple[int, int], ...]  # (wanted link, pair) for links that are one pair
    composite: tuple[tuple[int, tuple[tuple[int, ...], ...]], ...]  # (wanted link, its paths as pair indices)
    values: tuple[str, ...]  # the traced model variables, kept with the result


@functools.lru_cache(maxsize=32)
def _scorer(compiled_model: CompiledModel, plan: Plan, links: tuple[tuple[str, str], ...]) -> _Scorer:
    graph = scoring_graph(compiled_model, plan)
    wanted = {(a, b) for link in links for path in graph.paths.get(link, ()) for a, b in zip(path, path[1:])}
    traced_nodes, traced = _traced(graph, plan)
    computed = [node for node in graph.nodes.values() if node.code is not None and node.name not in traced_nodes]
    pairs: list[tuple[str, str]] = []
    lines = [f"    {''.join(var(n) + ', ' for n in traced_nodes)}= _before",
             f"    {''.join('n' + var(n)[1:] + ', ' for n in traced_nodes)}= _now",
             "    time, n_time = _time_before, _time_now"]
    varying = {var(n) for n in traced_nodes} | {var(node.name) for node in computed} | {TIME}
    for node in computed:  # net flows and a DELAY's flows, before and after the step
        lines.append(f"    {var(node.name)} = {node.code}")
        lines.append(f"    n{var(node.name)[1:]} = {_with_new(node.code, varying)}")
    for node in graph.nodes.values():
        if node.code is None:
            if (node.flow, node.name) in wanted:
                pairs.append((node.flow, node.name))
            continue
        target = var(node.name)
        for dep in sorted(node.deps):
            if (dep, node.name) not in wanted:
                continue
            i = len(pairs)
            pairs.append((dep, node.name))
            source = _identifier(dep)
            new_source = "n_time" if dep == TIME else "n" + source[1:]
            lines.append(f"    _partial[{i}] = {_with_new(node.code, {source})} - {target}")
            lines.append(f"    _total[{i}] = n{target[1:]} - {target}")
            lines.append(f"    _change[{i}] = {new_source} - {source}")
    source = "def _link_partials(_now, _before, _time_now, _time_before, _partial, _total, _change):\n" + "\n".join(lines) + "\n"
    scope: dict[str, Any] = {}
    exec(compile(source, "<pmo-sim link scores>", "exec"), scope)  # noqa: S102 - code generated from the model file
    index = {pair: i for i, pair in enumerate(pairs)}
    direct, composite = [], []
    for k, link in enumerate(links):
        paths = [tuple(index[pair] for pair in zip(path, path[1:])) for path in graph.paths.get(link, ())]
        if len(paths) == 1 and len(paths[0]) == 1:
            direct.append((k, paths[0][0]))
        elif paths:
            composite.append((k, tuple(paths)))
    unit = np.array([a == graph.nodes[b].flow and graph.nodes[b].code is None for a, b in pairs], dtype=bool)
    values = tuple(n for n in traced_nodes if n in graph.model_nodes)
    return _Scorer(traced_nodes, traced, tuple(pairs), unit, scope["_link_partials"].__code__, tuple(direct), tuple(composite), values)


def _traced(graph: ScoringGraph, plan: Plan) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The graph nodes the run keeps, and what the backends call them: the plan's saved model variables, then the states."""
    nodes = [n for n in plan.saved if n in graph.model_nodes]
    traced = [var(n) for n in nodes]
    kept = set(nodes)
    for i, s in enumerate(plan.statefuls):
        for k, name in enumerate(graph.stages[s.name]):
            if name not in kept:
                nodes.append(name)
                traced.append(f"s{i}_{k}")
    return tuple(nodes), tuple(traced)


def _scores(scorer: _Scorer, n_links: int, now: np.ndarray, before: np.ndarray, namespace: dict[str, Any],
            time_now: np.ndarray, time_before: np.ndarray) -> np.ndarray:
    """The (link, time, run) scores from the traced values ``now`` and ``before`` (node, time, run)."""
    shape = now.shape[1:]
    n_pairs = len(scorer.pairs)
    partial, total, change = (np.empty((n_pairs,) + shape) for _ in range(3))
    function = types.FunctionType(scorer.code, namespace)
    with np.errstate(all="ignore"):
        function(tuple(now), tuple(before), time_now, time_before, partial, total, change)
        # |p / t| * sign(p / c) = p / t * sign(t * c); 0 where t or c is 0 (in place: these arrays are large for many runs)
        direction = np.sign(np.multiply(total, change, out=change), out=change)
        scored = direction != 0
        pair_scores = np.divide(partial, total, out=partial, where=scored)
        pair_scores[~scored] = 0.0
        pair_scores *= direction
        del total, change, direction, scored
    pair_scores[scorer.unit] = 1.0
    scores = np.zeros((n_links,) + shape)
    if scorer.direct:
        rows, pairs = (list(column) for column in zip(*scorer.direct))
        scores[rows] = pair_scores[pairs]
    for k, paths in scorer.composite:  # the path score of largest magnitude, the first path on a tie
        best = None
        for path in paths:
            product = pair_scores[path[0]]
            for i in path[1:]:
                product = product * pair_scores[i]
            best = product if best is None else np.where(np.abs(product) > np.abs(best), product, best)
        scores[k] = best
    return scores


def link_scores(param_table: pd.DataFrame, *, final_time: float | None = None, time_step: float | None = None,
                saveper: float | None = None, model: Model | None = None,
                links: Sequence[tuple[str, str]] | None = None, engine: str = "batch") -> LinkScores:
    """Run every row of ``param_table`` on a backend (``engine`` as :func:`sim.simulate_batch`'s) and score
    ``links`` (default: every model link).

    A link the plan does not have (its target held as an input) scores 0.
    """
    req = request(param_table, final_time=final_time, time_step=time_step, saveper=saveper, outputs=(), model=model)
    wanted = tuple(scoring_graph(req.compiled_model, req.plan).links if links is None else links)
    scorer = _scorer(req.compiled_model, req.plan, wanted)
    now, before, namespace = backend(engine).trace(req, scorer.traced)
    times = _saved_times(req.times, req.saved_steps, req.dt)
    time_before = np.concatenate([times[:1], times[1:] - req.dt])[:, None]
    scores = _scores(scorer, len(wanted), now, before, namespace, times[:, None], time_before)
    position = {n: i for i, n in enumerate(scorer.traced_nodes)}
    return LinkScores(list(wanted), scores, times, {n: now[position[n]] for n in scorer.values})

