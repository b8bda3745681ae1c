"""Home, map, pledge tracker and the detail page of every kind of record.

No login anywhere: everything here is public, so every queryset starts from
``published()`` and a draft's or archived record's URL is a plain 404.
"""

from __future__ import annotations

from collections import defaultdict

from django.core.cache import cache
from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, TemplateView

from registry import caching
from registry.dates import day_key
from registry.models import (
    CITATION_TARGETS, Actor, Artefact, ArtefactName, Citation, DamageEvent, DamageReport, HeritageSite,
    Intervention, PledgeStatus, RestorationPledge, Source,
)
from registry.selectors.visibility import may_see, visible

from registry.selectors.disputes import EventAccounts, decide

from . import querysets
from .history import PublicHistoryMixin
from .site import condition_context

LATEST_REPORTS = 10
COUNTS_SECONDS = 600


def today_key() -> int:
    today = timezone.localdate()
    return day_key(today.year, today.month, today.day)


class HomeView(TemplateView):
    template_name = "registry/home.html"

    @staticmethod
    def counts() -> list[tuple]:
        return [
            (_("Heritage sites"), HeritageSite.objects.published().estimated_count(), "registry:site-list"),
            (_("Artefacts"), Artefact.objects.published().estimated_count(), "registry:artefact-list"),
            (_("Damage reports"), DamageReport.objects.published().estimated_count(), "registry:report-list"),
            (_("Restoration pledges"), RestorationPledge.objects.published().estimated_count(),
             "registry:pledge-list"),
            (_("Sources"), Source.objects.published().estimated_count(), "registry:source-list"),
        ]

    def get_context_data(self, **kwargs):
        # The registry's size, as readers want to know it: estimated where a table is
        # large (COUNT(*) would read a million rows), and kept until something changes.
        kwargs["counts"] = cache.get_or_set(caching.key("home-counts", caching.generation()),
                                            self.counts, COUNTS_SECONDS)
        kwargs["latest_reports"] = querysets.newest_published(
            DamageReport.objects.published().select_related("source").prefetch_related(querysets.sites_prefetch()),
            LATEST_REPORTS,
        )
        return super().get_context_data(**kwargs)


class PledgeTrackerView(TemplateView):
    """Every published pledge, whether it was kept, and which are overdue."""

    template_name = "registry/pledge_tracker.html"

    def get_context_data(self, **kwargs):
        published = RestorationPledge.objects.published()
        totals = published.aggregate(
            total=Count("pk"),
            fulfilled=Count("pk", filter=Q(status=PledgeStatus.FULFILLED)),
            partly=Count("pk", filter=Q(status=PledgeStatus.PARTLY_FULFILLED)),
        )
        overdue = set(published.overdue(today_key()).values_list("pk", flat=True))
        pledges = list(querysets.pledges().order_by("target_upper", "pk"))
        for pledge in pledges:
            pledge.is_overdue = pledge.pk in overdue
        total = totals["total"]
        kwargs.update(
            pledges=pledges, totals=totals, overdue_count=len(overdue),
            fulfilled_rate=round(100 * totals["fulfilled"] / total) if total else None,
            partly_rate=round(100 * totals["partly"] / total) if total else None,
        )
        return super().get_context_data(**kwargs)


class ArtefactDetailView(PublicHistoryMixin, DetailView):
    template_name = "registry/artefact_detail.html"
    context_object_name = "artefact"

    def get_queryset(self):
        return (
            Artefact.objects.published().filter(site__lifecycle="published")
            .select_related("site", "kind", "parent")
            .prefetch_related(
                "materials", "identifiers", Prefetch("names", queryset=ArtefactName.objects.order_by("language", "name")),
                Prefetch("parts", queryset=Artefact.objects.published().select_related("kind")),
                querysets.citations_prefetch(),
            )
        )

    def get_context_data(self, **kwargs):
        artefact = self.object
        reports = list(querysets.reports().filter(artefacts=artefact).chronological())
        pledges = list(querysets.pledges().filter(artefacts=artefact))
        kwargs.update(
            reports=reports,
            **condition_context(artefact, reports, pledges, list(artefact.parts.all())),
            pledges=pledges,
            interventions=querysets.interventions().filter(artefacts=artefact),
            parent=artefact.parent if may_see(artefact.parent) else None,
        )
        return super().get_context_data(**kwargs)


