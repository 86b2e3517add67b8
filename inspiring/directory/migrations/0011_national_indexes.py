"""Indexes a national directory needs for its public reads (bench/national.py).

The session index is added here by the open-data work; Session's Meta (schedules.py)
carries the same index, so the model and the database agree.
"""

from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("directory", "0010_multi_day_sessions")]

    operations = [
        migrations.AddIndex(
            model_name="activity",
            index=models.Index(fields=["updated_at", "public_id"], name="activity_changed"),
        ),
        migrations.AddIndex(
            model_name="activity",
            index=models.Index(fields=["title", "id"], name="activity_title"),
        ),
        # The OpenActive scheduled-sessions feed pages in this order (RPDE: changed, id).
        migrations.AddIndex(
            model_name="session",
            index=models.Index(fields=["updated_at", "public_id"], name="session_changed"),
        ),
    ]
