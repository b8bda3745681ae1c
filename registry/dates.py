"""Uncertain dates in the Extended Date/Time Format (EDTF, Library of Congress).

A date is kept as the EDTF string a curator typed ("2015", "2015-08~",
"2015-08-27/2015-09-02", "-0099/-0001") together with two integer bounds, so
that records sort and filter in the database.  Python's ``datetime.date``
cannot hold years before 1, so the bounds are *day keys*:
``year * 10000 + month * 100 + day``.  The key grows with time for BCE years as
well (``-0099-12-31`` → ``-988769`` < ``-0098-01-01`` → ``-979899``), which is
all that sorting and range filters need.  An open or unknown end of an
interval (``2015/..``, ``../2015``, ``2015/``) has no bound: ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from edtf import parse_edtf
from edtf.parser.edtf_exceptions import EDTFParseException
from edtf.parser.parser_classes import Level1Interval, UnspecifiedIntervalSection
from datetime import UTC

EDTF_EXAMPLES = "2015, 2015-08~, 2016-03-27?, 2015/.., 2015-08-27/2015-09-02, -0099/-0001"


@dataclass(frozen=True)
class EDTFBounds:
    lower: int | None
    upper: int | None


def day_key(year: int, month: int = 1, day: int = 1) -> int:
    """The sortable integer for one calendar day, BCE years included."""
    return year * 10000 + month * 100 + day


def day_key_from_text(value: str, *, upper: bool = False) -> int:
    """Day key of an ISO-like date ("2015", "2015-08", "2015-08-27", "-0099").

    Used by filters: a bare year or month stands for its first day, or for its
    last day when ``upper`` is set.
    """
    bounds = edtf_bounds(value)
    key = bounds.upper if upper else bounds.lower
    if key is None:
        raise ValidationError(_("“%(value)s” is not a date."), params={"value": value})
    return key


def format_day_key(key: int | None) -> str:
    """ISO-like text for a day key; floor division keeps BCE years right."""
    if key is None:
        return ""
    year, month_day = divmod(key, 10000)
    month, day = divmod(month_day, 100)
    sign = "-" if year < 0 else ""
    return f"{sign}{abs(year):04d}-{month:02d}-{day:02d}"


def _section_key(section, *, upper: bool) -> int | None:
    if isinstance(section, UnspecifiedIntervalSection):
        return None
    parts = section.upper_strict() if upper else section.lower_strict()
    return day_key(parts.tm_year, parts.tm_mon, parts.tm_mday)


@lru_cache(maxsize=4096)
def _parse(value: str):
    return parse_edtf(value)


@lru_cache(maxsize=4096)
def _bounds(value: str) -> EDTFBounds | str:
    """The bounds of a stripped, non-empty ``value``, or the code of what is wrong with it.

    Remembered by text: an import reads the same few dates on many rows.
    """
    try:
        parsed = _parse(value)
    except EDTFParseException:
        return "unparsed"
    if isinstance(parsed, Level1Interval):
        bounds = EDTFBounds(
            _section_key(parsed.lower, upper=False), _section_key(parsed.upper, upper=True)
        )
    else:
        bounds = EDTFBounds(_section_key(parsed, upper=False), _section_key(parsed, upper=True))
    if bounds.lower is not None and bounds.upper is not None and bounds.lower > bounds.upper:
        return "reversed"
    return bounds


def edtf_bounds(value: str) -> EDTFBounds:
    """Parse ``value`` and return its bounds; raise ValidationError if invalid."""
    value = (value or "").strip()
    if not value:
        return EDTFBounds(None, None)
    bounds = _bounds(value)
    if isinstance(bounds, EDTFBounds):
        return bounds
    if bounds == "unparsed":
        raise ValidationError(
            _("“%(value)s” is not a valid EDTF date. Examples: %(examples)s."),
            code="invalid_edtf",
            params={"value": value, "examples": EDTF_EXAMPLES},
        )
    raise ValidationError(
        _("“%(value)s” ends before it starts."), code="invalid_edtf", params={"value": value}
    )


def validate_edtf(value: str) -> None:
    edtf_bounds(value)


class EDTFField(models.CharField):
    """An EDTF string whose bounds live in two integer fields of the same model.

    The bounds are computed in ``Model.clean()`` (see ``EDTFModelMixin``), which
    every service and admin form runs before saving.
    """

    def __init__(self, *args, lower_field: str, upper_field: str, **kwargs):
        self.lower_field = lower_field
        self.upper_field = upper_field
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("help_text", _("EDTF date, e.g. %(examples)s") % {"examples": EDTF_EXAMPLES})
        super().__init__(*args, **kwargs)
        self.validators.append(validate_edtf)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["lower_field"] = self.lower_field
        kwargs["upper_field"] = self.upper_field
        return name, path, args, kwargs


class EDTFModelMixin:
    """Fills the bound fields of every EDTFField when the model is cleaned."""

    def set_edtf_bounds(self) -> None:
        for field in self._meta.concrete_fields:
            if isinstance(field, EDTFField):
                try:
                    bounds = edtf_bounds(getattr(self, field.attname))
                except ValidationError:
                    continue  # clean_fields() reports it against the field itself
                setattr(self, field.lower_field, bounds.lower)
                setattr(self, field.upper_field, bounds.upper)

    def clean(self) -> None:
        super().clean()
        self.set_edtf_bounds()


def parse_moment(text: str):
    """An aware UTC date-time from ISO 8601 text, or None for text that is not one.

    Naive times are taken as UTC. A UTC offset of a day or more, or one that
    moves the moment outside years 1–9999, makes no date-time either.
    """

    from django.utils import timezone
    from django.utils.dateparse import parse_datetime

    try:
        moment = parse_datetime(text.strip())
        if moment is None:
            return None
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, UTC)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
