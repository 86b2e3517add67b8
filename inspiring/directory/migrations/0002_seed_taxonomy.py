"""Seed the activity categories and the support features (see taxonomy_data.py).

Idempotent: an existing row (matched by slug or code) keeps any edits an
administrator has made to its name.
"""

from __future__ import annotations

from django.db import migrations

from inspiring.directory.taxonomy_data import seed_taxonomy


def seed(apps, schema_editor):
    seed_taxonomy(
        apps.get_model("directory", "Category"), apps.get_model("directory", "SupportFeature")
    )


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
