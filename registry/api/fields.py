"""Serializer fields that speak the registry's language: slugs, terms, EDTF bounds."""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ObjectDoesNotExist
from django.core.validators import URLValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS

from registry.dates import format_day_key
from registry.models import Term

from .access import may_read, visible


@extend_schema_field({"type": "string", "pattern": r"^-?\d{4,}-\d{2}-\d{2}$", "nullable": True,
                      "description": "Bound of the EDTF date as YYYY-MM-DD; years before the common era "
                                     "are negative (-0099-01-01). Null when the date is open or unknown."})
class DayKeyField(serializers.ReadOnlyField):
    """A stored day key (see registry.dates) as readable ISO-like text."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return format_day_key(value) or None


def _looked_up(field: Any) -> dict:
    """Rows already read for this request's body, by what was asked: each slug is read once."""
    context = getattr(field.root, "_context", None)
    return context.setdefault("_looked_up", {}) if context is not None else {}


class SlugLookupMixin:
    """Slug fields that read a row once per request, and a list of slugs in one query."""

    def lookup_scope(self) -> tuple:
        # The model of the unfiltered queryset: building the visibility rule only to name it costs more.
        return (cast(Any, self).queryset.model._meta.label,)

    def read_ahead(self, slugs) -> None:
        """Read the rows of ``slugs`` in one query, for the look-ups that follow."""
        found = _looked_up(self)
        scope = self.lookup_scope()
        wanted = {slug for slug in slugs if isinstance(slug, str) and (scope, slug) not in found}
        if wanted:
            for row in cast(Any, self).get_queryset().filter(slug__in=wanted):
                found[(scope, row.slug)] = row

    def lookup(self, slug: str):
        found = _looked_up(self)
        key = (self.lookup_scope(), slug)
        if key not in found:
            found[key] = cast(Any, self).get_queryset().get(slug=slug)
        return found[key]


class ReadAheadManyRelatedField(serializers.ManyRelatedField):
    """A list of slugs, read in one query."""

    def to_internal_value(self, data):
        if isinstance(data, list | tuple):
            self.child_relation.read_ahead(data)
        return super().to_internal_value(data)


class ReadAheadListSerializer(serializers.ListSerializer):
    """Nested items whose slug fields are read in one query for all the items."""

    def to_internal_value(self, data):
        if isinstance(data, list):
            for name, field in self.child.fields.items():
                if isinstance(field, SlugLookupMixin) and not field.read_only:
                    field.read_ahead([item.get(name) for item in data if isinstance(item, dict)])
        return super().to_internal_value(data)


def _slug_fields(fields, item, wanted: dict) -> None:
    """Collect the slugs ``item`` gives to slug fields, by the query that reads them."""
    if not isinstance(item, dict):
        return
    for name, field in fields.items():
        value = item.get(name)
        if field.read_only or value is None:
            continue
        if isinstance(field, serializers.ListSerializer):
            for nested in value if isinstance(value, list) else []:
                _slug_fields(cast(Any, field.child).fields, nested, wanted)
            continue
        values = value if isinstance(field, ReadAheadManyRelatedField) and isinstance(value, list) else [value]
        field = getattr(field, "child_relation", field)
        if isinstance(field, SlugLookupMixin):
            group = "term" if isinstance(field, TermField) else field.lookup_scope()
            wanted.setdefault(group, []).append((field, [v for v in values if isinstance(v, str)]))


def read_ahead(serializer: serializers.Serializer, data) -> None:
    """Read every slug of a request's body at once: a query for each kind of record, one for all terms."""
    wanted: dict = {}
    _slug_fields(serializer.fields, data, wanted)
    found = _looked_up(serializer)
    for group, asked in wanted.items():
        if group != "term":
            asked[0][0].read_ahead([slug for _field, slugs in asked for slug in slugs])
            continue
        by_vocabulary: dict[str, set[str]] = {}
        for field, slugs in asked:
            by_vocabulary.setdefault(field.vocabulary, set()).update(slugs)
        condition = Q()
        for vocabulary, slugs in by_vocabulary.items():
            condition |= Q(vocabulary=vocabulary, slug__in=slugs)
        for term in Term.objects.filter(condition):
            found[(("term", term.vocabulary), term.slug)] = term


