"""Inspiring: one Django app per domain concept (see docs/where-things-go.md)."""
