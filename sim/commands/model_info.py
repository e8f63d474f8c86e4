"""``pmo-sim list-params``, ``schema`` and ``check-units``: what the model and the scenario format accept."""

from __future__ import annotations

import json

from sim.commands.inputs import BAD_INPUT, OK, RUN_FAILED, report


def list_params(args, command_line: list[str]) -> int:
    from sim.model import get_model

    inputs = get_model().inputs
    if args.json:
        print(json.dumps([{"name": v.py_name, "units": v.units, "default": v.default, "minimum": v.minimum,
                           "maximum": v.maximum, "group": v.group, "comment": v.comment} for v in inputs], indent=2))
        return OK
    width = max(len(v.py_name) for v in inputs)
    print(f"{'name':<{width}}  {'units':<10} {'default':>8}  {'range':<15} comment")
    for v in inputs:
        span = f"{v.minimum:g} to {v.maximum:g}"
        print(f"{v.py_name:<{width}}  {v.units:<10} {v.default:>8g}  {span:<15} {v.comment}")
    return OK


def schema(args, command_line: list[str]) -> int:
    from sim.scenario import json_schema

    print(json.dumps(json_schema(), indent=2))
    return OK


def check_units(args, command_line: list[str]) -> int:
    from sim.model import ModelError

    try:
        from sim import units
    except ImportError as error:
        if error.name != "pint":
            raise
        report(["pmo-sim check-units: needs pint; install it with: pip install 'pmo-sim[units]'"])
        return BAD_INPUT
    try:
        model = units.load(args.model)
    except ModelError as error:
        report([f"pmo-sim check-units: {error}"])
        return BAD_INPUT
    problems = units.check_model(model)
    for problem in problems:
        print(problem)
    count = units.equation_count(model)
    if problems:
        print(f"{len(problems)} unit problem{'s' if len(problems) > 1 else ''} in {count} equations")
        return RUN_FAILED
    print(f"{count} equations checked, all dimensionally consistent")
    return OK
