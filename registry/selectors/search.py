"""Search by name, in every script, the one way pages, API and admin search.

Sites and artefacts are found by their preferred name, by every other name they
carry (Arabic, French, transliterations…) and by their description; damage
reports by their title and description, and by the names of the sites and
artefacts they are about.

Both sides of a comparison are *folded* first: lower case, Latin accents and
Arabic short vowels removed, the forms of alef, teh marbuta and alef maksura
made one, apostrophes and ayn/hamza signs dropped. “Ḥalab”, “halab” and “Qal'at”
then meet “Halab” and “Qalat”, and “أثرية” meets “اثرية”.

- PostgreSQL: full-text search (``simple`` configuration, GIN indexes) for whole
  words and word prefixes; when no word matches, pg_trgm word similarity (GIN
  trigram indexes) for names spelt another way (“Palmira”, “Tadmor” for
  “Palmyra”, “Tadmur”). The SQL functions and indexes are made by migration
  0007; ``registry_fold()`` there is the SQL twin of :func:`fold`. Reports are
  many: when a query holds a word most of them contain and a rare one, the rare
  word's few reports are read first and those holding every word kept
  (migration 0013), rather than reading the common word's part of the index.
  When every word is common, so that a tenth of the reports hold them, there is
  no rare word to start from, and collecting and sorting all the rows found
  costs far more than reading the reports in the page's own order and keeping
  those that match until the page is full (``ReportWordsMatch``, a condition the
  database checks row by row or answers from its indexes, as it judges best);
  the index's statistics say when to offer it (``_worth_walking``).
- SQLite: an FTS5 table, ``registry_search``, kept up to date by triggers, with
  every word of the query matched as a prefix.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.db import connections
from django.db.models import BigAutoField, BooleanField, Exists, F, Func, Lookup, OuterRef, Q, QuerySet, Value
from django.db.models.expressions import RawSQL

Q_T = TypeVar("Q_T", bound=QuerySet[Any])

# What folding maps or drops, shared with the SQL function registry_fold().
FOLD_FROM = "أإآٱةىؤئ"
FOLD_TO = "ااااهيوي"
# Arabic short vowels and signs, tatweel, and the apostrophes and half rings that
# stand for ayn and hamza in transliterations.
FOLD_DROP = "".join(chr(c) for c in range(0x064B, 0x0660)) + "\u0670\u0640'’ʿʾ`"
_FOLD_TABLE = str.maketrans(FOLD_FROM, FOLD_TO, FOLD_DROP)

# FTS5 rows are keyed rowid = id * 8 + kind, so a trigger finds its row at once.
KIND_SITE, KIND_SITE_NAME, KIND_ARTEFACT, KIND_ARTEFACT_NAME, KIND_REPORT = 1, 2, 3, 4, 5
_WORD = re.compile(r"\w+")


@BigAutoField.register_lookup
class InArray(Lookup):  # type: ignore[type-arg]
    """``pk__in_array=subquery``: PostgreSQL's ``pk = ANY(ARRAY(subquery))``.

    Unlike ``IN (subquery)``, whose size the planner guesses (a word it has no
    statistics for counts as thousands of rows, and a million-row table is then
    scanned to join them), the array is computed first and its ids read by
    primary key.
    """

    lookup_name = "in_array"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if not rhs.startswith("("):
            rhs = f"({rhs})"
        return f"{lhs} = ANY(ARRAY{rhs})", [*lhs_params, *rhs_params]


def _matching(queryset: Q_T, ids: Any) -> Q_T:
    """Rows of ``queryset`` whose id is among ``ids`` (a subquery)."""
    if _vendor(queryset) == "postgresql":
        return queryset.filter(pk__in_array=ids)
    return queryset.filter(pk__in=ids)


def fold(text: str) -> str:
    """``text`` as it is compared: see the module's description."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD_TABLE))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare).translate(_FOLD_TABLE).lower()


def fts5_query(text: str) -> str:
    """An FTS5 query matching every word of ``text`` as a prefix; empty if none."""
    return " ".join(f'"{word}"*' for word in _WORD.findall(fold(text)))


