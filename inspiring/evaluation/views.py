"""The evaluation's pages (being built: the list, new analysis, progress and report)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse

from inspiring.accounts.access import require_capability
from inspiring.accounts.roles import Capability

ANALYSE = Capability.ANALYSE_RESEARCH_DATA


@require_capability(ANALYSE)
def analysis_list(request: HttpRequest) -> HttpResponse:
    raise Http404("Not yet")


@require_capability(ANALYSE)
def choose_dataset(request: HttpRequest) -> HttpResponse:
    raise Http404("Not yet")


@require_capability(ANALYSE)
def new_survey_analysis(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404("Not yet")


@require_capability(ANALYSE)
def new_outcomes_analysis(request: HttpRequest) -> HttpResponse:
    raise Http404("Not yet")


@require_capability(ANALYSE)
def analysis_page(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404("Not yet")


@require_capability(ANALYSE)
def run_again(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404("Not yet")
