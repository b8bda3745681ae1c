"""What every record of the registry shares: lifecycle, version, history, scales."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connections, models
from django.db.models import Q
from django.urls import get_script_prefix, get_urlconf, reverse
from django.urls.converters import SlugConverter
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from registry.dates import EDTFModelMixin


class Lifecycle(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    RETRACTED = "retracted", _("Retracted")
    ARCHIVED = "archived", _("Archived")


class Certainty(models.TextChoices):
    DEFINITE = "definite", _("Definite")
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")
    NEGLIGIBLE = "negligible", _("Negligible")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class Severity(models.TextChoices):
    INTACT = "intact", _("Intact / no damage")
    SLIGHT = "slight", _("Slight")
    MODERATE = "moderate", _("Moderate")
    SEVERE = "severe", _("Severe")
    DESTROYED = "destroyed", _("Destroyed")
    UNKNOWN = "unknown", _("Unknown")


class Extent(models.TextChoices):
    NONE_VISIBLE = "none", _("No visible/known damage")
    UP_TO_10 = "1-10", _("1–10 %")
    UP_TO_30 = "11-30", _("11–30 %")
    UP_TO_60 = "31-60", _("31–60 %")
    UP_TO_90 = "61-90", _("61–90 %")
    UP_TO_100 = "91-100", _("91–100 %")
    UNKNOWN = "unknown", _("Unknown")


class QuantityPrecision(models.TextChoices):
    EXACT = "exact", _("Exact")
    APPROXIMATE = "approximate", _("Approximate")
    VAGUE = "vague", _("Vague (“several”, “dozens”)")
    UNKNOWN = "unknown", _("Unknown")


# Above this many rows (as the planner expects them), counts shown to readers are estimates.
ESTIMATE_ABOVE = 100_000


class RecordQuerySet(models.QuerySet):
    """Reads shared by every record; public paths start from ``published()``."""

    def published(self):
        return self.filter(lifecycle=Lifecycle.PUBLISHED)

    def in_review(self):
        return self.filter(lifecycle=Lifecycle.IN_REVIEW)

    def drafts(self):
        return self.filter(lifecycle=Lifecycle.DRAFT)

    def visible_to_partner(self, partner):
        """Published records, plus the partner's own submissions in any state
        (the rule of ``registry.selectors.visibility``, which also weighs what a record rests on)."""
        from registry.selectors import visibility  # the selectors read these models

        return visibility.visible(self, visibility.partner_reader(partner))

    def withdrawn(self):
        """Records a mirror must remove or flag: retracted or archived."""
        return self.filter(lifecycle__in=[Lifecycle.RETRACTED, Lifecycle.ARCHIVED])

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)

    def estimated_count(self) -> int:
        """How many rows, without counting a large table row by row.

        On PostgreSQL, when the planner expects at least ``ESTIMATE_ABOVE``
        rows, its estimate (from the statistics ANALYZE keeps) is returned,
        rounded to three significant figures so it does not pass for exact;
        otherwise, and on other databases, ``COUNT(*)``.
        """
        connection = connections[self.db]
        if connection.vendor == "postgresql":
            sql, params = self.order_by().values("pk").query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
                plan = cursor.fetchone()[0]
            estimate = int((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]["Plan Rows"])
            if estimate >= ESTIMATE_ABOVE:
                return round(estimate, 3 - len(str(estimate)))
        return self.count()


RecordManager = models.Manager.from_queryset(RecordQuerySet)


class PublicNoteHistory(models.Model):
    """What each version of a record adds to simple-history's row: a note for the public.

    The change reason beside it is internal (curators write it for each other);
    this note, optional, is what the public history of the record shows.
    """

    history_public_note = models.CharField(
        _("public note"), max_length=300, blank=True,
        help_text=_("Shown to the public beside this change."),
    )

    class Meta:
        abstract = True


def _copy_public_note(sender, instance, history_instance, **kwargs) -> None:
    # Set by services, next to simple-history's own ``_change_reason``.
    if hasattr(history_instance, "history_public_note"):
        history_instance.history_public_note = getattr(instance, "_public_note", "") or ""


pre_create_historical_record.connect(_copy_public_note, dispatch_uid="registry_public_note")

_SLUG = re.compile(rf"{SlugConverter.regex}\Z")
_SLUG_MARK = "slug-to-fill-in"
# (view, script prefix, URLconf, language) -> the URL's text before and after the slug.
_slug_url_shapes: dict[tuple[str, str, Any, str | None], tuple[str, str] | None] = {}


def slug_url(viewname: str, slug: str) -> str:
    """``reverse(viewname, kwargs={"slug": slug})``, worked out once per view.

    A list page links each of its rows to its record, and the site's page links a few
    hundred records; ``reverse`` matches the URLconf anew each time, about a tenth of a
    millisecond here. The URL of a slug that ``<slug:…>`` accepts is the view's URL
    with that slug written in (such slugs need no quoting); any other goes to ``reverse``,
    which refuses it as it always did.
    """
    if not _SLUG.match(slug):
        return reverse(viewname, kwargs={"slug": slug})
    key = (viewname, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF, get_language())
    try:
        shape = _slug_url_shapes[key]
    except KeyError:
        parts = reverse(viewname, kwargs={"slug": _SLUG_MARK}).split(_SLUG_MARK)
        shape = _slug_url_shapes[key] = (parts[0], parts[1]) if len(parts) == 2 else None
    if shape is None:
        return reverse(viewname, kwargs={"slug": slug})
    return shape[0] + slug + shape[1]


def about_site(queryset: models.QuerySet, site, relation: str = "sites") -> models.QuerySet:
    """Rows of ``queryset`` linked to ``site`` (a site or its slug) or to one of its parts.

    A union of two lookups in the link table's site index: an OR across the join
    (``sites=X OR sites__parent=X``) cannot use an index and reads the whole
    link table, a million rows at a million reports.
    """
    field = queryset.model._meta.get_field(relation)
    through = field.remote_field.through
    own, other = field.m2m_field_name(), field.m2m_reverse_field_name()
    key = "__slug" if isinstance(site, str) else ""
    direct = through.objects.filter(**{f"{other}{key}": site}).values(f"{own}_id")
    parts = through.objects.filter(**{f"{other}__parent{key}": site}).values(f"{own}_id")
    return queryset.filter(pk__in=direct.union(parts))


@cache
def _choice_labels(field: models.Field[Any, Any], language: str | None) -> dict[Any, Any]:
    """A field's choices as value → label, in ``language`` (the one active when asked)."""
    return {make_hashable(value): force_str(label, strings_only=True) for value, label in field.flatchoices}


