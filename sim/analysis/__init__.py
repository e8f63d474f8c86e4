"""Studies built on the batch engine, one module (or package) each; each a pure function of a Scenario
returning a tidy result object. The command line and the app call them; they never call either."""
