"""Batch writes for importers: the rules of ``registry.services``, applied to many rows at once.

A row becomes a model instance and passes the same checks a single write
passes: ``full_clean()`` (field validators, choices, EDTF dates and their
bounds), the model's database constraints, and the services' own rules (a
new claim needs a citation; a published claim cannot rest on a withdrawn
source; a slug is never reused). What differs is only how often the
database is asked: references, vocabulary terms and existing records are
looked up once per chunk of rows instead of once per row, constraint checks
are remembered for the values they were asked about, and rows are written
with ``bulk_create`` together with their history (``registry.batch_write``).

``validate_rows`` writes nothing. ``registry.batch_write.write_rows`` takes
its results and writes them.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from registry import workflow
from registry.batch_context import (
    MAX_REMEMBERED_VALUES,
    WITHDRAWN,
    BatchContext,
    CellReader,
    RowResult,
)
from registry.constraints import check_constraints
from registry.dates import EDTFModelMixin, edtf_bounds
from registry.importing.columns import (
    IMPORT_LIFECYCLES,
    CellError,
    Column,
    RecordSpec,
    citation_field_for,
    read_scalar,
    split_list,
)
from registry.models import Citation, Lifecycle, Record, Source, Term
from registry.models.sources import CITATION_TARGETS


def _cell(raw: dict[str, Any], name: str) -> str:
    value = raw.get(name)
    if type(value) is str:
        return value  # the file readers give stripped text
    return "" if value is None else str(value).strip()


def _target_model(raw: dict[str, Any], spec: RecordSpec) -> type[models.Model] | None:
    target_type = _cell(raw, "target_type").casefold()
    if spec.model is Citation and target_type in CITATION_TARGETS:
        return Citation._meta.get_field(target_type).related_model
    return None


def _preload(context: BatchContext, rows: list[tuple[int, dict[str, Any]]]) -> None:
    """One query per related model for every slug named anywhere in the chunk."""
    wanted: dict[type[models.Model], set[str]] = defaultdict(set)
    for _row, raw in rows:
        for column in context.reference_columns:
            text = _cell(raw, column.name)
            if text:
                if column.kind == "refs":
                    wanted[column.related_model].update(split_list(text))
                else:
                    wanted[column.related_model].add(text)
        target_model = _target_model(raw, context.spec)
        if target_model is not None:
            wanted[target_model].add(_cell(raw, "target"))
    for model, slugs in wanted.items():
        slugs.discard("")
        context.load_references(model, slugs)


def _existing(spec: RecordSpec, rows: list[tuple[int, dict[str, Any]]]) -> dict[str, Record]:
    slugs = {_cell(raw, "slug") for _row, raw in rows} - {""}
    if not slugs:
        return {}
    m2m_names = [f.name for f in spec.model._meta.many_to_many]
    records = spec.model._default_manager.filter(slug__in=slugs).prefetch_related(*m2m_names)
    return {record.slug: record for record in records}


def _read_reference(context: BatchContext, column: Column, text: str, result: RowResult):
    if column.kind in ("term", "terms"):
        pk = context.term_map(column.vocabulary).get(text.casefold())
        if pk is None:
            result.error(
                column.name,
                _("“%(value)s” is not a term of the vocabulary “%(vocabulary)s”.")
                % {"value": text, "vocabulary": Term.Vocabulary(column.vocabulary).label},
            )
        return pk
    reference = context.reference(column.related_model, text)
    if reference is None:
        if column.name in context.self_columns:
            _file_reference(context, column, text, result)
        else:
            result.error(
                column.name,
                _("No %(model)s has the slug “%(value)s”.")
                % {"model": column.related_model._meta.verbose_name, "value": text},
            )
        return None
    return reference.pk


def _file_reference(context: BatchContext, column: Column, text: str, result: RowResult) -> None:
    """A slug not stored yet may name a record that a row above creates; it is written with it."""
    row = context.file_row(text)
    model = column.related_model._meta.verbose_name
    if row is not None and row not in context.invalid_rows:
        result.pending.setdefault(column.name, []).append(text)
    elif row is not None:
        result.error(
            column.name,
            _("Row %(row)s, which creates the %(model)s “%(value)s”, has problems; fix it first.")
            % {"row": row, "model": model, "value": text},
        )
    elif context.chunk_rows.get(text, 0) > result.row:
        result.error(
            column.name,
            _(
                "The %(model)s “%(value)s” is created by row %(row)s, below this one; "
                "move that row above."
            )
            % {"row": context.chunk_rows[text], "model": model, "value": text},
        )
    else:
        result.error(
            column.name,
            _("No %(model)s has the slug “%(value)s”, and no row above creates one.")
            % {"model": model, "value": text},
        )


def _read_scalar(reader: CellReader, text: str) -> tuple[bool, Any]:
    """(True, value) or (False, message) for a cell that is not a reference, remembered by text."""
    memo = reader.memo
    if memo is not None:
        reading = memo.get(text)
        if reading is not None:
            return reading
    try:
        reading = (True, read_scalar(reader.column, text, reader.choices))
    except CellError as error:
        reading = (False, str(error))
    if memo is not None and len(memo) < MAX_REMEMBERED_VALUES:
        memo[text] = reading
    return reading


def _read_cells(context: BatchContext, raw: dict[str, Any], result: RowResult) -> tuple[dict, dict]:
    """Field values and many-to-many ids of one row; unreadable cells become errors."""
    values: dict[str, Any] = {}
    m2m: dict[str, list[int]] = {}
    for reader in context.readers:
        name = reader.name
        if name not in raw:
            continue  # a column left out of the file leaves the field as it is (or its default)
        text = raw[name]
        if type(text) is not str:  # the file readers give stripped text; others may not
            text = _cell(raw, name)
        kind = reader.kind
        if kind == "text":
            values[name] = text
        elif kind in ("term", "ref"):
            values[reader.attname] = (
                _read_reference(context, reader.column, text, result) if text else None
            )
        elif kind in ("terms", "refs"):
            ids = [_read_reference(context, reader.column, part, result) for part in split_list(text)]
            m2m[name] = [pk for pk in ids if pk is not None]
            if not ids and not reader.blank:
                result.error(name, _("This field is required."))
        else:
            readable, value = _read_scalar(reader, text)
            if not readable:
                result.error(name, value)
                continue
            if value is None and reader.has_default:
                value = reader.column.model_field.get_default()  # an empty cell: the usual default
            values[name] = value
    return values, m2m


def _clean_fields(
    context: BatchContext, instance: models.Model, exclude: set[str] | frozenset[str]
) -> dict[str, list[str]]:
    """``Model.clean_fields()``, remembering each field's verdict on each value it has seen.

    A field's checks (type, choices, length, EDTF syntax) depend on the value
    alone; foreign keys, whose check reads the database, are resolved in bulk.
    """
    errors: dict[str, list[str]] = {}
    for check in context.field_checks(type(instance)):
        if check.name in exclude:
            continue
        raw = getattr(instance, check.attname)
        if check.blank and raw in check.empty_values:
            continue
        memo = check.memo
        if memo is not None:
            try:
                verdict = memo.get(raw)
            except TypeError:  # a value that cannot be a key is checked every time
                memo = verdict = None
        else:
            verdict = None
        if verdict is None:
            try:
                verdict = (True, check.field.clean(raw, instance))
            except ValidationError as error:
                verdict = (False, error.messages)
            if memo is not None and len(memo) < MAX_REMEMBERED_VALUES:
                memo[raw] = verdict
        if verdict[0]:
            setattr(instance, check.attname, verdict[1])
        else:
            errors[check.name] = verdict[1]
    return errors


def _model_clean(context: BatchContext, instance: models.Model) -> dict[str, list[str]]:
    """``Model.clean()``; for records that only compute EDTF bounds, the same work without the loop."""
    if type(instance).clean is not EDTFModelMixin.clean:
        try:
            instance.clean()
        except ValidationError as error:
            return error.update_error_dict({})
        return {}
    for field in context.edtf_fields_of(type(instance)):
        try:
            bounds = edtf_bounds(getattr(instance, field.attname))
        except ValidationError:
            continue  # reported by _clean_fields against the field itself
        setattr(instance, field.lower_field, bounds.lower)
        setattr(instance, field.upper_field, bounds.upper)
    return {}


def _full_clean(
    context: BatchContext, instance: Record, result: RowResult, exclude: set[str]
) -> None:
    """``full_clean()``: fields, model rules and constraints; unique slugs are kept by the writer."""
    errors = _clean_fields(context, instance, exclude)
    for name, messages in _model_clean(context, instance).items():
        errors.setdefault(name, []).extend(messages)
    # A record's link to another of its kind is checked too: a site cannot be part of itself.
    for name, messages in check_constraints(
        instance, (exclude - context.linked_fields) | set(errors), memo=context.constraint_results
    ).items():
        errors.setdefault(name, []).extend(messages)
    columns = context.spec.by_name
    for name, messages in errors.items():
        column = (
            name
            if name in columns
            else next(
                (
                    c.name
                    for c in context.spec.columns
                    if c.model_field is not None and c.model_field.attname == name
                ),
                "",
            )
        )
        for message in messages:
            result.error(column, message)


def _changes(instance: Record, values: dict, m2m: dict, existing_m2m: dict) -> list[str]:
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    changed += [
        name for name, ids in m2m.items() if sorted(ids) != sorted(existing_m2m.get(name, []))
    ]
    return changed


def _claim_citation(
    context: BatchContext, raw: dict, instance: Record, result: RowResult, lifecycle: str
):
    spec = context.spec
    source_slug = _cell(raw, "citation_source") or (
        _cell(raw, spec.default_citation_source) if spec.default_citation_source else ""
    )
    if not source_slug:
        result.error("citation_source", _("A claim needs at least one citation: name its source."))
        return None
    reference = context.reference(Source, source_slug)
    if reference is None:
        if _cell(raw, "citation_source"):
            result.error(
                "citation_source", _("No source has the slug “%(value)s”.") % {"value": source_slug}
            )
        return None
    citation = context.new_instance(
        Citation,
        {
            "source_id": reference.pk,
            "quote": _cell(raw, "citation_quote"),
            "locator": _cell(raw, "citation_locator"),
            "lifecycle": lifecycle,
        },
    )
    citation.cited_source_slug = source_slug
    # Only the quoted phrase and the locator come from the file; the rest is set here.
    for name, messages in _clean_fields(context, citation, context.citation_excluded).items():
        result.errors.extend((f"citation_{name}", message) for message in messages)
    if lifecycle == Lifecycle.PUBLISHED and reference.lifecycle in WITHDRAWN:
        result.error(
            "citation_source",
            _("The source “%(source)s” was %(state)s; it cannot back a published claim.")
            % {"source": source_slug, "state": reference.lifecycle},
        )
    return citation


def _citation_target(context: BatchContext, raw: dict, values: dict, result: RowResult) -> None:
    target_type = _cell(raw, "target_type").casefold()
    if target_type not in CITATION_TARGETS:
        result.error(
            "target_type", _("Give one of: %(kinds)s.") % {"kinds": ", ".join(CITATION_TARGETS)}
        )
        return
    model = _target_model(raw, context.spec)
    reference = context.reference(model, _cell(raw, "target"))
    if reference is None:
        result.error(
            "target",
            _("No %(model)s has the slug “%(value)s”.")
            % {"model": model._meta.verbose_name, "value": _cell(raw, "target")},
        )
        return
    values[f"{target_type}_id"] = reference.pk


def _published_sources(
    context: BatchContext, values: dict, result: RowResult, lifecycle: str
) -> None:
    """A published record's own source must not be withdrawn (services._publish_evidence)."""
    if lifecycle != Lifecycle.PUBLISHED or "source_id" not in values or values["source_id"] is None:
        return
    state = context.source_states.get(values["source_id"], "")
    if state in WITHDRAWN:
        result.error(
            "source",
            _("This source was %(state)s; it cannot back a published claim.") % {"state": state},
        )


