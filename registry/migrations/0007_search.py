"""Search by name in every script (registry/selectors/search.py uses what this makes).

PostgreSQL: the pg_trgm and unaccent extensions, ``registry_fold()`` (the SQL twin
of ``selectors.search.fold``), GIN full-text and trigram indexes on the folded
names and texts of sites, artefacts, their other names and damage reports, and
``registry_tsquery()`` (every word of a query as a prefix), and per kind a
function returning the ids found by words and, for sites and artefacts, one
returning the ids whose names are close in spelling.

SQLite: the FTS5 table ``registry_search`` with triggers that keep it in step
with the same columns, filled from the rows already there.
"""

from django.db import migrations

# Frozen copies of registry.selectors.search's constants as they were when this ran.
FOLD_FROM = "أإآٱةىؤئ"
FOLD_TO = "ااااهيوي"
FOLD_DROP = "".join(chr(c) for c in range(0x064B, 0x0660)) + "\u0670\u0640'’ʿʾ`"
KIND_SITE, KIND_SITE_NAME, KIND_ARTEFACT, KIND_ARTEFACT_NAME, KIND_REPORT = 1, 2, 3, 4, 5

# table, kind, owner column, text columns, column matched by trigrams (None: words only)
SOURCES = [
    ("registry_heritagesite", KIND_SITE, "id", ("name", "description"), "name"),
    ("registry_sitename", KIND_SITE_NAME, "owner_id", ("name",), "name"),
    ("registry_artefact", KIND_ARTEFACT, "id", ("name", "description"), "name"),
    ("registry_artefactname", KIND_ARTEFACT_NAME, "owner_id", ("name",), "name"),
    ("registry_damagereport", KIND_REPORT, "id", ("title", "description"), None),
]


def _sql_literal(text):
    return "'" + text.replace("'", "''") + "'"


POSTGRES_FOLD = f"""
CREATE OR REPLACE FUNCTION registry_fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT lower(translate(public.unaccent('public.unaccent'::regdictionary, value),
                             {_sql_literal(FOLD_FROM + FOLD_DROP)}, {_sql_literal(FOLD_TO)})) $$
"""

# Every word of the folded query, each matched as a prefix ('palm' finds 'palmyra').
POSTGRES_TSQUERY = r"""
CREATE OR REPLACE FUNCTION registry_tsquery(query text) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT to_tsquery('simple', string_agg(quote_literal(word) || ':*', ' & '))
      FROM regexp_split_to_table(registry_fold(query), '\W+') AS word WHERE word <> '' $$
"""


def _pg_document(columns):
    return " || ' ' || ".join(f"registry_fold({column})" for column in columns)


def _pg_words_function(kind, parts):
    """Ids whose folded text holds every word of the query (each as a prefix)."""
    selects = "\n  UNION\n  ".join(
        f"SELECT {owner} FROM {table} "
        f"WHERE to_tsvector('simple', {_pg_document(columns)}) @@ registry_tsquery(query)"
        for table, _k, owner, columns, _trigram in parts
    )
    return _pg_set_function(f"registry_words_{kind}", selects)


def _pg_spelling_function(kind, parts):
    """Ids whose names are close in spelling to the query (pg_trgm word similarity).

    The search asks this only when no word matched. The threshold is set on the
    function, so that “Palmira” still finds “Palmyra (ancient city)”.
    """
    selects = "\n  UNION\n  ".join(
        f"SELECT {owner} FROM {table} WHERE registry_fold({trigram}) %> registry_fold(query)"
        for table, _k, owner, _columns, trigram in parts if trigram
    )
    return _pg_set_function(f"registry_spelling_{kind}", selects, "SET pg_trgm.word_similarity_threshold = 0.5")


def _pg_set_function(name, body, *settings):
    # Index lookups return a few rows: starting parallel workers would cost more than the lookup.
    options = "\n".join(["SET max_parallel_workers_per_gather = 0", *settings])
    return f"""
CREATE OR REPLACE FUNCTION {name}(query text) RETURNS SETOF bigint
LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 100
{options}
AS $$
  {body}
$$
"""


