"""What state an asset was in over time, and what state it is in now.

Nothing here is typed by a curator: an asset's condition timeline is derived
from the published damage reports and interventions about it. Each state is
dated by when it was *observed* (a report's observation date, else the date
of the damage it describes; an intervention's date), and carries the severity
and extent seen then, what produced it, its sources and its claim status.

The current condition is the latest state whose claim is established
(``ESTABLISHED``: confirmed, or corroborated by independent sources).
Retracted and disputed claims never set it. States are ordered by the lower
bound of their observation date, then its upper bound, then the publication
date of their source, then their slug: all things a reader can see, never the
time a record was saved or edited.

Interventions are states too: the kind of work done (restored, rebuilt,
stabilised, returned) names the state, and the damage that remained once the
work was done (``severity_after``) is its severity. When the latest
established state gives no severity, the latest one that does is kept beside
it, so a stabilised ruin still reads as a ruin.

A site's own timeline holds the reports and interventions about the site as
a whole (those naming no artefact); what happened to its artefacts is on
their timelines, so a burnt spire never makes the whole cathedral
"destroyed".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, cast

from django.db.models import F, Prefetch, QuerySet

from registry.models import (
    Artefact,
    Citation,
    ClaimStatus,
    DamageReport,
    HeritageSite,
    Intervention,
    Lifecycle,
    Severity,
    Source,
)

ESTABLISHED = (ClaimStatus.CONFIRMED, ClaimStatus.CORROBORATED)
PUBLISHED = Lifecycle.PUBLISHED
# Fields of a report or an intervention that can change a condition; nothing else can.
CONDITION_FIELDS = {
    "report": ("observed", "occurred", "severity", "extent", "claim_status", "lifecycle"),
    "intervention": ("date", "severity_after", "extent_after", "claim_status", "lifecycle"),
}
_FAR = 10**12


@dataclass(frozen=True)
class ConditionState:
    record: DamageReport | Intervention
    kind: str  # "report" or "intervention"
    observed: str
    observed_lower: int | None
    observed_upper: int | None
    severity: str
    extent: str
    claim_status: str
    sources: tuple[Source, ...] = ()

    @property
    def established(self) -> bool:
        return self.claim_status in ESTABLISHED

    @property
    def retracted(self) -> bool:
        return self.claim_status == ClaimStatus.RETRACTED

    @property
    def severity_known(self) -> bool:
        return self.severity != Severity.UNKNOWN

    @property
    def is_intervention(self) -> bool:
        return self.kind == "intervention"

    def get_severity_display(self) -> str:
        return str(Severity(self.severity).label)

    def get_claim_status_display(self) -> str:
        return str(ClaimStatus(self.claim_status).label)

    @property
    def label(self) -> str:
        """What produced the state: the kind of work done, or the severity observed."""
        if self.is_intervention:
            return cast(Intervention, self.record).kind.label
        return self.get_severity_display()

    @property
    def sort_key(self) -> tuple[int, int, int, str]:
        first_source = self.sources[0].published_lower if self.sources else None
        return (
            -_FAR if self.observed_lower is None else self.observed_lower,
            _FAR if self.observed_upper is None else self.observed_upper,
            _FAR if first_source is None else first_source,
            self.record.slug,
        )


def report_state(report: DamageReport) -> ConditionState:
    dated_by_observation = bool(report.observed)
    return ConditionState(
        record=report,
        kind="report",
        observed=report.observed if dated_by_observation else report.occurred,
        observed_lower=report.observed_lower if dated_by_observation else report.occurred_lower,
        observed_upper=report.observed_upper if dated_by_observation else report.occurred_upper,
        severity=report.severity,
        extent=report.extent,
        claim_status=report.claim_status,
        sources=(report.source,) if report.source.lifecycle == PUBLISHED else (),
    )


def intervention_state(intervention: Intervention) -> ConditionState:
    sources: dict[int, Source] = {}
    for citation in intervention.citations.all():
        sources.setdefault(citation.source.pk, citation.source)
    return ConditionState(
        record=intervention,
        kind="intervention",
        observed=intervention.date,
        observed_lower=intervention.date_lower,
        observed_upper=intervention.date_upper,
        severity=intervention.severity_after,
        extent=intervention.extent_after,
        claim_status=intervention.claim_status,
        sources=tuple(sources.values()),
    )


def timeline(states: Iterable[ConditionState]) -> list[ConditionState]:
    return sorted(states, key=lambda state: state.sort_key)


@dataclass
class Condition:
    """An asset's condition now, with the evidence behind it.

    The timeline is not changed once made, so what is read from it is worked out once:
    a page asks for ``current`` for every one of thousands of states.
    """

    timeline: list[ConditionState] = field(default_factory=list)

    # The most recent states a page lists; the current one is listed too when it is older.
    SHOWN = 50

    @cached_property
    def current(self) -> ConditionState | None:
        """The latest established state, or None when no state is established."""
        established = [state for state in self.timeline if state.established]
        return established[-1] if established else None

    @cached_property
    def last_known_severity(self) -> ConditionState | None:
        """The latest established state that gives a severity, when the current one gives none."""
        current = self.current
        if current is None or current.severity_known:
            return None
        known = [state for state in self.timeline if state.established and state.severity_known]
        return known[-1] if known else None

    @cached_property
    def reported(self) -> list[ConditionState]:
        """Unestablished, unretracted states later than the current one, newest first."""
        current = self.current
        later = self.timeline[self.timeline.index(current) + 1 :] if current else self.timeline
        return [state for state in reversed(later) if not state.established and not state.retracted]

    @cached_property
    def best(self) -> ConditionState | None:
        """The current state, or else the latest reported one: what a summary names."""
        reported = self.reported
        return self.current or (reported[0] if reported else None)

    @cached_property
    def severity(self) -> str | None:
        """The current severity, or None when nothing is established."""
        current = self.current
        if current is None:
            return None
        known = self.last_known_severity
        return (known or current).severity

    @cached_property
    def shown(self) -> list[ConditionState]:
        """The states a page lists, oldest first: the latest ``SHOWN``, and the current state."""
        shown = self.timeline[-self.SHOWN :]
        current = self.current
        if current is not None and not any(state is current for state in shown):
            shown = [current, *shown]
        return shown


def _intervention_citations() -> Prefetch[str, QuerySet[Citation], str]:
    return Prefetch(
        "intervention__citations",
        queryset=Citation.objects.published()
        .filter(source__lifecycle=PUBLISHED)
        .select_related("source")
        .order_by("source__published_lower", "pk"),
    )


# Only the columns a state needs: a site with thousands of reports must stay cheap to read.
STATE_REPORT_FIELDS = (
    "slug", "title", "lifecycle", "observed", "observed_lower", "observed_upper", "occurred",
    "occurred_lower", "occurred_upper", "severity", "extent", "claim_status", "damage_event",
    "retracted_by", "source",
    *(f"source__{name}" for name in ("slug", "title", "lifecycle", "published_lower")),
    *(f"retracted_by__{name}" for name in ("slug", "name", "lifecycle")),
)


def _report_links(relation: str, ids: list[int], **filters: Any) -> QuerySet[DamageReport]:
    """The published reports about the records ``ids`` by ``relation`` (``sites`` or
    ``artefacts``), one row per report and record, each with the record's id as ``owner_id``:
    reports themselves, not their link rows, so that each costs three objects, not four."""
    reports: QuerySet[DamageReport] = (
        DamageReport.objects.filter(lifecycle=PUBLISHED, **{f"{relation}__in": ids}, **filters)
        .annotate(owner_id=F(relation))
        .select_related("source", "retracted_by")
        .only(*STATE_REPORT_FIELDS)
        .order_by()
    )
    return reports


def _collect(
    report_links: Iterable[Any], intervention_links: Iterable[Any], owner: str,
) -> dict[int, list[ConditionState]]:
    states: defaultdict[int, list[ConditionState]] = defaultdict(list)
    for report in report_links:
        states[report.owner_id].append(report_state(report))
    for link in intervention_links:
        states[getattr(link, f"{owner}_id")].append(intervention_state(link.intervention))
    return states


def artefact_conditions(artefacts: Iterable[Artefact]) -> dict[int, Condition]:
    """The condition of each artefact: three queries for any number of them."""
    ids = [artefact.pk for artefact in artefacts]
    reports = _report_links("artefacts", ids)
    interventions = (
        Intervention.artefacts.through.objects.filter(
            artefact_id__in=ids, intervention__lifecycle=PUBLISHED
        )
        .select_related("intervention__kind")
        .prefetch_related(_intervention_citations())
    )
    states = _collect(reports, interventions, "artefact")
    return {pk: Condition(timeline(states.get(pk, []))) for pk in ids}


def site_conditions(sites: Iterable[HeritageSite]) -> dict[int, Condition]:
    """The condition of each site as a whole (records naming no artefact): three queries."""
    ids = [site.pk for site in sites]
    reports = _report_links("sites", ids, artefacts__isnull=True)
    interventions = (
        Intervention.sites.through.objects.filter(
            heritagesite_id__in=ids,
            intervention__lifecycle=PUBLISHED,
            intervention__artefacts__isnull=True,
        )
        .select_related("intervention__kind")
        .prefetch_related(_intervention_citations())
    )
    states = _collect(reports, interventions, "heritagesite")
    return {pk: Condition(timeline(states.get(pk, []))) for pk in ids}


def condition_of(record: HeritageSite | Artefact) -> Condition:
    if isinstance(record, Artefact):
        return artefact_conditions([record])[record.pk]
    return site_conditions([record])[record.pk]
