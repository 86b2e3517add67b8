"""Indexes for monitoring's figures (casework.figures), found by bench/monitoring.py over
1,000,000 referrals: each figure reads a period's rows by a date, and every one of them
reached its area through the clients.

- a connection's steps by status and day (connections made, first visits, stops and
  declines, retention): without it each of those read all the steps;
- connections by when they were made; assessments by day (interests and barriers);
  group memberships by the day joined; administrations by timepoint and day (outcome
  change, the quarterly return's follow-ups): each was read whole for a quarter's rows;
- clients by area and id: an area's clients read from the index alone (on PostgreSQL an
  index-only scan, on SQLite a covering index) when a period's rows are joined to them.

Each was measured on its own (the figures calls that read its table, with and without
it, on both databases). Left out: a referral's status changes by referral, status and
day, for first contact: no faster than the referral's own index, and with it SQLite
3.40 answered MIN(on) ... WHERE referral_id = ? AND status IN (...) with the later
status's day, a wrong result, once ANALYZE had run (bench/monitoring.py's floor caught
it).

Each is listed in its model's Meta too, with the same name.
"""

from django.db import migrations, models

INDEXES = [
    ("connectionstep", models.Index(fields=["status", "on"], name="casework_step_status_on")),
    ("connection", models.Index(fields=["created_at"], name="casework_conn_created")),
    ("assessment", models.Index(fields=["assessed_on"], name="casework_assess_on")),
    ("groupmembership", models.Index(fields=["joined_on"], name="casework_group_joined")),
    (
        "administration",
        models.Index(fields=["timepoint", "administered_on"], name="casework_admin_when"),
    ),
    ("client", models.Index(fields=["area", "id"], name="casework_client_area_pk")),
]


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0010_monitoring_fields"),
    ]

    operations = [migrations.AddIndex(model_name=model, index=index) for model, index in INDEXES]
