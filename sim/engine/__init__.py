"""Engines that run the model file: ``pysd_engine`` is the reference."""
