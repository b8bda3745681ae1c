"""Damage reports at a million rows: lists by date and by title, and search by a common
word with a rare one.

- The API pages a list by date on the date's lower bound with open bounds replaced by
  a sentinel (``registry.api.pagination.OPEN_BOUND``), the primary key breaking ties.
  On PostgreSQL an index on that very expression reads a page from its top instead of
  sorting every report. (SQLite is sent the sentinel as a parameter, which an index
  on an expression cannot match.)
- Lists by title, pages and API alike, sort by title and then by primary key.
- ``registry_words_reports()`` (migration 0007) looked up every word of a query in the
  full-text index. A word found in most reports (“report” in “report 99999”) is a
  prefix matching a large part of the index, and PostgreSQL reads all of it before
  it keeps the few rows the other word allows. The function now asks the index's
  statistics which words are common; when a query holds a common word and a rare one,
  it reads the rare word's rows (if there are at most a few hundred) and keeps those
  holding every word. Otherwise, and when there are no statistics yet, it searches
  as before. Either way it finds the same rows.
"""

from django.db import migrations, models

DATE_INDEX = "report_life_datekey_idx"
# Frozen copy of registry.api.pagination.OPEN_BOUND.
OPEN_BOUND = -(10**12)
# A word in at least this share of the reports is common; the rare word's rows are
# read first only if there are at most this many.
COMMON_SHARE = 0.01
RARE_ROWS = 500

REPORT_DOCUMENT = "to_tsvector('simple', registry_fold(title) || ' ' || registry_fold(description))"

# plpgsql, so that each connection plans the lookup in the statistics once.
RARE_WORD = rf"""
CREATE OR REPLACE FUNCTION registry_rare_word(index_name text, query text) RETURNS text
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
AS $$
BEGIN
  RETURN (
    WITH common (lexeme, share) AS (
      SELECT lexeme, share
        FROM pg_stats,
             unnest(most_common_elems::text::text[], most_common_elem_freqs) AS element (lexeme, share)
       WHERE schemaname = current_schema() AND tablename = index_name AND lexeme IS NOT NULL
    ), words (word, share) AS (
      SELECT word, (SELECT coalesce(sum(share), 0) FROM common WHERE starts_with(lexeme, word))
        FROM regexp_split_to_table(registry_fold(query), '\W+') AS word
       WHERE word <> '' AND EXISTS (SELECT 1 FROM common)
    )
    SELECT word FROM words
     WHERE share < {COMMON_SHARE} AND EXISTS (SELECT 1 FROM words WHERE share >= {COMMON_SHARE})
     ORDER BY share, length(word) DESC
     LIMIT 1
  );
END
$$
"""

# The rare word's rows, if few, hold every row found; otherwise the index is asked for
# every word. The text is never folded row by row across the table: the index finds rows.
WORDS_REPORTS = f"""
CREATE OR REPLACE FUNCTION registry_words_reports(query text) RETURNS SETOF bigint
LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 100
SET max_parallel_workers_per_gather = 0
SET enable_seqscan = off
AS $$
  WITH rare (word) AS MATERIALIZED (
    SELECT registry_rare_word('registry_damagereport_fts_idx', query)
  ), candidate AS MATERIALIZED (
    SELECT id, title, description FROM registry_damagereport
     WHERE {REPORT_DOCUMENT} @@ registry_tsquery((SELECT word FROM rare))
     LIMIT {RARE_ROWS + 1}
  ), narrowed (done) AS MATERIALIZED (
    SELECT (SELECT word FROM rare) IS NOT NULL AND (SELECT count(*) FROM candidate) <= {RARE_ROWS}
  )
  SELECT id FROM candidate
   WHERE (SELECT done FROM narrowed) AND {REPORT_DOCUMENT} @@ registry_tsquery(query)
  UNION ALL
  SELECT id FROM registry_damagereport
   WHERE NOT (SELECT done FROM narrowed) AND {REPORT_DOCUMENT} @@ registry_tsquery(query)
$$
"""

# Migration 0007's version.
WORDS_REPORTS_0007 = f"""
CREATE OR REPLACE FUNCTION registry_words_reports(query text) RETURNS SETOF bigint
LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 100
SET max_parallel_workers_per_gather = 0
AS $$
  SELECT id FROM registry_damagereport WHERE {REPORT_DOCUMENT} @@ registry_tsquery(query)
$$
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX {DATE_INDEX} ON registry_damagereport "
        f"(lifecycle, COALESCE(occurred_lower, {OPEN_BOUND}), id)"
    )
    schema_editor.execute(RARE_WORD, params=None)
    schema_editor.execute(WORDS_REPORTS, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(WORDS_REPORTS_0007, params=None)
    schema_editor.execute("DROP FUNCTION IF EXISTS registry_rare_word(text, text)")
    schema_editor.execute(f"DROP INDEX IF EXISTS {DATE_INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0007b_admin_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="damagereport",
            index=models.Index(fields=["lifecycle", "title", "id"], name="report_life_title_idx"),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
