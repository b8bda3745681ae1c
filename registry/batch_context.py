"""What an import keeps while it runs, and what it finds out about each row."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django.db import models

from registry.dates import EDTFField
from registry.importing.columns import RecordSpec, choice_map
from registry.models import Citation, Lifecycle, Record, Source, Term

# References remembered between chunks; beyond this the cache starts again.
MAX_CACHED_REFERENCES = 200_000
WITHDRAWN = (Lifecycle.RETRACTED, Lifecycle.ARCHIVED)


@dataclass
class RowResult:
    """One row checked: what it will write, or what is wrong with it."""

    row: int
    action: str = ""  # create, update, unchanged, or "" when invalid
    instance: Record | None = None
    m2m: dict[str, list[int]] = dataclass_field(default_factory=dict)
    citation: Citation | None = None
    lifecycle: str = ""  # the lifecycle asked for, applied after writing
    changed: list[str] = dataclass_field(default_factory=list)
    # References to records that rows above in the same file create: column → slugs.
    pending: dict[str, list[str]] = dataclass_field(default_factory=dict)
    errors: list[tuple[str, str]] = dataclass_field(default_factory=list)  # (column, message)

    def error(self, column: str, message: str) -> None:
        self.errors.append((column, str(message)))


@dataclass
class Reference:
    pk: int
    lifecycle: str = ""


class BatchContext:
    """What an import looks up once and keeps while it runs."""

    def __init__(self, spec: RecordSpec, *, may_publish: bool = True):
        self.spec = spec
        # False when a curator imports under the second-curator rule: rows may not publish.
        self.may_publish = may_publish
        self.choices = {
            c.name: choice_map(c)
            for c in spec.columns
            if c.kind in ("choice", "lifecycle", "target_type", "bool")
        }
        self.terms: dict[str, dict[str, int]] = {}
        self.references: dict[type[models.Model], dict[str, Reference]] = defaultdict(dict)
        self.seen_slugs: set[int] = set()
        # Columns naming records of the kind being imported (a site's parent, a source it relays).
        self.self_columns = {
            c.name
            for c in spec.columns
            if c.kind in ("ref", "refs") and c.related_model is spec.model
        }
        # For those: the rows of this file that create a record with a given slug (by its hash),
        # the rows among them with problems, and the slugs the chunk being checked creates.
        self.file_rows: dict[int, int] = {}
        self.invalid_rows: set[int] = set()
        self.chunk_rows: dict[str, int] = {}
        self.constraint_results: dict[tuple, list[str]] = {}
        self.source_states: dict[int, str] = {}
        self.field_results: dict[tuple, tuple[bool, Any]] = {}
        self._fields: dict[type[models.Model], list[models.Field]] = {}
        self._defaults: dict[type[models.Model], tuple[list, list]] = {}
        self.memo_fields: set[models.Field] = set()

    def fields_of(self, model: type[models.Model]) -> list[models.Field]:
        if model not in self._fields:
            fields = [f for f in model._meta.fields if not f.generated and not f.auto_created]
            self._fields[model] = fields
            # Values that repeat from row to row: scales, terms, dates, numbers, flags.
            self.memo_fields.update(
                f
                for f in fields
                if f.choices
                or isinstance(f, EDTFField)
                or not isinstance(f, (models.CharField, models.TextField))
            )
        return self._fields[model]

    def new_instance(self, model: type[models.Model], values: dict[str, Any]) -> models.Model:
        """``model(**values)``, through the quicker positional constructor Django uses for rows it reads."""
        if model not in self._defaults:
            fields = model._meta.concrete_fields
            self._defaults[model] = (
                [field.get_default() for field in fields],
                [
                    (i, field)
                    for i, field in enumerate(fields)
                    if field.has_default() and callable(field.default)
                ],
            )
        defaults, dynamic = self._defaults[model]
        args = list(defaults)
        for index, field in dynamic:
            args[index] = field.get_default()
        instance = model(*args)
        for name, value in values.items():
            setattr(instance, name, value)
        return instance

    def edtf_fields_of(self, model: type[models.Model]) -> list[EDTFField]:
        return [f for f in self.fields_of(model) if isinstance(f, EDTFField)]

    def term_map(self, vocabulary: str) -> dict[str, int]:
        if vocabulary not in self.terms:
            mapping: dict[str, int] = {}
            for pk, slug, label in Term.objects.of(vocabulary).values_list("pk", "slug", "label"):
                mapping[label.casefold()] = pk
                mapping[slug.casefold()] = pk
            self.terms[vocabulary] = mapping
        return self.terms[vocabulary]

    def load_references(self, model: type[models.Model], slugs: set[str]) -> None:
        known = self.references[model]
        if len(known) > MAX_CACHED_REFERENCES:
            known.clear()
        missing = [slug for slug in slugs if slug not in known]
        fields = ["slug", "pk", "lifecycle"] if hasattr(model, "lifecycle") else ["slug", "pk"]
        for start in range(0, len(missing), 5000):
            for values in model._default_manager.filter(
                slug__in=missing[start : start + 5000]
            ).values_list(*fields):
                known[values[0]] = Reference(values[1], values[2] if len(values) > 2 else "")
                if model is Source:
                    self.source_states[values[1]] = values[2]

    def reference(self, model: type[models.Model], slug: str) -> Reference | None:
        return self.references[model].get(slug)

    def remember_row(self, slug: str, result: RowResult) -> None:
        """A row that creates a record with this slug, for the rows below that name it."""
        if not self.self_columns or not slug:
            return
        digest = hash(slug)
        if digest not in self.file_rows:
            self.file_rows[digest] = result.row
            if result.errors:
                self.invalid_rows.add(result.row)

    def file_row(self, slug: str) -> int | None:
        """The row above that creates the record ``slug``, if any."""
        return self.file_rows.get(hash(slug))
