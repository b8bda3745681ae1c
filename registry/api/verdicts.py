"""What the selectors decide, as API fields: disputes of reports and events, conditions of assets.

Each list is decided for a whole page at once: the list serializers below ask
the selector about every row of the page in a few queries, and the fields
read the answer from the serializer context. A single record is asked about
alone.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from registry.dates import format_day_key
from registry.selectors import condition as condition_rules
from registry.selectors import disputes as dispute_rules

from .access import may_read


class DifferenceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=dispute_rules.DIFFERENCE_KINDS,
        help_text=(
            "What differs: date (damage dates that cannot overlap), severity, extent, quantity, "
            "cause, responsible (actor held responsible), citation (a source disputes the report), "
            "status "
            "(curators marked the claim disputed)."
        ),
    )
    message = serializers.CharField(
        help_text='The difference in words, e.g. "numbers differ: 3 vs 7".'
    )
    values = serializers.ListField(
        child=serializers.CharField(), help_text="The values that disagree."
    )
    reports = serializers.ListField(
        child=serializers.CharField(), help_text="Slugs of the reports giving them."
    )


class ConditionStateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["report", "intervention"],
        help_text="What produced the state: a damage report or an intervention.",
    )
    record = serializers.CharField(help_text="Slug of that damage report or intervention.")
    label = serializers.CharField(help_text="The severity observed, or the kind of work done.")
    observed = serializers.CharField(help_text="EDTF date the state was observed.")
    observed_earliest = serializers.CharField(allow_null=True)
    observed_latest = serializers.CharField(allow_null=True)
    severity = serializers.CharField(
        help_text="Severity observed (for work: the damage remaining)."
    )
    extent = serializers.CharField()
    claim_status = serializers.CharField()
    sources = serializers.ListField(
        child=serializers.CharField(), help_text="Slugs of its sources."
    )


class ConditionSerializer(serializers.Serializer):
    current = ConditionStateSerializer(
        allow_null=True,
        help_text=(
            "The latest confirmed or corroborated state by observation date; null when none is."
        ),
    )
    severity = serializers.CharField(
        allow_null=True,
        help_text=(
            "Current severity; when the current state gives none, the latest established one "
            "that does."
        ),
    )
    reported = ConditionStateSerializer(
        many=True,
        help_text="Later states not yet confirmed, newest first: the latest 50 of them.",
    )
    timeline = ConditionStateSerializer(
        many=True,
        help_text=(
            "The latest 50 states, oldest first, and the current one when it is older; "
            "the reports themselves are listed by /damage-reports/?site= and ?artefact=."
        ),
    )
    timeline_count = serializers.IntegerField(help_text="How many states the whole timeline has.")


def state_data(state, request=None) -> dict:
    return {
        "kind": state.kind,
        "record": state.record.slug,
        "label": str(state.label),
        "observed": state.observed,
        "observed_earliest": format_day_key(state.observed_lower) or None,
        "observed_latest": format_day_key(state.observed_upper) or None,
        "severity": state.severity,
        "extent": state.extent,
        "claim_status": state.claim_status,
        "sources": [source.slug for source in state.sources if may_read(source, request)],
    }


def condition_data(condition, request=None) -> dict:
    current = condition.current
    return {
        "current": state_data(current, request) if current else None,
        "severity": condition.severity,
        "reported": [state_data(state, request) for state in condition.reported],
        "timeline": [state_data(state, request) for state in condition.shown],
        "timeline_count": condition.count,
    }


class _DecidedListSerializer(serializers.ListSerializer):
    """Decides a whole page at once and leaves the answers in the context."""

    context_key = ""

    def decide(self, rows: list) -> dict:
        raise NotImplementedError

    def to_representation(self, data):
        rows = list(data.all() if hasattr(data, "all") else data)
        self.context[self.context_key] = self.decide(rows)
        return super().to_representation(rows)


class VerdictListSerializer(_DecidedListSerializer):
    context_key = "verdicts"

    def decide(self, rows):
        decide = (
            dispute_rules.report_verdicts
            if self.child.Meta.model.__name__ == "DamageReport"
            else dispute_rules.event_verdicts
        )
        return decide(rows)


class ConditionListSerializer(_DecidedListSerializer):
    context_key = "conditions"

    def decide(self, rows):
        decide = (
            condition_rules.artefact_conditions
            if self.child.Meta.model.__name__ == "Artefact"
            else condition_rules.site_conditions
        )
        return decide(rows)


class VerdictFieldsMixin(serializers.Serializer):
    """``disputed`` and ``differences`` of a report or an event."""

    disputed = serializers.SerializerMethodField(
        help_text=("Whether the accounts disagree: see the registry's dispute rule in docs/api.md.")
    )
    differences = serializers.SerializerMethodField()

    def _verdict(self, record):
        verdicts = self.context.get("verdicts")
        if verdicts is None or record.pk not in verdicts:
            decide = (
                dispute_rules.report_verdicts
                if type(record).__name__ == "DamageReport"
                else dispute_rules.event_verdicts
            )
            verdicts = self.context.setdefault("verdicts", {})
            verdicts.update(decide([record]))
        return verdicts[record.pk]

    def get_disputed(self, record) -> bool:
        return self._verdict(record).disputed

    @extend_schema_field(DifferenceSerializer(many=True))
    def get_differences(self, record):
        return [difference.as_dict() for difference in self._verdict(record).differences]


class ConditionFieldMixin(serializers.Serializer):
    """``condition`` of a site (as a whole) or an artefact."""

    condition = serializers.SerializerMethodField()

    @extend_schema_field(ConditionSerializer)
    def get_condition(self, record):
        conditions = self.context.get("conditions")
        if conditions is None or record.pk not in conditions:
            conditions = self.context.setdefault("conditions", {})
            conditions[record.pk] = condition_rules.condition_of(record)
        return condition_data(conditions[record.pk], self.context.get("request"))
