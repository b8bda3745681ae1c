"""Every write with rules. The admin, the API, the seed loader and importers call these.

Services are keyword-only, typed and atomic; each runs ``full_clean()`` before
saving, so a rule is kept in one place whichever door a change comes through,
and a refused change leaves the database as it was.

No change is lost to another made at the same time: every write to an existing
record reads its row again under ``select_for_update`` and works on that copy.
``record_update`` (what the API and importers call) writes only the fields it
is given; ``record_save`` writes a whole instance and refuses one read before
the stored version; moves along the lifecycle are decided on the locked row.
Any of them given ``expected_version`` refuses a record that has moved on since
(``StaleVersionError``, a 409 in the API).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar, cast

from anyascii import anyascii
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.text import Truncator, slugify
from django.utils.translation import gettext as _

from registry import caching, new_rows, workflow
from registry.selectors import visibility
from registry.models import (
    Actor,
    APIKey,
    Attribution,
    Citation,
    DamageEvent,
    DamageReport,
    Intervention,
    Lifecycle,
    LifecycleMove,
    PartnerInstitution,
    PledgeParty,
    PledgeStatusChange,
    Record,
    RestorationPledge,
    Source,
)
from registry.models.sources import CITATION_TARGETS
from registry.workflow import ALLOWED_TRANSITIONS, MoveRefused  # noqa: F401  (part of this module's API)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

R = TypeVar("R", bound=Record)
M = TypeVar("M", bound=models.Model)
# Who made a change, for the history; None for scripts and imports.
Editor: TypeAlias = "User | None"

HISTORY_REASON_LENGTH = 100  # simple-history's history_change_reason

# Records that state something about the world: they are published only with evidence.
CLAIM_MODELS: tuple[type[Record], ...] = (
    DamageEvent, Attribution, DamageReport, RestorationPledge, PledgeStatusChange, Intervention,
)

class StaleVersionError(Exception):
    """A write was based on an older version of the record than the stored one."""

    def __init__(self, *, record: Record, expected: int, current: int):
        self.record, self.expected, self.current = record, expected, current
        super().__init__(
            _("%(record)s was changed by someone else (you edited version %(expected)s, "
              "the stored one is version %(current)s). Reload it and apply your change again.")
            % {"record": record, "expected": expected, "current": current}
        )


def slug_base(*, model: type[models.Model], text: str, max_length: int = 120) -> str:
    """The slug ``text`` gives, before any number is added to make it unique."""
    # Transliterated first, so that a name written only in Arabic still gives a readable slug.
    return slugify(anyascii(text))[: max_length - 8].strip("-") or str(model._meta.model_name)


def unique_slug(*, model: type[models.Model], text: str, max_length: int = 120) -> str:
    """A slug made from ``text`` that no row of ``model`` uses yet."""
    return new_rows.free_slugs(model, [slug_base(model=model, text=text, max_length=max_length)])[0]


def _slug_text(record: Record) -> str:
    return getattr(record, "name", None) or getattr(record, "title", None) or str(record)


def _mark_history(record: models.Model, *, user: Editor, reason: str, public_note: str = "") -> None:
    marked = cast(Any, record)  # simple-history reads these unmodelled attributes on save
    marked._history_user = user
    # The history keeps 100 characters of a reason; the review log keeps it whole.
    marked._change_reason = Truncator(reason).chars(HISTORY_REASON_LENGTH) if reason else None
    marked._public_note = public_note


def _lock(record: R) -> R:
    """The stored row of ``record``, read again and locked until the transaction ends."""
    return cast(R, type(record)._default_manager.select_for_update().get(pk=record.pk))


def _copy_state(source: models.Model, target: models.Model) -> None:
    """Give the caller's instance the values just stored, so it is not left stale."""
    for field in source._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


