"""Heritage sites and the artefacts recorded at them."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, Exists, F, FloatField, OuterRef, Q, When
from django.db.models.functions import Cast, Round
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from registry.dates import EDTFField, EDTFModelMixin
from registry.selectors.search import search_artefacts, search_sites

from .base import Certainty, Quantified, Record, RecordQuerySet, record_indexes, slug_url
from .vocabulary import Term


class NameType(models.TextChoices):
    TOPONYM = "toponym", _("Toponym")
    DESIGNATION = "designation", _("Designation")
    ALTERNATIVE = "alternative", _("Alternative reference")


class NameBase(models.Model):
    """A name in one language and script; a record may have many."""

    name = models.CharField(_("name"), max_length=200)
    language = models.CharField(
        _("language"), max_length=20,
        help_text=_("BCP 47 tag: en, ar, ar-Latn (Arabic in Latin letters), fr…"),
    )
    name_type = models.CharField(_("type"), max_length=16, choices=NameType.choices, default=NameType.TOPONYM)

    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True
        ordering = ["language", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"


def _name_search(queryset, text: str):
    """Records whose main or alternative names, or description, contain ``text``."""
    other_names = queryset.model.names.rel.related_model.objects.filter(
        owner=OuterRef("pk"), name__icontains=text
    )
    return queryset.filter(
        Q(name__icontains=text) | Q(description__icontains=text) | Exists(other_names)
    )


class HeritageSiteQuerySet(RecordQuerySet):
    def search(self, text: str):
        """Sites found by any of their names, in any script, or their description."""
        return search_sites(self, text)

    def with_coordinates(self):
        return self.filter(latitude__isnull=False, longitude__isnull=False)


# The decimals the stored public coordinates were rounded to (see ``HeritageSite.public_latitude``).
# Changing REGISTRY_SENSITIVE_COORDINATE_DECIMALS alone stays safe: the map then rounds as it reads.
STORED_PUBLIC_DECIMALS = 1


def public_coordinate(field: str, decimals: int) -> Cast:
    """A coordinate as the public may see it, as a float: rounded to ``decimals`` for a sensitive
    site (half away from zero, as ``public_coordinates()`` rounds), as stored for any other."""
    return Cast(Case(When(is_sensitive=True, then=Round(F(field), decimals)), default=F(field)), FloatField())


class HeritageSite(Record):
    name = models.CharField(_("name"), max_length=200, help_text=_("Preferred name in English."))
    kind = models.ForeignKey(
        Term, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"vocabulary": Term.Vocabulary.SITE_KIND},
    )
    country = CountryField(_("country"), help_text=_("ISO 3166 country the site lies in."))
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)], help_text=_("WGS 84, decimal degrees north."),
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)], help_text=_("WGS 84, decimal degrees east."),
    )
    location_certainty = models.CharField(
        _("location certainty"), max_length=16, choices=Certainty.choices, default=Certainty.HIGH,
    )
    is_sensitive = models.BooleanField(
        _("sensitive location"), default=False,
        help_text=_("Publish only coarsened coordinates, e.g. for sites at risk of looting."),
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("part of"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    description = models.TextField(_("description"), blank=True)
    # Kept by the database, for the map: grouping a hundred thousand sites on the fly spent
    # three quarters of its time rounding and converting these for every row.
    public_latitude = models.GeneratedField(
        expression=public_coordinate("latitude", STORED_PUBLIC_DECIMALS), output_field=models.FloatField(),
        db_persist=True, verbose_name=_("public latitude"),
    )
    public_longitude = models.GeneratedField(
        expression=public_coordinate("longitude", STORED_PUBLIC_DECIMALS), output_field=models.FloatField(),
        db_persist=True, verbose_name=_("public longitude"),
    )

    objects = HeritageSiteQuerySet.as_manager()

    class Meta:
        verbose_name = _("heritage site")
        verbose_name_plural = _("heritage sites")
        ordering = ["name"]
        # The admin's list orders by name, then newest first among equal names.
        indexes = [
            *record_indexes("site"),
            models.Index(fields=["name", "-id"], name="site_name_id_idx"),
            # The map: the box a view shows, and the box around every published site.
            models.Index(fields=["lifecycle", "latitude"], name="site_life_lat_idx"),
            models.Index(fields=["lifecycle", "longitude"], name="site_life_lon_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="site_latitude_in_range",
                violation_error_message=_("Latitude must be between -90 and 90."),
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="site_longitude_in_range",
                violation_error_message=_("Longitude must be between -180 and 180."),
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="site_coordinates_both_or_neither",
                violation_error_message=_("Give both latitude and longitude, or neither."),
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="site_not_own_parent",
                violation_error_message=_("A site cannot be part of itself."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return slug_url("registry:site-detail", self.slug)

    def public_coordinates(self) -> tuple[Decimal, Decimal] | None:
        """Coordinates safe to publish: rounded for sensitive sites."""
        if self.latitude is None or self.longitude is None:
            return None
        if not self.is_sensitive:
            return self.latitude, self.longitude
        places = Decimal(1).scaleb(-settings.REGISTRY_SENSITIVE_COORDINATE_DECIMALS)
        return (
            self.latitude.quantize(places, rounding=ROUND_HALF_UP),
            self.longitude.quantize(places, rounding=ROUND_HALF_UP),
        )


class SiteName(NameBase):
    owner = models.ForeignKey(HeritageSite, on_delete=models.CASCADE, related_name="names", verbose_name=_("site"))

    class Meta(NameBase.Meta):
        verbose_name = _("site name")
        verbose_name_plural = _("site names")
        constraints = [
            models.UniqueConstraint(fields=["owner", "language", "name"], name="site_name_unique"),
        ]


class Designation(EDTFModelMixin, models.Model):
    """A listing such as UNESCO World Heritage List no. 23, or “in danger” since 2013."""

    site = models.ForeignKey(HeritageSite, on_delete=models.CASCADE, related_name="designations", verbose_name=_("site"))
    kind = models.ForeignKey(
        Term, verbose_name=_("designation"), on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"vocabulary": Term.Vocabulary.DESIGNATION},
    )
    reference = models.CharField(_("reference number"), max_length=60, blank=True)
    since = EDTFField(_("since"), lower_field="since_lower", upper_field="since_upper")
    since_lower = models.BigIntegerField(null=True, blank=True, editable=False)
    since_upper = models.BigIntegerField(null=True, blank=True, editable=False)
    until = EDTFField(_("until"), lower_field="until_lower", upper_field="until_upper")
    until_lower = models.BigIntegerField(null=True, blank=True, editable=False)
    until_upper = models.BigIntegerField(null=True, blank=True, editable=False)
    note = models.CharField(_("note"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("designation")
        verbose_name_plural = _("designations")
        ordering = ["since_lower", "pk"]

    def __str__(self) -> str:
        ref = f" {self.reference}" if self.reference else ""
        return f"{self.kind}{ref}"


class IdentifierScheme(models.TextChoices):
    UNESCO = "unesco", _("UNESCO World Heritage List")
    WIKIDATA = "wikidata", _("Wikidata")
    PLEIADES = "pleiades", _("Pleiades")
    GEONAMES = "geonames", _("GeoNames")


IDENTIFIER_FORMATS: dict[str, tuple[str, str, str]] = {
    # scheme: (pattern, example, URL template)
    IdentifierScheme.UNESCO: (r"[1-9][0-9]{0,4}(bis|ter|quater)?", "23", "https://whc.unesco.org/en/list/{}"),
    IdentifierScheme.WIKIDATA: (r"Q[1-9][0-9]*", "Q42", "https://www.wikidata.org/wiki/{}"),
    IdentifierScheme.PLEIADES: (r"[1-9][0-9]*", "123456", "https://pleiades.stoa.org/places/{}"),
    IdentifierScheme.GEONAMES: (r"[1-9][0-9]*", "1234567", "https://www.geonames.org/{}"),
}


class ExternalIdentifier(models.Model):
    """An identifier of a site or artefact in another registry."""

    site = models.ForeignKey(
        HeritageSite, null=True, blank=True, on_delete=models.CASCADE, related_name="identifiers",
    )
    artefact = models.ForeignKey(
        "registry.Artefact", null=True, blank=True, on_delete=models.CASCADE, related_name="identifiers",
    )
    scheme = models.CharField(_("scheme"), max_length=16, choices=IdentifierScheme.choices)
    value = models.CharField(_("identifier"), max_length=40)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("external identifier")
        verbose_name_plural = _("external identifiers")
        ordering = ["scheme", "value"]
        constraints = [
            models.CheckConstraint(
                condition=Q(site__isnull=False, artefact__isnull=True) | Q(site__isnull=True, artefact__isnull=False),
                name="identifier_exactly_one_owner",
                violation_error_message=_("An identifier belongs to exactly one site or artefact."),
            ),
            models.UniqueConstraint(fields=["scheme", "value", "site"], name="identifier_unique_per_site"),
            models.UniqueConstraint(fields=["scheme", "value", "artefact"], name="identifier_unique_per_artefact"),
        ]

    def __str__(self) -> str:
        return f"{self.get_scheme_display()} {self.value}"

    def clean(self) -> None:
        if self.scheme not in IDENTIFIER_FORMATS:
            return  # clean_fields() reports an unknown scheme
        pattern, example, _url = IDENTIFIER_FORMATS[self.scheme]
        if not re.fullmatch(pattern, self.value or ""):
            raise ValidationError({
                "value": _("“%(value)s” is not a valid %(scheme)s identifier; expected e.g. %(example)s.")
                % {"value": self.value, "scheme": self.get_scheme_display(), "example": example}
            })

    @property
    def url(self) -> str:
        return IDENTIFIER_FORMATS[self.scheme][2].format(self.value)


class ArtefactQuerySet(RecordQuerySet):
    def search(self, text: str, *, public: bool = True):
        """Artefacts found by any of their names, in any script, their description, or the
        names of their site (a published one, unless ``public`` is off, as in the admin)."""
        return search_artefacts(self, text, public=public)

    def for_site(self, site):
        return self.filter(Q(site=site) | Q(site__parent=site))


class Artefact(Quantified, Record):
    """A structure, movable object or fixture; or a group whose members are unknown."""

    name = models.CharField(_("name"), max_length=200)
    site = models.ForeignKey(HeritageSite, verbose_name=_("site"), on_delete=models.PROTECT, related_name="artefacts")
    kind = models.ForeignKey(
        Term, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"vocabulary": Term.Vocabulary.ARTEFACT_KIND},
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("part of"), null=True, blank=True, on_delete=models.PROTECT, related_name="parts",
    )
    is_movable = models.BooleanField(_("movable"), default=False)
    is_group = models.BooleanField(
        _("group of objects"), default=False,
        help_text=_("Stands for several objects whose exact members are unknown (“several display cases”)."),
    )
    made = EDTFField(_("date made"), lower_field="made_lower", upper_field="made_upper")
    made_lower = models.BigIntegerField(null=True, blank=True, editable=False, db_index=True)
    made_upper = models.BigIntegerField(null=True, blank=True, editable=False)
    materials = models.ManyToManyField(
        Term, verbose_name=_("materials"), blank=True, related_name="+",
        limit_choices_to={"vocabulary": Term.Vocabulary.MATERIAL},
    )
    description = models.TextField(_("description"), blank=True)

    objects = ArtefactQuerySet.as_manager()
    _history_m2m_fields = ["materials"]

    class Meta:
        verbose_name = _("artefact")
        verbose_name_plural = _("artefacts")
        ordering = ["name"]
        indexes = [
            *record_indexes("artefact"),
            # The admin's list orders by name, then newest first among equal names.
            models.Index(fields=["name", "-id"], name="artefact_name_id_idx"),
        ]
        constraints = [
            *Quantified.quantity_constraints("artefact"),
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="artefact_not_own_parent",
                violation_error_message=_("An artefact cannot be part of itself."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return slug_url("registry:artefact-detail", self.slug)


class ArtefactName(NameBase):
    owner = models.ForeignKey(Artefact, on_delete=models.CASCADE, related_name="names", verbose_name=_("artefact"))

    class Meta(NameBase.Meta):
        verbose_name = _("artefact name")
        verbose_name_plural = _("artefact names")
        constraints = [
            models.UniqueConstraint(fields=["owner", "language", "name"], name="artefact_name_unique"),
        ]
