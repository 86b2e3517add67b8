"""Demonstration data: made-up areas and people for `make run` and the browser tests.

The top of the dependency graph: it may import every app, and none imports it.
"""
