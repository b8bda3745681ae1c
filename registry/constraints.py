"""A model's check constraints, asked of an unsaved instance without a query when possible.

``CheckConstraint.validate`` sends the condition to the database with the
instance's values (``SELECT 1 WHERE ...``): one query per constraint and per
record. The registry's conditions are simple comparisons of a record's own
fields (``quantity__isnull``, ``latitude__gte``, ``parent=F("pk")``), which
this module evaluates in Python with the database's three-valued logic: a
comparison with NULL is unknown, and, as in the database, a constraint fails
only when its condition is false. Any other condition is asked of the
database as before, once per distinct set of values (the caller remembers).
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

COMPARISONS = {
    "exact": lambda a, b: a == b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}


class Unsupported(Exception):
    """The condition uses something this evaluator does not read; ask the database."""


def _value(instance: models.Model, name: str) -> Any:
    if name == "pk":
        return instance.pk
    return getattr(instance, instance._meta.get_field(name).attname)


def _operand(instance: models.Model, value: Any) -> Any:
    if isinstance(value, F):
        return _value(instance, value.name)
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "resolve_expression"):
        raise Unsupported(value)
    return value


def _lookup(instance: models.Model, name: str, value: Any) -> bool | None:
    field_name, _sep, lookup = name.partition("__")
    lookup = lookup or "exact"
    current = _value(instance, field_name)
    if lookup == "isnull":
        return (current is None) == bool(value)
    if lookup not in COMPARISONS:
        raise Unsupported(name)
    other = _operand(instance, value)
    if current is None or other is None:
        return None
    return COMPARISONS[lookup](current, other)


def evaluate(condition: Q, instance: models.Model) -> bool | None:
    """True, False, or None (unknown) for ``condition`` on ``instance``'s values."""
    results = []
    for child in condition.children:
        if isinstance(child, Q):
            results.append(evaluate(child, instance))
        else:
            results.append(_lookup(instance, *child))
    if condition.connector == Q.AND:
        result = False if False in results else (None if None in results else True)
    else:
        result = True if True in results else (None if None in results else False)
    if condition.negated and result is not None:
        result = not result
    return result


def check_in_python(constraint: models.CheckConstraint, instance: models.Model) -> list[str]:
    """The constraint's error messages for ``instance`` (none when it holds); may raise Unsupported."""
    if evaluate(constraint.condition, instance) is False:
        return [str(constraint.get_violation_error_message())]
    return []


def _reads(condition: Q) -> list[str]:
    """The fields ``evaluate`` reads for ``condition``: its lookups' and its F() operands'."""
    names = []
    for child in condition.children:
        if isinstance(child, Q):
            names += _reads(child)
        else:
            name, value = child
            names.append(name.split("__")[0])
            if isinstance(value, F):
                names.append(value.name)
    return names


def _attname(model: type[models.Model], name: str) -> str:
    return "pk" if name == "pk" else model._meta.get_field(name).attname


# For each model and check constraint: the fields its condition names (the database is asked
# about those), and a getter of the values evaluate() reads.
_FIELDS: dict[tuple[type[models.Model], str], tuple[list[str], attrgetter]] = {}
MAX_REMEMBERED = 100_000


def _fields_of(model: type[models.Model], constraint: models.CheckConstraint):
    key = (model, constraint.name)
    if key not in _FIELDS:
        names = sorted(
            {name.split("__")[0] for name in constraint.condition.referenced_base_fields}
        )
        reads = sorted({_attname(model, name) for name in _reads(constraint.condition)})
        _FIELDS[key] = (names, attrgetter(*reads))
    return _FIELDS[key]


def _in_python(
    model: type[models.Model],
    constraint: models.CheckConstraint,
    instance: models.Model,
    reads: attrgetter,
    memo: dict,
) -> list[str]:
    """``check_in_python``, remembered for the values the condition reads."""
    try:
        key = ("python", model, constraint.name, reads(instance))
        messages = memo.get(key)
    except TypeError:  # a value that cannot be a key: evaluated every time
        return check_in_python(constraint, instance)
    if messages is None:
        messages = check_in_python(constraint, instance)
        if len(memo) < MAX_REMEMBERED:
            memo[key] = messages
    return messages


def check_constraints(
    instance: models.Model, exclude: set[str], *, memo: dict
) -> dict[str, list[str]]:
    """Every check constraint of the instance's model: in Python, or asked of the database
    once per distinct set of values (``memo`` keeps the answers between calls)."""
    errors: dict[str, list[str]] = {}
    model = type(instance)
    for constraint in model._meta.constraints:
        if not isinstance(constraint, models.CheckConstraint):
            continue  # unique slugs are given out by the writer (batch_write.assign_slugs)
        names, reads = _fields_of(model, constraint)
        if not exclude.isdisjoint(names):
            continue
        try:
            messages = _in_python(model, constraint, instance, reads, memo)
        except Unsupported:
            key = (constraint.name, tuple(_value(instance, name) for name in names))
            if key not in memo:
                try:
                    constraint.validate(model, instance, exclude=exclude)
                    memo[key] = []
                except ValidationError as error:
                    memo[key] = error.messages
            messages = memo[key]
        for message in messages:
            errors.setdefault("__all__", []).append(message)
    return errors
