"""Reliability: faults from AWS and the network, cache safety, fuzzed options and secret leaks."""
