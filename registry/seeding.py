"""Load the curated seed records in ``seeds/`` into the registry.

Seed files are YAML mappings whose sections (``actors``, ``sources``, ``sites``,
``artefacts``, ``events``, ``attributions``, ``reports``, ``pledges``) list
records keyed by slug; records refer to each other, and to vocabulary terms,
by slug only. Every write goes through ``registry.services`` so that seeds
obey the same rules as a curator's edits, and every record ends published.

Loading is idempotent: a record whose stored values already match its seed
entry is not saved again, so a second run adds no history and bumps no
version. Loading is also all-or-nothing: the first invalid entry aborts the
run with a ``SeedError`` naming the file, the record and the field.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import models, transaction

from registry import services
from registry.models import (
    Actor, Artefact, Attribution, Citation, DamageEvent, DamageReport, Designation,
    ExternalIdentifier, HeritageSite, Lifecycle, Record, RestorationPledge, Source, Term,
)
from registry.models.sources import CITATION_TARGETS
from registry.vocabularies import load_terms

SEEDS_DIR = Path(settings.BASE_DIR) / "seeds"

# A citation quotes a short phrase, never a passage: the project must not
# republish the documents it cites.
QUOTE_MAX_WORDS = 12

# Keys of a seed entry that are not fields of its model but nested lists.
NESTED_KEYS = {"slug", "citations", "names", "designations", "identifiers", "status_changes"}
# Fields the registry sets itself; a seed entry may not choose them.
RESERVED_FIELDS = {"id", "slug", "lifecycle", "submitted_by"}


@dataclass(frozen=True)
class Section:
    key: str
    model: type[Record]
    label: str


# In loading order: a record may refer only to records of earlier sections,
# or to earlier entries of its own section.
SECTIONS = (
    Section("actors", Actor, "actor"),
    Section("sources", Source, "source"),
    Section("sites", HeritageSite, "site"),
    Section("artefacts", Artefact, "artefact"),
    Section("events", DamageEvent, "damage event"),
    Section("attributions", Attribution, "attribution"),
    Section("reports", DamageReport, "damage report"),
    Section("pledges", RestorationPledge, "restoration pledge"),
)
SECTION_KEYS = [section.key for section in SECTIONS]


class SeedError(Exception):
    """An invalid seed entry; the message says where, for the curator to fix."""


@dataclass
class SeedEntry:
    path: Path
    reason: str
    data: dict[str, Any]


@dataclass
class SeedSummary:
    """How many rows of each kind the run created, updated or left unchanged."""

    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    terms_changed: int = 0

    def add(self, label: str, outcome: str, number: int = 1) -> None:
        self.counts[label][outcome] += number

    def total(self, outcome: str) -> int:
        return sum(counter[outcome] for counter in self.counts.values())

    def lines(self) -> list[str]:
        def line(counter) -> str:
            return ", ".join(f"{counter[o]} {o}" for o in ("created", "updated", "unchanged"))

        totals = Counter({o: self.total(o) for o in ("created", "updated", "unchanged")})
        rows = [f"Seeds: {line(totals)} ({self.terms_changed} vocabulary terms created or updated)."]
        rows += [f"  {label}: {line(counter)}" for label, counter in sorted(self.counts.items())]
        return rows


def load_seeds(*, root: Path = SEEDS_DIR, user=None) -> SeedSummary:
    """Create or update every record described under ``root``; all or nothing."""
    entries = read_seed_files(root)
    summary = SeedSummary()
    with transaction.atomic():
        summary.terms_changed = load_terms(Term)
        for section in SECTIONS:
            for entry in entries[section.key]:
                with _located(entry, section):
                    _load_entry(section, entry, summary, user)
    return summary


def read_seed_files(root: Path) -> dict[str, list[SeedEntry]]:
    """Every entry of every ``*.yaml`` file under ``root``, grouped by section."""
    if not root.is_dir():
        raise SeedError(f"{root}: no such seed directory")
    entries: dict[str, list[SeedEntry]] = defaultdict(list)
    for path in sorted(root.rglob("*.yaml")):
        shown = f"{root.name}/{path.relative_to(root).as_posix()}"
        try:
            content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as error:
            raise SeedError(f"{shown}: not valid YAML: {error}") from None
        if not isinstance(content, dict):
            raise SeedError(f"{shown}: expected sections {', '.join(SECTION_KEYS)}")
        for key, items in content.items():
            if key not in SECTION_KEYS:
                raise SeedError(f"{shown}: unknown section “{key}”; expected one of {', '.join(SECTION_KEYS)}")
            for index, data in enumerate(items or []):
                if not isinstance(data, dict) or not data.get("slug"):
                    raise SeedError(f"{shown}: {key}[{index}] needs a slug")
                entries[key].append(SeedEntry(path=Path(shown), reason=f"Loaded from {shown}", data=data))
    return entries


@contextmanager
def _located(entry: SeedEntry, section: Section) -> Iterator[None]:
    """Turn a validation error into a message naming file, record and field."""
    try:
        yield
    except ValidationError as error:
        where = f"{entry.path}: {section.label} “{entry.data['slug']}”"
        if hasattr(error, "error_dict"):
            problems = [
                f"{'record' if name == NON_FIELD_ERRORS else f'field “{name}”'}: {' '.join(messages)}"
                for name, messages in error.message_dict.items()
            ]
        else:
            problems = error.messages
        raise SeedError(f"{where}: {'; '.join(problems)}") from None


@contextmanager
def _prefixed(prefix: str) -> Iterator[None]:
    """Report errors of a nested item under its path, e.g. ``citations[1].quote``."""
    try:
        yield
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            raise ValidationError(
                {f"{prefix}.{name}": messages for name, messages in error.message_dict.items()}
            ) from None
        raise ValidationError({prefix: error.messages}) from None


# Turning seed values into model values


def resolve(model: type[models.Model], data: Mapping[str, Any], *, skip=NESTED_KEYS, reserved=RESERVED_FIELDS):
    """Split a seed entry into plain field values and many-to-many targets."""
    values: dict[str, Any] = {}
    m2m: dict[str, list[models.Model]] = {}
    for name, raw in data.items():
        if name in skip:
            continue
        model_field = _seed_field(model, name, reserved)
        if model_field.many_to_many:
            m2m[name] = [_lookup(model_field, item) for item in (raw or [])]
        elif model_field.many_to_one:
            values[name] = None if raw in (None, "") else _lookup(model_field, raw)
        else:
            values[name] = _scalar(model_field, raw)
    return values, m2m


def _seed_field(model: type[models.Model], name: str, reserved) -> models.Field:
    try:
        model_field = model._meta.get_field(name)
    except FieldDoesNotExist:
        raise ValidationError({name: f"{model._meta.verbose_name} has no such field."}) from None
    if (name in reserved or not isinstance(model_field, models.Field)
            or not model_field.editable or model_field.auto_created):
        raise ValidationError({name: "The registry sets this field itself; remove it from the seed."})
    return model_field


def _lookup(model_field: models.Field, slug: Any) -> models.Model:
    target = model_field.related_model
    if target is Term:
        vocabulary = model_field.remote_field.limit_choices_to["vocabulary"]
        found = Term.objects.filter(vocabulary=vocabulary, slug=slug).first()
        if found is None:
            raise ValidationError({model_field.name: f"No term “{slug}” in the {vocabulary} vocabulary."})
        return found
    found = target._default_manager.filter(slug=slug).first()
    if found is None:
        raise ValidationError({
            model_field.name: f"No {target._meta.verbose_name} with slug “{slug}” (is it listed later?)."
        })
    return found


def _scalar(model_field: models.Field, raw: Any) -> Any:
    if raw is None:
        return None if model_field.null else ""
    if isinstance(model_field, models.DecimalField):
        try:
            return Decimal(str(raw))
        except InvalidOperation:
            raise ValidationError({model_field.name: f"“{raw}” is not a number."}) from None
    if isinstance(model_field, models.DateField) and isinstance(raw, str):
        try:
            return datetime.date.fromisoformat(raw)
        except ValueError:
            raise ValidationError({model_field.name: f"“{raw}” is not a YYYY-MM-DD date."}) from None
    if isinstance(model_field, (models.BooleanField, models.IntegerField, models.DateField)):
        return raw
    # YAML reads an unquoted 2015 or 23 as a number; the registry keeps text.
    return str(raw)


def _differs(record: models.Model, values: Mapping[str, Any], m2m: Mapping[str, list]) -> bool:
    for name, value in values.items():
        model_field = record._meta.get_field(name)
        if model_field.many_to_one:
            if getattr(record, model_field.attname) != (value.pk if value is not None else None):
                return True
        elif getattr(record, name) != value:
            return True
    return any(
        set(getattr(record, name).values_list("pk", flat=True)) != {item.pk for item in items}
        for name, items in m2m.items()
    )


# Loading one entry


def _load_entry(section: Section, entry: SeedEntry, summary: SeedSummary, user) -> None:
    data, reason = entry.data, entry.reason
    values, m2m = resolve(section.model, data)
    record = section.model._default_manager.filter(slug=data["slug"]).first()
    target_name = _citation_target_name(section.model)
    citations = _citation_specs(data.get("citations"), prefix=f"cite-{target_name}-{data['slug']}")
    if record is None:
        fields = {"slug": data["slug"], **values}
        if section.model in services.CLAIM_MODELS:
            record = services.claim_create(
                model=section.model, fields=fields, citations=citations, m2m=m2m, user=user,
                reason=reason, lifecycle=Lifecycle.PUBLISHED,
            )
            summary.add("citation", "created", len(citations))
        else:
            record = services.record_create(model=section.model, fields=fields, m2m=m2m, user=user, reason=reason)
            _sync_citations(record, citations, summary, user=user, reason=reason)
            _publish(record, user=user, reason=reason)
        summary.add(section.label, "created")
    else:
        changed = _differs(record, values, m2m)
        if changed:
            services.record_update(record=record, fields=values, m2m=m2m, user=user, reason=reason)
        _sync_citations(record, citations, summary, user=user, reason=reason)
        changed = _publish(record, user=user, reason=reason) or changed
        summary.add(section.label, "updated" if changed else "unchanged")
    _sync_children(record, data, summary, user=user, reason=reason)
    if isinstance(record, RestorationPledge):
        _sync_status_changes(record, data.get("status_changes") or [], summary, user=user, reason=reason)


def _publish(record: Record, *, user, reason: str) -> bool:
    """Publish a draft or in-review record. A curator's retraction or archiving stands."""
    if record.lifecycle in (Lifecycle.DRAFT, Lifecycle.IN_REVIEW):
        services.record_publish(record=record, user=user, reason=reason)
        return True
    return False


