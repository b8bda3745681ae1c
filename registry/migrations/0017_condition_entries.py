"""Condition entries: each published report's place on its assets' condition timelines.

The table is filled from the reports already stored, then indexed in the order the
condition rule ranks states (``selectors.condition._newest_first``), one partial index
for sites and one for artefacts. As in migration 0016, PostgreSQL is told where the
NULLs go and to compare slugs by code point; SQLite compares text by its bytes and gets
the same columns.
"""

import django.db.models.deletion
from django.db import migrations, models

INDEXES = {"condition_entry_site_idx": "site_id", "condition_entry_artefact_idx": "artefact_id"}


def fill(apps, schema_editor):
    from registry import condition_entries

    reports = apps.get_model("registry", "DamageReport")
    entries = apps.get_model("registry", "ConditionEntry")
    condition_entries._insert(entries, condition_entries.entry_rows(reports))


def create_indexes(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for name, owner in INDEXES.items():
        if postgresql:
            columns = (f"{owner}, at_lower DESC NULLS LAST, at_upper DESC NULLS FIRST, "
                       'source_published DESC NULLS FIRST, (slug COLLATE "C") DESC')
            extra = " INCLUDE (standing, report_id)"
        else:
            columns, extra = f"{owner}, at_lower DESC, at_upper DESC, source_published DESC, slug DESC", ""
        schema_editor.execute(
            f"CREATE INDEX {name} ON registry_conditionentry ({columns}){extra} WHERE {owner} IS NOT NULL"
        )
    if postgresql:
        schema_editor.execute("ANALYZE registry_conditionentry")


def drop_indexes(apps, schema_editor):
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0016_report_chronological_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='ConditionEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('standing', models.PositiveSmallIntegerField()),
                ('at_lower', models.BigIntegerField(null=True)),
                ('at_upper', models.BigIntegerField(null=True)),
                ('source_published', models.BigIntegerField(null=True)),
                ('slug', models.CharField(max_length=120)),
                ('artefact', models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='registry.artefact')),
                ('report', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='registry.damagereport')),
                ('site', models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='registry.heritagesite')),
            ],
            options={
                'verbose_name': 'condition entry',
                'verbose_name_plural': 'condition entries',
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('artefact__isnull', True), ('site__isnull', False)), models.Q(('artefact__isnull', False), ('site__isnull', True)), _connector='OR'), name='condition_entry_one_asset')],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
