"""People and organisations, and the partner institutions that use the API."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .base import Record, RecordQuerySet, record_indexes, slug_url
from .places import NameBase, _name_search


class ActorQuerySet(RecordQuerySet):
    def search(self, text: str):
        return _name_search(self, text)


class Actor(Record):
    """A person, an organisation or a group named in a source."""

    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        ORGANISATION = "organisation", _("Organisation")
        GROUP = "group", _("Group (e.g. an armed group)")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    affiliation = models.ForeignKey(
        "self", verbose_name=_("affiliated with"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="members",
        help_text=_("For a person: the organisation they speak for, e.g. a director's directorate."),
    )
    role = models.CharField(_("role"), max_length=200, blank=True, help_text=_("E.g. “director of antiquities”."))
    country = models.CharField(_("country (ISO 3166)"), max_length=2, blank=True)
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("website"), blank=True)

    objects = ActorQuerySet.as_manager()

    class Meta:
        verbose_name = _("actor")
        verbose_name_plural = _("actors")
        ordering = ["name"]
        indexes = record_indexes("actor")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return slug_url("registry:actor-detail", self.slug)


class ActorName(NameBase):
    owner = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="names", verbose_name=_("actor"))

    class Meta(NameBase.Meta):
        verbose_name = _("actor name")
        verbose_name_plural = _("actor names")
        constraints = [
            models.UniqueConstraint(fields=["owner", "language", "name"], name="actor_name_unique"),
        ]


class PartnerInstitution(models.Model):
    """A museum, NGO or agency that reads and contributes through the API."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    actor = models.ForeignKey(
        Actor, verbose_name=_("as actor"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="partner_accounts",
        help_text=_("The institution as it appears in records, if it does."),
    )
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("service account"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="partner",
        help_text=_("The user that the institution's API requests act as; changes are logged under it."),
    )
    contact_email = models.EmailField(_("contact email"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("partner institution")
        verbose_name_plural = _("partner institutions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def natural_key(self):
        return (self.slug,)


class APIKeyQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(revoked_at__isnull=True, institution__is_active=True)


class APIKey(models.Model):
    """A revocable key; only its SHA-256 digest is stored, the key is shown once."""

    institution = models.ForeignKey(
        PartnerInstitution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="api_keys",
    )
    label = models.CharField(_("label"), max_length=100, help_text=_("What the key is used for, e.g. “nightly sync”."))
    prefix = models.CharField(_("prefix"), max_length=12, unique=True, editable=False)
    digest = models.CharField(_("SHA-256 digest"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        editable=False,
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    history = HistoricalRecords()
    objects = APIKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["institution", "-created_at"]

    def __str__(self) -> str:
        return f"{self.institution} · {self.label} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None and self.revoked_at <= timezone.now()
