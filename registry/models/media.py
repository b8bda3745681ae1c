"""Photographs, satellite images, scans and video stills, and before/after pairs of them.

Only copies made by the registry are stored (see ``registry.images``): the
full-size copy, a web size and a thumbnail, re-encoded without any EXIF, XMP
or comment block. The uploaded bytes themselves are never kept, so no stored
file carries the camera's GPS position; the original's SHA-256 is kept to
recognise the same upload again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from registry.dates import EDTFField, format_day_key
from registry.licences import LICENCE_EXAMPLES, canonical_licence, licence_url, validate_licence

from .actors import Actor
from .base import Lifecycle, Record, RecordQuerySet, record_indexes
from .damage import DamageEvent, DamageReport
from .places import Artefact, HeritageSite
from .pledges import Intervention
from .sources import Source

# Every kind of record an image may be attached to, as the name of its foreign key.
MEDIA_TARGETS = ("site", "artefact", "damage_report", "intervention")


def _exactly_one_target() -> Q:
    return reduce(
        or_,
        (
            Q(
                **{f"{name}__isnull": False},
                **{f"{other}__isnull": True for other in MEDIA_TARGETS if other != name},
            )
            for name in MEDIA_TARGETS
        ),
    )


class MediaItemQuerySet(RecordQuerySet):
    def for_target(self, record):
        """Images attached to ``record`` (a site, artefact, damage report or intervention)."""
        return self.filter(**{_target_field(record): record})


def _target_field(record) -> str:
    for name in MEDIA_TARGETS:
        if MediaItem._meta.get_field(name).related_model is type(record):
            return name
    raise ValueError(f"{type(record).__name__} records have no images")


class MediaItem(Record):
    """One image of a site, an artefact, damage or restoration work."""

    class Kind(models.TextChoices):
        PHOTOGRAPH = "photograph", _("Photograph")
        SATELLITE = "satellite", _("Satellite image")
        SCAN = "scan", _("Scan (drawing, plan, document)")
        VIDEO_STILL = "video_still", _("Video still")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.PHOTOGRAPH)
    caption = models.CharField(
        _("caption"), max_length=500, help_text=_("What the image shows; also its alt text.")
    )
    credit = models.CharField(
        _("credit"), max_length=300, help_text=_("As the rights holder asks, e.g. “© DGAM”.")
    )
    licence = models.CharField(
        _("licence"),
        max_length=64,
        validators=[validate_licence],
        help_text=_("SPDX identifier, e.g. %(examples)s.") % {"examples": LICENCE_EXAMPLES},
    )
    taken = EDTFField(_("date taken"), lower_field="taken_lower", upper_field="taken_upper")
    taken_lower = models.BigIntegerField(null=True, blank=True, editable=False)
    taken_upper = models.BigIntegerField(null=True, blank=True, editable=False)
    taken_by = models.ForeignKey(
        Actor,
        verbose_name=_("taken by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="images_taken",
    )
    source = models.ForeignKey(
        Source,
        verbose_name=_("source"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="media",
        help_text=_("The document, broadcast or analysis the image comes from, if any."),
    )
    acquired = EDTFField(
        _("acquisition date"),
        lower_field="acquired_lower",
        upper_field="acquired_upper",
        help_text=_("Satellite images only: when the sensor recorded the scene (EDTF)."),
    )
    acquired_lower = models.BigIntegerField(null=True, blank=True, editable=False)
    acquired_upper = models.BigIntegerField(null=True, blank=True, editable=False)
    provider = models.ForeignKey(
        Actor,
        verbose_name=_("imagery provider"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="satellite_images",
        help_text=_("Satellite images only, e.g. the operator of the satellite."),
    )

    site = models.ForeignKey(
        HeritageSite,
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="media",
    )
    artefact = models.ForeignKey(
        Artefact,
        verbose_name=_("artefact"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="media",
    )
    damage_report = models.ForeignKey(
        DamageReport,
        verbose_name=_("damage report"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="media",
    )
    intervention = models.ForeignKey(
        Intervention,
        verbose_name=_("intervention"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="media",
    )

    # The stored copies, all made by the registry and free of embedded metadata.
    image = models.FileField(_("full-size copy"), max_length=255, editable=False)
    web_image = models.FileField(_("web copy"), max_length=255, editable=False)
    thumbnail = models.FileField(_("thumbnail"), max_length=255, editable=False)
    content_type = models.CharField(_("content type"), max_length=32, editable=False)
    width = models.PositiveIntegerField(_("width"), editable=False)
    height = models.PositiveIntegerField(_("height"), editable=False)
    web_width = models.PositiveIntegerField(editable=False)
    web_height = models.PositiveIntegerField(editable=False)
    thumbnail_width = models.PositiveIntegerField(editable=False)
    thumbnail_height = models.PositiveIntegerField(editable=False)
    original_sha256 = models.CharField(
        _("SHA-256 of the upload"), max_length=64, editable=False
    )  # indexed in Meta: looked up whole, never by a LIKE pattern

    objects = MediaItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("image")
        verbose_name_plural = _("images")
        ordering = [F("taken_lower").asc(nulls_last=True), "pk"]
        indexes = [
            *record_indexes("media"),
            models.Index(fields=["original_sha256"], name="media_sha256_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=_exactly_one_target(),
                name="media_exactly_one_target",
                violation_error_message=_(
                    "An image belongs to exactly one site, artefact, damage report or intervention."
                ),
            ),
            models.CheckConstraint(
                condition=Q(kind="satellite") | Q(acquired="", provider__isnull=True),
                name="media_acquisition_only_for_satellite",
                violation_error_message=_(
                    "Only satellite images have an acquisition date and a provider."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(kind="satellite") | ~Q(acquired=""),
                name="media_satellite_has_acquisition",
                violation_error_message=_("A satellite image needs its acquisition date."),
            ),
        ]

    def __str__(self) -> str:
        return self.caption[:80] or self.slug

    def get_absolute_url(self) -> str:
        target = self.target
        return f"{target.get_absolute_url()}#media-{self.slug}" if target is not None else ""

    @property
    def target(self):
        for name in MEDIA_TARGETS:
            if getattr(self, f"{name}_id") is not None:
                return getattr(self, name)
        return None

    @property
    def target_field(self) -> str | None:
        return next(
            (name for name in MEDIA_TARGETS if getattr(self, f"{name}_id") is not None), None
        )

    @property
    def date_text(self) -> str:
        """The date that matters for comparing images: acquisition for satellite images."""
        return self.acquired if self.kind == self.Kind.SATELLITE else self.taken

    @property
    def date_bounds(self) -> tuple[int | None, int | None]:
        if self.kind == self.Kind.SATELLITE:
            return self.acquired_lower, self.acquired_upper
        return self.taken_lower, self.taken_upper

    @property
    def licence_url(self) -> str:
        return licence_url(self.licence)

    @property
    def public_taken_by(self):
        return self.taken_by if self.taken_by_id and self.taken_by.is_public else None

    @property
    def public_provider(self):
        return self.provider if self.provider_id and self.provider.is_public else None

    def clean(self) -> None:
        super().clean()
        if self.licence:
            self.licence = canonical_licence(self.licence) or self.licence


class MediaPairQuerySet(RecordQuerySet):
    def shown_publicly(self):
        """Published pairs whose two images are published too."""
        return self.published().filter(
            before__lifecycle=Lifecycle.PUBLISHED, after__lifecycle=Lifecycle.PUBLISHED
        )

    def for_record(self, record):
        """Pairs of images of ``record``, or for a damage event the pairs compared for it."""
        if isinstance(record, DamageEvent):
            return self.filter(damage_event=record)
        return self.filter(**{f"before__{_target_field(record)}": record})


class MediaPair(Record):
    """Two images of one asset, before and after damage (or restoration)."""

    title = models.CharField(_("title"), max_length=300)
    before = models.ForeignKey(
        MediaItem,
        verbose_name=_("before"),
        on_delete=models.PROTECT,
        related_name="pairs_as_before",
    )
    after = models.ForeignKey(
        MediaItem, verbose_name=_("after"), on_delete=models.PROTECT, related_name="pairs_as_after"
    )
    damage_event = models.ForeignKey(
        DamageEvent,
        verbose_name=_("damage event"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="media_pairs",
        help_text=_("The event the pair shows; its dates are checked against the images' dates."),
    )
    note = models.TextField(_("note"), blank=True)

    objects = MediaPairQuerySet.as_manager()

    class Meta:
        verbose_name = _("before/after pair")
        verbose_name_plural = _("before/after pairs")
        ordering = ["title", "pk"]
        indexes = record_indexes("mediapair")
        constraints = [
            models.CheckConstraint(
                condition=~Q(before=F("after")),
                name="mediapair_two_images",
                violation_error_message=_("A pair needs two different images."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return self.before.get_absolute_url()

    def clean(self) -> None:
        super().clean()
        if not (self.before_id and self.after_id) or self.before_id == self.after_id:
            return
        before, after = self.before, self.after
        if before.target_field != after.target_field or before.target != after.target:
            raise ValidationError(
                {
                    "after": _(
                        "Both images of a pair must be attached to the same record "
                        "(“%(before)s” is not)."
                    )
                    % {"before": before.target}
                }
            )
        before_lower, _upper = before.date_bounds
        _lower, after_upper = after.date_bounds
        if before_lower is not None and after_upper is not None and before_lower > after_upper:
            raise ValidationError(
                {
                    "before": _(
                        "The “before” image (%(before)s) was taken after the “after” "
                        "image (%(after)s)."
                    )
                    % {"before": before.date_text, "after": after.date_text}
                }
            )

    @property
    def warnings(self) -> list[str]:
        """What a reader must know before trusting the comparison: dates against the event's."""
        event = self.damage_event
        if event is None:
            return []
        messages = []
        _lower, after_upper = self.after.date_bounds
        if (
            after_upper is not None
            and event.occurred_lower is not None
            and after_upper < event.occurred_lower
        ):
            messages.append(
                _(
                    "The “after” image (%(date)s) predates the damage event, "
                    "which began no earlier "
                    "than %(start)s: it cannot show that damage."
                )
                % {"date": self.after.date_text, "start": format_day_key(event.occurred_lower)}
            )
        before_lower, _upper = self.before.date_bounds
        if (
            before_lower is not None
            and event.occurred_upper is not None
            and before_lower > event.occurred_upper
        ):
            messages.append(
                _(
                    "The “before” image (%(date)s) was taken after the damage event, "
                    "which ended no "
                    "later than %(end)s."
                )
                % {"date": self.before.date_text, "end": format_day_key(event.occurred_upper)}
            )
        return messages


@dataclass
class Gallery:
    """What a public page shows of a record's images."""

    items: list[MediaItem] = field(default_factory=list)
    pairs: list[MediaPair] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.items or self.pairs)


def public_gallery(record) -> Gallery:
    """The published images of ``record`` and its pairs shown publicly (two queries at most).

    A pair is of two images of the same record, so a record without published
    images has no pair to show. A damage event has no images of its own: it
    shows the pairs compared for it.
    """
    pairs = (
        MediaPair.objects.shown_publicly()
        .for_record(record)
        .select_related(
            "damage_event",
            "before__taken_by",
            "before__provider",
            "after__taken_by",
            "after__provider",
        )
    )
    if isinstance(record, DamageEvent):
        return Gallery(pairs=list(pairs))
    items = list(
        MediaItem.objects.published().for_target(record).select_related("taken_by", "provider")
    )
    return Gallery(items=items, pairs=list(pairs) if len(items) > 1 else [])