def record_save(
    *,
    record: R,
    user: Editor = None,
    reason: str = "",
    expected_version: int | None = None,
    m2m: Mapping[str, Iterable[Any]] | None = None,
    public_note: str = "",
) -> R:
    """Create or update any record: version check, validation, history, many-to-many.

    ``record`` is written whole, so it must be the stored version: if the row
    has moved on since ``record`` was read, or since ``expected_version`` (the
    version the editor started from), ``StaleVersionError`` is raised and
    nothing is written. Validation errors are raised as ``ValidationError``
    keyed by field. ``public_note`` is shown in the record's public history.
    """
    model = type(record)
    with transaction.atomic():
        created = record.pk is None
        if not created:
            current = model._default_manager.select_for_update().values_list("version", flat=True).get(pk=record.pk)
            for seen in (expected_version, record.version):
                if seen is not None and seen != current:
                    raise StaleVersionError(record=record, expected=seen, current=current)
            record.version = current + 1
        if not record.slug:
            record.slug = unique_slug(model=model, text=_slug_text(record))
        if record.lifecycle == Lifecycle.PUBLISHED and record.published_at is None:
            # Created published (by an importer or the seed loader): it is public from now on.
            record.published_at = timezone.now()
        record.full_clean()
        _mark_history(record, user=user, reason=reason, public_note=public_note)
        record.save()
        for name, values in (m2m or {}).items():
            getattr(record, name).set(values)
        if created and record.lifecycle != Lifecycle.DRAFT:
            in_review = record.lifecycle == Lifecycle.IN_REVIEW
            _log_move(record, from_state=Lifecycle.DRAFT, user=user, reason=reason,
                      partner=record.submitted_by if in_review else None)
        if record.lifecycle == Lifecycle.PUBLISHED:
            caching.changed()
    return record


def record_create(*, model: type[R], fields: Mapping[str, Any], **kwargs: Any) -> R:
    return record_save(record=model(**fields), **kwargs)


def record_update(
    *, record: R, fields: Mapping[str, Any], expected_version: int | None = None, **kwargs: Any,
) -> R:
    """Change some fields of a record, on its stored row read again under a lock.

    Only ``fields`` are written, so a change someone else made meanwhile to
    another field stands; with ``expected_version``, a record that moved on
    since that version is refused instead. ``record`` is given the new state.
    """
    with transaction.atomic():
        current = _lock(record)
        if expected_version is not None and expected_version != current.version:
            raise StaleVersionError(
                record=record, expected=expected_version, current=current.version)
        for name, value in fields.items():
            setattr(current, name, value)
        record_save(record=current, **kwargs)
    _copy_state(current, record)
    return record


def _live_citations(record: Record) -> models.QuerySet[Citation]:
    return Citation.objects.filter(**{_citation_field(record): record}).exclude(
        lifecycle__in=[Lifecycle.ARCHIVED, Lifecycle.RETRACTED]
    )


def _citation_field(record: Record) -> str:
    for name in CITATION_TARGETS:
        if Citation._meta.get_field(name).related_model is type(record):
            return name
    raise ValueError(f"{type(record).__name__} records cannot be cited")


def record_transition(
    *, record: R, to: str, user: Editor = None, reason: str = "", expected_version: int | None = None,
    partner: PartnerInstitution | None = None, public_note: str = "",
) -> R:
    """Move a record along its lifecycle, keeping the rules of each step.

    The move is decided and made on the stored row, locked, not on ``record``
    (which may be older): a change saved meanwhile is kept, and with
    ``expected_version`` a record that moved on since is refused. Who may make
    which move is ``workflow.check_move``. Publishing a claim needs at least
    one citation; its draft citations, and their draft sources, are published
    with it, since they are its evidence.
    """
    with transaction.atomic():
        current = _lock(record)
        if expected_version is not None and expected_version != current.version:
            raise StaleVersionError(
                record=record, expected=expected_version, current=current.version)
        workflow.check_move(record=current, to=to, user=user, partner=partner, reason=reason)
        if to == Lifecycle.PUBLISHED and isinstance(current, CLAIM_MODELS):
            _publish_claim_evidence(current, user=user, reason=reason)
        _set_lifecycle(current, to, user=user, reason=reason, partner=partner,
                       public_note=public_note)
        if isinstance(current, PledgeStatusChange):
            pledge_refresh_status(pledge=current.pledge, user=user)
    _copy_state(current, record)
    return record


def _publish_claim_evidence(record: Record, *, user: Editor, reason: str) -> None:
    citations = list(_live_citations(record).select_for_update().select_related("source"))
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


def _publish_evidence(source: Source, *, field: str, user: Editor, reason: str) -> None:
    _publish_locked_source(_lock(source), field=field, user=user, reason=reason)


