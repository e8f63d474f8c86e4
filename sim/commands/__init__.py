"""The subcommands of ``pmo-sim``, one module each; ``sim.cli`` parses the command line and calls them.

Each ``main(args, command_line) -> int`` returns the exit code: 0 ok, 1 a run failed, 2 bad input.
"""
