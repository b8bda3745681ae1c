"""The review log: every move of a record along its lifecycle, with who, when and why."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import Lifecycle


class LifecycleMoveQuerySet(models.QuerySet):
    def for_record(self, record):
        return self.filter(
            content_type=ContentType.objects.get_for_model(record), object_id=record.pk
        )

    def returns(self):
        """Moves that sent a record back from review to its submitter."""
        return self.filter(from_state=Lifecycle.IN_REVIEW, to_state=Lifecycle.DRAFT)

    def newest_first(self):
        return self.order_by("-moved_at", "-pk")


class LifecycleMove(models.Model):
    """One step of one record: draft → in review, in review → published, and so on.

    Written only by ``services.record_transition``; never edited or removed.
    The history of the record keeps the same step as a version, and this log
    keeps what the history cannot: the full reason, the partner institution
    that asked for it, and the state the record left.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    from_state = models.CharField(_("from"), max_length=16, choices=Lifecycle.choices)
    to_state = models.CharField(_("to"), max_length=16, choices=Lifecycle.choices)
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty for moves made by the registry itself (seed loader, imports)."),
    )
    partner = models.ForeignKey(
        "registry.PartnerInstitution",
        verbose_name=_("partner institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    moved_at = models.DateTimeField(_("moved at"), auto_now_add=True)
    reason = models.TextField(_("reason"), max_length=1000, blank=True)
    record_version = models.PositiveIntegerField(_("version after the move"))

    objects = LifecycleMoveQuerySet.as_manager()

    class Meta:
        verbose_name = _("lifecycle move")
        verbose_name_plural = _("lifecycle moves")
        ordering = ["-moved_at", "-pk"]
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "-moved_at"], name="registry_move_record_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_from_state_display()} → {self.get_to_state_display()}"

    @property
    def is_return(self) -> bool:
        return self.from_state == Lifecycle.IN_REVIEW and self.to_state == Lifecycle.DRAFT