def install_sqlite_fold(sender: object, connection: Any, **kwargs: object) -> None:
    """Give each SQLite connection ``registry_fold()``, which the FTS5 triggers call."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("registry_fold", 1, _fold_or_none, deterministic=True)


def _fold_or_none(text: str | None) -> str | None:
    return None if text is None else fold(text)


def _vendor(queryset: QuerySet[Any]) -> str:
    return connections[queryset.db].vendor


# Kinds whose names are also matched by spelling, by a function of migration 0007.
POSTGRES_SPELLING = {"sites", "artefacts"}


def _postgres_ids(kind: str, text: str) -> RawSQL:
    """Ids found by whole words and word prefixes; only if there are none, by spelling."""
    if kind not in POSTGRES_SPELLING:
        return RawSQL(f"SELECT registry_words_{kind}(%s)", [text])
    return RawSQL(
        f"WITH words (id) AS MATERIALIZED (SELECT registry_words_{kind}(%s)) SELECT id FROM words "
        f"UNION ALL SELECT registry_spelling_{kind}(%s) WHERE NOT EXISTS (SELECT 1 FROM words)",
        [text, text],
    )


def _ids(queryset: QuerySet[Any], kind: str, text: str) -> RawSQL:
    """The ids of the rows of one kind (sites, artefacts, reports) that ``text`` finds."""
    if _vendor(queryset) == "postgresql":
        return _postgres_ids(kind, text)
    kinds = {
        "sites": (KIND_SITE, KIND_SITE_NAME),
        "artefacts": (KIND_ARTEFACT, KIND_ARTEFACT_NAME),
        "reports": (KIND_REPORT, KIND_REPORT),
    }[kind]
    return RawSQL(
        "SELECT record_id FROM registry_search WHERE registry_search MATCH %s AND kind IN (%s, %s)",
        [fts5_query(text), *kinds],
    )


def _searchable(queryset: QuerySet[Any], text: str) -> bool:
    return _vendor(queryset) in ("postgresql", "sqlite") and bool(_WORD.search(fold(text)))


def _contains(queryset: Q_T, text: str, *fields: str) -> Q_T:
    """The fallback for other databases: a plain ``icontains`` over names and text."""
    names = queryset.model._meta.get_field("names").related_model
    other = names.objects.filter(owner=OuterRef("pk"), name__icontains=text)
    condition = Q(Exists(other))
    for field in fields:
        condition |= Q(**{f"{field}__icontains": text})
    return queryset.filter(condition)


def search_sites(queryset: Q_T, text: str) -> Q_T:
    """Sites of ``queryset`` whose names or description ``text`` finds."""
    if not _WORD.search(fold(text)):
        return queryset.none()
    if not _searchable(queryset, text):
        return _contains(queryset, text, "name", "description")
    return _matching(queryset, _ids(queryset, "sites", text))


def _related(public: bool) -> tuple[QuerySet[Any], QuerySet[Any]]:
    """The sites and artefacts whose names may find other records."""
    from registry.models import Artefact, HeritageSite

    if public:
        return HeritageSite.objects.published(), Artefact.objects.published()
    return HeritageSite.objects.all(), Artefact.objects.all()


def search_artefacts(queryset: Q_T, text: str, *, public: bool = True) -> Q_T:
    """Artefacts of ``queryset`` found by their names or description, or by their site's names.

    With ``public`` (the default) only published sites lend their names; the
    admin passes ``public=False``.
    """
    from registry.models import Artefact

    if not _WORD.search(fold(text)):
        return queryset.none()
    sites, _artefacts = _related(public)
    if not _searchable(queryset, text):
        at_site = Q(site__in=search_sites(sites, text).values("pk"))
        return _contains(queryset, text, "name", "description") | queryset.filter(at_site)
    named_sites = _matching(sites, _ids(queryset, "sites", text)).values("pk")
    own = _matching(Artefact.objects.order_by(), _ids(queryset, "artefacts", text)).values("pk")
    at_sites = Artefact.objects.filter(site__in=named_sites).order_by().values("pk")
    return _matching(queryset, own.union(at_sites, all=True))


class ReportWordsMatch(Func):
    """Whether a report's own text holds every word of ``text``, as the full-text index sees it.

    The document is written exactly as migration 0007 indexed it, so that the planner
    judges the condition by that index's statistics; the columns are the query's own,
    so the expression stays right inside subqueries and joins.
    """

    output_field = BooleanField()

    def __init__(self, text: str):
        super().__init__(F("title"), F("description"), Value(text))

    def as_sql(
        self, compiler: Any, connection: Any, function: str | None = None, template: str | None = None,
        arg_joiner: str | None = None, **extra_context: Any,
    ) -> tuple[str, list[Any]]:
        (title, title_params), (description, description_params), (query, query_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        return (
            f"to_tsvector('simple', registry_fold({title}) || ' ' || registry_fold({description}))"
            f" @@ registry_tsquery({query})",
            [*title_params, *description_params, *query_params],
        )


# A page's rows and the one more that says whether there is another page.
PAGE_ROWS = 51
# How long a process trusts what it read of the index's statistics (they change on ANALYZE).
STATISTICS_SECONDS = 300
_statistics: dict[str, tuple[float, dict[str, float], float]] = {}
_reading_everything: ContextVar[bool] = ContextVar("reading_everything", default=False)


@contextmanager
def reading_everything() -> Iterator[None]:
    """Searches built within are read to the end (an export), never a page: the index
    collects their matches, since walking would read every report to find them all."""
    token = _reading_everything.set(True)
    try:
        yield
    finally:
        _reading_everything.reset(token)


def forget_statistics() -> None:
    """Read the index's statistics again on the next search (after an ANALYZE, say)."""
    _statistics.clear()


