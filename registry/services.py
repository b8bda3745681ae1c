"""Every write with rules. The admin, the API, the seed loader and importers call these.

Services are keyword-only, typed and atomic; each runs ``full_clean()`` before
saving, so a rule is kept in one place whichever door a change comes through,
and a refused change leaves the database as it was.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from registry import caching
from registry.models import (
    APIKey, Attribution, Citation, DamageEvent, DamageReport, Intervention, Lifecycle,
    PartnerInstitution, PledgeStatusChange, Record, RestorationPledge, Source,
)
from registry.models.sources import CITATION_TARGETS

R = TypeVar("R", bound=Record)

# Records that state something about the world: they are published only with evidence.
CLAIM_MODELS: tuple[type[Record], ...] = (
    DamageEvent, Attribution, DamageReport, RestorationPledge, PledgeStatusChange, Intervention,
)

ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    Lifecycle.DRAFT: {Lifecycle.IN_REVIEW, Lifecycle.PUBLISHED, Lifecycle.ARCHIVED},
    Lifecycle.IN_REVIEW: {Lifecycle.DRAFT, Lifecycle.PUBLISHED, Lifecycle.ARCHIVED},
    Lifecycle.PUBLISHED: {Lifecycle.RETRACTED, Lifecycle.ARCHIVED},
    Lifecycle.RETRACTED: {Lifecycle.PUBLISHED, Lifecycle.ARCHIVED},
    Lifecycle.ARCHIVED: {Lifecycle.DRAFT},
}


class StaleVersionError(Exception):
    """A write was based on an older version of the record than the stored one."""

    def __init__(self, *, record: Record, expected: int, current: int):
        self.record, self.expected, self.current = record, expected, current
        super().__init__(
            _("%(record)s was changed by someone else (you edited version %(expected)s, "
              "the stored one is version %(current)s). Reload it and apply your change again.")
            % {"record": record, "expected": expected, "current": current}
        )


def unique_slug(*, model: type[models.Model], text: str, max_length: int = 120) -> str:
    """A slug made from ``text`` that no row of ``model`` uses yet."""
    base = slugify(text)[: max_length - 8].strip("-") or model._meta.model_name
    slug, n = base, 2
    while model._default_manager.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _slug_text(record: Record) -> str:
    return getattr(record, "name", None) or getattr(record, "title", None) or str(record)


def _mark_history(record: models.Model, *, user, reason: str) -> None:
    record._history_user = user
    record._change_reason = reason or None


def record_save(
    *,
    record: R,
    user=None,
    reason: str = "",
    expected_version: int | None = None,
    m2m: Mapping[str, Iterable[Any]] | None = None,
) -> R:
    """Create or update any record: version check, validation, history, many-to-many.

    ``expected_version`` is the version the editor started from; if the stored
    record has moved on since, ``StaleVersionError`` is raised and nothing is
    written.  Validation errors are raised as ``ValidationError`` keyed by field.
    """
    model = type(record)
    with transaction.atomic():
        if record.pk is not None:
            current = model._default_manager.select_for_update().values_list("version", flat=True).get(pk=record.pk)
            if expected_version is not None and expected_version != current:
                raise StaleVersionError(record=record, expected=expected_version, current=current)
            record.version = current + 1
        if not record.slug:
            record.slug = unique_slug(model=model, text=_slug_text(record))
        if record.lifecycle == Lifecycle.PUBLISHED and record.published_at is None:
            # Created published (by an importer or the seed loader): it is public from now on.
            record.published_at = timezone.now()
        record.full_clean()
        _mark_history(record, user=user, reason=reason)
        record.save()
        for name, values in (m2m or {}).items():
            getattr(record, name).set(values)
        if record.lifecycle == Lifecycle.PUBLISHED:
            caching.changed()
    return record


def record_create(*, model: type[R], fields: Mapping[str, Any], **kwargs) -> R:
    return record_save(record=model(**fields), **kwargs)


def record_update(*, record: R, fields: Mapping[str, Any], **kwargs) -> R:
    for name, value in fields.items():
        setattr(record, name, value)
    return record_save(record=record, **kwargs)


def _live_citations(record: Record):
    return Citation.objects.filter(**{_citation_field(record): record}).exclude(
        lifecycle__in=[Lifecycle.ARCHIVED, Lifecycle.RETRACTED]
    )


def _citation_field(record: Record) -> str:
    for name in CITATION_TARGETS:
        if Citation._meta.get_field(name).related_model is type(record):
            return name
    raise ValueError(f"{type(record).__name__} records cannot be cited")


def record_transition(*, record: R, to: str, user=None, reason: str = "") -> R:
    """Move a record along its lifecycle, keeping the rules of each step.

    Publishing a claim needs at least one citation; its draft citations, and
    their draft sources, are published with it, since they are its evidence.
    """
    if to not in ALLOWED_TRANSITIONS.get(record.lifecycle, set()):
        raise ValidationError({"lifecycle": _("A %(from)s record cannot become %(to)s.") % {
            "from": Lifecycle(record.lifecycle).label.lower(), "to": Lifecycle(to).label.lower()}})
    with transaction.atomic():
        if to == Lifecycle.PUBLISHED and isinstance(record, CLAIM_MODELS):
            citations = list(_live_citations(record).select_related("source"))
            if not citations:
                raise ValidationError({"citations": _("A claim needs at least one citation before it is published.")})
            # A report names the source it comes from; that source is shown beside it in public.
            own_source = getattr(record, "source", None)
            if own_source is not None:
                _publish_evidence(own_source, field="source", user=user, reason=reason)
            for citation in citations:
                _publish_evidence(citation.source, field="citations", user=user, reason=reason)
                if citation.lifecycle != Lifecycle.PUBLISHED:
                    _set_lifecycle(citation, Lifecycle.PUBLISHED, user=user, reason=reason)
        _set_lifecycle(record, to, user=user, reason=reason)
        if isinstance(record, PledgeStatusChange):
            pledge_refresh_status(pledge=record.pledge, user=user)
    return record


def _publish_evidence(source: Source, *, field: str, user, reason: str) -> None:
    """Publish a draft or in-review source with the claim it backs; a withdrawn one stops it."""
    if source.lifecycle == Lifecycle.PUBLISHED:
        return
    if source.lifecycle in (Lifecycle.RETRACTED, Lifecycle.ARCHIVED):
        raise ValidationError({field: _("The source “%(source)s” was %(state)s; it cannot back a published claim.") % {
            "source": source.title, "state": Lifecycle(source.lifecycle).label.lower()}})
    _set_lifecycle(source, Lifecycle.PUBLISHED, user=user, reason=reason)


def _set_lifecycle(record: Record, to: str, *, user, reason: str) -> None:
    caching.changed()  # in or out of public view
    record.lifecycle = to
    if to == Lifecycle.PUBLISHED and record.published_at is None:
        record.published_at = timezone.now()
    record_save(record=record, user=user, reason=reason or _("Lifecycle: %(to)s") % {"to": to})


def record_submit_for_review(*, record: R, user=None, reason: str = "") -> R:
    return record_transition(record=record, to=Lifecycle.IN_REVIEW, user=user, reason=reason)


def record_publish(*, record: R, user=None, reason: str = "") -> R:
    return record_transition(record=record, to=Lifecycle.PUBLISHED, user=user, reason=reason)


def record_retract(*, record: R, user=None, reason: str = "") -> R:
    return record_transition(record=record, to=Lifecycle.RETRACTED, user=user, reason=reason)


def record_archive(*, record: R, user=None, reason: str = "") -> R:
    """What "delete" means here: the record leaves every public view, its rows stay."""
    if record.lifecycle == Lifecycle.ARCHIVED:
        return record
    return record_transition(record=record, to=Lifecycle.ARCHIVED, user=user, reason=reason)


def citation_add(
    *, target: Record, fields: Mapping[str, Any], user=None, reason: str = "",
    submitted_by: PartnerInstitution | None = None, lifecycle: str = Lifecycle.DRAFT,
) -> Citation:
    citation = Citation(**fields, **{_citation_field(target): target})
    citation.submitted_by = submitted_by
    citation.lifecycle = lifecycle
    if not citation.slug:
        citation.slug = unique_slug(model=Citation, text=f"{citation.source.slug}-on-{target.slug}")
    return record_save(record=citation, user=user, reason=reason)


def claim_create(
    *,
    model: type[R],
    fields: Mapping[str, Any],
    citations: Sequence[Mapping[str, Any]],
    m2m: Mapping[str, Iterable[Any]] | None = None,
    user=None,
    reason: str = "",
    submitted_by: PartnerInstitution | None = None,
    lifecycle: str = Lifecycle.DRAFT,
) -> R:
    """Create a claim together with the citations that back it, or nothing at all."""
    if not citations:
        raise ValidationError({"citations": _("A claim needs at least one citation.")})
    with transaction.atomic():
        record = model(**fields)
        record.submitted_by = submitted_by
        record.lifecycle = Lifecycle.DRAFT if lifecycle == Lifecycle.PUBLISHED else lifecycle
        record_save(record=record, m2m=m2m, user=user, reason=reason)
        errors: dict[str, list] = {}
        for index, citation_fields in enumerate(citations):
            try:
                citation_add(target=record, fields=citation_fields, user=user, reason=reason,
                             submitted_by=submitted_by, lifecycle=record.lifecycle)
            except ValidationError as error:
                errors[f"citations[{index}]"] = error.messages
        if errors:
            raise ValidationError(errors)
        if lifecycle == Lifecycle.PUBLISHED:
            record_publish(record=record, user=user, reason=reason)
    return record


def damage_report_submit(
    *, fields: Mapping[str, Any], citations: Sequence[Mapping[str, Any]],
    m2m: Mapping[str, Iterable[Any]] | None = None, submitted_by: PartnerInstitution, user=None,
    reason: str = "",
) -> DamageReport:
    """A partner's report: stored as a draft in review, attributed to the institution."""
    return claim_create(
        model=DamageReport, fields=fields, citations=citations, m2m=m2m, user=user,
        reason=reason or _("Submitted by %(partner)s") % {"partner": submitted_by},
        submitted_by=submitted_by, lifecycle=Lifecycle.IN_REVIEW,
    )


