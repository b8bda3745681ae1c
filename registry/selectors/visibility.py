"""Who may see a record, and so whether anything shown may name, link or count it.

One rule for every surface (API fields, pages, exports, feeds, filters): a
reader sees a record that is published, a partner also sees its own
institution's submissions in any state, and a curator sees everything. A
record whose meaning rests on others (a citation on its source and the record
it backs, an attribution on its event and its actor, a pledge's status change
on its pledge) is seen only when those are seen too, so that archiving or
retracting a record withdraws its citations and attributions from every
public output at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar, cast

from django.db.models import Case, CharField, Exists, F, Model, OuterRef, Q, QuerySet, Value, When

from registry.models import (
    CITATION_TARGETS, Attribution, Citation, Lifecycle, PartnerInstitution, PledgeStatusChange, Record,
)

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Reader:
    """Who is reading: the public, one partner institution, or a curator."""

    partner_id: int | None = None
    curator: bool = False


PUBLIC = Reader()
CURATOR = Reader(curator=True)


def partner_reader(partner: PartnerInstitution | None) -> Reader:
    return Reader(partner_id=partner.pk) if partner is not None else PUBLIC


# Records each kind rests on: (foreign key, may it be empty).
DEPENDENCIES: dict[type[Model], tuple[tuple[str, bool], ...]] = {
    Citation: (("source", False), *((name, True) for name in CITATION_TARGETS)),
    Attribution: (("damage_event", False), ("actor", False)),
    PledgeStatusChange: (("pledge", False),),
}


def resting_on(record: Model) -> list[QuerySet[Model]]:
    """The rows whose visibility rests on ``record``, directly or through others: the
    citations and attributions of a report or event, a pledge's status changes and their
    citations. When ``record`` enters or leaves public view, so do they."""
    found: list[QuerySet[Model]] = []

    def walk(model: type[Model], path: str) -> None:
        for dependent, fields in DEPENDENCIES.items():
            for name, _optional in fields:
                if dependent._meta.get_field(name).related_model is model:
                    lookup = f"{name}__{path}" if path else name
                    found.append(dependent._default_manager.filter(**{lookup: record}))
                    walk(dependent, lookup)

    walk(type(record), "")
    return found


def _own_standing(reader: Reader, prefix: str) -> Q:
    rule = Q(**{f"{prefix}lifecycle": Lifecycle.PUBLISHED})
    if reader.partner_id is not None:
        rule |= Q(**{f"{prefix}submitted_by": reader.partner_id})
    return rule


def _known_to_mirrors(reader: Reader, prefix: str) -> Q:
    # Withdrawn after it was public: its slug is known already, and mirrors must hear of it.
    withdrawn = Q(**{f"{prefix}lifecycle__in": [Lifecycle.RETRACTED, Lifecycle.ARCHIVED],
                     f"{prefix}published_at__isnull": False})
    return _own_standing(reader, prefix) | withdrawn


# The rule depends on nothing but its arguments and is asked for several times a request;
# a ``Q`` is never changed in place (combining makes a new one), so one can be shared.
@lru_cache(maxsize=256)
def visibility_rule(
    model: type[Model], reader: Reader, prefix: str = "", *,
    standing: Callable[[Reader, str], Q] = _own_standing,
) -> Q:
    """The ``Q`` keeping the rows of ``model`` (reached through ``prefix``) ``reader`` may see."""
    if reader.curator:
        return Q()
    rule = standing(reader, prefix)
    for name, optional in DEPENDENCIES.get(model, ()):
        related = cast(type[Model], model._meta.get_field(name).related_model)
        if not optional:
            rule &= visibility_rule(related, reader, f"{prefix}{name}__", standing=standing)
            continue
        # Asked of the one row the key names, not joined: a citation may back any of eight
        # kinds of record, and eight outer joins cost PostgreSQL's planner more (a fifth of
        # a second) than running the query does.
        seen = related._default_manager.filter(
            visibility_rule(related, reader, standing=standing), pk=OuterRef(f"{prefix}{name}")
        )
        rule &= Q(**{f"{prefix}{name}__isnull": True}) | Q(Exists(seen))
    return rule


def changes_rule(model: type[Model], reader: Reader) -> Q:
    """Rows of ``model`` the changes feed lists for ``reader``: what it may see, and what
    was withdrawn after being public (a mirror must remove it). A record withdrawn before
    it was ever published stays out: no mirror has it, and a draft's slug is not public."""
    return visibility_rule(model, reader, standing=_known_to_mirrors)


def changes_lifecycle(model: type[Model], reader: Reader) -> F | Case:
    """The lifecycle the changes feed gives a row of ``model``: its own while ``reader`` may
    see the row; otherwise that of the withdrawal hiding it, so that a citation whose report
    was archived reads ``archived`` (``retracted`` if a record it rests on was retracted)."""
    withdrawn = [Lifecycle.RETRACTED, Lifecycle.ARCHIVED]
    if reader.curator or model not in DEPENDENCIES:
        return F("lifecycle")
    retracted = Q()
    for name, _optional in DEPENDENCIES[model]:
        retracted |= Q(**{f"{name}__lifecycle": Lifecycle.RETRACTED})
    return Case(
        When(visibility_rule(model, reader) | Q(lifecycle__in=withdrawn), then=F("lifecycle")),
        When(retracted, then=Value(Lifecycle.RETRACTED)),
        default=Value(Lifecycle.ARCHIVED),
        output_field=CharField(),
    )


def visible(queryset: QuerySet[M], reader: Reader = PUBLIC) -> QuerySet[M]:
    """The rows of ``queryset`` that ``reader`` may see."""
    if reader.curator:
        return queryset
    return queryset.filter(visibility_rule(queryset.model, reader))


def public_from_lifecycle(model: type[Model], lifecycle: str | None) -> bool:
    """``may_see`` for the public, from a row's lifecycle alone (``None``: no row at all).

    Only for models whose visibility rests on no other row: a download reads
    the slug and lifecycle of what a report names, not model instances.
    """
    if model in DEPENDENCIES:
        raise ValueError(f"{model.__name__}'s visibility rests on other rows")
    return lifecycle == Lifecycle.PUBLISHED


def may_see(record: Record | None, reader: Reader = PUBLIC) -> bool:
    """Whether ``reader`` may see ``record`` (``None`` is never seen): ``visible`` for one row.

    Dependencies are read from the loaded record; callers that check many rows
    load them with ``select_related`` (or start from ``visible``).
    """
    if record is None:
        return False
    if reader.curator:
        return True
    standing = record.lifecycle == Lifecycle.PUBLISHED or (
        reader.partner_id is not None and record.submitted_by_id == reader.partner_id
    )
    if not standing:
        return False
    for name, optional in DEPENDENCIES.get(type(record), ()):
        if optional and getattr(record, f"{name}_id") is None:
            continue
        if not may_see(getattr(record, name), reader):
            return False
    return True


def visible_slug(record: Record | None, reader: Reader = PUBLIC) -> str | None:
    """A related record's slug, or ``None`` when ``reader`` may not see it."""
    return record.slug if record is not None and may_see(record, reader) else None


def matching_slug(model: type[M], slug: str, reader: Reader = PUBLIC) -> QuerySet[M]:
    """The record of ``model`` with ``slug`` if ``reader`` may see it; else nothing.

    Filters match related records through this, so a slug the reader may not
    see answers exactly as a slug that does not exist.
    """
    return visible(model._default_manager.filter(slug=slug), reader)
