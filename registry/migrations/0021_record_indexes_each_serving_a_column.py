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

# (model, field) whose own index goes.
UNINDEXED = [
    ("actor", "lifecycle"),
    ("actor", "updated_at"),
    ("artefact", "lifecycle"),
    ("artefact", "updated_at"),
    ("attribution", "damage_event"),
    ("attribution", "lifecycle"),
    ("attribution", "updated_at"),
    ("citation", "lifecycle"),
    ("citation", "updated_at"),
    ("damageevent", "lifecycle"),
    ("damageevent", "updated_at"),
    ("damagereport", "claim_status"),
    ("damagereport", "lifecycle"),
    ("damagereport", "occurred_lower"),
    ("damagereport", "updated_at"),
    ("heritagesite", "lifecycle"),
    ("heritagesite", "updated_at"),
    ("intervention", "lifecycle"),
    ("intervention", "updated_at"),
    ("mediaitem", "lifecycle"),
    ("mediaitem", "original_sha256"),
    ("mediaitem", "updated_at"),
    ("mediapair", "lifecycle"),
    ("mediapair", "updated_at"),
    ("pledgestatuschange", "lifecycle"),
    ("pledgestatuschange", "updated_at"),
    ("restorationpledge", "lifecycle"),
    ("restorationpledge", "status"),
    ("restorationpledge", "updated_at"),
    ("source", "lifecycle"),
    ("source", "updated_at"),
]


def _single_column_indexes(schema_editor, table: str) -> dict[str, str]:
    """Name → column of the plain indexes on one column of ``table``."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
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
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
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
        connection = schema_editor.connection
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, table)
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
                    model_name="actor",
                    name="lifecycle",
                    field=models.CharField(
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
                    ),
                ),
                migrations.AlterField(
                    model_name="actor",
                    name="updated_at",
                    field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
                ),
                migrations.AlterField(
                    model_name="artefact",
                    name="lifecycle",
                    field=models.CharField(
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
                    ),
                ),
                migrations.AlterField(
                    model_name="artefact",
                    name="updated_at",
                    field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
                ),
                migrations.AlterField(
                    model_name="attribution",
                    name="lifecycle",
                    field=models.CharField(
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
                    ),
                ),
                migrations.AlterField(
                    model_name="attribution",
                    name="updated_at",
                    field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
                ),
                migrations.AlterField(
                    model_name="citation",
                    name="lifecycle",
                    field=models.CharField(
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
                    ),
                ),
                migrations.AlterField(
                    model_name="citation",
                    name="updated_at",
                    field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
                ),
                migrations.AlterField(
                    model_name="damageevent",
                    name="lifecycle",
                    field=models.CharField(
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
                    ),
                ),
                migrations.AlterField(
                    model_name="damageevent",
                    name="updated_at",
                    field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
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
                    name="lifecycle",
                    field=models.CharField(
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
                    ),
                ),
                migrations.AlterField(
                    model_name="damagereport",
                    name="occurred_lower",
                    field=models.BigIntegerField(blank=True, editable=False, null=True),
                ),
                migrations.AlterField(
                    model_name="damagereport",
                    name="updated_at",
                    field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
                ),
                migrations.AlterField(
                    model_name="heritagesite",
                    name="lifecycle",
                    field=models.CharField(
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
                    ),
                ),
                migrations.AlterField(
                    model_name="heritagesite",
                    name="updated_at",
                    field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
                ),
                migrations.AlterField(
                    model_name="intervention",
                    name="lifecycle",
                    field=models.CharField(
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
                    ),
                ),
                migrations.AlterField(
                    model_name="intervention",
                    name="updated_at",
                    field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
                ),
                migrations.AlterField(
                    model_name="mediaitem",
                    name="lifecycle",
                    field=models.CharField(
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
                    ),
                ),
                migrations.AlterField(
                    model_name="mediaitem",
                    name="updated_at",
                    field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
                ),
                migrations.AlterField(
                    model_name="mediapair",
                    name="lifecycle",
                    field=models.CharField(
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
                    ),
                ),
                migrations.AlterField(
                    model_name="mediapair",
                    name="updated_at",
                    field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
                ),
                migrations.AlterField(
                    model_name="pledgestatuschange",
                    name="lifecycle",
                    field=models.CharField(
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
                    ),
                ),
                migrations.AlterField(
                    model_name="pledgestatuschange",
                    name="updated_at",
                    field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
                ),
                migrations.AlterField(
                    model_name="restorationpledge",
                    name="lifecycle",
                    field=models.CharField(
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
                    ),
                ),
                migrations.AlterField(
                    model_name="restorationpledge",
                    name="updated_at",
                    field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
                ),
                migrations.AlterField(
                    model_name="source",
                    name="lifecycle",
                    field=models.CharField(
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
                    ),
                ),
                migrations.AlterField(
                    model_name="source",
                    name="updated_at",
                    field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
                ),
            ],
            database_operations=[
                migrations.RunPython(drop_field_indexes, create_field_indexes, elidable=False),
            ],
        ),
        migrations.AddIndex(
            model_name="actor",
            index=models.Index(fields=["-updated_at", "-id"], name="actor_upd_id_idx"),
        ),
        migrations.AddIndex(
            model_name="artefact",
            index=models.Index(fields=["-updated_at", "-id"], name="artefact_upd_id_idx"),
        ),
        migrations.AddIndex(
            model_name="attribution",
            index=models.Index(
                fields=["lifecycle", "-updated_at"], name="attribution_life_upd_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="attribution",
            index=models.Index(fields=["-updated_at", "-id"], name="attribution_upd_id_idx"),
        ),
        migrations.AddIndex(
            model_name="citation",
            index=models.Index(fields=["-updated_at", "-id"], name="citation_upd_id_idx"),
        ),
        migrations.AddIndex(
            model_name="damageevent",
            index=models.Index(fields=["-updated_at", "-id"], name="event_upd_id_idx"),
        ),
        migrations.AddIndex(
            model_name="damagereport",
            index=models.Index(fields=["claim_status"], name="report_claim_idx"),
        ),
        migrations.AddIndex(
            model_name="heritagesite",
            index=models.Index(fields=["-updated_at", "-id"], name="site_upd_id_idx"),
        ),
        migrations.AddIndex(
            model_name="intervention",
            index=models.Index(fields=["-updated_at", "-id"], name="intervention_upd_id_idx"),
        ),
        migrations.AddIndex(
            model_name="mediaitem",
            index=models.Index(fields=["-updated_at", "-id"], name="media_upd_id_idx"),
        ),
        migrations.AddIndex(
            model_name="mediapair",
            index=models.Index(fields=["-updated_at", "-id"], name="mediapair_upd_id_idx"),
        ),
        migrations.AddIndex(
            model_name="pledgestatuschange",
            index=models.Index(
                fields=["lifecycle", "-updated_at"], name="pledgestatus_life_upd_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="pledgestatuschange",
            index=models.Index(fields=["-updated_at", "-id"], name="pledgestatus_upd_id_idx"),
        ),
        migrations.AddIndex(
            model_name="restorationpledge",
            index=models.Index(fields=["-updated_at", "-id"], name="pledge_upd_id_idx"),
        ),
        migrations.AddIndex(
            model_name="source",
            index=models.Index(fields=["-updated_at", "-id"], name="source_upd_id_idx"),
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
