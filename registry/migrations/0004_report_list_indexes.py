"""Indexes that let the public list of damage reports and the home page read one page
from the top of an index instead of sorting every published report.

Lists sort open (unknown) lower bounds first. SQLite already keeps NULLs first in an
ascending index; PostgreSQL keeps them last, so there the date index is also built
with NULLS FIRST, which SQLite cannot express and Django's Index cannot say per database.
"""

from django.db import migrations, models

POSTGRES_INDEX = "report_life_occnf_idx"


def create_postgres_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX {POSTGRES_INDEX} ON registry_damagereport "
            "(lifecycle, occurred_lower ASC NULLS FIRST, id)"
        )


def drop_postgres_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {POSTGRES_INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0003_curator_group"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="damagereport",
            index=models.Index(fields=["lifecycle", "occurred_lower", "id"], name="report_life_occ_idx"),
        ),
        migrations.AddIndex(
            model_name="damagereport",
            index=models.Index(fields=["lifecycle", "published_at", "id"], name="report_life_pub_idx"),
        ),
        migrations.RunPython(create_postgres_index, drop_postgres_index, elidable=False),
    ]
