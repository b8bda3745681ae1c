"""One FilterSet per list, shared by the public pages and the API.

Dates are compared against the stored EDTF bounds: a record matches a range
when its own span overlaps it, and an open end of the record's span overlaps
everything on that side.
"""

from __future__ import annotations

import django_filters as filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from registry.dates import day_key_from_text, parse_moment
from registry.models import (
    Actor, Artefact, Certainty, Citation, ClaimStatus, DamageEvent, DamageReport, Extent, HeritageSite,
    Intervention, PledgeStatus, RestorationPledge, Severity, Source, Term,
)
from registry.selectors import visibility


class EDTFDayField(forms.CharField):
    """Cleans "2015", "2015-08" or "-0099" to a day key; bad input is a form error."""

    def __init__(self, *args, upper: bool = False, **kwargs):
        self.upper = upper
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return day_key_from_text(value, upper=self.upper) if value else None


class MomentField(forms.CharField):
    """An ISO 8601 date-time; one that no database can hold is a form error, not a crash."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        moment = parse_moment(value.replace(" ", "+"))
        if moment is None:
            raise forms.ValidationError(_("Give an ISO 8601 date-time with a UTC offset under a day, "
                                          "e.g. 2016-03-27T00:00:00Z."), code="invalid")
        return moment


@extend_schema_field(OpenApiTypes.DATETIME)
class MomentFilter(filters.Filter):
    field_class = MomentField


@extend_schema_field(OpenApiTypes.STR)
class EDTFDateFilter(filters.Filter):
    """Keeps records whose EDTF span overlaps the given side of a date range.

    ``date_from`` keeps records ending on or after it, ``date_to`` those
    beginning on or before it; a record with an open end on that side stays.
    """

    field_class = EDTFDayField

    def __init__(self, *args, bound: str, upper: bool, **kwargs):
        self.bound, self.upper = bound, upper
        kwargs.setdefault("help_text", _("A year, year-month or full date; e.g. 2015, 2015-08, -0099."))
        super().__init__(*args, upper=upper, **kwargs)

    def filter(self, qs, value):
        if value is None:
            return qs
        field, lookup = (f"{self.bound}_lower", "lte") if self.upper else (f"{self.bound}_upper", "gte")
        return qs.filter(Q(**{f"{field}__{lookup}": value}) | Q(**{f"{field}__isnull": True}))


class RelatedSlugFilter(filters.CharFilter):
    """Records related to the one with this slug, if the reader may see it.

    A slug the reader may not see (a draft, another partner's submission)
    matches nothing, exactly as a slug that does not exist: the answer must not
    tell which slugs exist. ``parts`` also matches records about a site's parts.
    """

    def __init__(self, *args, model, parts: bool = False, **kwargs):
        self.related_model, self.parts = model, parts
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        reader = getattr(self.parent, "reader", visibility.PUBLIC)
        related = visibility.matching_slug(self.related_model, value, reader)
        if not self.parts:
            qs = qs.filter(**{f"{self.field_name}__in": related})
            return qs.distinct() if self.distinct else qs
        # A part counts only if the reader may see it too.
        parts = visibility.visible(self.related_model._default_manager.filter(parent__in=related), reader)
        field = qs.model._meta.get_field(self.field_name)
        if not field.many_to_many:
            return qs.filter(Q(**{f"{self.field_name}__in": related}) | Q(**{f"{self.field_name}__in": parts}))
        # One lookup in the link table's index: an OR across the join with DISTINCT reads
        # the whole link table.
        links = field.remote_field.through._default_manager
        own, other = field.m2m_field_name(), field.m2m_reverse_field_name()
        # The site and its parts are a handful of rows: read them first, so that the planner
        # sees the ids themselves and picks the link table's index.
        ids = [*related.values_list("pk", flat=True), *parts.values_list("pk", flat=True)]
        return qs.filter(pk__in=links.filter(**{f"{other}__in": ids}).values(own))


class FixedChoices(BaseChoiceIterator):
    """Choices fixed once and for all, which copies of a form share.

    Every filtered request builds its FilterSet and form by deep-copying their
    fields; copying the 250 countries and the lazily translated labels each time
    was most of what building them cost.
    """

    def __init__(self, choices):
        self.choices = tuple(tuple(choice) for choice in choices)

    def __iter__(self):
        return iter(self.choices)

    def __deepcopy__(self, memo):
        return self


COUNTRY_CHOICES = FixedChoices(countries)


def term_filter(field_name: str, vocabulary: str, label: str) -> filters.ModelChoiceFilter:
    return filters.ModelChoiceFilter(
        field_name=field_name, label=label, to_field_name="slug",
        queryset=Term.objects.filter(vocabulary=vocabulary),
    )


def without_distinct(queryset: QuerySet, base: QuerySet) -> QuerySet:
    """The rows of a DISTINCT ``queryset`` as ``base`` rows whose key is in it.

    Filters across a many-to-many (a report's sites, their country) need
    DISTINCT, and DISTINCT over a join makes the database sort every matching
    row before it can hand back the first page. Asking for ``pk IN (...)``
    instead gives the same rows, and lets the database walk the list's order
    from an index and stop after one page.
    """
    if not queryset.query.distinct:
        return queryset
    keys = queryset.order_by().values("pk")
    keys.query.distinct = False
    rows = base.filter(pk__in=keys)
    return rows.order_by(*queryset.query.order_by) if queryset.query.order_by else rows


class RecordFilterSet(filters.FilterSet):
    # Whose eyes slug filters match related records with; the API sets the caller's.
    reader = visibility.PUBLIC

    q = filters.CharFilter(method="search", label=_("Search"))
    updated_since = MomentFilter(
        field_name="updated_at", lookup_expr="gt", label=_("Changed after (ISO 8601 date-time)"),
    )

    def search(self, queryset, name, value):
        return queryset.search(value) if value else queryset

    def filter_queryset(self, queryset):
        # Pages, downloads and the API alike: a filter across a many-to-many never sorts all it finds.
        return without_distinct(super().filter_queryset(queryset), queryset)


class HeritageSiteFilter(RecordFilterSet):
    country = filters.ChoiceFilter(choices=COUNTRY_CHOICES, label=_("Country"))
    kind = term_filter("kind", Term.Vocabulary.SITE_KIND, _("Kind"))
    designation = term_filter("designations__kind", Term.Vocabulary.DESIGNATION, _("Designation"))
    parent = RelatedSlugFilter(field_name="parent", model=HeritageSite, label=_("Part of (slug)"))
    ordering = filters.OrderingFilter(fields=(("name", "name"), ("country", "country"), ("updated_at", "updated")))

    class Meta:
        model = HeritageSite
        fields = ["q", "country", "kind", "designation", "parent", "updated_since"]


class ArtefactFilter(RecordFilterSet):
    site = RelatedSlugFilter(field_name="site", model=HeritageSite, label=_("Site (slug)"))
    kind = term_filter("kind", Term.Vocabulary.ARTEFACT_KIND, _("Kind"))
    material = term_filter("materials", Term.Vocabulary.MATERIAL, _("Material"))
    is_movable = filters.BooleanFilter(label=_("Movable"))
    date_from = EDTFDateFilter(bound="made", upper=False, label=_("Made from"))
    date_to = EDTFDateFilter(bound="made", upper=True, label=_("Made until"))
    ordering = filters.OrderingFilter(fields=(("name", "name"), ("made_lower", "date"), ("updated_at", "updated")))

    class Meta:
        model = Artefact
        fields = ["q", "site", "kind", "material", "is_movable", "date_from", "date_to", "updated_since"]


class DamageFilterMixin(filters.FilterSet):
    site = RelatedSlugFilter(field_name="sites", model=HeritageSite, parts=True, label=_("Site (slug)"))
    country = filters.ChoiceFilter(field_name="sites__country", choices=COUNTRY_CHOICES, label=_("Country"), distinct=True)
    severity = filters.ChoiceFilter(choices=FixedChoices(Severity.choices), label=_("Severity"))
    extent = filters.ChoiceFilter(choices=FixedChoices(Extent.choices), label=_("Extent"))
    cause = filters.CharFilter(method="by_cause", label=_("Cause (category or type slug)"))
    date_from = EDTFDateFilter(bound="occurred", upper=False, label=_("Damaged from"))
    date_to = EDTFDateFilter(bound="occurred", upper=True, label=_("Damaged until"))

    def by_cause(self, queryset, name, value):
        return queryset.filter(Q(cause_category__slug=value) | Q(cause_type__slug=value)) if value else queryset


class DamageEventFilter(DamageFilterMixin, RecordFilterSet):
    ordering = filters.OrderingFilter(fields=(("occurred_lower", "date"), ("title", "title"), ("updated_at", "updated")))

    class Meta:
        model = DamageEvent
        fields = ["q", "site", "country", "severity", "extent", "cause", "date_from", "date_to", "updated_since"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value)) if value else queryset


class DamageReportFilter(DamageFilterMixin, RecordFilterSet):
    claim_status = filters.ChoiceFilter(choices=FixedChoices(ClaimStatus.choices), label=_("Claim status"))
    certainty = filters.ChoiceFilter(choices=FixedChoices(Certainty.choices), label=_("Certainty"))
    source = RelatedSlugFilter(field_name="source", model=Source, label=_("Source (slug)"))
    event = RelatedSlugFilter(field_name="damage_event", model=DamageEvent, label=_("Damage event (slug)"))
    artefact = RelatedSlugFilter(field_name="artefacts", model=Artefact, label=_("Artefact (slug)"))
    ordering = filters.OrderingFilter(fields=(("occurred_lower", "date"), ("title", "title"), ("updated_at", "updated")))

    class Meta:
        model = DamageReport
        fields = [
            "q", "site", "country", "severity", "extent", "cause", "claim_status", "certainty",
            "source", "event", "artefact", "date_from", "date_to", "updated_since",
        ]


class RestorationPledgeFilter(RecordFilterSet):
    site = RelatedSlugFilter(field_name="sites", model=HeritageSite, parts=True, label=_("Site (slug)"))
    status = filters.ChoiceFilter(choices=FixedChoices(PledgeStatus.choices), label=_("Pledge status"))
    pledger = RelatedSlugFilter(field_name="pledger", model=Actor, label=_("Pledged by (slug)"))
    action = term_filter("action", Term.Vocabulary.PLEDGE_ACTION, _("Promised action"))
    date_from = EDTFDateFilter(bound="pledged", upper=False, label=_("Pledged from"))
    date_to = EDTFDateFilter(bound="pledged", upper=True, label=_("Pledged until"))
    ordering = filters.OrderingFilter(fields=(
        ("pledged_lower", "date"), ("target_upper", "target"), ("title", "title"), ("updated_at", "updated"),
    ))

    class Meta:
        model = RestorationPledge
        fields = ["q", "site", "status", "pledger", "action", "date_from", "date_to", "updated_since"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value)) if value else queryset


class SourceFilter(RecordFilterSet):
    kind = term_filter("kind", Term.Vocabulary.SOURCE_KIND, _("Kind"))
    publisher = RelatedSlugFilter(field_name="publisher", model=Actor, label=_("Publisher (slug)"))
    language = filters.CharFilter(label=_("Language"))
    reliability = filters.ChoiceFilter(choices=FixedChoices(Source._meta.get_field("reliability").choices), label=_("Reliability"))
    date_from = EDTFDateFilter(bound="published", upper=False, label=_("Published from"))
    date_to = EDTFDateFilter(bound="published", upper=True, label=_("Published until"))
    ordering = filters.OrderingFilter(fields=(("published_lower", "date"), ("title", "title"), ("updated_at", "updated")))

    class Meta:
        model = Source
        fields = ["q", "kind", "publisher", "language", "reliability", "date_from", "date_to", "updated_since"]


class ActorFilter(RecordFilterSet):
    kind = filters.ChoiceFilter(choices=FixedChoices(Actor.Kind.choices), label=_("Kind"))
    ordering = filters.OrderingFilter(fields=(("name", "name"), ("updated_at", "updated")))

    class Meta:
        model = Actor
        fields = ["q", "kind", "updated_since"]


class CitationFilter(RecordFilterSet):
    source = RelatedSlugFilter(field_name="source", model=Source, label=_("Source (slug)"))
    speaker = RelatedSlugFilter(field_name="speaker", model=Actor, label=_("Speaking (slug)"))
    stance = filters.ChoiceFilter(choices=FixedChoices(Citation.Stance.choices), label=_("Stance"))

    class Meta:
        model = Citation
        fields = ["q", "source", "speaker", "stance", "updated_since"]

    def search(self, queryset, name, value):
        return queryset.filter(quote__icontains=value) if value else queryset


class InterventionFilter(RecordFilterSet):
    site = RelatedSlugFilter(field_name="sites", model=HeritageSite, label=_("Site (slug)"), distinct=True)
    kind = term_filter("kind", Term.Vocabulary.INTERVENTION_KIND, _("Kind"))
    date_from = EDTFDateFilter(bound="date", upper=False, label=_("Done from"))
    date_to = EDTFDateFilter(bound="date", upper=True, label=_("Done until"))

    class Meta:
        model = Intervention
        fields = ["q", "site", "kind", "date_from", "date_to", "updated_since"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value)) if value else queryset
