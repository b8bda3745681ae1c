"""Search and list pages: one FilterView per kind of record, published rows only.

Each queryset names the related rows its table shows (select_related for
foreign keys, prefetch_related for names and many-to-many) so that a page of
fifty rows costs the same handful of queries as a page of five.
"""

from __future__ import annotations

from django.db.models import Prefetch

from registry.filters import (
    ActorFilter, ArtefactFilter, DamageEventFilter, DamageReportFilter, HeritageSiteFilter,
    InterventionFilter, RestorationPledgeFilter, SourceFilter,
)
from registry.models import (
    Actor, Artefact, DamageEvent, DamageReport, HeritageSite, Intervention, RestorationPledge, Source,
)

from .exports import EXPORT_SITES
from .listing import RecordListView


def published_sites(to_attr: str | None = None) -> Prefetch:
    # A draft site must not leak through a published report that names it.
    return Prefetch(
        "sites",
        queryset=HeritageSite.objects.published().only("pk", "slug", "lifecycle", "name", "latitude", "longitude",
                                                       "is_sensitive"),
        to_attr=to_attr,
    )


class SitesAsListExport:
    """Downloads read a record's published sites from a plain list: Django makes no queryset per
    row for a prefetch with ``to_attr``, which was a third of the time of a report export."""

    def export_queryset(self):
        return self.get_queryset().prefetch_related(None).prefetch_related(published_sites(EXPORT_SITES))


class SiteListView(RecordListView):
    filterset_class = HeritageSiteFilter
    template_name = "registry/site_list.html"
    export = "sites"

    def get_queryset(self):
        return HeritageSite.objects.published().select_related("kind").prefetch_related("names")

    def export_queryset(self):
        # Downloads do not show other names: no prefetch, so rows stream in chunks cheaply.
        return HeritageSite.objects.published().select_related("kind")


class ArtefactListView(RecordListView):
    filterset_class = ArtefactFilter
    template_name = "registry/artefact_list.html"
    export = "artefacts"

    def get_queryset(self):
        return Artefact.objects.published().filter(site__lifecycle="published").select_related("kind", "site").prefetch_related("names")


class DamageEventListView(SitesAsListExport, RecordListView):
    filterset_class = DamageEventFilter
    template_name = "registry/event_list.html"
    export = "events"

    def get_queryset(self):
        return DamageEvent.objects.published().select_related("cause_category", "cause_type").prefetch_related(published_sites())


class DamageReportListView(SitesAsListExport, RecordListView):
    filterset_class = DamageReportFilter
    template_name = "registry/report_list.html"
    export = "reports"

    def get_queryset(self):
        return (
            DamageReport.objects.published()
            .select_related("source", "damage_event", "cause_category", "cause_type", "responsible")
            .prefetch_related(published_sites())
        )


class PledgeListView(SitesAsListExport, RecordListView):
    filterset_class = RestorationPledgeFilter
    template_name = "registry/pledge_list.html"
    export = "pledges"

    def get_queryset(self):
        return RestorationPledge.objects.published().select_related("pledger", "action").prefetch_related(published_sites())


class SourceListView(RecordListView):
    filterset_class = SourceFilter
    template_name = "registry/source_list.html"
    export = "sources"

    def get_queryset(self):
        return Source.objects.published().select_related("kind", "publisher")


class ActorListView(RecordListView):
    filterset_class = ActorFilter
    template_name = "registry/actor_list.html"
    export = "actors"

    def get_queryset(self):
        return Actor.objects.published().select_related("affiliation")


class InterventionListView(SitesAsListExport, RecordListView):
    filterset_class = InterventionFilter
    template_name = "registry/intervention_list.html"
    export = "interventions"

    def get_queryset(self):
        return Intervention.objects.published().select_related("kind", "performed_by").prefetch_related(published_sites())
