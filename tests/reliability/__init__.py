"""Reliability tests: faults, cache safety, fuzzed input and secret leaks (see README-less docstrings in each file)."""
