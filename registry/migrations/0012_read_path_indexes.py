"""Indexes of the read path at a million reports.

- The API lists newest change first, the primary key breaking ties; an index in
  that exact order reads a page from its top instead of sorting every report.
- A site's page finds its reports in the link table by site, then sorts them by
  date. With both lookups covered by an index (the link table's site and report;
  the report's dates beside its key), a site with ten thousand reports is read
  from indexes alone, never from the tables' rows.

The link table is Django's own, so its index is made in SQL that PostgreSQL and
SQLite both understand.
"""

from django.db import migrations, models

LINK_INDEX = "report_sites_site_report_idx"


class Migration(migrations.Migration):
    dependencies = [
        ('registry', '0009_import_batches'),
    ]

    operations = [
        migrations.AddIndex(
            model_name="damagereport",
            index=models.Index(
                fields=["lifecycle", "-updated_at", "-id"], name="report_life_upd_id_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="damagereport",
            index=models.Index(
                fields=["id"],
                include=("lifecycle", "occurred_lower", "occurred_upper"),
                name="report_id_dates_idx",
            ),
        ),
        migrations.RunSQL(
            f"CREATE INDEX {LINK_INDEX} ON registry_damagereport_sites "
            "(heritagesite_id, damagereport_id)",
            f"DROP INDEX {LINK_INDEX}",
        ),
    ]
