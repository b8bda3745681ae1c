"""When reports disagree: the rules that mark an account, or an event's accounts, disputed."""

from __future__ import annotations

from dataclasses import dataclass, field

from registry.models import Citation, ClaimStatus, DamageReport
from registry.selectors.visibility import may_see


def report_is_disputed(report: DamageReport) -> bool:
    """Disputed by its status or by a source that contradicts it."""
    return report.claim_status == ClaimStatus.DISPUTED or any(
        citation.stance == Citation.Stance.DISPUTES for citation in report.citations.all()
    )


@dataclass
class EventAccounts:
    """Every report about one damage event, and whether they disagree."""

    event: object
    reports: list = field(default_factory=list)

    @property
    def disputed(self) -> bool:
        severities = {report.severity for report in self.reports}
        quantities = {report.quantity for report in self.reports if report.quantity is not None}
        return len(severities) > 1 or len(quantities) > 1 or any(map(report_is_disputed, self.reports))


def accounts_by_event(reports: list[DamageReport]) -> list[EventAccounts]:
    """Events reported more than once, with their reports in timeline order."""
    groups: dict[int, EventAccounts] = {}
    for report in reports:
        if may_see(report.damage_event):
            groups.setdefault(report.damage_event_id, EventAccounts(report.damage_event)).reports.append(report)
    return [group for group in groups.values() if len(group.reports) > 1]
