"""Open vocabularies that curators extend, each term optionally mapped to Getty AAT."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

AAT_URI_VALIDATOR = RegexValidator(
    r"^http://vocab\.getty\.edu/aat/[0-9]{9}$",
    _("Enter a Getty AAT URI such as http://vocab.getty.edu/aat/300007466."),
)


class TermQuerySet(models.QuerySet):
    def of(self, vocabulary: str):
        return self.filter(vocabulary=vocabulary)

    def active(self):
        return self.filter(is_active=True)

    def get_by_natural_key(self, vocabulary, slug):
        return self.get(vocabulary=vocabulary, slug=slug)


class Term(models.Model):
    class Vocabulary(models.TextChoices):
        SITE_KIND = "site_kind", _("Kind of site")
        ARTEFACT_KIND = "artefact_kind", _("Kind of artefact")
        CAUSE_CATEGORY = "cause_category", _("Cause category")
        CAUSE_TYPE = "cause_type", _("Cause type")
        EFFECT_TYPE = "effect_type", _("Effect type")
        MATERIAL = "material", _("Material")
        SOURCE_KIND = "source_kind", _("Kind of source")
        DESIGNATION = "designation", _("Designation")
        PLEDGE_ACTION = "pledge_action", _("Pledged action")
        INTERVENTION_KIND = "intervention_kind", _("Kind of intervention")

    vocabulary = models.CharField(_("vocabulary"), max_length=32, choices=Vocabulary.choices)
    slug = models.SlugField(_("slug"), max_length=80)
    label = models.CharField(_("label"), max_length=120)
    label_ar = models.CharField(_("Arabic label"), max_length=120, blank=True)
    description = models.TextField(_("scope note"), blank=True)
    aat_uri = models.URLField(
        _("Getty AAT URI"), blank=True, validators=[AAT_URI_VALIDATOR],
        help_text=_("The matching Art & Architecture Thesaurus concept, if there is one."),
    )
    broader = models.ForeignKey(
        "self", verbose_name=_("broader term"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="narrower",
        help_text=_("For a cause type: the cause category it belongs to."),
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive terms stay on old records but are no longer offered."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    history = HistoricalRecords()
    objects = TermQuerySet.as_manager()

    class Meta:
        verbose_name = _("vocabulary term")
        verbose_name_plural = _("vocabulary terms")
        ordering = ["vocabulary", "label"]
        constraints = [
            models.UniqueConstraint(fields=["vocabulary", "slug"], name="term_unique_slug_per_vocabulary"),
            models.UniqueConstraint(fields=["vocabulary", "label"], name="term_unique_label_per_vocabulary"),
        ]

    def __str__(self) -> str:
        return self.label

    def natural_key(self):
        return (self.vocabulary, self.slug)
