"""Make the next import of every feed read it whole again, whatever it answered before.

The importer now leaves out private and confidential events (and imports orphan
instances and events without a UID): a feed whose calendar has not changed since
would answer "not modified", or hash the same, and keep what an older importer
stored, such as a private committee meeting on What's on. Forgetting what each feed
held makes the next run compare and store it afresh; events now left out are then
withdrawn as gone ones are."""

from django.db import migrations


def forget_what_every_feed_held(apps, schema_editor):
    FeedSource = apps.get_model("feeds", "FeedSource")
    FeedSource.objects.update(content_hash="", etag="", last_modified="")


class Migration(migrations.Migration):
    dependencies = [("feeds", "0003_feed_exclusions")]

    operations = [migrations.RunPython(forget_what_every_feed_held, migrations.RunPython.noop)]
