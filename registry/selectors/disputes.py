"""When accounts of one damage event disagree, and in what: the one rule every surface uses.

Two reports are compared only when they are about the same damage event and
the same asset: the same artefact (their artefacts overlap), or, for reports
about no artefact in particular, the same site. They disagree when both give
a value for one of these and the values cannot both hold:

- the date of the damage: EDTF intervals that do not overlap (an open end is
  unbounded, a missing date is no value);
- severity or extent: "unknown" is no value, not a different one; and two
  observations made at dates that do not overlap are successive states of
  the asset (a timeline), not a disagreement;
- quantity: exact counts that differ, or approximate ones whose ranges
  (± ``APPROXIMATE_MARGIN``) do not meet; a vague quantity is no number;
- cause: cause types that differ, or a type outside the other's category;
- the actor held responsible.

A report is also disputed when a published citation disputes it, or when a
curator set its claim status to "disputed". A retracted claim is shown but
compared with nothing: it makes no other report disputed and is never
disputed itself.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from django.utils.translation import gettext as _

from registry.models import (
    Actor,
    Citation,
    ClaimStatus,
    DamageEvent,
    DamageReport,
    Lifecycle,
    QuantityPrecision,
    Severity,
    Term,
)
from registry.selectors.visibility import may_see

APPROXIMATE_MARGIN = 0.25  # "about 20" covers 15 to 25
UNKNOWN_SLUG = "unknown"
# What ``compare`` reads of a report beyond its own row; loaded with every report it is given.
ACCOUNT_RELATED = ("cause_type", "cause_category", "responsible")
DIFFERENCE_KINDS = (
    "date",
    "severity",
    "extent",
    "quantity",
    "cause",
    "responsible",
    "citation",
    "status",
)


@dataclass(frozen=True)
class Difference:
    """One thing the accounts disagree on, with the values given and who gives them."""

    kind: str
    values: tuple[str, ...]
    reports: tuple[str, ...]

    @property
    def message(self) -> str:
        values = _(" vs ").join(self.values)
        templates = {
            "date": _("dates differ: %(values)s"),
            "severity": _("severity differs: %(values)s"),
            "extent": _("extent differs: %(values)s"),
            "quantity": _("numbers differ: %(values)s"),
            "cause": _("causes differ: %(values)s"),
            "responsible": _("held responsible differs: %(values)s"),
            "citation": _("disputed by %(values)s"),
            "status": _("marked disputed by the registry's curators"),
        }
        return templates[self.kind] % {"values": values}

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "message": self.message,
            "values": list(self.values),
            "reports": list(self.reports),
        }


@dataclass
class Verdict:
    disputed: bool = False
    retracted: bool = False
    differences: list[Difference] = field(default_factory=list)

    @property
    def kinds(self) -> set[str]:
        return {difference.kind for difference in self.differences}

    @property
    def summary(self) -> str:
        return "; ".join(difference.message for difference in self.differences)


@dataclass
class Account:
    """A report with what the rule needs about it, loaded in bulk."""

    report: DamageReport
    artefact_ids: frozenset[int] = frozenset()
    site_ids: frozenset[int] = frozenset()
    disputing_sources: tuple[str, ...] = ()

    @property
    def slug(self) -> str:
        return self.report.slug

    @property
    def retracted(self) -> bool:
        return self.report.claim_status == ClaimStatus.RETRACTED


def _overlap(
    lower_a: int | None, upper_a: int | None, lower_b: int | None, upper_b: int | None,
) -> bool | None:
    """Whether two intervals meet; None when either has no bound at all (no value)."""
    if (lower_a is None and upper_a is None) or (lower_b is None and upper_b is None):
        return None
    starts_before_b_ends = lower_a is None or upper_b is None or lower_a <= upper_b
    starts_before_a_ends = lower_b is None or upper_a is None or lower_b <= upper_a
    return starts_before_b_ends and starts_before_a_ends


def same_asset(a: Account, b: Account) -> bool:
    if a.report.damage_event_id is None or a.report.damage_event_id != b.report.damage_event_id:
        return False
    if a.artefact_ids or b.artefact_ids:
        return bool(a.artefact_ids & b.artefact_ids)
    return bool(a.site_ids & b.site_ids)


def _quantity_range(report: DamageReport) -> tuple[int, int] | None:
    if report.quantity is None or report.quantity_precision == QuantityPrecision.VAGUE:
        return None
    if report.quantity_precision == QuantityPrecision.EXACT:
        return report.quantity, report.quantity
    spread = max(1, math.ceil(report.quantity * APPROXIMATE_MARGIN))
    return report.quantity - spread, report.quantity + spread


def _cause(report: DamageReport) -> Term | None:
    if report.cause_type is not None and report.cause_type.slug != UNKNOWN_SLUG:
        return report.cause_type
    if report.cause_category is not None and report.cause_category.slug != UNKNOWN_SLUG:
        return report.cause_category
    return None


def _causes_differ(a: Term, b: Term) -> bool:
    if a.vocabulary == b.vocabulary:
        return bool(a.pk != b.pk)
    cause_type, category = (a, b) if a.vocabulary == "cause_type" else (b, a)
    return cause_type.broader_id is not None and cause_type.broader_id != category.pk


def _actor_name(actor: Actor | None) -> str:
    if actor is not None and may_see(actor):
        return actor.name
    return _("an unnamed actor")


def _date_text(report: DamageReport) -> str:
    from registry.templatetags.registry_tags import edtf_human

    return edtf_human(report.occurred)


def compare(a: Account, b: Account) -> list[Difference]:
    """What two accounts of the same event and asset disagree on (empty if they agree)."""
    if a.retracted or b.retracted or not same_asset(a, b):
        return []
    ra, rb, slugs = a.report, b.report, (a.slug, b.slug)
    found = []
    if (
        _overlap(ra.occurred_lower, ra.occurred_upper, rb.occurred_lower, rb.occurred_upper)
        is False
    ):
        found.append(Difference("date", (_date_text(ra), _date_text(rb)), slugs))
    observed_apart = (
        _overlap(ra.observed_lower, ra.observed_upper, rb.observed_lower, rb.observed_upper)
        is False
    )
    if not observed_apart:
        if Severity.UNKNOWN not in (ra.severity, rb.severity) and ra.severity != rb.severity:
            found.append(
                Difference(
                    "severity", (ra.get_severity_display(), rb.get_severity_display()), slugs
                )
            )
        if "unknown" not in (ra.extent, rb.extent) and ra.extent != rb.extent:
            found.append(
                Difference("extent", (ra.get_extent_display(), rb.get_extent_display()), slugs)
            )
    range_a, range_b = _quantity_range(ra), _quantity_range(rb)
    if range_a and range_b and (range_a[1] < range_b[0] or range_b[1] < range_a[0]):
        found.append(Difference("quantity", (ra.quantity_display, rb.quantity_display), slugs))
    cause_a, cause_b = _cause(ra), _cause(rb)
    if cause_a is not None and cause_b is not None and _causes_differ(cause_a, cause_b):
        found.append(Difference("cause", (cause_a.label, cause_b.label), slugs))
    if ra.responsible_id and rb.responsible_id and ra.responsible_id != rb.responsible_id:
        found.append(
            Difference(
                "responsible", (_actor_name(ra.responsible), _actor_name(rb.responsible)), slugs
            )
        )
    return found


def own_differences(account: Account) -> list[Difference]:
    """What disputes a report by itself: a disputing source, or a curator's verdict."""
    return _own_differences(account.slug, account.report.claim_status, account.disputing_sources)


