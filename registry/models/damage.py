"""What happened: damage events, who is held responsible, and reports of damage."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from registry.dates import EDTFField
from registry.selectors.search import search_reports

from .actors import Actor
from .base import (
    Certainty, Extent, Quantified, Record, RecordQuerySet, Severity, about_site, record_indexes, slug_url,
)
from .places import Artefact, HeritageSite
from .sources import Source
from .vocabulary import Term


class DamageDescription(models.Model):
    """How damage is described, the same for events and for reports of them."""

    cause_category = models.ForeignKey(
        Term, verbose_name=_("cause category"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", limit_choices_to={"vocabulary": Term.Vocabulary.CAUSE_CATEGORY},
    )
    cause_type = models.ForeignKey(
        Term, verbose_name=_("cause type"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", limit_choices_to={"vocabulary": Term.Vocabulary.CAUSE_TYPE},
    )
    effects = models.ManyToManyField(
        Term, verbose_name=_("effects"), blank=True, related_name="+",
        limit_choices_to={"vocabulary": Term.Vocabulary.EFFECT_TYPE},
    )
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices, default=Severity.UNKNOWN)
    extent = models.CharField(_("extent"), max_length=16, choices=Extent.choices, default=Extent.UNKNOWN)

    class Meta:
        abstract = True


class DamageQuerySet(RecordQuerySet):
    def for_site(self, site):
        """Records about ``site`` or any site that is part of it."""
        return about_site(self, site)

    def chronological(self):
        return self.order_by(F("occurred_lower").asc(nulls_first=True), F("occurred_upper").asc(nulls_last=True), "pk")


class DamageEvent(DamageDescription, Record):
    """Something that happened to one or more sites or artefacts."""

    title = models.CharField(_("title"), max_length=300)
    sites = models.ManyToManyField(HeritageSite, verbose_name=_("sites"), related_name="damage_events")
    artefacts = models.ManyToManyField(Artefact, verbose_name=_("artefacts"), blank=True, related_name="damage_events")
    occurred = EDTFField(_("date"), lower_field="occurred_lower", upper_field="occurred_upper")
    occurred_lower = models.BigIntegerField(null=True, blank=True, editable=False, db_index=True)
    occurred_upper = models.BigIntegerField(null=True, blank=True, editable=False, db_index=True)
    description = models.TextField(_("description"), blank=True)

    objects = DamageQuerySet.as_manager()
    _history_m2m_fields = ["sites", "artefacts", "effects"]

    class Meta:
        verbose_name = _("damage event")
        verbose_name_plural = _("damage events")
        ordering = [F("occurred_lower").asc(nulls_first=True), "title"]
        indexes = record_indexes("event")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return slug_url("registry:event-detail", self.slug)


class Attribution(Record):
    """The claim that an actor is responsible for a damage event; cited like any claim."""

    # Without an index of its own: the unique pair (damage_event, actor) begins with it.
    damage_event = models.ForeignKey(
        DamageEvent, verbose_name=_("damage event"), on_delete=models.PROTECT, related_name="attributions",
        db_index=False,
    )
    actor = models.ForeignKey(Actor, verbose_name=_("held responsible"), on_delete=models.PROTECT, related_name="attributions")
    certainty = models.CharField(_("certainty"), max_length=16, choices=Certainty.choices, default=Certainty.MEDIUM)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("attribution of responsibility")
        verbose_name_plural = _("attributions of responsibility")
        ordering = ["damage_event", "actor__name"]
        indexes = record_indexes("attribution")
        constraints = [
            models.UniqueConstraint(fields=["damage_event", "actor"], name="attribution_unique_actor_per_event"),
        ]

    def __str__(self) -> str:
        return f"{self.actor} → {self.damage_event}"

    def get_absolute_url(self) -> str:
        return self.damage_event.get_absolute_url()


class ClaimStatus(models.TextChoices):
    REPORTED = "reported", _("Reported")
    CORROBORATED = "corroborated", _("Corroborated")
    CONFIRMED = "confirmed", _("Confirmed")
    DISPUTED = "disputed", _("Disputed")
    RETRACTED = "retracted", _("Retracted")


class DamageReportQuerySet(DamageQuerySet):
    def search(self, text: str, *, public: bool = True):
        """Reports found by their title or description, or by a name of their sites and
        artefacts (published ones, unless ``public`` is off, as in the admin)."""
        return search_reports(self, text, public=public)

    def confirmed(self):
        return self.filter(claim_status=ClaimStatus.CONFIRMED)

    def latest_first(self):
        return self.order_by(F("occurred_upper").desc(nulls_last=True), "-updated_at", "-pk")


class DamageReport(DamageDescription, Quantified, Record):
    """One source's account of damage. Reports may disagree; all are kept.

    ``quantity`` counts the items the report says were affected (3 vs 7 tower
    tombs), with the same precision scale as artefact groups.
    """

    title = models.CharField(_("title"), max_length=300)
    damage_event = models.ForeignKey(
        DamageEvent, verbose_name=_("damage event"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="reports",
    )
    source = models.ForeignKey(
        Source, verbose_name=_("reporting source"), on_delete=models.PROTECT, related_name="damage_reports",
    )
    sites = models.ManyToManyField(HeritageSite, verbose_name=_("sites"), related_name="damage_reports")
    artefacts = models.ManyToManyField(Artefact, verbose_name=_("artefacts"), blank=True, related_name="damage_reports")
    occurred = EDTFField(_("damage date"), lower_field="occurred_lower", upper_field="occurred_upper")
    # Ranges of the lower bound use the admin's index (occurred_lower, id), migration 0007b.
    occurred_lower = models.BigIntegerField(null=True, blank=True, editable=False)
    occurred_upper = models.BigIntegerField(null=True, blank=True, editable=False, db_index=True)
    observed = EDTFField(_("date observed"), lower_field="observed_lower", upper_field="observed_upper")
    observed_lower = models.BigIntegerField(null=True, blank=True, editable=False)
    observed_upper = models.BigIntegerField(null=True, blank=True, editable=False)
    certainty = models.CharField(_("certainty"), max_length=16, choices=Certainty.choices, default=Certainty.MEDIUM)
    claim_status = models.CharField(
        _("claim status"), max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.REPORTED,
    )  # indexed in Meta, without the pattern index db_index adds on PostgreSQL
    responsible = models.ForeignKey(
        Actor, verbose_name=_("held responsible"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="reports_blaming",
        help_text=_("Who this report says did it, if it names anyone. Reports naming different actors "
                    "for one event disagree."),
    )
    retracted_by = models.ForeignKey(
        Actor, verbose_name=_("retracted by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="retracted_reports",
        help_text=_("Who withdrew the claim (the source itself, or whoever corrected it); "
                    "only for a retracted claim."),
    )
    description = models.TextField(_("description"), blank=True)

    objects = DamageReportQuerySet.as_manager()
    _history_m2m_fields = ["sites", "artefacts", "effects"]

    class Meta:
        verbose_name = _("damage report")
        verbose_name_plural = _("damage reports")
        ordering = [F("occurred_lower").asc(nulls_first=True), "pk"]
        indexes = [
            # Not ``lifecycle_index``: its columns begin report_life_upd_id_idx, which serves it.
            models.Index(fields=["lifecycle", "claim_status"], name="report_life_claim_idx"),
            # The admin's filter by claim status, whatever the lifecycle.
            models.Index(fields=["claim_status"], name="report_claim_idx"),
            # The public list's default order (by date) and the newest-published reports on the
            # home page and in the feed: both read a page from the top of one of these.
            models.Index(fields=["lifecycle", "occurred_lower", "id"], name="report_life_occ_idx"),
            models.Index(fields=["lifecycle", "published_at", "id"], name="report_life_pub_idx"),
            # Lists by title (pages and API), the primary key breaking ties.
            models.Index(fields=["lifecycle", "title", "id"], name="report_life_title_idx"),
            # The API's default order, newest change first, primary key breaking ties.
            models.Index(fields=["lifecycle", "-updated_at", "-id"], name="report_life_upd_id_idx"),
            # The same order for a partner, who sees published reports or its own: such an OR
            # cannot use the index above, and a bulk import gives thousands the same time.
            models.Index(fields=["-updated_at", "-id"], name="report_upd_id_idx"),
            # A site's reports are found in the link table, then sorted by date: with their
            # dates in an index, a busy site's thousands of reports are read without their rows.
            models.Index(fields=["id"], include=["lifecycle", "occurred_lower", "occurred_upper"],
                         name="report_id_dates_idx"),
        ]
        constraints = [
            *Quantified.quantity_constraints("report"),
            models.CheckConstraint(
                condition=Q(retracted_by__isnull=True) | Q(claim_status=ClaimStatus.RETRACTED),
                name="report_retracted_by_only_when_retracted",
                violation_error_message=_("Only a retracted claim names who retracted it."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return slug_url("registry:report-detail", self.slug)
