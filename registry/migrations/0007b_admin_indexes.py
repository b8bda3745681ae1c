"""Indexes for the admin's lists in their default order, so a page is read from the top
of an index instead of sorting every row; and for the map's boxes of sites.

The damage report list orders by date with unknown dates first, then id: PostgreSQL
keeps NULLs last in an ascending index, so there it is built NULLS FIRST; SQLite
already keeps them first. (Migration 0004's index starts with lifecycle and serves
the public list, not the admin's unfiltered one.)
"""

from django.db import migrations, models

REPORT_INDEX = "report_admin_occ_idx"


def create_report_index(apps, schema_editor):
    nulls_first = " NULLS FIRST" if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(
        f"CREATE INDEX {REPORT_INDEX} ON registry_damagereport (occurred_lower ASC{nulls_first}, id)"
    )


def drop_report_index(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {REPORT_INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0007_search"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="artefact",
            index=models.Index(fields=["name", "-id"], name="artefact_name_id_idx"),
        ),
        migrations.AddIndex(
            model_name="heritagesite",
            index=models.Index(fields=["name", "-id"], name="site_name_id_idx"),
        ),
        migrations.AddIndex(
            model_name="heritagesite",
            index=models.Index(fields=["lifecycle", "latitude"], name="site_life_lat_idx"),
        ),
        migrations.AddIndex(
            model_name="heritagesite",
            index=models.Index(fields=["lifecycle", "longitude"], name="site_life_lon_idx"),
        ),
        migrations.RunPython(create_report_index, drop_report_index, elidable=False),
    ]
