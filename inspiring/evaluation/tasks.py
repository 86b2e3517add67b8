"""Background work for the evaluation (Django's tasks API, via django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_analysis(analysis_id: int) -> str:
    """Extract, fingerprint, run and store one analysis (progress is kept on it)."""
    from .models import Analysis
    from .runner import execute

    analysis = Analysis.objects.filter(pk=analysis_id).first()
    if analysis is None:
        return "missing"
    return execute(analysis).status