KINDS = {
    "sites": SOURCES[0:2],
    "artefacts": SOURCES[2:4],
    "reports": SOURCES[4:5],
}


def postgres_forwards(schema_editor):
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public")
    schema_editor.execute(POSTGRES_FOLD)
    schema_editor.execute(POSTGRES_TSQUERY, params=None)
    for table, _kind, _owner, columns, trigram in SOURCES:
        schema_editor.execute(
            f"CREATE INDEX {table}_fts_idx ON {table} USING gin (to_tsvector('simple', {_pg_document(columns)}))"
        )
        if trigram:
            schema_editor.execute(
                f"CREATE INDEX {table}_trgm_idx ON {table} USING gin (registry_fold({trigram}) gin_trgm_ops)"
            )
    for kind, parts in KINDS.items():
        schema_editor.execute(_pg_words_function(kind, parts), params=None)
        if any(trigram for *_rest, trigram in parts):
            schema_editor.execute(_pg_spelling_function(kind, parts), params=None)


def postgres_backwards(schema_editor):
    for kind in KINDS:
        schema_editor.execute(f"DROP FUNCTION IF EXISTS registry_words_{kind}(text)")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS registry_spelling_{kind}(text)")
    for table, *_rest in SOURCES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {table}_fts_idx")
        schema_editor.execute(f"DROP INDEX IF EXISTS {table}_trgm_idx")
    schema_editor.execute("DROP FUNCTION IF EXISTS registry_tsquery(text)")
    schema_editor.execute("DROP FUNCTION IF EXISTS registry_fold(text)")


def _sqlite_row(prefix, kind, owner, columns):
    body = " || ' ' || ".join(f"coalesce({prefix}{column}, '')" for column in columns)
    return f"({prefix}id * 8 + {kind}, {kind}, {prefix}{owner}, registry_fold({body}))"


def sqlite_triggers(schema_editor, table, kind, owner, columns):
    """The triggers that keep ``table``'s rows in ``registry_search`` (also used by migration 0015)."""
    insert = "INSERT INTO registry_search (rowid, kind, record_id, body) VALUES "
    delete = f"DELETE FROM registry_search WHERE rowid = old.id * 8 + {kind};"
    new_row = insert + _sqlite_row("new.", kind, owner, columns) + ";"
    watched = ", ".join(sorted({owner, *columns} - {"id"}))
    schema_editor.execute(f"CREATE TRIGGER {table}_search_ai AFTER INSERT ON {table} BEGIN {new_row} END")
    schema_editor.execute(
        f"CREATE TRIGGER {table}_search_au AFTER UPDATE OF {watched} ON {table} BEGIN {delete} {new_row} END"
    )
    schema_editor.execute(f"CREATE TRIGGER {table}_search_ad AFTER DELETE ON {table} BEGIN {delete} END")


def sqlite_forwards(schema_editor):
    schema_editor.execute(
        "CREATE VIRTUAL TABLE registry_search USING fts5("
        "kind UNINDEXED, record_id UNINDEXED, body, tokenize = 'unicode61 remove_diacritics 2')"
    )
    for table, kind, owner, columns, _trigram in SOURCES:
        sqlite_triggers(schema_editor, table, kind, owner, columns)
        body = _sqlite_row("", kind, owner, columns)[1:-1]
        schema_editor.execute(f"INSERT INTO registry_search (rowid, kind, record_id, body) SELECT {body} FROM {table}")


def sqlite_backwards(schema_editor):
    for table, *_rest in SOURCES:
        for suffix in ("ai", "au", "ad"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_search_{suffix}")
    schema_editor.execute("DROP TABLE IF EXISTS registry_search")


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        postgres_forwards(schema_editor)
    elif vendor == "sqlite":
        sqlite_forwards(schema_editor)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        postgres_backwards(schema_editor)
    elif vendor == "sqlite":
        sqlite_backwards(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0012_read_path_indexes"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
