"""Loops that Matter, the structure: the equations a link score re-evaluates, and the model's links through them.

A model link joins two varying model variables. Most are direct (the target's equation reads the
source); a link into a stock goes through its net flow (Schoenberg, Hayward and Eberlein 2023, SDR
39(2): the flows of a stock aggregated into its net flow, whose link to the stock scores 1); a link
through a SMOOTH or DELAY goes through the macro's stocks and flows, by every simple path from the
macro's input or delay time to its output (Schoenberg and Eberlein 2020, "Seamlessly integrating
Loops that Matter"): its composite link score is the largest of those paths' scores.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass

from sim.engine.plan import CompiledModel, Plan, Stateful, var

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