def _publish_locked_source(source: Source, *, field: str, user: Editor, reason: str) -> None:
    """Publish a draft or in-review source with the claim it backs; a withdrawn one stops it."""
    if source.lifecycle == Lifecycle.PUBLISHED:
        return
    if source.lifecycle in (Lifecycle.RETRACTED, Lifecycle.ARCHIVED):
        raise ValidationError({field: _("The source “%(source)s” was %(state)s; it cannot back a published claim.") % {
            "source": source.title, "state": Lifecycle(source.lifecycle).label.lower()}})
    _set_lifecycle(source, Lifecycle.PUBLISHED, user=user, reason=reason)


def _set_lifecycle(
    record: Record, to: str, *, user: Editor, reason: str, partner: PartnerInstitution | None = None,
    public_note: str = "",
) -> None:
    """Store the move on a row the caller has locked, and log who made it and why."""
    caching.changed()  # in or out of public view
    from_state = record.lifecycle
    record.lifecycle = to
    if to == Lifecycle.PUBLISHED and record.published_at is None:
        record.published_at = timezone.now()
    record_save(record=record, user=user, reason=reason or _("Lifecycle: %(to)s") % {"to": to},
                public_note=public_note)
    _log_move(record, from_state=from_state, user=user, reason=reason, partner=partner)
    if Lifecycle.PUBLISHED in (from_state, to):
        _touch_dependents(record)


def _touch_dependents(record: Record) -> None:
    """The rows whose visibility rests on ``record`` changed with it: their ``updated_at``
    moves, so that a mirror reading the changes feed since a moment hears of them (a
    citation of an archived report now reads ``archived`` there). Their own fields, version
    and history are unchanged."""
    now = timezone.now()
    for rows in visibility.resting_on(record):
        rows.update(updated_at=now)


def _log_move(
    record: Record, *, from_state: str, user: Editor, reason: str, partner: PartnerInstitution | None = None,
) -> LifecycleMove:
    return LifecycleMove.objects.create(
        content_type=ContentType.objects.get_for_model(record), object_id=record.pk,
        from_state=from_state, to_state=record.lifecycle,
        moved_by=user if user is not None and user.is_authenticated else None, partner=partner,
        reason=reason[:1000], record_version=record.version,
    )


def record_submit_for_review(*, record: R, **kwargs: Any) -> R:
    return record_transition(record=record, to=Lifecycle.IN_REVIEW, **kwargs)


def record_publish(*, record: R, **kwargs: Any) -> R:
    return record_transition(record=record, to=Lifecycle.PUBLISHED, **kwargs)


def record_return(*, record: R, user: Editor, reason: str, **kwargs: Any) -> R:
    """Send a record under review back to draft; the reason is shown to whoever submitted it."""
    return record_transition(record=record, to=Lifecycle.DRAFT, user=user, reason=reason, **kwargs)


def record_retract(*, record: R, **kwargs: Any) -> R:
    return record_transition(record=record, to=Lifecycle.RETRACTED, **kwargs)


def record_archive(*, record: R, **kwargs: Any) -> R:
    """What "delete" means here: the record leaves every public view, its rows stay."""
    with transaction.atomic():
        current = _lock(record)
        if current.lifecycle == Lifecycle.ARCHIVED:
            _copy_state(current, record)
            return record
        return record_transition(record=record, to=Lifecycle.ARCHIVED, **kwargs)


def citation_add(
    *, target: Record, fields: Mapping[str, Any], user: Editor = None, reason: str = "",
    submitted_by: PartnerInstitution | None = None, lifecycle: str = Lifecycle.DRAFT,
) -> Citation:
    citation = Citation(**fields, **{_citation_field(target): target})
    citation.submitted_by = submitted_by
    citation.lifecycle = lifecycle
    if not citation.slug:
        citation.slug = unique_slug(model=Citation, text=f"{citation.source.slug}-on-{target.slug}")
    with transaction.atomic():
        # Waits for a move of the target in progress, so that publishing a claim
        # and adding evidence to it happen one after the other.
        _lock(target)
        return record_save(record=citation, user=user, reason=reason)