def pledge_record_status(
    *, pledge: RestorationPledge, status: str, date: str, citations: Sequence[Mapping[str, Any]],
    note: str = "", user=None, reason: str = "", submitted_by: PartnerInstitution | None = None,
    lifecycle: str = Lifecycle.DRAFT,
) -> PledgeStatusChange:
    """Record a pledge's new status with its evidence; the pledge follows once published."""
    change = claim_create(
        model=PledgeStatusChange, fields={"pledge": pledge, "status": status, "date": date, "note": note},
        citations=citations, user=user, reason=reason, submitted_by=submitted_by, lifecycle=lifecycle,
    )
    pledge_refresh_status(pledge=pledge, user=user)
    return change


def pledge_refresh_status(*, pledge: RestorationPledge, user=None) -> RestorationPledge:
    """Set the pledge's status from its latest published status change."""
    latest = pledge.status_changes.published().latest_first().first()
    status = latest.status if latest else RestorationPledge._meta.get_field("status").default
    if pledge.status != status:
        pledge.status = status
        record_save(record=pledge, user=user, reason=_("Status follows its latest evidence"))
    return pledge


# Partner institutions and their API keys

API_KEY_PREFIX_LENGTH = 8


def _digest(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def partner_create(*, name: str, contact_email: str = "", actor=None, user=None) -> PartnerInstitution:
    """A partner institution with the service account its API requests act as."""
    with transaction.atomic():
        slug = slugify(name)
        account = get_user_model().objects.create_user(username=f"partner-{slug}"[:150], password=None)
        partner = PartnerInstitution(name=name, slug=slug, contact_email=contact_email, actor=actor, account=account)
        partner.full_clean()
        _mark_history(partner, user=user, reason=_("Partner created"))
        partner.save()
    return partner


def api_key_create(*, institution: PartnerInstitution, label: str, user=None) -> tuple[APIKey, str]:
    """Make a key; return it with the raw secret, which is shown once and never stored."""
    prefix = secrets.token_hex(API_KEY_PREFIX_LENGTH // 2)
    raw = f"{prefix}.{secrets.token_urlsafe(32)}"
    key = APIKey(institution=institution, label=label, prefix=prefix, digest=_digest(raw), created_by=user)
    key.full_clean()
    _mark_history(key, user=user, reason=_("Key created"))
    key.save()
    return key, raw


def api_key_revoke(*, key: APIKey, user=None, reason: str = "") -> APIKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        _mark_history(key, user=user, reason=reason or _("Key revoked"))
        key.save(update_fields=["revoked_at"])
    return key


def api_key_authenticate(*, raw_key: str) -> APIKey | None:
    """The usable key matching ``raw_key``, or None. Records when it was last used."""
    prefix = raw_key.split(".", 1)[0]
    key = APIKey.objects.usable().select_related("institution__account").filter(prefix=prefix).first()
    if key is None or not secrets.compare_digest(key.digest, _digest(raw_key)):
        return None
    APIKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key


# Parts of records (names, designations, identifiers), vocabulary terms, partners:
# rows without a lifecycle, still validated and written with who and why.

def history_save(*, instance: models.Model, user=None, reason: str = "") -> models.Model:
    """Validate and save a row that is not a Record, recording who changed it and why."""
    with transaction.atomic():
        instance.full_clean()
        _mark_history(instance, user=user, reason=reason)
        instance.save()
        caching.changed()
    return instance


# Curators

CURATOR_GROUP = "curator"


def curator_group_sync() -> Any:
    """The curators' group, holding every permission on the registry's models.

    Edit rights on every record model, view rights on their history. Migration
    0003 creates the group; calling this again adds the permissions of models
    created since.
    """
    from django.contrib.auth.models import Group, Permission

    with transaction.atomic():
        group, _created = Group.objects.get_or_create(name=CURATOR_GROUP)
        permissions = Permission.objects.filter(content_type__app_label="registry").exclude(
            content_type__model__startswith="historical", codename__regex=r"^(add|change|delete)_",
        )
        group.permissions.add(*permissions)
    return group


def curator_create(*, username: str, password: str, email: str = "") -> Any:
    """A staff user (never a superuser) in the curators' group."""
    with transaction.atomic():
        user = get_user_model()(username=username, email=email, is_staff=True, is_superuser=False)
        user.set_password(password)
        user.full_clean()
        user.save()
        user.groups.add(curator_group_sync())
    return user
