"""Deployment and development scripts, run as files (`python deploy/smoke.py`); a package
only so the tests import deploy/mesh_sandbox.py by one name (mypy finds it once)."""
