"""Promises to restore, the evidence of their progress, and work actually done."""

from __future__ import annotations

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from registry.dates import EDTFField

from .actors import Actor
from .base import Extent, Record, RecordQuerySet, Severity, about_site, record_indexes, slug_url
from .damage import ClaimStatus
from .places import Artefact, HeritageSite
from .vocabulary import Term


class PledgeStatus(models.TextChoices):
    PLEDGED = "pledged", _("Pledged")
    IN_PROGRESS = "in_progress", _("In progress")
    PARTLY_FULFILLED = "partly_fulfilled", _("Partly fulfilled")
    FULFILLED = "fulfilled", _("Fulfilled")
    LAPSED = "lapsed", _("Lapsed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_PLEDGE_STATUSES = (PledgeStatus.PLEDGED, PledgeStatus.IN_PROGRESS, PledgeStatus.PARTLY_FULFILLED)


class RestorationPledgeQuerySet(RecordQuerySet):
    def for_site(self, site):
        return about_site(self, site)

    def open(self):
        return self.filter(status__in=OPEN_PLEDGE_STATUSES)

    def overdue(self, today_key: int):
        """Open pledges whose target date lies wholly before ``today_key`` (a day key)."""
        return self.open().filter(target_upper__lt=today_key)


class RestorationPledge(Record):
    title = models.CharField(_("title"), max_length=300)
    pledger = models.ForeignKey(Actor, verbose_name=_("pledged by"), on_delete=models.PROTECT, related_name="pledges")
    beneficiary = models.ForeignKey(
        Actor, verbose_name=_("pledged to"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="pledges_received", help_text=_("The institution or people the promise was made to, if named."),
    )
    action = models.ForeignKey(
        Term, verbose_name=_("promised action"), on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"vocabulary": Term.Vocabulary.PLEDGE_ACTION},
    )
    sites = models.ManyToManyField(HeritageSite, verbose_name=_("sites"), related_name="pledges")
    artefacts = models.ManyToManyField(Artefact, verbose_name=_("artefacts"), blank=True, related_name="pledges")
    pledged = EDTFField(_("date pledged"), lower_field="pledged_lower", upper_field="pledged_upper")
    pledged_lower = models.BigIntegerField(null=True, blank=True, editable=False, db_index=True)
    pledged_upper = models.BigIntegerField(null=True, blank=True, editable=False)
    target = EDTFField(_("target date"), lower_field="target_lower", upper_field="target_upper")
    target_lower = models.BigIntegerField(null=True, blank=True, editable=False)
    target_upper = models.BigIntegerField(null=True, blank=True, editable=False, db_index=True)
    amount = models.DecimalField(
        _("amount"), max_digits=16, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)],
    )
    currency = models.CharField(
        _("currency"), max_length=3, blank=True,
        validators=[RegexValidator(r"^[A-Z]{3}$", _("Use an ISO 4217 code such as USD or EUR."))],
    )
    conditions = models.TextField(_("conditions"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=PledgeStatus.choices, default=PledgeStatus.PLEDGED,
        editable=False, help_text=_("Follows the latest recorded status change."),
    )
    description = models.TextField(_("description"), blank=True)

    objects = RestorationPledgeQuerySet.as_manager()
    _history_m2m_fields = ["sites", "artefacts"]

    class Meta:
        verbose_name = _("restoration pledge")
        verbose_name_plural = _("restoration pledges")
        ordering = [F("pledged_lower").asc(nulls_first=True), "title"]
        indexes = [
            *record_indexes("pledge"),
            # Lists by status (indexed in Meta, without the LIKE index of db_index).
            models.Index(fields=["status"], name="pledge_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="pledge_amount_not_negative",
                violation_error_message=_("The amount cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | ~Q(currency=""), name="pledge_amount_has_currency",
                violation_error_message=_("An amount needs a currency."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return slug_url("registry:pledge-detail", self.slug)


class PledgeParty(models.Model):
    """One of the parties to a pledge and its part in it (Notre-Dame: the state and two donors)."""

    class Role(models.TextChoices):
        PLEDGER = "pledger", _("Pledger")
        FUNDER = "funder", _("Funder")
        IMPLEMENTER = "implementer", _("Implementer")

    pledge = models.ForeignKey(
        RestorationPledge, verbose_name=_("pledge"), on_delete=models.CASCADE, related_name="parties",
    )
    actor = models.ForeignKey(Actor, verbose_name=_("actor"), on_delete=models.PROTECT, related_name="pledge_parts")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.PLEDGER)
    amount = models.DecimalField(
        _("amount"), max_digits=16, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)],
        help_text=_("This party's share, in the pledge's currency, if the source gives one."),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("party to a pledge")
        verbose_name_plural = _("parties to the pledge")
        ordering = ["pledge", "role", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["pledge", "actor", "role"], name="pledge_party_unique_role"),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="pledge_party_amount_not_negative",
                violation_error_message=_("The amount cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.actor} ({self.get_role_display()})"


class PledgeStatusChangeQuerySet(RecordQuerySet):
    def latest_first(self):
        return self.order_by(F("date_lower").desc(nulls_last=True), "-created_at", "-pk")


class PledgeStatusChange(Record):
    """A pledge's status from a given date, with citations as its evidence."""

    pledge = models.ForeignKey(
        RestorationPledge, verbose_name=_("pledge"), on_delete=models.PROTECT, related_name="status_changes",
    )
    status = models.CharField(_("status"), max_length=20, choices=PledgeStatus.choices)
    date = EDTFField(_("date"), lower_field="date_lower", upper_field="date_upper")
    date_lower = models.BigIntegerField(null=True, blank=True, editable=False)
    date_upper = models.BigIntegerField(null=True, blank=True, editable=False)
    note = models.TextField(_("note"), blank=True)

    objects = PledgeStatusChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("pledge status change")
        verbose_name_plural = _("pledge status history")
        ordering = [F("date_lower").asc(nulls_first=True), "created_at", "pk"]
        indexes = record_indexes("pledgestatus")

    def __str__(self) -> str:
        return f"{self.get_status_display()} ({self.date or '?'})"

    def get_absolute_url(self) -> str:
        return self.pledge.get_absolute_url()


class Intervention(Record):
    """Restoration work actually done, and the pledges it fulfils."""

    title = models.CharField(_("title"), max_length=300)
    kind = models.ForeignKey(
        Term, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"vocabulary": Term.Vocabulary.INTERVENTION_KIND},
    )
    sites = models.ManyToManyField(HeritageSite, verbose_name=_("sites"), related_name="interventions")
    artefacts = models.ManyToManyField(Artefact, verbose_name=_("artefacts"), blank=True, related_name="interventions")
    performed_by = models.ForeignKey(
        Actor, verbose_name=_("performed by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="interventions",
    )
    date = EDTFField(_("date"), lower_field="date_lower", upper_field="date_upper")
    date_lower = models.BigIntegerField(null=True, blank=True, editable=False, db_index=True)
    date_upper = models.BigIntegerField(null=True, blank=True, editable=False)
    pledges = models.ManyToManyField(
        RestorationPledge, verbose_name=_("fulfils pledges"), blank=True, related_name="interventions",
    )
    claim_status = models.CharField(
        _("claim status"), max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.REPORTED,
        help_text=_("As for damage reports: only confirmed or corroborated work changes a current condition."),
    )
    severity_after = models.CharField(
        _("damage remaining"), max_length=16, choices=Severity.choices, default=Severity.UNKNOWN,
        help_text=_("The damage still visible once the work was done: intact after a full rebuilding, "
                    "slight after a partial restoration; unknown if no one assessed it."),
    )
    extent_after = models.CharField(
        _("extent remaining"), max_length=16, choices=Extent.choices, default=Extent.UNKNOWN,
    )
    description = models.TextField(_("description"), blank=True)

    objects = RecordQuerySet.as_manager()
    _history_m2m_fields = ["sites", "artefacts", "pledges"]

    class Meta:
        verbose_name = _("intervention")
        verbose_name_plural = _("interventions")
        ordering = [F("date_lower").asc(nulls_first=True), "title"]
        indexes = record_indexes("intervention")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return slug_url("registry:intervention-detail", self.slug)