def _citation_target_name(model: type[models.Model]) -> str:
    for name in CITATION_TARGETS:
        if Citation._meta.get_field(name).related_model is model:
            return name.replace("_", "-")
    return model._meta.model_name


def _citation_specs(items, *, prefix: str) -> list[dict[str, Any]]:
    """Resolved citation fields; each gets a stable slug from its target and position."""
    specs = []
    for index, item in enumerate(items or []):
        with _prefixed(f"citations[{index}]"):
            if not isinstance(item, dict):
                raise ValidationError("Each citation is a mapping with source, quote, locator, speaker.")
            # The record a citation backs is the entry it is listed under.
            values, _m2m = resolve(Citation, item, skip={"slug"}, reserved={*RESERVED_FIELDS, *CITATION_TARGETS})
            quote = values.get("quote") or ""
            if not quote.strip() or len(quote.split()) > QUOTE_MAX_WORDS:
                raise ValidationError({"quote": f"Quote a short phrase of 1 to {QUOTE_MAX_WORDS} words."})
            if not values.get("locator"):
                raise ValidationError({"locator": "Say where in the source the phrase is, e.g. “para. 3”."})
            specs.append({"slug": item.get("slug") or f"{prefix}-{index + 1}", **values})
    return specs


def _sync_citations(target: Record, specs: list[dict[str, Any]], summary: SeedSummary, *, user, reason: str) -> None:
    for index, spec in enumerate(specs):
        with _prefixed(f"citations[{index}]"):
            values = {name: value for name, value in spec.items() if name != "slug"}
            citation = Citation.objects.filter(slug=spec["slug"]).first()
            if citation is None:
                citation = services.citation_add(target=target, fields=spec, user=user, reason=reason)
                outcome = "created"
            elif citation.target != target:
                raise ValidationError({"slug": f"Citation “{spec['slug']}” already backs {citation.target}."})
            elif _differs(citation, values, {}):
                services.record_update(record=citation, fields=values, user=user, reason=reason)
                outcome = "updated"
            else:
                outcome = "unchanged"
            if _publish(citation, user=user, reason=reason) and outcome == "unchanged":
                outcome = "updated"
            summary.add("citation", outcome)


