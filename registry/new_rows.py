"""New rows written in few queries: checked in Python, inserted with their history.

A claim and its citations are made in one transaction, so much of what
``full_clean()`` and ``save()`` ask the database one row at a time is known
already: related records given as rows read from the database exist, check
constraints on the row's own columns can be decided on its values, and a slug
picked free needs no second look. ``check`` keeps every rule of
``full_clean()`` and asks the database only what it cannot decide; the
database's own constraints still hold the last word. ``insert`` writes the
rows of one model in one INSERT, with their history and many-to-many links in
one more each, as simple-history would have written them one by one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.constraints import CheckConstraint

from registry import condition_entries
from registry.models import DamageReport, Lifecycle

M = TypeVar("M", bound=models.Model)
Errors = dict[str, list[Any]]


# Slugs


def free_slugs(model: type[models.Model], bases: Sequence[str]) -> list[str]:
    """For each base, itself or ``base-N`` with the first N that no row (nor an earlier base) uses.

    One query for all of them, which reads only the slugs a base could clash with.
    """
    wanted = list(dict.fromkeys(bases))
    condition = Q()
    for base in wanted:
        condition |= Q(slug__startswith=base, slug__regex=rf"^{re.escape(base)}(-[0-9]+)?$")
    taken = set(model._default_manager.filter(condition).order_by().values_list("slug", flat=True))
    slugs = []
    for base in bases:
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        taken.add(slug)
        slugs.append(slug)
    return slugs


def taken_slugs(model: type[models.Model], slugs: Iterable[str]) -> set[str]:
    return set(model._default_manager.filter(slug__in=set(slugs)).values_list("slug", flat=True))


# Checks


class _Undecided(Exception):
    """The condition needs the database to be decided."""


def _and(values: list[bool | None]) -> bool | None:
    return False if False in values else (None if None in values else True)


def _or(values: list[bool | None]) -> bool | None:
    return True if True in values else (None if None in values else False)


def _lookup(record: models.Model, name: str, value: Any) -> bool | None:
    field_name, _sep, lookup = name.partition("__")
    field = record._meta.get_field(field_name)
    if not field.concrete or "__" in lookup or lookup not in ("", "exact", "isnull"):
        raise _Undecided
    current = getattr(record, field.attname)  # type: ignore[union-attr]
    if lookup == "isnull":
        return (current is None) == bool(value)
    if value is None:
        return current is None
    if not isinstance(value, str | int | bool) or not isinstance(current, str | int | bool):
        raise _Undecided
    return None if current is None else current == value


def holds(condition: Q, record: models.Model) -> bool | None:
    """``condition`` decided on ``record``'s values as SQL would: None when unknown (NULL).

    Only ``exact`` and ``isnull`` lookups on the row's own columns; anything
    else raises ``_Undecided``.
    """
    values: list[bool | None] = []
    for child in condition.children:
        if isinstance(child, Q):
            values.append(holds(child, record))
        elif isinstance(child, tuple):
            values.append(_lookup(record, *child))
        else:
            raise _Undecided
    if condition.connector == Q.AND:
        result = _and(values)
    elif condition.connector == Q.OR:
        result = _or(values)
    else:
        raise _Undecided
    if result is None:
        return None  # NOT NULL is NULL
    return not result if condition.negated else result


def _known_relations(record: models.Model) -> list[str]:
    """Foreign keys given as rows read from the database, whose ``limit_choices_to`` they meet.

    Those rows exist (nothing is ever deleted, and the database's foreign key
    stands behind this); ``full_clean()`` would read each of them again.
    """
    names = []
    for field in record._meta.concrete_fields:
        if not field.many_to_one or not field.is_cached(record):  # type: ignore[attr-defined]
            continue
        related = field.get_cached_value(record)  # type: ignore[attr-defined]
        if related is None or related._state.adding or related.pk != getattr(record, field.attname):
            continue
        limit = field.get_limit_choices_to()  # type: ignore[attr-defined]
        if not isinstance(limit, Mapping) or any(
            getattr(related, key, _Undecided) != value for key, value in limit.items()
        ):
            continue  # asked of the database, which words the refusal
        names.append(field.name)
    return names


def _constraint_errors(record: models.Model, exclude: set[str]) -> Errors:
    errors: Errors = {}
    for model, constraints in record.get_constraints():
        for constraint in constraints:
            try:
                if isinstance(constraint, CheckConstraint):
                    try:
                        if holds(Q(constraint.condition), record) is False:
                            raise ValidationError(
                                constraint.get_violation_error_message(),
                                code=constraint.violation_error_code,
                            )
                        continue
                    except _Undecided:
                        pass
                constraint.validate(model, record, exclude=exclude)  # type: ignore[attr-defined]
            except ValidationError as error:
                errors = error.update_error_dict(errors)
    return errors


def check(record: models.Model, *, fresh_slug: bool = True) -> Errors:
    """The errors ``full_clean()`` finds in a new ``record``, by field (none: an empty dict).

    With ``fresh_slug`` the slug has just been found free and is not looked up
    again; the slug's unique index refuses it if another transaction took it
    meanwhile. Other unique fields are checked as ``full_clean()`` checks them.
    """
    errors: Errors = {}
    known = set(_known_relations(record))
    try:
        record.clean_fields(exclude=known)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    try:
        record.clean()
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    exclude = set(errors) | ({"slug"} if fresh_slug else set())
    try:
        record.validate_unique(exclude=exclude)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    for name, messages in _constraint_errors(record, set(errors)).items():
        errors.setdefault(name, []).extend(messages)
    return errors


# Inserts


def _history(model: type[models.Model], rows: Sequence[models.Model], *, now: datetime,
             public_note: str = "") -> list[Any]:
    """One "+" entry for each row, as simple-history's post_save would write it."""
    manager = model.history  # type: ignore[attr-defined]
    return list(manager.bulk_history_create(
        rows, default_date=now, custom_historical_attrs={"history_public_note": public_note},
    ))


