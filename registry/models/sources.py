"""Sources that make claims, and citations that tie one source to one claim."""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.dates import EDTFField

from .actors import Actor
from .base import Record, RecordQuerySet, record_indexes, slug_url
from .vocabulary import Term


class Reliability(models.TextChoices):
    """Source reliability on the Admiralty (NATO) scale."""

    A = "A", _("A – completely reliable")
    B = "B", _("B – usually reliable")
    C = "C", _("C – fairly reliable")
    D = "D", _("D – not usually reliable")
    E = "E", _("E – unreliable")
    F = "F", _("F – reliability cannot be judged")


class SourceQuerySet(RecordQuerySet):
    def search(self, text: str):
        return self.filter(Q(title__icontains=text) | Q(description__icontains=text))


class Source(Record):
    """A document or broadcast that claims things."""

    title = models.CharField(_("title"), max_length=300)
    kind = models.ForeignKey(
        Term, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"vocabulary": Term.Vocabulary.SOURCE_KIND},
    )
    publisher = models.ForeignKey(
        Actor, verbose_name=_("publisher"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="published_sources",
    )
    author = models.ForeignKey(
        Actor, verbose_name=_("author"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="authored_sources",
    )
    published = EDTFField(_("date published"), lower_field="published_lower", upper_field="published_upper")
    published_lower = models.BigIntegerField(null=True, blank=True, editable=False, db_index=True)
    published_upper = models.BigIntegerField(null=True, blank=True, editable=False)
    url = models.URLField(_("URL"), max_length=500, blank=True)
    accessed_on = models.DateField(_("accessed on"), null=True, blank=True)
    archive_url = models.URLField(_("archived copy"), max_length=500, blank=True)
    language = models.CharField(_("language"), max_length=20, blank=True, help_text=_("BCP 47 tag, e.g. en, ar."))
    reliability = models.CharField(
        _("reliability"), max_length=1, choices=Reliability.choices, default=Reliability.F,
    )
    relays = models.ManyToManyField(
        "self", verbose_name=_("relays"), symmetrical=False, blank=True, related_name="relayed_by",
        help_text=_("Sources this one passes on: a wire report relaying state TV footage or an interview."),
    )
    description = models.TextField(_("description"), blank=True)

    objects = SourceQuerySet.as_manager()
    _history_m2m_fields = ["relays"]

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["-published_lower", "title"]
        indexes = record_indexes("source")
        constraints = [
            models.CheckConstraint(
                condition=Q(archive_url="") | ~Q(url=""), name="source_archive_needs_url",
                violation_error_message=_("An archived copy needs the original URL too."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return slug_url("registry:source-detail", self.slug)


# Every kind of record a citation may back, as the name of its foreign key.
CITATION_TARGETS = (
    "site", "artefact", "damage_event", "attribution", "damage_report",
    "pledge", "pledge_status", "intervention",
)


def _exactly_one_target() -> Q:
    return reduce(or_, (
        Q(**{f"{name}__isnull": False}, **{f"{other}__isnull": True for other in CITATION_TARGETS if other != name})
        for name in CITATION_TARGETS
    ))


class CitationQuerySet(RecordQuerySet):
    def for_source(self, source):
        return self.filter(source=source)


class Citation(Record):
    """One source backing (or disputing) one record, with the words it uses."""

    class Stance(models.TextChoices):
        SUPPORTS = "supports", _("Supports")
        DISPUTES = "disputes", _("Disputes")

    source = models.ForeignKey(Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="citations")
    quote = models.CharField(
        _("quoted phrase"), max_length=300, blank=True,
        help_text=_("A short phrase from the source, in its own words."),
    )
    locator = models.CharField(
        _("locator"), max_length=100, blank=True, help_text=_("Paragraph, page or timestamp, e.g. “para. 11”."),
    )
    speaker = models.ForeignKey(
        Actor, verbose_name=_("speaking"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="statements",
        help_text=_("Who is speaking in the source, when it reports someone else's words."),
    )
    stance = models.CharField(_("stance"), max_length=10, choices=Stance.choices, default=Stance.SUPPORTS)
    note = models.TextField(_("note"), blank=True)

    site = models.ForeignKey("registry.HeritageSite", null=True, blank=True, on_delete=models.PROTECT, related_name="citations")
    artefact = models.ForeignKey("registry.Artefact", null=True, blank=True, on_delete=models.PROTECT, related_name="citations")
    damage_event = models.ForeignKey("registry.DamageEvent", null=True, blank=True, on_delete=models.PROTECT, related_name="citations")
    attribution = models.ForeignKey("registry.Attribution", null=True, blank=True, on_delete=models.PROTECT, related_name="citations")
    damage_report = models.ForeignKey("registry.DamageReport", null=True, blank=True, on_delete=models.PROTECT, related_name="citations")
    pledge = models.ForeignKey("registry.RestorationPledge", null=True, blank=True, on_delete=models.PROTECT, related_name="citations")
    pledge_status = models.ForeignKey("registry.PledgeStatusChange", null=True, blank=True, on_delete=models.PROTECT, related_name="citations")
    intervention = models.ForeignKey("registry.Intervention", null=True, blank=True, on_delete=models.PROTECT, related_name="citations")

    objects = CitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("citation")
        verbose_name_plural = _("citations")
        ordering = ["source", "pk"]
        indexes = record_indexes("citation")
        constraints = [
            models.CheckConstraint(
                condition=_exactly_one_target(), name="citation_exactly_one_target",
                violation_error_message=_("A citation backs exactly one record."),
            ),
        ]

    def __str__(self) -> str:
        quote = f" “{self.quote}”" if self.quote else ""
        return f"{self.source}{quote}"

    @property
    def target(self):
        for name in CITATION_TARGETS:
            value = getattr(self, name)
            if value is not None:
                return value
        return None

    @property
    def target_field(self) -> str | None:
        for name in CITATION_TARGETS:
            if getattr(self, f"{name}_id") is not None:
                return name
        return None