class RecordHistory(HistoricalRecords):
    """History whose tables index a version by its record's key alone.

    django-simple-history indexes every foreign key and unique field it copies,
    a dozen indexes on each large history table that every write maintains and
    no read uses: versions are always looked up by the record they belong to
    (``id``), and by date or version among those.
    """

    def copy_fields(self, model):
        fields = super().copy_fields(model)
        for name, field in fields.items():
            if name != model._meta.pk.name:
                field.db_index = False
        return fields


class Record(EDTFModelMixin, models.Model):
    """Abstract base of every editable record.

    ``version`` grows by one on each saved change; a write that names an older
    version is refused (see ``services.record_save``) so that two curators, or
    a curator and a partner, cannot silently overwrite each other.
    """

    slug = models.SlugField(
        _("slug"), max_length=120, unique=True, allow_unicode=False,
        help_text=_("Stable identifier used in URLs and by partners; never reused."),
    )
    # No index of its own, which every write would keep and no query needs: each record
    # table has indexes beginning with it (``record_indexes``, a damage report its own).
    lifecycle = models.CharField(
        _("lifecycle"), max_length=16, choices=Lifecycle.choices, default=Lifecycle.DRAFT,
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)  # as lifecycle
    published_at = models.DateTimeField(_("first published at"), null=True, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        "registry.PartnerInstitution", verbose_name=_("submitted by partner"),
        null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text=_("Set when a partner institution submitted this record through the API."),
    )

    history = RecordHistory(inherit=True, bases=[PublicNoteHistory])
    objects = RecordManager()

    class Meta:
        abstract = True

    def natural_key(self):
        return (self.slug,)

    @property
    def is_public(self) -> bool:
        return self.lifecycle == Lifecycle.PUBLISHED

    def _get_FIELD_display(self, field):  # noqa: N802 (Django's name; get_<field>_display calls it)
        """As Django's, from labels worked out once per field and language: Django builds the
        dictionary of a field's choices again on every call, a tenth of a list page's time."""
        value = getattr(self, field.attname)
        return _choice_labels(field, get_language()).get(make_hashable(value), force_str(value, strings_only=True))


def quantity_text(quantity: int | None, precision: str, phrase: str, unknown: str | None = None) -> str:
    """A count as a reader sees it: "180", "~180", or the source's words for a vague one.

    ``unknown`` is what to say of no count, if already translated (a download of many rows).
    """
    if precision == QuantityPrecision.VAGUE:
        return phrase
    if quantity is None:
        return phrase or unknown or str(_("unknown number"))
    prefix = "~" if precision == QuantityPrecision.APPROXIMATE else ""
    return f"{prefix}{quantity}"


class Quantified(models.Model):
    """A count that may be exact, approximate ("about 180") or vague ("several")."""

    quantity = models.PositiveIntegerField(
        _("quantity"), null=True, blank=True,
        help_text=_("Best estimate of how many items; leave empty when unknown."),
    )
    quantity_precision = models.CharField(
        _("quantity precision"), max_length=12, choices=QuantityPrecision.choices,
        default=QuantityPrecision.UNKNOWN,
    )
    quantity_phrase = models.CharField(
        _("quantity as stated"), max_length=100, blank=True,
        help_text=_("The wording of the source, e.g. “several”, “dozens”."),
    )

    class Meta:
        abstract = True

    @classmethod
    def quantity_constraints(cls, prefix: str) -> list[models.BaseConstraint]:
        return [
            models.CheckConstraint(
                condition=~Q(quantity_precision=QuantityPrecision.EXACT) | Q(quantity__isnull=False),
                name=f"{prefix}_exact_quantity_has_value",
                violation_error_message=_("An exact quantity needs a number."),
            ),
            models.CheckConstraint(
                condition=~Q(quantity_precision=QuantityPrecision.VAGUE) | ~Q(quantity_phrase=""),
                name=f"{prefix}_vague_quantity_has_phrase",
                violation_error_message=_("A vague quantity needs the source's wording."),
            ),
        ]

    @property
    def quantity_display(self) -> str:
        return quantity_text(self.quantity, self.quantity_precision, self.quantity_phrase)


def lifecycle_index(prefix: str) -> models.Index:
    return models.Index(fields=["lifecycle", "-updated_at"], name=f"{prefix}_life_upd_idx")


def record_indexes(prefix: str) -> list[models.Index]:
    """The indexes every record table has: public lists (published records, the latest
    changes first) and the API's order of changes for a partner, who sees published
    records or its own, and for ``updated_since``. Each serves the lookups of a column of
    its own too, so ``lifecycle`` and ``updated_at`` have none."""
    return [
        lifecycle_index(prefix),
        models.Index(fields=["-updated_at", "-id"], name=f"{prefix}_upd_id_idx"),
    ]
