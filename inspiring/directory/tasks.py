"""Background work for the directory (Django's tasks API, via django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def materialise_activity_sessions(activity_id: int) -> dict[str, int]:
    """Bring one activity's sessions in step with its schedules (after any change)."""
    from .materialise import materialise_activity
    from .models import Activity

    activity = Activity.objects.filter(pk=activity_id).first()
    if activity is None:
        return {"created": 0, "updated": 0, "deleted": 0}
    report = materialise_activity(activity)
    return {"created": report.created, "updated": report.updated, "deleted": report.deleted}


@task()
def build_booklet(booklet_id: int) -> str:
    """Make a calendar booklet's PDF (progress is kept on the Booklet)."""
    from .booklets import build
    from .models import Booklet

    booklet = Booklet.objects.select_related("area").filter(pk=booklet_id).first()
    if booklet is None:
        return "missing"
    return build(booklet).status