class VisibleManyRelatedField(ReadAheadManyRelatedField):
    """A list of related records' slugs without those the caller may not read."""

    def to_representation(self, iterable):
        request = self.context.get("request")
        return [self.child_relation.to_representation(item) for item in iterable if may_read(item, request)]


class RecordSlugField(SlugLookupMixin, serializers.SlugRelatedField):
    """A reference to another record by slug, limited to what the caller may see.

    A partner cannot point at another institution's draft: to it, that draft
    does not exist, and the error says so in the same words as for a typo.
    """

    def __init__(self, model=None, **kwargs):
        self.model = model
        kwargs.setdefault("slug_field", "slug")
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", model._default_manager.all())
        super().__init__(**kwargs)

    @classmethod
    def many_init(cls, *args, **kwargs):
        # As RelatedField.many_init, with the list field that leaves out what the caller may not read.
        list_kwargs = {key: value for key, value in kwargs.items() if key in MANY_RELATION_KWARGS}
        return VisibleManyRelatedField(child_relation=cls(*args, **kwargs), **list_kwargs)

    def get_queryset(self):
        return visible(super().get_queryset(), self.context.get("request"))

    def to_representation(self, obj):
        return obj.slug if may_read(obj, self.context.get("request")) else None

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError(_("Give the slug of a %(model)s as a string.")
                                              % {"model": self.model._meta.verbose_name})
        try:
            return self.lookup(data)
        except ObjectDoesNotExist:
            raise serializers.ValidationError(
                _("No %(model)s has the slug “%(value)s”.") % {"model": self.model._meta.verbose_name, "value": data}
            ) from None


class TermField(SlugLookupMixin, serializers.SlugRelatedField):
    """A vocabulary term by slug; the error names the vocabulary and where to list it."""

    def __init__(self, vocabulary: str | None = None, **kwargs):
        self.vocabulary = vocabulary
        kwargs.setdefault("slug_field", "slug")
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", Term.objects.filter(vocabulary=vocabulary))
        kwargs.setdefault("help_text", f"Slug of a term of the {vocabulary} vocabulary "
                                       f"(/api/v1/vocabularies/?vocabulary={vocabulary}).")
        super().__init__(**kwargs)

    @classmethod
    def many_init(cls, *args, **kwargs):
        list_kwargs = {key: value for key, value in kwargs.items() if key in MANY_RELATION_KWARGS}
        return ReadAheadManyRelatedField(child_relation=cls(*args, **kwargs), **list_kwargs)

    def lookup_scope(self) -> tuple:
        return ("term", self.vocabulary)

    def to_internal_value(self, data):
        try:
            return self.lookup(str(data))
        except ObjectDoesNotExist:
            raise serializers.ValidationError(
                _("“%(value)s” is not a term of the %(vocabulary)s vocabulary; "
                  "see /api/v1/vocabularies/?vocabulary=%(vocabulary)s.")
                % {"value": data, "vocabulary": self.vocabulary}
            ) from None


@extend_schema_field({"type": "string", "nullable": True, "readOnly": True})
class PartnerSlugField(serializers.ReadOnlyField):
    """The slug of the partner institution that submitted a record."""

    def get_attribute(self, instance):
        partner = instance.submitted_by
        return partner.slug if partner else None


class StrictCharField(serializers.CharField):
    """Text only: a number or a boolean where text belongs is an error, not converted."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictSlugField(StrictCharField, serializers.SlugField):
    pass


class StrictEmailField(StrictCharField, serializers.EmailField):
    pass


@extend_schema_field({"type": "string", "pattern": r"^(|[a-zA-Z][a-zA-Z0-9+.-]*://\S+)$",
                      "description": "A URL, or empty when there is none."})
class StrictURLField(StrictCharField):
    """A URL, or blank. Not a URLField subclass: the schema's plain ``format: uri`` would refuse blank."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(URLValidator(message=serializers.URLField.default_error_messages["invalid"]))


class AllowedChoiceField(serializers.ChoiceField):
    """A choice whose error lists the values allowed, so a client can correct itself."""

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError:
            allowed = ", ".join(str(key) for key in self.choices)
            raise serializers.ValidationError(
                _("“%(value)s” is not one of the allowed values: %(allowed)s.") % {"value": data, "allowed": allowed},
                code="invalid_choice",
            ) from None