def _check_slug(context: BatchContext, slug: str, result: RowResult) -> None:
    if not slug:
        return
    digest = hash(slug)
    if digest in context.seen_slugs:
        result.error(
            "slug",
            _("The slug “%(slug)s” appears on an earlier row of this file.") % {"slug": slug},
        )
    context.seen_slugs.add(digest)


def _new_record(context: BatchContext, raw: dict, values: dict, lifecycle: str, result: RowResult):
    spec = context.spec
    result.action = "create"
    instance = context.new_instance(spec.model, values)
    instance.slug = _cell(raw, "slug")
    instance.lifecycle = lifecycle or Lifecycle.DRAFT
    if spec.model is Citation:
        instance.slug_hint = f"{_cell(raw, 'source')}-on-{_cell(raw, 'target')}"
    if spec.is_claim:
        result.citation = _claim_citation(context, raw, instance, result, instance.lifecycle)
    return instance


def _changed_record(
    context: BatchContext,
    instance: Record,
    values: dict,
    m2m: dict,
    lifecycle: str,
    result: RowResult,
):
    existing_m2m = {name: [obj.pk for obj in getattr(instance, name).all()] for name in m2m}
    result.changed = _changes(instance, values, m2m, existing_m2m)
    for name in result.pending:  # a record not written yet is never the stored value
        column = context.spec.by_name[name]
        changed = name if column.kind == "refs" else column.model_field.attname
        if changed not in result.changed:
            result.changed.append(changed)
    for name, value in values.items():
        setattr(instance, name, value)
    moved = lifecycle and lifecycle != instance.lifecycle
    result.action = "update" if result.changed or moved or result.citation else "unchanged"
    return instance


