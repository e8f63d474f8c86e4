"""``python -m sim``: the pmo-sim command line."""

from sim.cli import main

raise SystemExit(main())
