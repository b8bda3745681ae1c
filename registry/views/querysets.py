"""Related rows as the public may see them: published only, loaded in bulk.

A published record can point at a draft (a report citing a source still under
review, a pledge naming an artefact not yet published). Every public page loads
its related rows through these prefetches, so nothing unpublished leaks out and
a page costs a fixed number of queries however many rows it shows.
"""

from __future__ import annotations

from functools import cache

from django.db.models import Prefetch, QuerySet

from registry.models import (
    Artefact, Attribution, Citation, DamageReport, HeritageSite, Intervention, PledgeParty,
    PledgeStatusChange, RestorationPledge, Source,
)
from registry.models.base import about_site
from registry.selectors.visibility import visible


@cache
def _citations() -> QuerySet:
    return (
        visible(Citation.objects.all())
        .select_related("source", "source__publisher", "speaker").order_by("source__published_lower", "pk")
    )


def citations() -> QuerySet:
    """Citations the public may see (see ``selectors.visibility``), with the source and who is speaking.

    A copy of one queryset built once: the rule's eight subqueries take longer to build than
    the query takes to run, and a site's page asks for citations five times. Nothing in it
    depends on the request (the rule is the public's), and a queryset is never evaluated
    or changed in place by the copies made of it.
    """
    return _citations().all()


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
        .select_related("source", "source__publisher", "damage_event", "cause_category", "cause_type",
                        "responsible", "retracted_by")
        .prefetch_related("effects", citations_prefetch(), artefacts_prefetch(), sites_prefetch())
    )


def status_changes_prefetch() -> Prefetch:
    return Prefetch(
        "status_changes",
        queryset=visible(PledgeStatusChange.objects.all()).prefetch_related(citations_prefetch()),
    )


def pledges() -> QuerySet:
    return (
        RestorationPledge.objects.published()
        .select_related("pledger", "beneficiary", "action")
        .prefetch_related(sites_prefetch(), artefacts_prefetch(), status_changes_prefetch(), citations_prefetch(),
                          Prefetch("parties", queryset=PledgeParty.objects.select_related("actor")))
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
        queryset=visible(Attribution.objects.all()).select_related("actor").prefetch_related(citations_prefetch()),
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