class DamageEventDetailView(PublicHistoryMixin, DetailView):
    template_name = "registry/event_detail.html"
    context_object_name = "event"

    def get_queryset(self):
        return (
            DamageEvent.objects.published()
            .select_related("cause_category", "cause_type")
            .prefetch_related("effects", querysets.sites_prefetch(), querysets.artefacts_prefetch(),
                              querysets.attributions_prefetch(), querysets.citations_prefetch())
        )

    def get_context_data(self, **kwargs):
        reports = list(querysets.reports().filter(damage_event=self.object).chronological())
        decisions = decide(reports)
        for report in reports:
            report.verdict = decisions.reports[report.pk]
        kwargs.update(reports=reports, verdict=decisions.event(self.object.pk))
        return super().get_context_data(**kwargs)


class DamageReportDetailView(PublicHistoryMixin, DetailView):
    template_name = "registry/report_detail.html"
    context_object_name = "report"

    def get_queryset(self):
        return querysets.reports()

    def get_context_data(self, **kwargs):
        report = self.object
        others = []
        if may_see(report.damage_event):
            others = list(querysets.reports().filter(damage_event=report.damage_event_id).exclude(pk=report.pk).chronological())
        verdicts = decide([report, *others]).reports
        for row in [report, *others]:
            row.verdict = verdicts[row.pk]
        accounts = EventAccounts(report.damage_event, [report, *others], report.verdict) if others else None
        kwargs.update(others=others, verdict=report.verdict, accounts=accounts)
        return super().get_context_data(**kwargs)


class PledgeDetailView(PublicHistoryMixin, DetailView):
    template_name = "registry/pledge_detail.html"
    context_object_name = "pledge"

    def get_queryset(self):
        return querysets.pledges().prefetch_related(
            Prefetch("interventions", queryset=Intervention.objects.published().select_related("kind"))
        )

    def get_context_data(self, **kwargs):
        pledge = self.object
        kwargs["is_overdue"] = RestorationPledge.objects.filter(pk=pledge.pk).overdue(today_key()).exists()
        return super().get_context_data(**kwargs)


def group_citations(citations) -> list[tuple[str, list[Citation]]]:
    """Citations grouped by the kind of record they back, in a fixed order."""
    groups: dict[str, list[Citation]] = defaultdict(list)
    for citation in citations:
        if may_see(citation):
            groups[citation.target_field].append(citation)
    labels = {name: Citation._meta.get_field(name).related_model._meta.verbose_name_plural for name in CITATION_TARGETS}
    return [(labels[name], groups[name]) for name in CITATION_TARGETS if groups.get(name)]


def cited_targets() -> list[str]:
    # Every kind of record a citation can back, plus what a reader needs to name it.
    return [*CITATION_TARGETS, "attribution__actor", "attribution__damage_event", "pledge_status__pledge"]


class SourceDetailView(PublicHistoryMixin, DetailView):
    template_name = "registry/source_detail.html"
    context_object_name = "source"

    def get_queryset(self):
        return (
            Source.objects.published().select_related("kind", "publisher", "author")
            .prefetch_related(querysets.relayed_sources_prefetch(),
                              Prefetch("relayed_by", queryset=Source.objects.published()))
        )

    def get_context_data(self, **kwargs):
        claims = visible(Citation.objects.filter(source=self.object)).select_related(
            "source", "speaker", *cited_targets())
        kwargs["claim_groups"] = group_citations(claims)
        return super().get_context_data(**kwargs)


class ActorDetailView(PublicHistoryMixin, DetailView):
    template_name = "registry/actor_detail.html"
    context_object_name = "actor"

    def get_queryset(self):
        return Actor.objects.published().select_related("affiliation").prefetch_related(
            "names", Prefetch("members", queryset=Actor.objects.published()),
        )

    def get_context_data(self, **kwargs):
        actor = self.object
        statements = (
            visible(Citation.objects.filter(speaker=actor))
            .select_related("source", "speaker", *cited_targets())
        )
        kwargs.update(
            statement_groups=group_citations(statements),
            pledges=querysets.pledges().filter(pledger=actor),
            attributions=visible(actor.attributions.all())
            .select_related("damage_event").prefetch_related(querysets.citations_prefetch()),
            sources=Source.objects.published().filter(Q(publisher=actor) | Q(author=actor)).select_related("kind"),
            interventions=querysets.interventions().filter(performed_by=actor),
        )
        return super().get_context_data(**kwargs)


class InterventionDetailView(PublicHistoryMixin, DetailView):
    template_name = "registry/intervention_detail.html"
    context_object_name = "intervention"

    def get_queryset(self):
        return querysets.interventions()