def claim_create(
    *,
    model: type[R],
    fields: Mapping[str, Any],
    citations: Sequence[Mapping[str, Any]],
    m2m: Mapping[str, Iterable[Any]] | None = None,
    user: Editor = None,
    reason: str = "",
    submitted_by: PartnerInstitution | None = None,
    lifecycle: str = Lifecycle.DRAFT,
) -> R:
    """Create a claim together with the citations that back it, or nothing at all.

    The rules are those of ``record_save``, ``citation_add`` and, for a claim
    created published, ``record_publish``; as the claim is new, nobody else can
    hold its row, and its rows are written a table at a time (``new_rows``):
    about ten queries, however many citations it has.
    """
    if not citations:
        raise ValidationError({"citations": _("A claim needs at least one citation.")})
    try:
        with transaction.atomic():
            return _claim_write(model=model, fields=fields, citations=citations, m2m=m2m or {}, user=user,
                                reason=reason, submitted_by=submitted_by, lifecycle=lifecycle)
    except IntegrityError as error:
        # Another transaction took a slug between the look-up and the insert.
        raise _refusal(model, error) from error


def _refusal(model: type[Record], error: IntegrityError) -> Exception:
    text = str(error)
    for table, field in ((Citation._meta.db_table, "citations"), (model._meta.db_table, "slug")):
        if f"{table}.slug" in text or f"{table}_slug" in text:
            return ValidationError({field: _("That slug was taken meanwhile; send the claim again.")})
    return error


def _claim_write(
    *, model: type[R], fields: Mapping[str, Any], citations: Sequence[Mapping[str, Any]],
    m2m: Mapping[str, Iterable[Any]], user: Editor, reason: str, submitted_by: PartnerInstitution | None,
    lifecycle: str,
) -> R:
    now = timezone.now()
    record = model(**fields)
    record.submitted_by = submitted_by
    record.lifecycle = lifecycle
    record.published_at = now if lifecycle == Lifecycle.PUBLISHED else None
    given = bool(record.slug)
    if not given:
        record.slug = unique_slug(model=model, text=_slug_text(record))
    errors = new_rows.check(record, fresh_slug=not given)
    if errors:
        raise ValidationError(errors)
    rows = _new_citations(record, citations, submitted_by=submitted_by)
    if lifecycle == Lifecycle.PUBLISHED:
        # Judged as record_publish judges it, on the draft the claim would otherwise be first.
        record.lifecycle = Lifecycle.DRAFT
        workflow.check_move(record=record, to=Lifecycle.PUBLISHED, user=user, reason=reason)
        record.lifecycle = lifecycle
        _publish_new_claim_evidence(record, rows, user=user, reason=reason)
    _mark_history(record, user=user, reason=reason)
    new_rows.insert(model, [record], now=now, m2m=m2m)
    errors = {}
    for index, citation in enumerate(rows):
        setattr(citation, _citation_field(record), record)  # now with its key
        citation_errors = new_rows.check(citation, fresh_slug=not citation._given_slug)  # type: ignore[attr-defined]
        if citation_errors:
            errors[f"citations[{index}]"] = ValidationError(citation_errors).messages
        _mark_history(citation, user=user, reason=reason)
    if errors:
        raise ValidationError(errors)
    new_rows.insert(Citation, rows, now=now)
    if lifecycle != Lifecycle.DRAFT:
        partner = submitted_by if lifecycle == Lifecycle.IN_REVIEW else None
        _log_moves([record, *rows], from_state=Lifecycle.DRAFT, user=user, reason=reason, partner=partner)
    if lifecycle == Lifecycle.PUBLISHED:
        caching.changed()
    return record


def _new_citations(
    record: Record, citations: Sequence[Mapping[str, Any]], *, submitted_by: PartnerInstitution | None,
) -> list[Citation]:
    """The citations of a new claim, unsaved, with slugs no citation uses (one query for all)."""
    rows = []
    for citation_fields in citations:
        citation = Citation(**citation_fields, **{_citation_field(record): record})
        citation.submitted_by, citation.lifecycle = submitted_by, record.lifecycle
        citation.published_at = record.published_at
        citation._given_slug = bool(citation.slug)  # type: ignore[attr-defined]
        rows.append(citation)
    unslugged = [citation for citation in rows if not citation.slug]
    # As citation_add names them; one without a source is refused by the checks that follow.
    bases = [slug_base(model=Citation, text=f"{citation.source.slug if citation.source_id else 'citation'}"
                                            f"-on-{record.slug}") for citation in unslugged]
    for citation, slug in zip(unslugged, new_rows.free_slugs(Citation, bases), strict=True):
        citation.slug = slug
    return rows