def _own_differences(slug: str, claim_status: str, disputing: tuple[str, ...]) -> list[Difference]:
    if claim_status == ClaimStatus.RETRACTED:
        return []
    found = []
    if disputing:
        found.append(Difference("citation", disputing, (slug,)))
    if claim_status == ClaimStatus.DISPUTED:
        found.append(Difference("status", (), (slug,)))
    return found


def merge(differences: list[Difference]) -> list[Difference]:
    """One difference per kind, values and reports in the order first given."""
    by_kind: dict[str, tuple[dict[str, None], dict[str, None]]] = {}
    for difference in differences:
        values, reports = by_kind.setdefault(difference.kind, ({}, {}))
        values.update(dict.fromkeys(difference.values))
        reports.update(dict.fromkeys(difference.reports))
    return [
        Difference(kind, tuple(by_kind[kind][0]), tuple(by_kind[kind][1]))
        for kind in DIFFERENCE_KINDS
        if kind in by_kind
    ]


def verdict_of(differences: list[Difference], *, retracted: bool = False) -> Verdict:
    merged = merge(differences)
    return Verdict(disputed=bool(merged), retracted=retracted, differences=merged)


def _report_rows(reports: list[DamageReport]) -> list[DamageReport]:
    """The given reports and every published report of their events, each once."""
    event_ids = {report.damage_event_id for report in reports if report.damage_event_id}
    rows = {report.pk: report for report in reports}
    if event_ids:
        siblings = (
            DamageReport.objects.published()
            .filter(damage_event_id__in=event_ids)
            .select_related(*ACCOUNT_RELATED)
        )
        rows.update({report.pk: report for report in siblings if report.pk not in rows})
    return list(rows.values())


