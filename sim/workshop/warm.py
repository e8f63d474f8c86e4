"""Compile the kernels a workshop uses before the first team joins: ``python -m sim.workshop.warm``.

``make workshop`` runs it before serving, as ``make app`` warms the other pages' kernels; see
:mod:`sim.workshop.kernels` for what happens in a server that was not warmed.
"""

from __future__ import annotations

import time

from sim.workshop import kernels


def warm_workshop() -> str:
    """Compile the kernels a workshop on a shipped scenario uses (its runs, and the debrief's loop
    analysis) into the disk cache, or load them from it: up to a minute the first time, a fraction of
    a second after. The backend the workshop's runs will use."""
    from sim.scenario import load_scenario, shipped_scenarios
    from sim.workshop.benchmark import benchmark_decisions
    from sim.workshop.dominance import team_dominance
    from sim.workshop.setup import Event, WorkshopSetup
    from sim.workshop.simulation import parameter_table, policy_plan

    setup = WorkshopSetup(name="warm-up", scenario=load_scenario(shipped_scenarios() / "baseline.toml").resolved(), rounds=2,
                          events=(Event(round=2, headline="warm-up"),))
    plan = policy_plan(benchmark_decisions(setup))
    engine = kernels.warm(parameter_table(setup, [plan]), final_time=setup.horizon, time_step=setup.starting_scenario().spec.run.time_step)
    team_dominance(setup, [plan], [setup.horizon])
    return engine


def main() -> int:
    """``python -m sim.workshop.warm`` (``make workshop`` runs it before serving)."""
    started = time.perf_counter()
    print("pmo-sim workshop: preparing the compiled kernels (only the first time takes long)", flush=True)
    engine = warm_workshop()
    print(f"pmo-sim workshop: runs on {'the compiled kernel' if engine == 'numba' else 'numpy'}; "
          f"ready in {time.perf_counter() - started:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
