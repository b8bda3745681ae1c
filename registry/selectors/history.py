"""What the public is told about how a record changed.

The public history of a record follows its published versions only: what a
reader could have seen, and when it changed. Each entry gives the date, the
kind of change and the fields that changed, by name, never their values (an
old exact position of a sensitive site stays hidden), with the curator's
optional public note. Who made a change, the internal reason curators give each
other, and bookkeeping fields (version, lifecycle, partner, bounds computed
from dates) are left out; so are versions saved while the record was a draft
or in review, which no reader saw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeAlias, cast

from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.models import Lifecycle, Record

HISTORY_LIMIT = 30

# Editable fields that still say nothing to a reader, or say too much.
INTERNAL_FIELDS = {"id", "slug", "lifecycle", "submitted_by", "is_sensitive"}

Column: TypeAlias = "models.Field[Any, Any]"


class Change(models.TextChoices):
    PUBLISHED = "published", _("First published")
    CHANGED = "changed", _("Changed")
    WITHDRAWN = "withdrawn", _("Withdrawn from publication")
    REPUBLISHED = "republished", _("Published again")


@dataclass(frozen=True)
class HistoryEntry:
    date: datetime
    change: str
    fields: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def change_label(self) -> str:
        return str(Change(self.change).label)


def public_fields(model: type[Record]) -> list[Column]:
    return [f for f in model._meta.concrete_fields if f.editable and f.name not in INTERNAL_FIELDS]


def public_history(record: Record, *, limit: int = HISTORY_LIMIT) -> list[HistoryEntry]:
    """The record's public changes, newest first, at most ``limit`` of them. One query."""
    columns = public_fields(type(record))
    rows = record.history.order_by("history_date", "history_id").values(
        "lifecycle", "history_date", "history_public_note", *(column.attname for column in columns)
    )
    entries: list[HistoryEntry] = []
    shown = None  # the last published version
    withdrawn = False
    for row in rows:
        if row["lifecycle"] != Lifecycle.PUBLISHED:
            if shown is not None and not withdrawn:
                entries.append(HistoryEntry(date=row["history_date"], change=Change.WITHDRAWN))
                withdrawn = True
            continue
        changed: list[Column] = (
            [] if shown is None else [c for c in columns if row[c.attname] != shown[c.attname]]
        )
        note = row["history_public_note"] or ""
        if shown is None:
            change = Change.PUBLISHED
        elif withdrawn:
            change = Change.REPUBLISHED
        elif changed or note:
            change = Change.CHANGED
        else:
            shown = row
            continue  # saved again with nothing a reader would see
        entries.append(
            HistoryEntry(
                date=row["history_date"],
                change=change,
                fields=[c.name for c in changed],
                labels=[str(c.verbose_name) for c in changed],
                note=note,
            )
        )
        shown, withdrawn = row, False
    return entries[::-1][:limit]


# For curators: what a record under review would change in public.


@dataclass
class ReviewDiff:
    """Field by field, the version waiting for review against the version last published."""

    published_on: datetime | None  # None: never published, every filled field is new
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (label, published, pending)
    authors: set[int] = field(default_factory=set)  # who submitted it or changed it since


def review_diffs(model: type[Record], records: list[Record]) -> dict[int, ReviewDiff]:
    """A ``ReviewDiff`` for each record under review; one query, plus one per related kind shown."""
    from registry.workflow import authors_from_versions

    columns = [
        c for c in model._meta.concrete_fields if c.editable and c.name not in ("id", "lifecycle")
    ]
    versions: dict[int, list[dict[str, Any]]] = {record.pk: [] for record in records}
    for row in (
        model.history.filter(id__in=list(versions))
        .order_by("-history_date", "-history_id")
        .values("id", "lifecycle", "history_date", "history_user_id", *(c.attname for c in columns))
    ):
        versions[row["id"]].append(row)
    diffs: dict[int, ReviewDiff] = {}
    stored: dict[int, list[tuple[Column, Any, Any]]] = {}  # (field, published, pending) values
    for record in records:
        rows = versions[record.pk]
        baseline = next((row for row in rows if row["lifecycle"] == Lifecycle.PUBLISHED), None)
        changes: list[tuple[Column, Any, Any]] = []
        stored[record.pk] = changes
        for column in columns:
            pending = getattr(record, column.attname)
            published = baseline[column.attname] if baseline else None
            if baseline is not None and pending == published:
                continue
            if baseline is None and pending in (None, ""):
                continue
            changes.append((column, published, pending))
        diffs[record.pk] = ReviewDiff(
            published_on=baseline["history_date"] if baseline else None,
            authors=authors_from_versions(
                (row["lifecycle"], row["history_user_id"]) for row in rows
            ),
        )
    _display(diffs, stored)
    return diffs


def _display(diffs: dict[int, ReviewDiff], stored: dict[int, list[tuple[Column, Any, Any]]]) -> None:
    """Turn stored values into what a curator reads: labels of choices, names of related records."""
    related: dict[Column, set[Any]] = {}
    for changes in stored.values():
        for column, published, pending in changes:
            if column.is_relation:
                related.setdefault(column, set()).update(
                    v for v in (published, pending) if v is not None
                )
    names = {
        column: cast(type[models.Model], column.related_model)._default_manager.in_bulk(ids)
        for column, ids in related.items()
    }

    def show(column: Column, value: Any) -> str:
        if value is None or value == "":
            return "—"
        if column.is_relation:
            return str(names[column].get(value, value))
        if column.choices:
            return str(dict(column.flatchoices).get(value, value))
        return str(value)

    for pk, diff in diffs.items():
        diff.changes = [
            (str(column.verbose_name), show(column, published), show(column, pending))
            for column, published, pending in stored[pk]
        ]
