"""The public coordinates of each site, kept by the database for the map.

SQLite cannot add a stored generated column to a table: Django builds the table anew,
and the search triggers of migration 0007 go with the old one. They are made again here.
"""

import importlib

import django.db.models.functions.comparison
import django.db.models.functions.math
from django.db import migrations, models


def search_triggers_again(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    search = importlib.import_module("registry.migrations.0007_search")
    table, kind, owner, columns, _trigram = next(row for row in search.SOURCES if row[0] == "registry_heritagesite")
    for suffix in ("ai", "au", "ad"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_search_{suffix}")
    search.sqlite_triggers(schema_editor, table, kind, owner, columns)


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0014_reviewer_group'),
    ]

    operations = [
        migrations.AddField(
            model_name='heritagesite',
            name='public_latitude',
            field=models.GeneratedField(db_persist=True, expression=django.db.models.functions.comparison.Cast(models.Case(models.When(is_sensitive=True, then=django.db.models.functions.math.Round(models.F('latitude'), 1)), default=models.F('latitude')), models.FloatField()), output_field=models.FloatField(), verbose_name='public latitude'),
        ),
        migrations.AddField(
            model_name='heritagesite',
            name='public_longitude',
            field=models.GeneratedField(db_persist=True, expression=django.db.models.functions.comparison.Cast(models.Case(models.When(is_sensitive=True, then=django.db.models.functions.math.Round(models.F('longitude'), 1)), default=models.F('longitude')), models.FloatField()), output_field=models.FloatField(), verbose_name='public longitude'),
        ),
        migrations.AddField(
            model_name='historicalheritagesite',
            name='public_latitude',
            field=models.GeneratedField(db_persist=True, expression=django.db.models.functions.comparison.Cast(models.Case(models.When(is_sensitive=True, then=django.db.models.functions.math.Round(models.F('latitude'), 1)), default=models.F('latitude')), models.FloatField()), output_field=models.FloatField(), verbose_name='public latitude'),
        ),
        migrations.AddField(
            model_name='historicalheritagesite',
            name='public_longitude',
            field=models.GeneratedField(db_persist=True, expression=django.db.models.functions.comparison.Cast(models.Case(models.When(is_sensitive=True, then=django.db.models.functions.math.Round(models.F('longitude'), 1)), default=models.F('longitude')), models.FloatField()), output_field=models.FloatField(), verbose_name='public longitude'),
        ),
        migrations.RunPython(search_triggers_again, migrations.RunPython.noop),
    ]
