"""The record endpoints of /api/v1/: one viewset per kind of record."""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.renderers import JSONRenderer

from registry import filters as registry_filters
from registry import services
from registry.models import (
    Actor, Artefact, Attribution, Citation, DamageEvent, DamageReport, HeritageSite, Intervention, Lifecycle,
    PledgeParty, PledgeStatusChange, RestorationPledge, Source, Term,
)

from .access import AUTHENTICATION_CLASSES, visible
from .base import RecordViewSet, StrictFilterBackend, citations_prefetch, split_m2m
from .errors import JSONErrorsMixin
from .pagination import RecordCursorPagination
from .renderers import CSVRenderer, GeoJSONRenderer
from .representations import ORJSONRenderer
from . import serializers as s
from .schema import RegistryAutoSchema, CITATION_EXAMPLES, REPORT_EXAMPLES, SITE_EXAMPLE, SOURCE_EXAMPLES, STATUS_EXAMPLES

NAMES = "names"


@extend_schema_view(retrieve=extend_schema(examples=[SITE_EXAMPLE]))
class SiteViewSet(RecordViewSet):
    """Heritage sites. Coordinates of sensitive sites are coarsened except for curators."""

    model = HeritageSite
    serializer_class = s.SiteSerializer
    filterset_class = registry_filters.HeritageSiteFilter
    select = ("kind", "parent")
    prefetch = (NAMES, "designations__kind", "identifiers")
    renderer_classes = [ORJSONRenderer, CSVRenderer, GeoJSONRenderer]
    linked_art = "site_to_linked_art"


class ArtefactViewSet(RecordViewSet):
    model = Artefact
    serializer_class = s.ArtefactSerializer
    filterset_class = registry_filters.ArtefactFilter
    select = ("site", "kind", "parent")
    prefetch = (NAMES, "materials", "identifiers")
    linked_art = "artefact_to_linked_art"


class ActorViewSet(RecordViewSet):
    model = Actor
    serializer_class = s.ActorSerializer
    filterset_class = registry_filters.ActorFilter
    select = ("affiliation",)
    prefetch = (NAMES,)


@extend_schema_view(create=extend_schema(examples=SOURCE_EXAMPLES))
class SourceViewSet(RecordViewSet):
    """Sources. Partners may submit sources; they wait for review."""

    model = Source
    serializer_class = s.SourceSerializer
    filterset_class = registry_filters.SourceFilter
    select = ("kind", "publisher", "author")
    prefetch = ("relays",)
    partner_writable = True


@extend_schema_view(create=extend_schema(examples=CITATION_EXAMPLES))
class CitationViewSet(RecordViewSet):
    """Citations: one source backing one record. Partners may add them to records they can see."""

    model = Citation
    serializer_class = s.CitationSerializer
    filterset_class = registry_filters.CitationFilter
    # What the visibility rule reads of a citation's target, loaded with it.
    select = ("source", "speaker", *s.CITATION_TARGETS, "attribution__actor", "attribution__damage_event",
              "pledge_status__pledge")
    partner_writable = True

    def create_record(self, data: dict, *, partner):
        target = data.pop("target")
        extra = {"submitted_by": partner, "lifecycle": Lifecycle.IN_REVIEW} if partner else {}
        return services.citation_add(target=target, fields=data, user=self.request.user, **extra)

    def update_record(self, record, data: dict, *, version: int):
        data.pop("target", None)  # a citation keeps the record it backs; cite anew instead
        super().update_record(record, data, version=version)


class DamageEventViewSet(RecordViewSet):
    """Damage events, with the attributions of responsibility that curators hold."""

    model = DamageEvent
    serializer_class = s.DamageEventSerializer
    filterset_class = registry_filters.DamageEventFilter
    select = ("cause_category", "cause_type")
    claim = True
    linked_art = "damage_event_to_linked_art"

    def get_prefetches(self):
        attributions = visible(Attribution.objects.select_related("actor"), self.request).prefetch_related(
            citations_prefetch(self.request))
        return [*super().get_prefetches(), "sites", "artefacts", "effects",
                Prefetch("attributions", queryset=attributions)]