def _publish_new_claim_evidence(record: Record, citations: Sequence[Citation], *, user: Editor, reason: str) -> None:
    """``_publish_claim_evidence`` for a claim not written yet: its sources, locked in one query."""
    own = getattr(record, "source_id", None)
    wanted = {citation.source_id for citation in citations if citation.source_id} | ({own} if own else set())
    for source in Source.objects.select_for_update().filter(pk__in=wanted).order_by("pk"):
        _publish_locked_source(source, field="source" if source.pk == own else "citations", user=user,
                               reason=reason)


def _log_moves(
    records: Sequence[Record], *, from_state: str, user: Editor, reason: str,
    partner: PartnerInstitution | None = None,
) -> None:
    """``_log_move`` for new records, in one INSERT."""
    types = ContentType.objects.get_for_models(*{type(record) for record in records})
    moved_by = user if user is not None and user.is_authenticated else None
    LifecycleMove.objects.bulk_create([
        LifecycleMove(content_type=types[type(record)], object_id=record.pk, from_state=from_state,
                      to_state=record.lifecycle, moved_by=moved_by, partner=partner, reason=reason[:1000],
                      record_version=record.version)
        for record in records
    ])


def damage_report_submit(
    *, fields: Mapping[str, Any], citations: Sequence[Mapping[str, Any]],
    m2m: Mapping[str, Iterable[Any]] | None = None, submitted_by: PartnerInstitution,
    user: Editor = None, reason: str = "",
) -> DamageReport:
    """A partner's report: stored as a draft in review, attributed to the institution."""
    return claim_create(
        model=DamageReport, fields=fields, citations=citations, m2m=m2m, user=user,
        reason=reason or _("Submitted by %(partner)s") % {"partner": submitted_by},
        submitted_by=submitted_by, lifecycle=Lifecycle.IN_REVIEW,
    )


def pledge_record_status(
    *, pledge: RestorationPledge, status: str, date: str, citations: Sequence[Mapping[str, Any]],
    note: str = "", user: Editor = None, reason: str = "",
    submitted_by: PartnerInstitution | None = None, lifecycle: str = Lifecycle.DRAFT, slug: str = "",
) -> PledgeStatusChange:
    """Record a pledge's new status with its evidence; the pledge follows once published.

    ``slug`` is the identifier a partner asked for; left empty, one is made up.
    """
    change = claim_create(
        model=PledgeStatusChange,
        fields={"pledge": pledge, "status": status, "date": date, "note": note, "slug": slug},
        citations=citations, user=user, reason=reason, submitted_by=submitted_by, lifecycle=lifecycle,
    )
    pledge_refresh_status(pledge=pledge, user=user)
    return change


def pledge_party_add(
    *, pledge: RestorationPledge, actor: Actor, role: str, amount: Any = None, note: str = "",
    user: Editor = None, reason: str = "",
) -> PledgeParty:
    """Name one more party to a pledge (a funder beside the pledger, an implementer)."""
    party = PledgeParty(pledge=pledge, actor=actor, role=role, amount=amount, note=note)
    return history_save(instance=party, user=user, reason=reason or _("Party added to the pledge"))


def pledge_refresh_status(*, pledge: RestorationPledge, user: Editor = None) -> RestorationPledge:
    """Set the pledge's status from its latest published status change, on the locked row."""
    with transaction.atomic():
        current = _lock(pledge)
        latest = current.status_changes.published().latest_first().first()
        status = latest.status if latest else RestorationPledge._meta.get_field("status").default
        if current.status != status:
            current.status = status
            record_save(record=current, user=user, reason=_("Status follows its latest evidence"))
    _copy_state(current, pledge)
    return pledge


# Versions

# What restoring an old version leaves as it is: the record's identity and lifecycle.
NOT_RESTORED = {
    "id", "slug", "lifecycle", "version", "created_at", "updated_at", "published_at", "submitted_by",
}


def restorable_fields(model: type[Record]) -> list[models.Field[Any, Any]]:
    return [field for field in model._meta.concrete_fields
            if field.editable and field.name not in NOT_RESTORED]


