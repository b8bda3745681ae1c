"""Indexes that serve a query each, and no more: a million-row import keeps every index
of every table it writes, and the checks of foreign keys at commit, so each one costs
every bulk load and every single write.

- ``lifecycle`` loses the index of its own (two on PostgreSQL, with the pattern index of
  ``LIKE``): every record table has an index beginning with it (``record_indexes``).
- ``updated_at`` loses its own for ``(-updated_at, -id)``, the API's order of changes, on
  every record table; damage reports had it already (migration 0020).
- A damage report's ``claim_status``, a pledge's ``status`` and an image's checksum keep a
  plain index, without the pattern index; a report's ``occurred_lower`` keeps none: the
  admin's index (migration 0007b) begins with it.
- An attribution's ``damage_event`` has none either: the unique pair begins with it.
- In the link tables, an index on a single column is dropped where another index of the
  table begins with that column (the pair's unique index, the site's index of its reports).

The fields change in the migration state alone; their indexes are dropped by name, as
found in the database. On SQLite, altering the fields would rebuild each table from the
model, and the rebuild loses what earlier migrations made in SQL there: the search
triggers and the date indexes.
"""

import django.db.models.deletion
from django.db import migrations, models

# Every record model, with the prefix of its index names (``record_indexes``).
RECORDS = {
    "actor": "actor",
    "artefact": "artefact",
    "attribution": "attribution",
    "citation": "citation",
    "damageevent": "event",
    "damagereport": "report",
    "heritagesite": "site",
    "intervention": "intervention",
    "mediaitem": "media",
    "mediapair": "mediapair",
    "pledgestatuschange": "pledgestatus",
    "restorationpledge": "pledge",
    "source": "source",
}
# Record models that had no ``(lifecycle, -updated_at)`` index until now.
NEW_LIFECYCLE_INDEX = ["attribution", "pledgestatuschange"]

# (model, field) whose own index goes.
UNINDEXED = [
    *((model, "lifecycle") for model in RECORDS),
    *((model, "updated_at") for model in RECORDS),
    ("attribution", "damage_event"),
    ("damagereport", "claim_status"),
    ("damagereport", "occurred_lower"),
    ("mediaitem", "original_sha256"),
    ("restorationpledge", "status"),
]


# The fields as they are now, for the migration state: a new instance for each model.
def _lifecycle():
    return models.CharField(
        choices=[
            ("draft", "Draft"),
            ("in_review", "In review"),
            ("published", "Published"),
            ("retracted", "Retracted"),
            ("archived", "Archived"),
        ],
        default="draft",
        max_length=16,
        verbose_name="lifecycle",
    )


def _updated_at():
    return models.DateTimeField(auto_now=True, verbose_name="updated at")


def _constraints(schema_editor, table: str) -> dict[str, dict]:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, table)


def _single_column_indexes(schema_editor, table: str) -> dict[str, str]:
    """Name → column of the plain indexes on one column of ``table``."""
    constraints = _constraints(schema_editor, table)
    return {
        name: info["columns"][0]
        for name, info in constraints.items()
        if info["index"]
        and not info["unique"]
        and not info["primary_key"]
        and len(info["columns"]) == 1
    }


def drop_field_indexes(apps, schema_editor):
    for model_name, field_name in UNINDEXED:
        model = apps.get_model("registry", model_name)
        column = model._meta.get_field(field_name).column
        for name, indexed in _single_column_indexes(schema_editor, model._meta.db_table).items():
            if indexed == column:
                schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def create_field_indexes(apps, schema_editor):
    for model_name, field_name in UNINDEXED:
        model = apps.get_model("registry", model_name)
        field = model._meta.get_field(field_name)
        if field.column in _single_column_indexes(schema_editor, model._meta.db_table).values():
            continue
        for statement in schema_editor._field_indexes_sql(model, field):
            schema_editor.execute(statement)


def _link_tables(apps):
    return [
        model._meta.db_table
        for model in apps.get_app_config("registry").get_models(include_auto_created=True)
        if model._meta.auto_created
    ]


def _covered_link_indexes(schema_editor, table: str) -> dict[str, str]:
    """The single-column indexes of a link table whose column begins another index."""
    constraints = _constraints(schema_editor, table)
    leading = {
        info["columns"][0]
        for info in constraints.values()
        # A unique constraint is an index too (PostgreSQL reports it as a constraint alone).
        if (info["index"] or info["unique"]) and len(info["columns"]) > 1
    }
    return {
        name: column
        for name, column in _single_column_indexes(schema_editor, table).items()
        if column in leading
    }


