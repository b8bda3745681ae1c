"""An index in the order of a site's newest reports.

A site's page lists the latest reports about it (``SiteDetailView``). Found through
the link table, a busy site's ten thousand reports are each looked up for their dates
and then sorted, however few are shown. The page first looks for them among the
newest reports of the whole registry, read from the top of an index in exactly the
order of the list: published, by the date's lower bound (open bounds first), then its
upper bound (open bounds last), then the primary key. Read backwards, it gives the
newest first.

As in migration 0004, PostgreSQL is told where the NULLs go; SQLite cannot say it in an
index (it keeps them first in an ascending one) and gets the same columns.
"""

from django.db import migrations

INDEX = "report_life_chrono_idx"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        columns = "lifecycle, occurred_lower ASC NULLS FIRST, occurred_upper ASC NULLS LAST, id"
    else:
        columns = "lifecycle, occurred_lower, occurred_upper, id"
    schema_editor.execute(f"CREATE INDEX {INDEX} ON registry_damagereport ({columns})")


def drop_index(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0015_site_public_coordinates"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
