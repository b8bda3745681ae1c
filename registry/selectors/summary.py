"""The few lines a journalist can quote at the top of a site's or an artefact's page.

What was damaged, how badly, when, by what, who says so, what was promised
and whether it was kept, with the current condition and its evidence. Built
from rows the page has already loaded, plus one query for who is held
responsible; it adds no query per row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from registry.models import (
    Actor, Attribution, DamageReport, PledgeStatus, RestorationPledge, Severity, Source, Term,
)

from .condition import Condition

KEPT = (PledgeStatus.FULFILLED,)
# The damage scale from least to worst; "unknown" is no value and is left out.
DAMAGE_ORDER = (Severity.INTACT, Severity.SLIGHT, Severity.MODERATE, Severity.SEVERE, Severity.DESTROYED)
BROKEN = (PledgeStatus.LAPSED, PledgeStatus.WITHDRAWN)


@dataclass
class DamagedPart:
    record: object
    condition: Condition


@dataclass
class Summary:
    condition: Condition
    parts: list[DamagedPart] = field(default_factory=list)
    worst: DamageReport | None = None
    first_damage: str = ""
    last_damage: str = ""
    causes: list[Term] = field(default_factory=list)
    responsible: list[Actor] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    pledges: list[RestorationPledge] = field(default_factory=list)
    pledges_kept: int = 0
    pledges_broken: int = 0

    @property
    def pledges_open(self) -> int:
        return len(self.pledges) - self.pledges_kept - self.pledges_broken


def _damage_reports(reports: list[DamageReport]) -> list[DamageReport]:
    return [report for report in reports if report.claim_status != "retracted"]


def _worst(reports: list[DamageReport]) -> DamageReport | None:
    """The report giving the worst damage, established accounts first when they tie."""
    rated = [report for report in reports if report.severity in DAMAGE_ORDER]
    if not rated:
        return None
    return max(rated, key=lambda report: (DAMAGE_ORDER.index(report.severity),
                                          report.claim_status in ("confirmed", "corroborated")))


def _dates(reports: list[DamageReport]) -> tuple[str, str]:
    dated = [report for report in reports if report.occurred]
    if not dated:
        return "", ""
    return dated[0].occurred, dated[-1].occurred


def _causes(reports: list[DamageReport]) -> list[Term]:
    causes: dict[int, Term] = {}
    for report in reports:
        term = report.cause_type or report.cause_category
        if term is not None and term.slug != "unknown":
            causes.setdefault(term.pk, term)
    return list(causes.values())


def _responsible(reports: list[DamageReport]) -> list[Actor]:
    actors = {
        report.responsible.pk: report.responsible
        for report in reports
        if report.responsible is not None and report.responsible.is_public
    }
    event_ids = {report.damage_event_id for report in reports if report.damage_event_id}
    if event_ids:
        attributions = (
            Attribution.objects.published()
            .filter(damage_event_id__in=event_ids, actor__lifecycle="published")
            .select_related("actor")
            .order_by("actor__name")
        )
        for attribution in attributions:
            actors.setdefault(attribution.actor.pk, attribution.actor)
    return list(actors.values())


def _sources(reports: list[DamageReport]) -> list[Source]:
    sources: dict[int, Source] = {}
    for report in reports:
        if report.source.is_public:
            sources.setdefault(report.source.pk, report.source)
    return list(sources.values())


def build_summary(
    *, condition: Condition, reports: Iterable[DamageReport], pledges: Iterable[RestorationPledge],
    parts: Iterable[tuple[object, Condition]] = (),
) -> Summary:
    """``reports`` in date order; ``pledges`` and ``parts`` ((artefact, Condition)) as loaded."""
    reports = _damage_reports(list(reports))
    pledges = list(pledges)
    first, last = _dates(reports)
    return Summary(
        condition=condition,
        parts=[DamagedPart(record, part) for record, part in parts if part.timeline],
        worst=_worst(reports),
        first_damage=first,
        last_damage=last,
        causes=_causes(reports),
        responsible=_responsible(reports),
        sources=_sources(reports),
        pledges=pledges,
        pledges_kept=sum(pledge.status in KEPT for pledge in pledges),
        pledges_broken=sum(pledge.status in BROKEN for pledge in pledges),
    )