def _links(record: models.Model, m2m: Mapping[str, Iterable[Any]]) -> dict[str, list[models.Model]]:
    """The link rows of a new record's many-to-many fields, one INSERT for each field."""
    links = {}
    for name, values in m2m.items():
        field = record._meta.get_field(name)
        through = field.remote_field.through  # type: ignore[union-attr]
        own, other = field.m2m_field_name(), field.m2m_reverse_field_name()  # type: ignore[union-attr]
        targets = dict.fromkeys(getattr(value, "pk", value) for value in values)
        rows = [through(**{f"{own}_id": record.pk, f"{other}_id": target}) for target in targets]
        links[name] = through._default_manager.bulk_create(rows) if rows else []
    return links


def _link_history(entry: models.Model, record: models.Model, links: Mapping[str, list[models.Model]]) -> None:
    """The many-to-many values in the record's history entry, as simple-history keeps them."""
    for field in getattr(type(entry), "_history_m2m_fields", []):
        rows = links.get(field.name)
        if not rows:
            continue
        snapshot = getattr(type(entry), field.name).model
        own, other = field.m2m_field_name(), field.m2m_reverse_field_name()
        snapshot._default_manager.bulk_create([
            snapshot(id=row.pk, history=entry, **{f"{own}_id": record.pk,
                                                   f"{other}_id": getattr(row, f"{other}_id")})
            for row in rows
        ])


def insert(
    model: type[M], rows: Sequence[M], *, now: datetime,
    m2m: Mapping[str, Iterable[Any]] | None = None, public_note: str = "",
) -> list[M]:
    """Insert checked new ``rows`` of ``model`` with a history entry each (and, for a single
    row, its many-to-many links, kept in the entry too). Who and why are read from the
    rows' ``_history_user`` and ``_change_reason``, as simple-history reads them on save."""
    if m2m and len(rows) != 1:
        raise ValueError("many-to-many values are given for one row at a time")
    model._default_manager.bulk_create(rows)  # sets their keys, and auto_now dates, as save() does
    entries = _history(model, rows, now=now, public_note=public_note)
    if m2m:
        _link_history(entries[0], rows[0], _links(rows[0], m2m))
    if model is DamageReport:  # written past the signals that keep the condition entries
        condition_entries.refresh([row.pk for row in rows if row.lifecycle == Lifecycle.PUBLISHED], fresh=True)
    return list(rows)
