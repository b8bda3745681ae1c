"""What an import keeps while it runs, and what it finds out about each row."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, NamedTuple

from django.db import models
from django.db.models import signals
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute

from registry.dates import EDTFField
from registry.importing.columns import Column, RecordSpec, choice_map
from registry.models import Citation, Lifecycle, Record, Source, Term

# References remembered between chunks; beyond this the cache starts again.
MAX_CACHED_REFERENCES = 200_000
WITHDRAWN = (Lifecycle.RETRACTED, Lifecycle.ARCHIVED)
# Verdicts remembered for each field (and readings for each column); beyond this, new values
# are checked every time.
MAX_REMEMBERED_VALUES = 20_000
# Attribute descriptors that store an assigned value as it is, in the instance's __dict__.
PLAIN_DESCRIPTORS = (DeferredAttribute, ForeignKeyDeferredAttribute)


class FieldCheck(NamedTuple):
    """What ``Model.clean_fields()`` reads of one field, looked up once per model."""

    field: models.Field
    name: str
    attname: str
    blank: bool
    empty_values: list
    # Verdicts by value (see _remembered); None for a field checked every time.
    memo: dict[Any, tuple[bool, Any]] | None


class CellReader(NamedTuple):
    """A column that gives a field its value, with what reading its cells needs."""

    column: Column
    name: str
    kind: str
    attname: str
    choices: dict[str, str] | None
    has_default: bool
    blank: bool
    # Readings of scalar cells by text: (True, value) or (False, message).
    memo: dict[str, tuple[bool, Any]] | None


class Blueprint(NamedTuple):
    """How to make a new instance of a model, looked up once per model."""

    attnames: list[str]  # of the concrete fields, in their order
    defaults: list[Any]
    dynamic: list[tuple[int, models.Field]]  # defaults computed for each instance
    plain: frozenset[str]  # the attnames
    # Whether the fields' attributes store what they are given as it is, and no pre_init or
    # post_init receiver waits to see the instance made.
    direct: bool


def _remembered(field: models.Field) -> bool:
    """Whether a field's verdicts are kept by value: values that repeat from row to row
    (scales, terms, dates, numbers, flags, short phrases such as a quote or a locator),
    checked by the value alone. Long free text is checked every time, and so are the
    text fields of other packages, whose checks this module does not know."""
    if field.choices or isinstance(field, EDTFField):
        return True
    if isinstance(field, models.TextField):
        return False
    if isinstance(field, models.CharField):
        return type(field).__module__.startswith("django.")
    return True


def _descriptor(model: type[models.Model], attname: str):
    for klass in model.__mro__:
        if attname in vars(klass):
            return vars(klass)[attname]
    return None


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
        self._checks: dict[type[models.Model], list[FieldCheck]] = {}
        self._blueprints: dict[type[models.Model], Blueprint] = {}
        self.readers = [
            CellReader(
                column,
                column.name,
                column.kind,
                column.model_field.attname,
                self.choices.get(column.name),
                column.model_field.has_default(),
                column.model_field.blank,
                None if column.kind in ("text", "term", "terms", "ref", "refs") else {},
            )
            for column in spec.columns
            if column.model_field is not None
            and column.name not in spec.citation_columns
            and column.name != "slug"
        ]
        self.reference_columns = [c for c in spec.columns if c.kind in ("ref", "refs")]
        self.fk_names = frozenset(
            f.name for f in spec.model._meta.concrete_fields if isinstance(f, models.ForeignKey)
        )
        # A record's link to another of its kind is checked too: a site cannot be part of itself.
        self.linked_fields = frozenset(
            spec.by_name[name].model_field.name for name in self.self_columns
        )
        # Of a claim's citation, only the quoted phrase and the locator come from the file.
        self.citation_excluded = frozenset(
            {f.name for f in Citation._meta.fields} - {"quote", "locator"}
        )

    def field_checks(self, model: type[models.Model]) -> list[FieldCheck]:
        """The fields ``clean_fields()`` checks, in its order."""
        if model not in self._checks:
            self._checks[model] = [
                FieldCheck(
                    f,
                    f.name,
                    f.attname,
                    f.blank,
                    f.empty_values,
                    {} if _remembered(f) else None,
                )
                for f in model._meta.fields
                if not f.generated and not f.auto_created
            ]
        return self._checks[model]

    def _blueprint(self, model: type[models.Model]) -> Blueprint:
        if model not in self._blueprints:
            fields = model._meta.concrete_fields
            self._blueprints[model] = Blueprint(
                [field.attname for field in fields],
                [field.get_default() for field in fields],
                [
                    (i, field)
                    for i, field in enumerate(fields)
                    if field.has_default() and callable(field.default)
                ],
                frozenset(field.attname for field in fields),
                not signals.pre_init.has_listeners(model)
                and not signals.post_init.has_listeners(model)
                and all(
                    type(_descriptor(model, field.attname)) in PLAIN_DESCRIPTORS for field in fields
                ),
            )
        return self._blueprints[model]

    def new_instance(self, model: type[models.Model], values: dict[str, Any]) -> models.Model:
        """``model(**values)``, as ``Model.__init__`` would make it.

        When no receiver waits for the model's init signals and every attribute
        set stores what it is given as it is, the values go straight into the
        instance's ``__dict__``, which is all that ``__init__`` would do with them.
        """
        blueprint = self._blueprint(model)
        args = list(blueprint.defaults)
        for index, field in blueprint.dynamic:
            args[index] = field.get_default()
        if blueprint.direct and blueprint.plain.issuperset(values):
            instance = model.__new__(model)
            state = instance.__dict__
            state["_state"] = ModelState()
            state.update(zip(blueprint.attnames, args, strict=True))
            state.update(values)
            return instance
        instance = model(*args)  # the quicker positional constructor Django uses for rows it reads
        for name, value in values.items():
            setattr(instance, name, value)
        return instance

    def edtf_fields_of(self, model: type[models.Model]) -> list[EDTFField]:
        return [c.field for c in self.field_checks(model) if isinstance(c.field, EDTFField)]

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
