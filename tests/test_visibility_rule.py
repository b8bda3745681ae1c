"""The visibility rule on records in memory: no database, so every case runs in a blink.

``tests/test_visibility.py`` checks the same rule against the database; these
cases pin each branch of it down, for readers of every kind.
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest
from django.db.models import Exists, Q

from registry.models import (
    Actor,
    Attribution,
    Citation,
    DamageEvent,
    DamageReport,
    HeritageSite,
    Lifecycle,
    PledgeStatusChange,
    RestorationPledge,
    Source,
)
from registry.selectors import visibility as v

A, B = 7, 8
PARTNER_A, PARTNER_B = v.Reader(partner_id=A), v.Reader(partner_id=B)
ALL = (v.PUBLIC, PARTNER_A, PARTNER_B, v.CURATOR)
HIDDEN = [Lifecycle.DRAFT, Lifecycle.IN_REVIEW, Lifecycle.RETRACTED, Lifecycle.ARCHIVED]


def actor(lifecycle=Lifecycle.PUBLISHED, owner=None, slug="an-actor"):
    return Actor(slug=slug, lifecycle=lifecycle, submitted_by_id=owner)


def seen(record):
    return [v.may_see(record, reader) for reader in ALL]


def test_readers():
    assert v.PUBLIC == v.Reader() and v.PUBLIC.partner_id is None and v.PUBLIC.curator is False
    assert v.CURATOR.curator and v.CURATOR.partner_id is None
    assert v.partner_reader(None) == v.PUBLIC
    assert v.partner_reader(type("Partner", (), {"pk": A})()) == PARTNER_A
    with pytest.raises(
        FrozenInstanceError
    ):  # shared module constants: nobody may turn PUBLIC into a curator
        v.PUBLIC.curator = True


@pytest.mark.parametrize("lifecycle", HIDDEN)
def test_one_record(lifecycle):
    assert seen(actor()) == [True, True, True, True]
    assert seen(actor(lifecycle)) == [False, False, False, True]
    assert seen(actor(lifecycle, owner=A)) == [False, True, False, True]
    assert seen(actor(owner=B)) == [True, True, True, True]
    assert [v.may_see(None, reader) for reader in ALL] == [False] * 4
    assert v.may_see(actor()) and not v.may_see(actor(lifecycle))  # the public by default


def test_slug_only_when_seen():
    assert v.visible_slug(actor(slug="open")) == "open"
    assert v.visible_slug(actor(Lifecycle.DRAFT, slug="closed")) is None
    assert v.visible_slug(actor(Lifecycle.DRAFT, owner=A, slug="own"), PARTNER_A) == "own"
    assert v.visible_slug(None) is None


def citation(source=None, **targets):
    record = Citation(
        slug="c",
        lifecycle=Lifecycle.PUBLISHED,
        source=source or Source(lifecycle=Lifecycle.PUBLISHED),
    )
    for number, (name, target) in enumerate(targets.items(), start=1):
        target.pk = target.pk or number  # a saved row, as far as the foreign key can tell
        setattr(record, name, target)
    return record


@pytest.mark.parametrize("lifecycle", HIDDEN)
def test_a_citation_rests_on_its_source_and_its_target(lifecycle):
    report = DamageReport(lifecycle=Lifecycle.PUBLISHED)
    assert seen(citation(damage_report=report)) == [True] * 4
    assert seen(citation(damage_report=DamageReport(lifecycle=lifecycle))) == [
        False,
        False,
        False,
        True,
    ]
    assert seen(citation(Source(lifecycle=lifecycle), damage_report=report)) == [
        False,
        False,
        False,
        True,
    ]
    own = DamageReport(lifecycle=lifecycle, submitted_by_id=A)
    assert seen(citation(site=HeritageSite(lifecycle=Lifecycle.PUBLISHED), damage_report=own)) == [
        False,
        True,
        False,
        True,
    ]
    hidden = citation(damage_report=report)
    hidden.lifecycle = lifecycle
    assert seen(hidden) == [False, False, False, True]


@pytest.mark.parametrize("lifecycle", HIDDEN)
def test_an_attribution_rests_on_its_event_and_actor(lifecycle):
    event = DamageEvent(lifecycle=Lifecycle.PUBLISHED)
    attribution = Attribution(lifecycle=Lifecycle.PUBLISHED, damage_event=event, actor=actor())
    assert seen(attribution) == [True] * 4
    attribution.actor = actor(lifecycle, owner=A)
    assert seen(attribution) == [False, True, False, True]
    attribution.actor, attribution.damage_event = actor(), DamageEvent(lifecycle=lifecycle)
    assert seen(attribution) == [False, False, False, True]
    assert seen(citation(attribution=attribution)) == [False, False, False, True]


def test_a_status_change_rests_on_its_pledge():
    change = PledgeStatusChange(
        lifecycle=Lifecycle.PUBLISHED, pledge=RestorationPledge(lifecycle=Lifecycle.ARCHIVED)
    )
    assert seen(change) == [False, False, False, True]
    change.pledge = RestorationPledge(lifecycle=Lifecycle.PUBLISHED)
    assert seen(change) == [True] * 4


def test_the_rule_as_a_query():
    published = Q(lifecycle=Lifecycle.PUBLISHED)
    assert v.visibility_rule(Actor, v.CURATOR) == Q()
    assert v.visibility_rule(Actor, v.PUBLIC) == published
    assert v.visibility_rule(Actor, PARTNER_A) == published | Q(submitted_by=A)
    assert v.visibility_rule(Actor, v.PUBLIC, "actor__") == Q(actor__lifecycle=Lifecycle.PUBLISHED)
    assert v.visibility_rule(PledgeStatusChange, v.PUBLIC) == published & Q(
        pledge__lifecycle=Lifecycle.PUBLISHED
    )
    rule = v.visibility_rule(Attribution, PARTNER_B)
    assert rule == (
        (published | Q(submitted_by=B))
        & (Q(damage_event__lifecycle=Lifecycle.PUBLISHED) | Q(damage_event__submitted_by=B))
        & (Q(actor__lifecycle=Lifecycle.PUBLISHED) | Q(actor__submitted_by=B))
    )
    citation_rule = v.visibility_rule(Citation, v.PUBLIC)
    assert ("source__lifecycle", Lifecycle.PUBLISHED) in citation_rule.children
    assert len(citation_rule.children) == 1 + len(v.DEPENDENCIES[Citation])

    def resting_on(name: str) -> Exists:
        """What the rule asks of the record the citation backs, when it names one."""
        [either] = [child for child in citation_rule.children
                    if isinstance(child, Q) and child.children[0] == (f"{name}__isnull", True)]
        assert either.connector == Q.OR
        return either.children[1]

    site = resting_on("site")
    assert isinstance(site, Exists) and site.query.model is HeritageSite
    asked = [(lookup.lhs.target.name, lookup.rhs) for lookup in site.query.where.children]
    assert asked[0] == ("lifecycle", Lifecycle.PUBLISHED)
    assert asked[1][0] == "id" and asked[1][1].name == "site"  # the row the citation names
    # A citation of an attribution rests, through it, on the attribution's event and actor.
    attribution = resting_on("attribution")
    assert attribution.query.model is Attribution
    joined = {join.table_name for join in attribution.query.alias_map.values()}
    assert {"registry_damageevent", "registry_actor"} <= joined


def test_the_changes_rule_adds_records_withdrawn_after_being_public():
    withdrawn = Q(
        lifecycle__in=[Lifecycle.RETRACTED, Lifecycle.ARCHIVED], published_at__isnull=False
    )
    assert v.changes_rule(Actor, v.PUBLIC) == Q(lifecycle=Lifecycle.PUBLISHED) | withdrawn
    assert (
        v.changes_rule(Actor, PARTNER_A)
        == (Q(lifecycle=Lifecycle.PUBLISHED) | Q(submitted_by=A)) | withdrawn
    )
    assert v.changes_rule(Actor, v.CURATOR) == Q()
    event_side = Q(damage_event__lifecycle=Lifecycle.PUBLISHED) | Q(
        damage_event__lifecycle__in=[Lifecycle.RETRACTED, Lifecycle.ARCHIVED],
        damage_event__published_at__isnull=False,
    )
    assert event_side in v.changes_rule(Attribution, v.PUBLIC).children


def test_visible_leaves_a_curators_queryset_alone():
    queryset = Actor.objects.all()
    assert v.visible(queryset, v.CURATOR) is queryset
    assert (
        v.visible(queryset).query.where
        == Actor.objects.filter(lifecycle=Lifecycle.PUBLISHED).query.where
    )
    matching = v.matching_slug(Actor, "x", PARTNER_A).query.where
    assert (
        matching
        == Actor.objects.filter(slug="x")
        .filter(Q(lifecycle=Lifecycle.PUBLISHED) | Q(submitted_by=A))
        .query.where
    )
