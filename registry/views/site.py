"""The page of one heritage site: what happened to it, who says so, what was promised."""

from __future__ import annotations

from django.db.models import Prefetch
from django.views.generic import DetailView

from registry.models import Artefact, DamageReport, Designation, HeritageSite, SiteName

from . import querysets
from .claims import accounts_by_event, report_is_disputed
from .maps import map_context

# Fields that change on every save and say nothing to a reader.
HISTORY_HIDDEN_FIELDS = ["version", "updated_at", "created_at", "published_at", "submitted_by"]
HISTORY_LIMIT = 30
# A site with hundreds of reports shows its latest ones and links to the filtered report list.
TIMELINE_LIMIT = 100


def history_entries(site: HeritageSite) -> list[dict]:
    """How the record changed: date, kind of change, fields changed, reason.

    Who made a change is left out on purpose: curators and partners' service
    accounts are people and institutions' staff, not public figures.
    """
    records = list(site.history.order_by("-history_date", "-history_id")[: HISTORY_LIMIT + 1])
    entries = []
    for newer, older in zip(records, records[1:] + [None]):
        if len(entries) == HISTORY_LIMIT:
            break
        if older is None:
            changed = []
        else:
            delta = newer.diff_against(older, excluded_fields=HISTORY_HIDDEN_FIELDS)
            changed = [str(HeritageSite._meta.get_field(name).verbose_name) for name in delta.changed_fields]
        entries.append({
            "date": newer.history_date,
            "created": newer.history_type == "+",
            "changed": changed,
            "reason": newer.history_change_reason or "",
        })
    return entries


def link_designations(site: HeritageSite) -> None:
    """Give each designation the URL of the register entry it names.

    A designation's reference (UNESCO no. 23) is the value of one of the site's
    external identifiers, whose scheme knows the register's URL; matching them
    here, on prefetched rows, links the listing without another query.
    """
    urls = {identifier.value: identifier.url for identifier in site.identifiers.all()}
    for designation in site.designations.all():
        designation.url = urls.get(designation.reference, "")


class SiteDetailView(DetailView):
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
        newest = (DamageReport.objects.published().for_site(site).chronological().reverse()
                  .values_list("pk", flat=True)[:TIMELINE_LIMIT + 1])
        reports = list(querysets.reports().filter(pk__in=newest).chronological().reverse())
        timeline_truncated = len(reports) > TIMELINE_LIMIT
        reports = reports[:TIMELINE_LIMIT][::-1]
        for report in reports:
            report.disputed = report_is_disputed(report)
        condition = DamageReport.objects.published().confirmed().for_site(site).latest_first().first()
        kwargs.update(
            reports=reports,
            timeline_truncated=timeline_truncated,
            timeline_limit=TIMELINE_LIMIT,
            accounts=accounts_by_event(reports),
            condition=condition,
            artefacts=Artefact.objects.published().for_site(site).select_related("kind").prefetch_related("names"),
            pledges=querysets.for_site(querysets.pledges(), site),
            interventions=querysets.for_site(querysets.interventions(), site),
            history=history_entries(site),
            parent=site.parent if site.parent and site.parent.is_public else None,
            **map_context([site]),
        )
        for group in kwargs["accounts"]:
            if group.disputed:
                for report in group.reports:
                    report.disputed = True
        return super().get_context_data(**kwargs)