def disputing_sources(report_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
    """Titles of the published sources whose published citations dispute each report, oldest first."""
    disputing: defaultdict[int, list[str]] = defaultdict(list)
    for report_id, title in (
        Citation.objects.published()
        .filter(
            damage_report_id__any_of=list(report_ids),
            stance=Citation.Stance.DISPUTES,
            source__lifecycle=Lifecycle.PUBLISHED,
        )
        .order_by("source__published_lower", "pk")
        .values_list("damage_report_id", "source__title")
    ):
        if title not in disputing[report_id]:
            disputing[report_id].append(title)
    return {report_id: tuple(titles) for report_id, titles in disputing.items()}


def load_accounts(reports: list[DamageReport]) -> dict[int, Account]:
    """Accounts of ``reports`` and of their events' other published reports: four queries at most."""
    rows = _report_rows(list(reports))
    if not rows:
        return {}
    # Only reports of an event are compared (``same_asset``), so only theirs need their assets.
    of_events = [report.pk for report in rows if report.damage_event_id]
    artefacts: defaultdict[int, set[int]] = defaultdict(set)
    sites: defaultdict[int, set[int]] = defaultdict(set)
    if of_events:
        for report_id, artefact_id in DamageReport.artefacts.through.objects.filter(
            damagereport_id__any_of=of_events
        ).values_list("damagereport_id", "artefact_id"):
            artefacts[report_id].add(artefact_id)
        for report_id, site_id in DamageReport.sites.through.objects.filter(
            damagereport_id__any_of=of_events
        ).values_list("damagereport_id", "heritagesite_id"):
            sites[report_id].add(site_id)
    disputing = disputing_sources(report.pk for report in rows)
    return {
        report.pk: Account(
            report,
            frozenset(artefacts[report.pk]),
            frozenset(sites[report.pk]),
            disputing.get(report.pk, ()),
        )
        for report in rows
    }


def _by_event(accounts: dict[int, Account]) -> dict[int, list[Account]]:
    groups = defaultdict(list)
    for account in accounts.values():
        if account.report.damage_event_id and account.report.lifecycle == Lifecycle.PUBLISHED:
            groups[account.report.damage_event_id].append(account)
    return groups


@dataclass
class Decisions:
    """Verdicts on a set of reports and on their events, from one load of their accounts."""

    accounts: dict[int, Account]
    reports: dict[int, Verdict]

    def event(self, event_id: int) -> Verdict:
        group = [
            account
            for account in self.accounts.values()
            if account.report.damage_event_id == event_id
            and account.report.lifecycle == Lifecycle.PUBLISHED
        ]
        return event_verdict(sorted(group, key=_chronological))


def decide(reports: Iterable[DamageReport]) -> Decisions:
    """Compare each report with its event's other published reports (four queries in all)."""
    reports = list(reports)
    accounts = load_accounts(reports)
    events = _by_event(accounts)
    verdicts = {}
    for report in reports:
        account = accounts[report.pk]
        found = own_differences(account)
        event_id = report.damage_event_id
        for other in events.get(event_id, []) if event_id is not None else []:
            if other.report.pk != report.pk:
                found += compare(account, other)
        verdicts[report.pk] = verdict_of(found, retracted=account.retracted)
    return Decisions(accounts, verdicts)


def report_verdicts(reports: Iterable[DamageReport]) -> dict[int, Verdict]:
    """The verdict on each report, compared with its event's other published reports."""
    return decide(reports).reports


def row_verdicts(rows: list[dict[str, Any]]) -> dict[int, Verdict]:
    """``report_verdicts`` for reports given as rows of columns (``pk``, ``slug``,
    ``claim_status``, ``damage_event_id``), as a download reads them.

    A report of no event is compared with nothing, so its own differences are
    its verdict: one query for any number of them. Reports of an event are
    loaded and decided with their event's other reports, as everywhere else.
    """
    of_events = [row["pk"] for row in rows if row["damage_event_id"]]
    verdicts = report_verdicts(
        DamageReport.objects.filter(pk__any_of=of_events).select_related(*ACCOUNT_RELATED)
    ) if of_events else {}
    alone = [row for row in rows if not row["damage_event_id"]]
    disputing = disputing_sources(row["pk"] for row in alone) if alone else {}
    for row in alone:
        differences = _own_differences(row["slug"], row["claim_status"], disputing.get(row["pk"], ()))
        verdicts[row["pk"]] = verdict_of(differences, retracted=row["claim_status"] == ClaimStatus.RETRACTED)
    return verdicts


def event_verdict(accounts: list[Account]) -> Verdict:
    found = [difference for account in accounts for difference in own_differences(account)]
    for index, account in enumerate(accounts):
        for other in accounts[index + 1 :]:
            found += compare(account, other)
    return verdict_of(found)


def event_verdicts(events: Iterable[DamageEvent]) -> dict[int, Verdict]:
    """The verdict on each event over its published reports: five queries for any number."""
    events = list(events)
    reports = list(
        DamageReport.objects.published()
        .filter(damage_event__in=events)
        .select_related(*ACCOUNT_RELATED)
    )
    groups = _by_event(load_accounts(reports))
    return {
        event.pk: event_verdict(sorted(groups.get(event.pk, []), key=_chronological))
        for event in events
    }


def _chronological(account: Account) -> tuple[bool, int, int]:
    report = account.report
    return (report.occurred_lower is not None, report.occurred_lower or 0, report.pk)


@dataclass
class EventAccounts:
    """Every report about one damage event, side by side, and what they disagree on."""

    event: DamageEvent
    reports: list[DamageReport]
    verdict: Verdict

    @property
    def disputed(self) -> bool:
        return self.verdict.disputed


def event_accounts(
    reports: list[DamageReport], decisions: Decisions | None = None
) -> list[EventAccounts]:
    """Events that ``reports`` tell more than once, in the order the reports come.

    The reports must have their ``damage_event`` loaded. Each table's verdict
    is the event's, over all its published reports.
    """
    groups: dict[int, list[DamageReport]] = {}
    for report in reports:
        event = report.damage_event
        if event is not None and may_see(event):
            groups.setdefault(event.pk, []).append(report)
    groups = {pk: group for pk, group in groups.items() if len(group) > 1}
    decisions = decisions or decide([report for group in groups.values() for report in group])
    return [
        # Every report of a group was kept for the event it names.
        EventAccounts(cast(DamageEvent, group[0].damage_event), group, decisions.event(pk))
        for pk, group in groups.items()
    ]
