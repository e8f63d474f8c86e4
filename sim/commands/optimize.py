"""``pmo-sim optimize``: the budget split that maximises an objective, robust over uncertainty."""

from __future__ import annotations


def add_parser(commands) -> None:
    pass


def main(args, command_line: list[str]) -> int:
    return 2