def drop_covered_link_indexes(apps, schema_editor):
    for table in _link_tables(apps):
        for name in _covered_link_indexes(schema_editor, table):
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def create_link_indexes(apps, schema_editor):
    """The foreign key indexes Django gives a link table, under their names."""
    for table in _link_tables(apps):
        constraints = _constraints(schema_editor, table)
        present = {tuple(info["columns"]) for info in constraints.values() if info["index"]}
        model = next(
            m
            for m in apps.get_app_config("registry").get_models(include_auto_created=True)
            if m._meta.db_table == table
        )
        for field in model._meta.local_fields:
            if field.is_relation and (field.column,) not in present:
                name = schema_editor._create_index_name(table, [field.column], suffix="")
                schema_editor.execute(
                    f"CREATE INDEX {schema_editor.quote_name(name)} "
                    f"ON {schema_editor.quote_name(table)} ({schema_editor.quote_name(field.column)})"
                )


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0020_report_partner_order_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                *(
                    migrations.AlterField(model_name=model, name="lifecycle", field=_lifecycle())
                    for model in RECORDS
                ),
                *(
                    migrations.AlterField(model_name=model, name="updated_at", field=_updated_at())
                    for model in RECORDS
                ),
                migrations.AlterField(
                    model_name="attribution",
                    name="damage_event",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="attributions",
                        to="registry.damageevent",
                        verbose_name="damage event",
                    ),
                ),
                migrations.AlterField(
                    model_name="damagereport",
                    name="claim_status",
                    field=models.CharField(
                        choices=[
                            ("reported", "Reported"),
                            ("corroborated", "Corroborated"),
                            ("confirmed", "Confirmed"),
                            ("disputed", "Disputed"),
                            ("retracted", "Retracted"),
                        ],
                        default="reported",
                        max_length=16,
                        verbose_name="claim status",
                    ),
                ),
                migrations.AlterField(
                    model_name="damagereport",
                    name="occurred_lower",
                    field=models.BigIntegerField(blank=True, editable=False, null=True),
                ),
                migrations.AlterField(
                    model_name="mediaitem",
                    name="original_sha256",
                    field=models.CharField(
                        editable=False, max_length=64, verbose_name="SHA-256 of the upload"
                    ),
                ),
                migrations.AlterField(
                    model_name="restorationpledge",
                    name="status",
                    field=models.CharField(
                        choices=[
                            ("pledged", "Pledged"),
                            ("in_progress", "In progress"),
                            ("partly_fulfilled", "Partly fulfilled"),
                            ("fulfilled", "Fulfilled"),
                            ("lapsed", "Lapsed"),
                            ("withdrawn", "Withdrawn"),
                        ],
                        default="pledged",
                        editable=False,
                        help_text="Follows the latest recorded status change.",
                        max_length=20,
                        verbose_name="status",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunPython(drop_field_indexes, create_field_indexes, elidable=False),
            ],
        ),
        *(
            migrations.AddIndex(
                model_name=model,
                index=models.Index(
                    fields=["lifecycle", "-updated_at"], name=f"{RECORDS[model]}_life_upd_idx"
                ),
            )
            for model in NEW_LIFECYCLE_INDEX
        ),
        # Damage reports have theirs (report_upd_id_idx, migration 0020).
        *(
            migrations.AddIndex(
                model_name=model,
                index=models.Index(fields=["-updated_at", "-id"], name=f"{prefix}_upd_id_idx"),
            )
            for model, prefix in RECORDS.items()
            if model != "damagereport"
        ),
        migrations.AddIndex(
            model_name="damagereport",
            index=models.Index(fields=["claim_status"], name="report_claim_idx"),
        ),
        migrations.AddIndex(
            model_name="mediaitem",
            index=models.Index(fields=["original_sha256"], name="media_sha256_idx"),
        ),
        migrations.AddIndex(
            model_name="restorationpledge",
            index=models.Index(fields=["status"], name="pledge_status_idx"),
        ),
        migrations.RunPython(drop_covered_link_indexes, create_link_indexes, elidable=False),
    ]
