"""Studies built on the batch engine, one module each (see ARCHITECTURE.md)."""
