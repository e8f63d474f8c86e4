"""``pmo-sim validate``: check scenario files, and the command line's options, as ``run`` would."""

from __future__ import annotations

from sim.commands.inputs import BAD_INPUT, OK, load_inputs, report


def main(args, command_line: list[str]) -> int:
    from sim.runner import run_count

    inputs = load_inputs(args)
    for scenario in inputs.scenarios:
        spec = scenario.spec
        kind = f"Monte Carlo, {run_count(spec, args.runs)} runs" if spec.uncertainty else "single run"
        print(f"{scenario.path}: ok ({scenario.name}, {kind})")
    report(inputs.problems)
    return BAD_INPUT if inputs.problems else OK
