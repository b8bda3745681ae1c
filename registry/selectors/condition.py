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
from types import SimpleNamespace
from typing import Any, cast

from django.db import connection
from django.db.models import (
    BigIntegerField, Case, Count, F, OrderBy, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When,
    Window,
)
from django.db.models.functions import Collate, RowNumber

from registry.models import (
    Artefact,
    Citation,
    ClaimStatus,
    ConditionEntry,
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

    ``timeline`` holds, oldest first, the states a condition can rest on or list: the
    ``SHOWN`` latest, the latest established ones, and the latest ``SHOWN`` still to be
    confirmed. For an asset with fewer states than that it is the whole timeline;
    ``count`` is always the number of states of the whole timeline. What is read from
    it is worked out once: a page asks for ``current`` for every state it lists.
    """

    timeline: list[ConditionState] = field(default_factory=list)
    total: int | None = None
    # False when only the states the current condition can rest on were read
    # (``current_only``): then nothing but ``current``, ``last_known_severity`` and
    # ``severity`` may be asked.
    complete: bool = True

    # The most recent states a page lists; the current one is listed too when it is older.
    SHOWN = 50

    def _needs_timeline(self, name: str) -> None:
        if not self.complete:
            raise ValueError(f"Condition.{name} needs the timeline, which was not read (current_only)")

    @property
    def count(self) -> int:
        """How many states the asset's whole timeline has."""
        self._needs_timeline("count")
        return len(self.timeline) if self.total is None else self.total

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
        """Unestablished, unretracted states later than the current one, newest first: the
        latest ``SHOWN`` of them."""
        self._needs_timeline("reported")
        current = self.current
        later = self.timeline[self.timeline.index(current) + 1 :] if current else self.timeline
        return [state for state in reversed(later) if not state.established and not state.retracted][: self.SHOWN]

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
        self._needs_timeline("shown")
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


def _code_point_order(field_name: str) -> Collate | F:
    """``field_name`` compared as Python compares strings: by code point, not by locale."""
    if connection.vendor == "postgresql":
        return Collate(F(field_name), "C")
    return F(field_name)  # SQLite compares text by its bytes unless told otherwise


# How a report counts for a condition: the latest of the first two sets the current
# condition, the latest of the first gives the last known severity, the third may be listed
# as reported; a retracted report only ever appears on the timeline. Stored in
# ``ConditionEntry.standing``.
_KNOWN, _UNKNOWN, _PENDING, _RETRACTED = range(4)


def state_columns(prefix: str = "") -> dict[str, Case]:
    """A report's ``ConditionEntry`` columns, as SQL over the report's own columns (reached
    through ``prefix``): its standing, and ``ConditionState.sort_key`` but for the slug."""
    observed = Q(**{f"{prefix}observed__gt": ""})
    established = Q(**{f"{prefix}claim_status__in": ESTABLISHED})
    return {
        "standing": Case(
            When(established & Q(**{f"{prefix}severity": Severity.UNKNOWN}), then=Value(_UNKNOWN)),
            When(established, then=Value(_KNOWN)),
            When(Q(**{f"{prefix}claim_status": ClaimStatus.RETRACTED}), then=Value(_RETRACTED)),
            default=Value(_PENDING),
        ),
        "at_lower": Case(When(observed, then=F(f"{prefix}observed_lower")), default=F(f"{prefix}occurred_lower")),
        "at_upper": Case(When(observed, then=F(f"{prefix}observed_upper")), default=F(f"{prefix}occurred_upper")),
        "source_published": Case(
            When(Q(**{f"{prefix}source__lifecycle": PUBLISHED}), then=F(f"{prefix}source__published_lower")),
            output_field=BigIntegerField(),
        ),
    }


def _newest_first() -> list[OrderBy]:
    """``ConditionState.sort_key`` over ``ConditionEntry`` rows, newest state first: the
    order of the entry indexes (migration 0017)."""
    return [
        F("at_lower").desc(nulls_last=True),
        F("at_upper").desc(nulls_first=True),
        F("source_published").desc(nulls_first=True),
        _code_point_order("slug").desc(),
    ]


def _one_owner_links(relation: str, pk: int) -> list[tuple[int, int, int]]:
    """``_report_links`` for one record, each pick read from the top of the entry index."""
    entries = ConditionEntry.objects.filter(**{f"{relation}_id": pk}).order_by(*_newest_first())
    picks = [
        entries.filter(standing=_KNOWN)[:1], entries.filter(standing=_UNKNOWN)[:1],
        entries[: Condition.SHOWN], entries.filter(standing=_PENDING)[: Condition.SHOWN],
    ]
    # A query for each pick: put together with OR, PostgreSQL reads every entry there is.
    keys = dict.fromkeys(key for pick in picks for key in pick.values_list("report_id", flat=True))
    # Counted from the index alone (``report_id`` is one of its columns, the key is not).
    total = entries.aggregate(n=Count("report_id"))["n"]
    return [(key, pk, total) for key in keys]


def _current_links(relation: str, ids: list[int]) -> list[tuple[int, int, int]]:
    """``_report_links`` with ``current_only``: for each record, its latest established
    entry with a severity and without, each read from the top of its entry index."""
    model = HeritageSite if relation == "site" else Artefact
    entries = (
        ConditionEntry.objects.filter(**{f"{relation}_id": OuterRef("pk")})
        .order_by(*_newest_first())
        .values("report_id")
    )
    rows = (
        model._base_manager.filter(pk__any_of=ids)
        .annotate(
            known=Subquery(entries.filter(standing=_KNOWN)[:1]),
            unknown=Subquery(entries.filter(standing=_UNKNOWN)[:1]),
        )
        .order_by()
        .values_list("pk", "known", "unknown")
    )
    return [(key, pk, 0) for pk, *keys in rows for key in keys if key is not None]


def _ranked_links(relation: str, ids: list[int]) -> list[tuple[int, int, int]]:
    """``_report_links`` for many records: their entries ranked by window functions."""
    owner = F(f"{relation}_id")
    order = _newest_first()
    shown = Condition.SHOWN
    chosen = ConditionEntry.objects.filter(**{f"{relation}_id__any_of": ids}).annotate(
        owner_id=owner,
        owner_total=Window(Count("pk"), partition_by=[owner]),
        rank=Window(RowNumber(), partition_by=[owner], order_by=order),
        rank_in_standing=Window(RowNumber(), partition_by=[owner, F("standing")], order_by=order),
    ).filter(
        Q(rank__lte=shown)
        | Q(standing__in=(_KNOWN, _UNKNOWN), rank_in_standing=1)
        | Q(standing=_PENDING, rank_in_standing__lte=shown)
    )
    return list(chosen.order_by().values_list("report_id", "owner_id", "owner_total"))


def _report_links(relation: str, ids: list[int], *, current_only: bool = False) -> list[SimpleNamespace]:
    """The published reports about the records ``ids`` (``relation`` is ``site`` or
    ``artefact``) that a condition needs, one for each report and record, each with the
    record's id as ``owner_id`` and the number of the record's reports as ``owner_total``.

    A busy site has thousands of reports, of which a condition reads few: the ``SHOWN``
    latest, the latest established one with a severity and without, and the latest
    ``SHOWN`` still to be confirmed. The database ranks the records' condition entries
    (``ConditionEntry``, narrow rows kept in this very order) with window functions, in
    one query for any number of records that returns keys alone, and a second query
    reads the chosen reports; the rest are counted, never loaded. For one record, each pick
    is read from the top of the entry index instead. With ``current_only``, only the two
    latest established ones are read, from the top of each record's index (``owner_total``
    is then 0): what the current condition rests on, and all a download writes.
    """
    if current_only:
        links = _current_links(relation, ids)
    elif len(ids) == 1:
        links = _one_owner_links(relation, ids[0])
    else:
        links = _ranked_links(relation, ids)
    # Published ones only, whatever the entries say: an entry left behind by a row written
    # past the registry's writers must never put an unpublished report in public view.
    rows = (
        DamageReport.objects.filter(lifecycle=PUBLISHED)
        .select_related("source", "retracted_by")
        .only(*STATE_REPORT_FIELDS)
    )
    found_reports = rows.in_bulk({pk for pk, _owner, _total in links}) if links else {}
    return [
        SimpleNamespace(report=found_reports[pk], owner_id=owner_id, owner_total=owner_total)
        for pk, owner_id, owner_total in links
        if pk in found_reports
    ]


def _collect(
    report_links: Iterable[Any], intervention_links: Iterable[Any], owner: str, ids: list[int],
    *, complete: bool = True,
) -> dict[int, Condition]:
    states: defaultdict[int, list[ConditionState]] = defaultdict(list)
    totals: defaultdict[int, int] = defaultdict(int)
    for link in report_links:
        states[link.owner_id].append(report_state(link.report))
        totals[link.owner_id] = link.owner_total
    for link in intervention_links:
        owner_id = getattr(link, f"{owner}_id")
        states[owner_id].append(intervention_state(link.intervention))
        totals[owner_id] += 1
    return {
        pk: Condition(timeline(states.get(pk, [])), totals.get(pk, 0), complete=complete) for pk in ids
    }


def artefact_conditions(
    artefacts: Iterable[Artefact], *, current_only: bool = False,
) -> dict[int, Condition]:
    """The condition of each artefact: three queries for any number of them. With
    ``current_only``, only what the current condition rests on is read (``Condition.complete``
    is False)."""
    ids = [artefact.pk for artefact in artefacts]
    reports = _report_links("artefact", ids, current_only=current_only)
    interventions = (
        Intervention.artefacts.through.objects.filter(
            artefact_id__in=ids, intervention__lifecycle=PUBLISHED
        )
        .select_related("intervention__kind")
        .prefetch_related(_intervention_citations())
    )
    return _collect(reports, interventions, "artefact", ids, complete=not current_only)


def site_conditions(
    sites: Iterable[HeritageSite], *, current_only: bool = False,
) -> dict[int, Condition]:
    """The condition of each site as a whole (records naming no artefact): three queries.
    ``current_only`` as for ``artefact_conditions``."""
    ids = [site.pk for site in sites]
    # A site's entries hold only the reports naming no artefact (``condition_entries``).
    reports = _report_links("site", ids, current_only=current_only)
    interventions = (
        Intervention.sites.through.objects.filter(
            heritagesite_id__in=ids,
            intervention__lifecycle=PUBLISHED,
            intervention__artefacts__isnull=True,
        )
        .select_related("intervention__kind")
        .prefetch_related(_intervention_citations())
    )
    return _collect(reports, interventions, "heritagesite", ids, complete=not current_only)


def condition_of(record: HeritageSite | Artefact) -> Condition:
    if isinstance(record, Artefact):
        return artefact_conditions([record])[record.pk]
    return site_conditions([record])[record.pk]
