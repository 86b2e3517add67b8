# Sessions and schedules that last more than a day (festival weekends, awareness weeks).

import django.core.validators
from django.db import migrations, models


def end_on_the_day_they_start(apps, schema_editor):
    Session = apps.get_model("directory", "Session")
    Session.objects.update(end_local_date=models.F("local_date"))


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0009_schedule_skip_bank_holidays"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="schedule",
            name="schedule_ends_after_it_starts",
        ),
        migrations.RemoveIndex(
            model_name="session",
            name="session_local_date",
        ),
        migrations.AddField(
            model_name="schedule",
            name="duration_days",
            field=models.PositiveSmallIntegerField(
                default=0,
                validators=[django.core.validators.MaxValueValidator(13)],
                verbose_name="days it lasts after its first",
            ),
        ),
        migrations.AddField(
            model_name="session",
            name="end_local_date",
            field=models.DateField(null=True),
        ),
        # Every session so far starts and ends on one London date.
        migrations.RunPython(end_on_the_day_they_start, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="session",
            name="end_local_date",
            field=models.DateField(),
        ),
        migrations.AddIndex(
            model_name="session",
            index=models.Index(fields=["local_date", "end_local_date"], name="session_local_dates"),
        ),
        migrations.AddConstraint(
            model_name="schedule",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("end_time__gt", models.F("start_time")),
                    ("duration_days__gt", 0),
                    _connector="OR",
                ),
                name="schedule_ends_after_it_starts",
            ),
        ),
        migrations.AddConstraint(
            model_name="schedule",
            constraint=models.CheckConstraint(
                condition=models.Q(("duration_days__lte", 13)),
                name="schedule_lasts_at_most_two_weeks",
            ),
        ),
    ]
