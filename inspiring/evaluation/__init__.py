"""Evaluation: the programme's own questions answered on its own data (issues 7 and 16).

`inspiring.evaluation.stats` is a pure statistics core (numpy, scipy and pandas only, no
Django), so it can be tested against published results and used outside the web
application; `inspiring.evaluation.cli` is the `inspiring-stats` command line on top of it.
The rest is the Django app: extracts.py (pseudonymised data sets, one function per
source), models.py (Analysis: spec, fingerprint, seed, result), runner.py (the core called
as the command line calls it; the background job), report.py (the report in words), and
the staff pages (views.py, access.py).
"""