def existing_citations(model: type[Record], pks: list[int]) -> dict[int, set[tuple[int, str]]]:
    """(source, quoted phrase) of every citation of each record, whatever its lifecycle."""
    target = citation_field_for(model) + "_id"
    cited: dict[int, set[tuple[int, str]]] = defaultdict(set)
    for start in range(0, len(pks), 5000):
        for pk, source_id, quote in Citation.objects.filter(
            **{f"{target}__in": pks[start : start + 5000]}
        ).values_list(target, "source_id", "quote"):
            cited[pk].add((source_id, quote))
    return cited


def already_cited(cited: set[tuple[int, str]], citation: Citation) -> bool:
    """The record cites this source with this phrase (or at all, when the row gives no phrase)."""
    if not citation.quote:
        return any(source_id == citation.source_id for source_id, _quote in cited)
    return (citation.source_id, citation.quote) in cited


def _added_citation(
    context: BatchContext,
    raw: dict,
    instance: Record,
    result: RowResult,
    cited: dict[int, set[tuple[int, str]]],
) -> Citation | None:
    """The citation an update row's citation columns add, if the claim does not cite it yet."""
    spec = context.spec
    if not any(_cell(raw, name) for name in spec.citation_columns):
        return None
    if not _cell(raw, "citation_source") and not (
        spec.default_citation_source and _cell(raw, spec.default_citation_source)
    ):
        result.error("citation_source", _("Name the source of this citation."))
        return None
    lifecycle = instance.lifecycle if instance.lifecycle in IMPORT_LIFECYCLES else Lifecycle.DRAFT
    errors = len(result.errors)
    citation = _claim_citation(context, raw, instance, result, lifecycle)
    if citation is None or len(result.errors) > errors:
        return None
    source = context.reference(Source, citation.cited_source_slug)
    if lifecycle == Lifecycle.PUBLISHED and source and source.lifecycle != Lifecycle.PUBLISHED:
        result.error(
            "citation_source",
            _(
                "The source “%(source)s” is not published; publish it before citing it on this published claim."
            )
            % {"source": citation.cited_source_slug},
        )
        return None
    return None if already_cited(cited.get(instance.pk, set()), citation) else citation


