"""Benchmarks: scripts that print measured numbers (not timed tests)."""