@extend_schema_view(create=extend_schema(examples=REPORT_EXAMPLES))
class DamageReportViewSet(RecordViewSet):
    """One source's account of damage. Partners submit reports with their citations."""

    model = DamageReport
    serializer_class = s.DamageReportSerializer
    filterset_class = registry_filters.DamageReportFilter
    select = ("damage_event", "source", "cause_category", "cause_type", "responsible", "retracted_by")
    prefetch = ("sites", "artefacts", "effects")
    claim = True
    partner_writable = True

    def create_record(self, data: dict, *, partner):
        if partner is None:
            return super().create_record(data, partner=partner)
        citations = data.pop("citations", None) or []
        fields, m2m = split_m2m(DamageReport, data)
        return services.damage_report_submit(fields=fields, citations=citations, m2m=m2m, submitted_by=partner,
                                             user=self.request.user)


class PledgeViewSet(RecordViewSet):
    """Restoration pledges, with their status history (read-only here; see pledge-status-changes)."""

    model = RestorationPledge
    serializer_class = s.PledgeSerializer
    filterset_class = registry_filters.RestorationPledgeFilter
    select = ("pledger", "beneficiary", "action")
    claim = True
    linked_art = "pledge_to_linked_art"

    def get_prefetches(self):
        changes = visible(PledgeStatusChange.objects.all(), self.request).prefetch_related(
            citations_prefetch(self.request))
        return [*super().get_prefetches(), "sites", "artefacts", Prefetch("status_changes", queryset=changes),
                Prefetch("parties", queryset=PledgeParty.objects.select_related("actor"))]


class PledgeStatusChangeFilter(registry_filters.RecordFilterSet):
    pledge = registry_filters.RelatedSlugFilter(field_name="pledge", model=RestorationPledge,
                                                label="Pledge (slug)")
    status = filters.ChoiceFilter(choices=PledgeStatusChange._meta.get_field("status").choices)

    class Meta:
        model = PledgeStatusChange
        fields = ["pledge", "status", "updated_since"]

    def search(self, queryset, name, value):
        return queryset.filter(note__icontains=value) if value else queryset


@extend_schema_view(create=extend_schema(examples=STATUS_EXAMPLES))
class PledgeStatusChangeViewSet(RecordViewSet):
    """A pledge's status from a given date, with its evidence. Partners report status updates here."""

    model = PledgeStatusChange
    serializer_class = s.PledgeStatusChangeSerializer
    filterset_class = PledgeStatusChangeFilter
    select = ("pledge",)
    claim = True
    partner_writable = True

    def create_record(self, data: dict, *, partner):
        extra = {"submitted_by": partner, "lifecycle": Lifecycle.IN_REVIEW} if partner else {}
        return services.pledge_record_status(
            pledge=data["pledge"], status=data["status"], date=data.get("date", ""), slug=data.get("slug", ""),
            note=data.get("note", ""), citations=data.get("citations") or [], user=self.request.user, **extra,
        )


class InterventionViewSet(RecordViewSet):
    model = Intervention
    serializer_class = s.InterventionSerializer
    filterset_class = registry_filters.InterventionFilter
    select = ("kind", "performed_by")
    prefetch = ("sites", "artefacts", "pledges")
    claim = True


class TermFilter(filters.FilterSet):
    vocabulary = filters.ChoiceFilter(choices=Term.Vocabulary.choices)
    is_active = filters.BooleanFilter()
    q = filters.CharFilter(field_name="label", lookup_expr="icontains", label="Search")
    updated_since = registry_filters.MomentFilter(field_name="updated_at", lookup_expr="gt")

    class Meta:
        model = Term
        fields = ["vocabulary", "is_active", "q", "updated_since"]


class TermViewSet(JSONErrorsMixin, viewsets.ReadOnlyModelViewSet):
    """Vocabulary terms (kinds, causes, effects, materials…), each with its Getty AAT URI if any."""

    queryset = Term.objects.select_related("broader").order_by("pk")
    serializer_class = s.TermSerializer
    filterset_class = TermFilter
    filter_backends = [StrictFilterBackend]
    authentication_classes = AUTHENTICATION_CLASSES
    renderer_classes = [JSONRenderer, CSVRenderer]
    pagination_class = type("TermPagination", (RecordCursorPagination,), {"ordering": ("pk",)})
    lookup_field = "key"
    lookup_value_regex = r"[a-z_-]+/[-a-zA-Z0-9_]+"
    schema = RegistryAutoSchema()


    def get_object(self):
        vocabulary, slug = self.kwargs["key"].split("/", 1)
        return get_object_or_404(self.get_queryset(), vocabulary=vocabulary.replace("-", "_"), slug=slug)