def validate_row(
    context: BatchContext,
    row: int,
    raw: dict[str, Any],
    existing: dict[str, Record],
    cited: dict[int, set[tuple[int, str]]] | None = None,
) -> RowResult:
    """Check one row as a single write would be checked; the result says what it would write.

    ``cited`` holds the citations of the existing records the chunk names
    (``existing_citations``), for the citation columns of update rows.
    """
    spec, result = context.spec, RowResult(row=row)
    values, m2m = _read_cells(context, raw, result)
    lifecycle = values.pop("lifecycle", None) or ""
    if spec.model is Citation:
        _citation_target(context, raw, values, result)
    slug = _cell(raw, "slug")
    _check_slug(context, slug, result)
    instance = existing.get(slug)
    creates = instance is None
    if instance is None:
        instance = _new_record(context, raw, values, lifecycle, result)
    else:
        if spec.is_claim:
            result.citation = _added_citation(context, raw, instance, result, cited or {})
        instance = _changed_record(context, instance, values, m2m, lifecycle, result)
    result.lifecycle = lifecycle
    if not creates and lifecycle and lifecycle != instance.lifecycle:
        # A move the lifecycle does not have is this row's error now, before anything of the
        # row is written: found only when the row's other changes were stored, it came too late.
        try:
            workflow.check_shape(record=instance, to=lifecycle)
        except ValidationError as error:
            for message in error.messages:
                result.error("lifecycle", message)
    if lifecycle == Lifecycle.PUBLISHED and not context.may_publish and (
        creates or instance.lifecycle != Lifecycle.PUBLISHED
    ):
        # workflow.check_move: another person publishes what a curator brings in.
        result.error("lifecycle", _(
            "Another curator or a reviewer publishes what you import: give in_review (or draft), "
            "then publish from the review queue."))
    _published_sources(context, values, result, lifecycle or instance.lifecycle)
    exclude = set(context.fk_names)
    if not instance.slug:
        exclude.add("slug")
    # A cell that could not be read keeps its error; full_clean would only repeat it.
    exclude.update(
        spec.by_name[c].model_field.name
        for c, _m in result.errors
        if c in spec.by_name and spec.by_name[c].model_field is not None
    )
    _full_clean(context, instance, result, exclude)
    result.instance, result.m2m = instance, m2m
    if result.errors:
        result.action = ""
    if creates:
        context.remember_row(slug, result)
    return result


def validate_rows(
    *, context: BatchContext, rows: list[tuple[int, dict[str, Any]]]
) -> list[RowResult]:
    """Check a chunk of rows (row number, {column: cell}); nothing is written."""
    spec = context.spec
    _preload(context, rows)
    existing = _existing(spec, rows)
    if context.self_columns:
        context.chunk_rows = {}
        for row, raw in rows:
            slug = _cell(raw, "slug")
            if slug and slug not in existing:
                context.chunk_rows.setdefault(slug, row)
    updated = [
        existing[slug].pk
        for _row, raw in rows
        if (slug := _cell(raw, "slug")) in existing
        and any(_cell(raw, name) for name in spec.citation_columns)
    ]
    cited = existing_citations(spec.model, updated) if updated else {}
    return [validate_row(context, row, raw, existing, cited) for row, raw in rows]
