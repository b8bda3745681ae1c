"""Serializer fields that speak the registry's language: slugs, terms, EDTF bounds."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.core.validators import URLValidator
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


class VisibleManyRelatedField(serializers.ManyRelatedField):
    """A list of related records' slugs without those the caller may not read."""

    def to_representation(self, iterable):
        request = self.context.get("request")
        return [self.child_relation.to_representation(item) for item in iterable if may_read(item, request)]


class RecordSlugField(serializers.SlugRelatedField):
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
            return self.get_queryset().get(slug=data)
        except ObjectDoesNotExist:
            raise serializers.ValidationError(
                _("No %(model)s has the slug “%(value)s”.") % {"model": self.model._meta.verbose_name, "value": data}
            ) from None


class TermField(serializers.SlugRelatedField):
    """A vocabulary term by slug; the error names the vocabulary and where to list it."""

    def __init__(self, vocabulary: str | None = None, **kwargs):
        self.vocabulary = vocabulary
        kwargs.setdefault("slug_field", "slug")
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", Term.objects.filter(vocabulary=vocabulary))
        kwargs.setdefault("help_text", f"Slug of a term of the {vocabulary} vocabulary "
                                       f"(/api/v1/vocabularies/?vocabulary={vocabulary}).")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            return self.get_queryset().get(slug=str(data))
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
