"""Filename rules: compile, match, explain. Pure functions, no I/O."""
