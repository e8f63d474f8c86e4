from sim.behaviours import main

raise SystemExit(main())
