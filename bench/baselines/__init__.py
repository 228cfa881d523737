"""Baselines the screening benchmark compares the engine with: plain pandas and hand-written SQL."""