def _report_statistics(alias: str) -> tuple[dict[str, float], float]:
    """The most common words of the reports' full-text index with the share of reports
    holding each, and how many reports the table holds, as the last ANALYZE saw them."""
    entry = _statistics.get(alias)
    if entry is not None and entry[0] > time.monotonic():
        return entry[1], entry[2]
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs, c.reltuples"
            " FROM pg_class c LEFT JOIN pg_stats s ON s.schemaname = current_schema()"
            " AND s.tablename = 'registry_damagereport_fts_idx'"
            " WHERE c.oid = 'registry_damagereport'::regclass"
        )
        row = cursor.fetchone()
    words, shares, rows = row if row else (None, None, 0)
    common = dict(zip(words or (), shares or (), strict=False))  # the shares end with three summary figures
    _statistics[alias] = (time.monotonic() + STATISTICS_SECONDS, common, max(float(rows or 0), 0.0))
    return common, max(float(rows or 0), 0.0)


def _worth_walking(queryset: QuerySet[Any], text: str) -> bool:
    """Whether reading reports in page order, keeping those ``text`` finds, beats collecting all of them.

    The share ``s`` of reports holding every word is estimated from the index's most
    common words (each word a prefix, the words taken as independent). Collecting reads
    about ``s·n`` rows of ``n``, and the walk about ``PAGE_ROWS / s`` before a page is full:
    the walk wins once ``s²·n`` passes ``PAGE_ROWS`` (measured at a million reports, a row
    costs either way about the same: two common words holding one report in a hundred
    took 208 ms walked, 311 ms collected; one word in a tenth, 84 ms and 1,096 ms). A word
    missing from the statistics is rare, and the index then finds its few rows at once.
    Filters that make the walk long are not known here: the walked form leaves the planner
    free to collect through the indexes instead (see ``search_reports``).
    """
    words = _WORD.findall(fold(text))
    if not words or _reading_everything.get() or _vendor(queryset) != "postgresql":
        return False
    common, rows = _report_statistics(queryset.db)
    if not common:
        return False
    share = 1.0
    for word in words:
        share *= min(1.0, sum(value for lexeme, value in common.items() if lexeme.startswith(word)))
    return share * share * rows >= PAGE_ROWS


def search_reports(queryset: Q_T, text: str, *, public: bool = True) -> Q_T:
    """Reports of ``queryset`` found by their own text or by a name of their sites or artefacts.

    With ``public`` (the default) only published sites and artefacts lend their
    names; the admin passes ``public=False``.
    """
    from registry.models import DamageReport

    if not _WORD.search(fold(text)):
        return queryset.none()
    sites, artefacts = _related(public)
    if not _searchable(queryset, text):
        found = Q(title__icontains=text) | Q(description__icontains=text)
        found |= Q(sites__in=search_sites(sites, text).values("pk"))
        found |= Q(artefacts__in=search_artefacts(artefacts, text, public=public).values("pk"))
        return queryset.filter(pk__in=DamageReport.objects.filter(found).values("pk"))
    named_sites = _matching(sites, _ids(queryset, "sites", text)).values("pk")
    named_artefacts = _matching(artefacts, _ids(queryset, "artefacts", text)).values("pk")
    by_site = DamageReport.sites.through.objects.filter(heritagesite__in=named_sites)
    by_artefact = DamageReport.artefacts.through.objects.filter(artefact__in=named_artefacts)
    if _worth_walking(queryset, text):
        # Both sides of the OR are indexed (the full-text index, the primary key for the
        # array), so where other filters make the walk long (a severity few of the reports
        # have, a country across a join) the planner can still collect through the indexes.
        linked = by_site.values("damagereport_id").union(by_artefact.values("damagereport_id"), all=True)
        return queryset.filter(Q(ReportWordsMatch(text)) | Q(pk__in_array=linked))
    own = _matching(DamageReport.objects.order_by(), _ids(queryset, "reports", text)).values("pk")
    # UNION ALL: an id found twice is matched once all the same, and removing duplicates
    # among the hundred thousand reports a common word finds took half the search's time.
    matching = own.union(
        by_site.values("damagereport_id"), by_artefact.values("damagereport_id"), all=True
    )
    return _matching(queryset, matching)
