from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from registry.models import Record


@pytest.mark.django_db
def test_models_and_migrations_are_in_step():
    out = io.StringIO()

    call_command("makemigrations", "--check", "--dry-run", stdout=out)

    assert "No changes detected" in out.getvalue()


def _indexes(table: str) -> list[tuple[list[str], bool]]:
    """(columns, unique) of each index of ``table`` as the database has it."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return [
        (info["columns"], bool(info["unique"]))
        for info in constraints.values()
        if (info["index"] or info["unique"]) and info["columns"]
    ]


def _written_tables() -> list[str]:
    """The record tables and their link tables: what imports and the services write."""
    models = [m for m in apps.get_app_config("registry").get_models() if issubclass(m, Record)]
    links = [
        field.remote_field.through._meta.db_table
        for model in models
        for field in model._meta.local_many_to_many
        if field.remote_field.through._meta.auto_created
    ]
    return [m._meta.db_table for m in models] + links


@pytest.mark.django_db
def test_no_written_table_keeps_an_index_that_another_begins_with():
    redundant = []
    for table in _written_tables():
        indexes = _indexes(table)
        leading = {tuple(columns[:1]) for columns, _unique in indexes if len(columns) > 1}
        plain = [columns[0] for columns, unique in indexes if len(columns) == 1 and not unique]
        redundant += [(table, column) for column in plain if (column,) in leading]
        # Twice on one column: PostgreSQL's LIKE index beside the plain one of ``db_index``.
        redundant += [(table, column) for column in set(plain) if plain.count(column) > 1]

    assert redundant == []


@pytest.mark.django_db
def test_every_record_table_is_indexed_by_lifecycle_and_by_its_latest_changes():
    for model in apps.get_app_config("registry").get_models():
        if not issubclass(model, Record):
            continue
        firsts = [columns[0] for columns, _unique in _indexes(model._meta.db_table)]

        assert "lifecycle" in firsts, model
        assert "updated_at" in firsts, model
