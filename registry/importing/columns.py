"""The columns of each kind of record in an import file, template or export.

One list per kind of record serves all three, so a file exported from the
admin imports back as the same records, and the blank template names exactly
the columns the importer reads. Each column is a model field; how a cell is
read follows from the field (a choice, a vocabulary term, another record by
its slug, several of them separated by ``|``, a number, a date, yes/no).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property

from django.db import models
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from registry.models import (
    Artefact,
    Citation,
    DamageEvent,
    DamageReport,
    HeritageSite,
    ImportBatch,
    Lifecycle,
    Record,
    RestorationPledge,
    Source,
    Term,
)
from registry.models.sources import CITATION_TARGETS

LIST_SEPARATOR = "|"
TRUE_WORDS = {"yes", "y", "true", "1", "x"}
FALSE_WORDS = {"no", "n", "false", "0", ""}
# Lifecycle states a new record may be imported in; later steps go through review.
IMPORT_LIFECYCLES = (Lifecycle.DRAFT, Lifecycle.IN_REVIEW, Lifecycle.PUBLISHED)


class CellError(ValueError):
    """A cell that cannot be read; the message names the problem."""


@dataclass(frozen=True)
class Column:
    name: str
    model_field: models.Field | None
    kind: str  # text, choice, term, terms, ref, refs, int, decimal, bool, date, lifecycle, target_type
    required: bool = False
    help: str = ""

    @cached_property
    def vocabulary(self) -> str | None:
        limit = (
            getattr(self.model_field.remote_field, "limit_choices_to", None)
            if self.model_field
            else None
        )
        return (limit or {}).get("vocabulary")

    @cached_property
    def related_model(self) -> type[models.Model] | None:
        return self.model_field.related_model if self.model_field is not None else None

    def choices(self) -> list[tuple[str, str]]:
        if self.kind == "lifecycle":
            return [(value, Lifecycle(value).label) for value in IMPORT_LIFECYCLES]
        if self.kind == "target_type":
            return [(name, name.replace("_", " ")) for name in CITATION_TARGETS]
        if self.kind == "bool":
            return [("yes", _("yes")), ("no", _("no"))]
        if self.kind in ("term", "terms"):
            return list(Term.objects.of(self.vocabulary).active().values_list("slug", "label"))
        if self.kind == "choice":
            return [(str(value), str(label)) for value, label in self.model_field.flatchoices]
        return []


@dataclass(frozen=True)
class RecordSpec:
    """How one kind of record is read from and written to a spreadsheet."""

    record_type: str
    model: type[Record]
    columns: tuple[Column, ...]
    citation_columns: tuple[str, ...] = ()
    # For claims: the column whose source backs the claim when citation_source is empty.
    default_citation_source: str | None = None
    by_name: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "by_name", {column.name: column for column in self.columns})

    @property
    def is_claim(self) -> bool:
        return bool(self.citation_columns)

    @property
    def header(self) -> list[str]:
        return [column.name for column in self.columns]


def _kind(model_field: models.Field) -> str:
    if isinstance(model_field, models.ManyToManyField):
        return "terms" if model_field.related_model is Term else "refs"
    if isinstance(model_field, models.ForeignKey):
        return "term" if model_field.related_model is Term else "ref"
    if model_field.choices:
        return "choice"
    if isinstance(model_field, models.BooleanField):
        return "bool"
    if isinstance(model_field, (models.IntegerField,)):
        return "int"
    if isinstance(model_field, models.DecimalField):
        return "decimal"
    if isinstance(model_field, models.DateField):
        return "date"
    return "text"


def _required(model_field: models.Field) -> bool:
    return not model_field.blank and not model_field.has_default()


def _help(model_field: models.Field, kind: str) -> str:
    text = str(model_field.help_text or model_field.verbose_name)
    if kind in ("refs", "terms"):
        text += " " + _("Several values separated by “%(sep)s”.") % {"sep": LIST_SEPARATOR}
    if kind in ("ref", "refs") and model_field.related_model is model_field.model:
        text += " " + _(
            "The slug of an existing %(model)s, or the slug a row above in this file gives one."
        ) % {"model": model_field.related_model._meta.verbose_name}
    elif kind in ("ref", "refs"):
        text += " " + _("The slug of an existing %(model)s.") % {
            "model": model_field.related_model._meta.verbose_name
        }
    return text.strip()


def build_columns(model: type[Record], names: list[str]) -> tuple[Column, ...]:
    slug_help = _("Leave empty for a new record; the slug of an existing record to change it.")
    columns = [Column("slug", model._meta.get_field("slug"), "text", help=slug_help)]
    for name in names:
        model_field = model._meta.get_field(name)
        kind = _kind(model_field)
        columns.append(
            Column(name, model_field, kind, _required(model_field), _help(model_field, kind))
        )
    columns.append(
        Column(
            "lifecycle",
            model._meta.get_field("lifecycle"),
            "lifecycle",
            help=_("draft (default), in_review or published, for new records."),
        )
    )
    return tuple(columns)


def _citation_columns(model: type[Record]) -> tuple[Column, ...]:
    return (
        Column(
            "citation_source",
            Citation._meta.get_field("source"),
            "ref",
            help=_("Slug of the source backing this claim (a new record needs one)."),
        ),
        Column(
            "citation_quote",
            Citation._meta.get_field("quote"),
            "text",
            help=_("Short quoted phrase."),
        ),
        Column(
            "citation_locator",
            Citation._meta.get_field("locator"),
            "text",
            help=_("Paragraph, page or timestamp."),
        ),
    )


DAMAGE = ["cause_category", "cause_type", "effects", "severity", "extent"]
QUANTITY = ["quantity", "quantity_precision", "quantity_phrase"]


def _claim(
    record_type: str, model: type[Record], names: list[str], default_source: str | None = None
) -> RecordSpec:
    base = build_columns(model, names)
    citations = _citation_columns(model)
    return RecordSpec(
        record_type, model, base + citations, tuple(c.name for c in citations), default_source
    )


def _citation_spec() -> RecordSpec:
    columns = list(
        build_columns(Citation, ["source", "quote", "locator", "speaker", "stance", "note"])
    )
    target_help = _("Kind of record cited: %(kinds)s.") % {"kinds": ", ".join(CITATION_TARGETS)}
    columns[2:2] = [
        Column("target_type", None, "target_type", True, target_help),
        Column("target", None, "text", True, _("Slug of the cited record.")),
    ]
    return RecordSpec(ImportBatch.RecordType.CITATIONS, Citation, tuple(columns))


T = ImportBatch.RecordType
SPECS: dict[str, RecordSpec] = {
    T.SITES: RecordSpec(
        T.SITES,
        HeritageSite,
        build_columns(
            HeritageSite,
            [
                "name",
                "kind",
                "country",
                "latitude",
                "longitude",
                "location_certainty",
                "is_sensitive",
                "parent",
                "description",
            ],
        ),
    ),
    T.ARTEFACTS: RecordSpec(
        T.ARTEFACTS,
        Artefact,
        build_columns(
            Artefact,
            [
                "name",
                "site",
                "kind",
                "parent",
                "is_movable",
                "is_group",
                "made",
                "materials",
                *QUANTITY,
                "description",
            ],
        ),
    ),
    T.SOURCES: RecordSpec(
        T.SOURCES,
        Source,
        build_columns(
            Source,
            [
                "title",
                "kind",
                "publisher",
                "author",
                "published",
                "url",
                "accessed_on",
                "archive_url",
                "language",
                "reliability",
                "relays",
                "description",
            ],
        ),
    ),
    T.DAMAGE_EVENTS: _claim(
        T.DAMAGE_EVENTS,
        DamageEvent,
        ["title", "sites", "artefacts", "occurred", *DAMAGE, "description"],
    ),
    T.DAMAGE_REPORTS: _claim(
        T.DAMAGE_REPORTS,
        DamageReport,
        [
            "title",
            "source",
            "damage_event",
            "sites",
            "artefacts",
            "occurred",
            "observed",
            "certainty",
            "claim_status",
            *DAMAGE,
            *QUANTITY,
            "description",
        ],
        default_source="source",
    ),
    T.PLEDGES: _claim(
        T.PLEDGES,
        RestorationPledge,
        [
            "title",
            "pledger",
            "beneficiary",
            "action",
            "sites",
            "artefacts",
            "pledged",
            "target",
            "amount",
            "currency",
            "conditions",
            "description",
        ],
    ),
    T.CITATIONS: _citation_spec(),
}

SPEC_BY_MODEL: dict[type[models.Model], RecordSpec] = {spec.model: spec for spec in SPECS.values()}


def citation_field_for(model: type[models.Model]) -> str:
    """The foreign key through which a citation backs a record of ``model``."""
    return next(
        name for name in CITATION_TARGETS if Citation._meta.get_field(name).related_model is model
    )


def split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]


def _choice_value(column: Column, text: str, choice_map: dict[str, str]) -> str:
    value = choice_map.get(text.casefold())
    if value is None:
        allowed = ", ".join(choice_map_values(choice_map))
        raise CellError(
            _("“%(value)s” is not one of the allowed values: %(allowed)s.")
            % {"value": text, "allowed": allowed}
        )
    return value


def choice_map_values(choice_map: dict[str, str]) -> list[str]:
    return sorted(set(choice_map.values()))


def choice_map(column: Column) -> dict[str, str]:
    """Allowed spellings of a choice (its value or its label, any case) → stored value."""
    mapping: dict[str, str] = {}
    for value, label in column.choices():
        mapping[str(label).casefold()] = value
    for value, _label in column.choices():
        mapping[str(value).casefold()] = value
    return mapping


def read_scalar(column: Column, text: str, choices: dict[str, str] | None):
    """The Python value of one cell that is not a reference; raise CellError if unreadable."""
    kind = column.kind
    if kind in ("choice", "lifecycle", "target_type"):
        if not text:
            return None
        return _choice_value(column, text, choices or {})
    if kind == "bool":
        word = text.casefold()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise CellError(_("“%(value)s” is not yes or no.") % {"value": text})
    if not text:
        return None if kind in ("int", "decimal", "date") else ""
    if kind == "int":
        try:
            return int(Decimal(text)) if Decimal(text) == int(Decimal(text)) else _raise_int(text)
        except (InvalidOperation, ValueError):
            raise CellError(_("“%(value)s” is not a whole number.") % {"value": text}) from None
    if kind == "decimal":
        try:
            return Decimal(text)
        except InvalidOperation:
            raise CellError(_("“%(value)s” is not a number.") % {"value": text}) from None
    if kind == "date":
        parsed = parse_date(text[:10]) if len(text) >= 10 else None
        if parsed is None:
            raise CellError(_("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": text})
        return parsed
    return text


def _raise_int(text: str):
    raise ValueError(text)
