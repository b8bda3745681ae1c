"""The lifecycle through the API: moving a record, its review log, its public history."""

from __future__ import annotations

from rest_framework import serializers

from registry.models import Lifecycle
from registry.selectors.history import Change

from .access import RegistryPermission, partner_of
from .fields import AllowedChoiceField, StrictCharField


STATES = ", ".join(Lifecycle.values)


class TransitionSerializer(serializers.Serializer):
    to = AllowedChoiceField(choices=Lifecycle.values)
    version = serializers.IntegerField(
        min_value=1,
        help_text="The version you reviewed; a stale one is refused with 409.",
        error_messages={
            "required": "Send the version of the record you are moving, as read; "
            "a record changed since is refused with 409."
        },
    )
    reason = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=1000,
        help_text="Why. Required when returning a record to its submitter, "
        "who reads it in the review log.",
    )
    public_note = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=300,
        help_text="Optional note shown in the record's public history.",
    )


class TransitionPermission(RegistryPermission):
    """Partners may ask to move their own submissions; the workflow decides which moves."""

    def has_permission(self, request, view) -> bool:
        if partner_of(request) is not None:
            return True
        return super().has_permission(request, view)


class ReviewMoveSerializer(serializers.Serializer):
    moved_at = serializers.DateTimeField(read_only=True)
    from_state = serializers.CharField(read_only=True, help_text=f"One of: {STATES}.")
    to_state = serializers.CharField(read_only=True, help_text=f"One of: {STATES}.")
    by = serializers.SerializerMethodField(
        help_text="“curator”, “registry”, or the partner's slug."
    )
    reason = serializers.CharField(read_only=True)
    version = serializers.IntegerField(read_only=True, source="record_version")

    def get_by(self, move) -> str:
        if move.partner_id is not None:
            return move.partner.slug
        return "curator" if move.moved_by_id is not None else "registry"


class PublicHistorySerializer(serializers.Serializer):
    date = serializers.DateTimeField(read_only=True)
    change = serializers.ChoiceField(choices=Change.choices, read_only=True)
    fields = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Names of the fields that changed."
    )
    note = serializers.CharField(read_only=True, help_text="The curators' public note, if any.")
