"""Monitoring: what coordinators, partner groups, funders and commissioners see.

At the top of the apps (below playbook and demo): it reads the named aggregate functions
the apps below export (`casework.figures`, `directory.figures`, `surveys.figures`,
`areas.figures`), never their models' rows, and applies disclosure control once
(`lib.disclosure`, through `tables.py`) before anything is shown or exported. It keeps
only what is its own: grants (funding) and the population figures an area records for
comparison (sex and ethnic group; deprivation and age come from the shipped LSOA data).
"""
