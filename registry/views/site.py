"""The page of one heritage site: what happened to it, who says so, what was promised."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.views.generic import DetailView

from registry.models import Artefact, DamageReport, Designation, HeritageSite, SiteName
from registry.selectors.visibility import may_see

from registry.selectors.condition import artefact_conditions, site_conditions
from registry.selectors.disputes import decide, event_accounts
from registry.selectors.summary import build_summary

from . import querysets
from .history import PublicHistoryMixin
from .maps import map_context

# A site with hundreds of reports shows its latest ones and links to the filtered report list.
TIMELINE_LIMIT = 25


def link_designations(site: HeritageSite) -> None:
    """Give each designation the URL of the register entry it names.

    A designation's reference (UNESCO no. 23) is the value of one of the site's
    external identifiers, whose scheme knows the register's URL; matching them
    here, on prefetched rows, links the listing without another query.
    """
    urls = {identifier.value: identifier.url for identifier in site.identifiers.all()}
    for designation in site.designations.all():
        designation.url = urls.get(designation.reference, "")


def condition_context(record, reports: list, pledges: list, parts: list) -> dict:
    """Verdicts on the reports, accounts side by side, the condition and the summary of a page."""
    decisions = decide(reports)
    for report in reports:
        report.verdict = decisions.reports[report.pk]
    if isinstance(record, HeritageSite):
        condition = site_conditions([record])[record.pk]
    else:
        condition = artefact_conditions([record])[record.pk]
    part_conditions = artefact_conditions(parts) if parts else {}
    summary = build_summary(condition=condition, reports=reports, pledges=pledges,
                            parts=[(part, part_conditions[part.pk]) for part in parts])
    return {"accounts": event_accounts(reports, decisions), "condition": condition, "summary": summary}


# How many of the registry's newest reports are searched first for a site's newest ones.
NEWEST_SEARCHED = 10_000


def newest_report_keys(site: HeritageSite) -> list[int] | QuerySet:
    """The keys of the ``TIMELINE_LIMIT + 1`` newest published reports about ``site`` or its
    parts, newest first (the reverse of ``chronological``).

    Found through the link table alone, a busy site's reports are each looked up for their
    dates, ten thousand for a site with ten thousand reports, however few are shown. They
    are first looked for among the ``NEWEST_SEARCHED`` newest reports of the registry, read
    from the top of an index in that very order (``report_life_chrono_idx``): if enough of
    them are the site's, they are its newest, since every other report of the site comes
    after all of them. A site with fewer there is asked for in full, as few reports cost
    little to sort.
    """
    limit = TIMELINE_LIMIT + 1
    about = DamageReport.objects.published().for_site(site)
    newest = DamageReport.objects.published().chronological().reverse().values("pk")[:NEWEST_SEARCHED]
    keys = list(about.filter(pk__in=newest).chronological().reverse().values_list("pk", flat=True)[:limit])
    if len(keys) < limit:
        # Not run here: the caller's query holds it, so a quiet site costs no query more.
        return about.chronological().reverse().values_list("pk", flat=True)[:limit]
    return keys


class SiteDetailView(PublicHistoryMixin, DetailView):
    template_name = "registry/site_detail.html"
    context_object_name = "site"

    def get_queryset(self):
        return (
            HeritageSite.objects.published()
            .select_related("kind", "parent")
            .prefetch_related(
                Prefetch("names", queryset=SiteName.objects.order_by("language", "name")),
                Prefetch("designations", queryset=Designation.objects.select_related("kind")),
                "identifiers",
                Prefetch("children", queryset=HeritageSite.objects.published().select_related("kind")),
                querysets.citations_prefetch(),
            )
        )

    def get_context_data(self, **kwargs):
        site = self.object
        link_designations(site)
        # The most recent TIMELINE_LIMIT reports, in date order; the full list is one link away.
        # Their keys are chosen first, from the link table's index and the reports' own rows:
        # joining every related table before the limit would join all of a busy site's reports.
        reports = list(querysets.reports().filter(pk__in=newest_report_keys(site)).chronological().reverse())
        timeline_truncated = len(reports) > TIMELINE_LIMIT
        reports = reports[:TIMELINE_LIMIT][::-1]
        artefacts = list(Artefact.objects.published().for_site(site).select_related("kind").prefetch_related("names"))
        pledges = list(querysets.for_site(querysets.pledges(), site))
        kwargs.update(
            reports=reports,
            timeline_truncated=timeline_truncated,
            timeline_limit=TIMELINE_LIMIT,
            **condition_context(site, reports, pledges, artefacts),
            artefacts=artefacts,
            pledges=pledges,
            interventions=querysets.for_site(querysets.interventions(), site),
            parent=site.parent if may_see(site.parent) else None,
            **map_context([site]),
        )
        return super().get_context_data(**kwargs)