def _sync_status_changes(pledge: RestorationPledge, items, summary: SeedSummary, *, user, reason: str) -> None:
    """Status changes are matched on (pledge, status, date): they have no natural slug."""
    for index, item in enumerate(items):
        with _prefixed(f"status_changes[{index}]"):
            status, date, note = str(item.get("status", "")), str(item.get("date", "")), item.get("note", "")
            citations = _citation_specs(
                item.get("citations"), prefix=f"cite-pledge-status-{pledge.slug}-{index + 1}"
            )
            change = pledge.status_changes.filter(status=status, date=date).first()
            if change is None:
                services.pledge_record_status(
                    pledge=pledge, status=status, date=date, note=note, citations=citations, user=user,
                    reason=reason, lifecycle=Lifecycle.PUBLISHED,
                )
                summary.add("pledge status change", "created")
                summary.add("citation", "created", len(citations))
                continue
            changed = change.note != note
            if changed:
                services.record_update(record=change, fields={"note": note}, user=user, reason=reason)
            _sync_citations(change, citations, summary, user=user, reason=reason)
            changed = _publish(change, user=user, reason=reason) or changed
            summary.add("pledge status change", "updated" if changed else "unchanged")


# Names, designations and identifiers: plain rows with history, not records.


def _sync_children(record: Record, data: Mapping[str, Any], summary: SeedSummary, *, user, reason: str) -> None:
    for index, item in enumerate(data.get("names") or []):
        with _prefixed(f"names[{index}]"):
            if not hasattr(record, "names"):
                raise ValidationError(f"A {record._meta.verbose_name} has no alternative names.")
            name_model = record.names.model
            lookup = {"owner": record, "language": str(item.get("language", "")), "name": str(item.get("name", ""))}
            values = {"name_type": item.get("name_type", name_model._meta.get_field("name_type").default)}
            summary.add(str(name_model._meta.verbose_name), _sync_row(name_model, lookup, values, user, reason))
    for index, item in enumerate(data.get("designations") or []):
        with _prefixed(f"designations[{index}]"):
            values, _m2m = resolve(Designation, item, skip={"kind", "reference"})
            kind = _lookup(Designation._meta.get_field("kind"), item.get("kind"))
            lookup = {"site": record, "kind": kind, "reference": str(item.get("reference", ""))}
            values = {"since": "", "until": "", "note": "", **values}
            summary.add("designation", _sync_row(Designation, lookup, values, user, reason))
    for index, item in enumerate(data.get("identifiers") or []):
        with _prefixed(f"identifiers[{index}]"):
            owner = "site" if isinstance(record, HeritageSite) else "artefact"
            lookup = {owner: record, "scheme": str(item.get("scheme", "")), "value": str(item.get("value", ""))}
            summary.add("external identifier", _sync_row(ExternalIdentifier, lookup, {}, user, reason))


def _sync_row(model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any], user, reason: str) -> str:
    """Create or update one part of a record, matched on ``lookup``; saved only if it differs."""
    row = model._default_manager.filter(**lookup).first()
    if row is None:
        row, outcome = model(**lookup, **values), "created"
    elif all(getattr(row, name) == value for name, value in values.items()):
        return "unchanged"
    else:
        for name, value in values.items():
            setattr(row, name, value)
        outcome = "updated"
    services.history_save(instance=row, user=user, reason=reason)
    return outcome

