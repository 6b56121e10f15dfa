"""Mutation testing of the core: `make mutation` (see README.md in this folder)."""
