"""Evaluation: the statistics researchers and coordinators need, and the `inspiring-stats`
command line (issue 7).

`inspiring.evaluation.stats` is a pure statistics core (numpy, scipy and pandas only, no
Django), so it can be tested against published results and used outside the web
application. `inspiring.evaluation.cli` is the command line on top of it. This package is not
a Django app.
"""
