"""The surveys app's URLs: building, answering and entering (urls_building.py) and the
summary, imports and exports (urls_reports.py), kept apart so each part owns its own."""

from __future__ import annotations

from .urls_building import urlpatterns as building
from .urls_reports import urlpatterns as reports

app_name = "surveys"

urlpatterns = [*building, *reports]
