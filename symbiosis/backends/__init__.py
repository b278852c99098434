"""Solver backends: the outcome types they share, and HiGHS on arrays."""
