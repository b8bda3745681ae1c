"""Related rows as the public may see them: published only, loaded in bulk.

A published record can point at a draft (a report citing a source still under
review, a pledge naming an artefact not yet published). Every public page loads
its related rows through these prefetches, so nothing unpublished leaks out and
a page costs a fixed number of queries however many rows it shows.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from registry.models import (
    Artefact, Attribution, Citation, DamageReport, HeritageSite, Intervention, Lifecycle,
    PledgeStatusChange, RestorationPledge, Source,
)
from registry.models.base import about_site

PUBLISHED = Lifecycle.PUBLISHED


def citations() -> QuerySet:
    """Published citations of published sources, with the source and who is speaking."""
    return (
        Citation.objects.published().filter(source__lifecycle=PUBLISHED)
        .select_related("source", "source__publisher", "speaker").order_by("source__published_lower", "pk")
    )


def citations_prefetch(lookup: str = "citations") -> Prefetch:
    return Prefetch(lookup, queryset=citations())


def sites_prefetch(lookup: str = "sites") -> Prefetch:
    return Prefetch(lookup, queryset=HeritageSite.objects.published())


def artefacts_prefetch(lookup: str = "artefacts") -> Prefetch:
    return Prefetch(lookup, queryset=Artefact.objects.published())


def reports() -> QuerySet:
    """Reports with everything the timeline shows about each of them."""
    return (
        DamageReport.objects.published()
        .select_related("source", "source__publisher", "damage_event", "cause_category", "cause_type")
        .prefetch_related("effects", citations_prefetch(), artefacts_prefetch(), sites_prefetch())
    )


def status_changes_prefetch() -> Prefetch:
    return Prefetch(
        "status_changes",
        queryset=PledgeStatusChange.objects.published().prefetch_related(citations_prefetch()),
    )


def pledges() -> QuerySet:
    return (
        RestorationPledge.objects.published()
        .select_related("pledger", "beneficiary", "action")
        .prefetch_related(sites_prefetch(), artefacts_prefetch(), status_changes_prefetch(), citations_prefetch())
    )


def interventions() -> QuerySet:
    return (
        Intervention.objects.published().select_related("kind", "performed_by")
        .prefetch_related(sites_prefetch(), artefacts_prefetch(), citations_prefetch(),
                          Prefetch("pledges", queryset=RestorationPledge.objects.published()))
    )


def attributions_prefetch() -> Prefetch:
    return Prefetch(
        "attributions",
        queryset=Attribution.objects.published().select_related("actor").prefetch_related(citations_prefetch()),
    )


def for_site(queryset: QuerySet, site: HeritageSite) -> QuerySet:
    """Records about ``site`` or one of its parts."""
    return about_site(queryset, site)


def relayed_sources_prefetch() -> Prefetch:
    return Prefetch("relays", queryset=Source.objects.published())


def newest_published(queryset: QuerySet, limit: int) -> list:
    """The ``limit`` most recently published rows of ``queryset``, newest first.

    Read from the top of the (lifecycle, published_at, id) index. Rows published
    without a publication time (created as published, e.g. by an import) come
    after every dated one, newest row first; they are asked for separately only
    when the dated ones do not fill the list, so that neither query has to sort
    the whole table, and so that every database puts them in the same place.
    """
    rows = list(queryset.filter(published_at__isnull=False).order_by("-published_at", "-pk")[:limit])
    if len(rows) < limit:
        rows += list(queryset.filter(published_at__isnull=True).order_by("-pk")[: limit - len(rows)])
    return rows
