"""Each report of a damage event as its own assertion in Linked Art, disagreements kept.

A damage event's document does not pick one account: every published report
becomes an ``AttributeAssignment`` of the severity it gives, dated and
classified by its claim status, with its source as what the assertion rests
on (``influenced_by``, CRM P15: the Linked Art schema takes any reference
there, while P16 would take only objects). When the registry's dispute rule
finds that the accounts disagree, the event says so and in what, and each
disputed assertion is marked.
"""

from __future__ import annotations

from cromulent import model, vocab

from registry.models import DamageReport
from registry.selectors.disputes import report_verdicts

from . import linked_art as la


def _source_ref(base: str, source):
    return model.LinguisticObject(f"{base}/api/v1/sources/{source.slug}/", label=source.title)


def _account(base: str, report, verdict):
    # Embedded assignments take no id in Linked Art; the report's URI is kept as an identifier.
    assignment = model.AttributeAssignment(label=f"Account: {report.title}")
    assignment.identified_by = model.Identifier(
        content=f"{base}/api/v1/damage-reports/{report.slug}/"
    )
    assignment.classified_as = la._concept(
        base, "event_kind", "damage-account", "Account of damage"
    )
    assignment.classified_as = la._choice(base, "claim_status", report, "claim_status")
    assignment.assigned = la._choice(base, "severity", report, "severity")
    if span := la._timespan(report.occurred_lower, report.occurred_upper, report.occurred):
        assignment.timespan = span
    if la._is_public(report.source):
        assignment.influenced_by = _source_ref(base, report.source)
    note = f"Severity: {report.get_severity_display()}; how many: {report.quantity_display}."
    if verdict.disputed:
        assignment.classified_as = la._concept(base, "claim_status", "disputed", "Disputed")
        note = f"{note} Disputed: {verdict.summary}."
    assignment.referred_to_by = la._statement(note)
    la._set_assigned_property(assignment, "classified_as")
    return assignment


def add_accounts(base: str, activity, event) -> None:
    """Attach every published report of ``event`` to its Activity, and any disagreement."""
    reports = list(
        DamageReport.objects.published()
        .filter(damage_event=event)
        .select_related("source", "cause_category", "cause_type", "responsible")
        .order_by("occurred_lower", "pk")
    )
    verdicts = report_verdicts(reports)
    for report in reports:
        activity.attributed_by = _account(base, report, verdicts[report.pk])
    disputed = sorted(
        {difference.message for verdict in verdicts.values() for difference in verdict.differences}
    )
    if disputed:
        activity.referred_to_by = la._statement(
            f"The accounts of this event disagree: {'; '.join(disputed)}.", vocab.Note
        )
