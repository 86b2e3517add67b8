# The link worker's own summary for the message back to the GP and referrer.

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0006_safeguarding_and_handover"),
    ]

    operations = [
        migrations.AddField(
            model_name="referral",
            name="summary_for_gp",
            field=models.TextField(
                blank=True,
                max_length=2000,
                validators=[
                    django.core.validators.MaxLengthValidator(
                        2000, "The summary for the GP must be 2,000 characters or fewer"
                    )
                ],
                verbose_name="summary for the GP",
            ),
        ),
    ]
