"""The surveys app's pages: building and running (building.py), answering (answering.py,
public) and paper returns (paper.py). The summary's pages are the reports' own."""