def record_restore(
    *, record: R, version: models.Model, user: Editor, reason: str = "",
    expected_version: int | None = None, public_note: str = "",
) -> R:
    """Bring back the values of an older version, as a new version on top of the others.

    ``version`` is one of the record's historical rows. The lifecycle stays as
    it is (restoring content is not publishing it), nothing is deleted, and the
    version restored is named in the history.
    """
    # A historical row's fields are added at run time, out of the type checker's sight.
    historical = cast(Any, version)
    if version._meta.model is not type(record).history.model or historical.id != record.pk:
        raise ValidationError({"version": _("That version belongs to another record.")})
    fields = {field.attname: getattr(version, field.attname)
              for field in restorable_fields(type(record))}
    return record_update(
        record=record, fields=fields, expected_version=expected_version, user=user,
        public_note=public_note,
        reason=reason or _("Restored version %(version)s") % {"version": historical.version},
    )


# Partner institutions and their API keys

API_KEY_PREFIX_LENGTH = 8


def _digest(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def partner_create(
    *, name: str, contact_email: str = "", actor: Actor | None = None, user: Editor = None,
) -> PartnerInstitution:
    """A partner institution with the service account its API requests act as."""
    with transaction.atomic():
        slug = slugify(name)
        account = get_user_model().objects.create_user(username=f"partner-{slug}"[:150], password=None)
        partner = PartnerInstitution(name=name, slug=slug, contact_email=contact_email, actor=actor, account=account)
        partner.full_clean()
        _mark_history(partner, user=user, reason=_("Partner created"))
        partner.save()
    return partner


def api_key_create(
    *, institution: PartnerInstitution, label: str, user: Editor = None,
) -> tuple[APIKey, str]:
    """Make a key; return it with the raw secret, which is shown once and never stored."""
    prefix = secrets.token_hex(API_KEY_PREFIX_LENGTH // 2)
    raw = f"{prefix}.{secrets.token_urlsafe(32)}"
    key = APIKey(institution=institution, label=label, prefix=prefix, digest=_digest(raw), created_by=user)
    key.full_clean()
    _mark_history(key, user=user, reason=_("Key created"))
    key.save()
    return key, raw


def api_key_revoke(*, key: APIKey, user: Editor = None, reason: str = "") -> APIKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        _mark_history(key, user=user, reason=reason or _("Key revoked"))
        key.save(update_fields=["revoked_at"])
    return key


def api_key_authenticate(*, raw_key: str) -> APIKey | None:
    """The usable key matching ``raw_key``, or None. Records when it was last used, to the minute.

    A partner syncing makes many requests a minute; writing the time of each one
    would turn every read into a write on the primary.
    """
    prefix = raw_key.split(".", 1)[0]
    key: APIKey | None = APIKey.objects.usable().select_related("institution__account").filter(prefix=prefix).first()
    if key is None or not secrets.compare_digest(key.digest, _digest(raw_key)):
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= KEY_USE_RESOLUTION:
        APIKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


KEY_USE_RESOLUTION = timedelta(minutes=1)


# Parts of records (names, designations, identifiers), vocabulary terms, partners:
# rows without a lifecycle, still validated and written with who and why.

def history_save(*, instance: M, user: Editor = None, reason: str = "") -> M:
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


def reviewer_group_sync() -> Any:
    """The reviewers' group: view rights on every registry model and its history, nothing
    more. What reviewers do besides reading, publishing or returning a record under
    review, ``workflow.check_move`` allows them. Migration 0014 creates the group."""
    from django.contrib.auth.models import Group, Permission

    with transaction.atomic():
        group, _created = Group.objects.get_or_create(name=workflow.REVIEWER_GROUP)
        group.permissions.add(*Permission.objects.filter(
            content_type__app_label="registry", codename__startswith="view_"))
    return group


def curator_create(*, username: str, password: str, email: str = "", reviewer: bool = False) -> Any:
    """A staff user (never a superuser) in the curators' group, or with ``reviewer`` in the
    reviewers' group."""
    with transaction.atomic():
        user = get_user_model()(username=username, email=email, is_staff=True, is_superuser=False)
        user.set_password(password)
        user.full_clean()
        user.save()
        user.groups.add(reviewer_group_sync() if reviewer else curator_group_sync())
    return user


# Images and before/after pairs: registry/media_services.py (imported here so that every
# write is reachable from this module; the module itself imports this one).
from registry import media_services  # noqa: E402,F401
