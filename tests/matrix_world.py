"""A registry holding every kind of record in every unpublished state, for the permission matrix.

Every unpublished record, and every published record that rests on one (a
citation of a withdrawn report, an attribution naming a draft actor), carries
distinctive words in its slug, name or quote. ``build()`` returns them with the
readers entitled to see each through the API; public pages show none of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from registry.models import Lifecycle
from tests import factories as f

CURATORS = frozenset({"curator", "reviewer"})
HIDDEN_STATES = (Lifecycle.DRAFT, Lifecycle.IN_REVIEW, Lifecycle.RETRACTED, Lifecycle.ARCHIVED)
# The sensitive site's stored coordinates; only curators may read them.
EXACT = (Decimal("34.551234"), Decimal("38.267891"))

KINDS = {
    "site": (f.HeritageSiteFactory, "name"),
    "artefact": (f.ArtefactFactory, "name"),
    "actor": (f.ActorFactory, "name"),
    "source": (f.SourceFactory, "title"),
    "event": (f.DamageEventFactory, "title"),
    "report": (f.DamageReportFactory, "title"),
    "pledge": (f.RestorationPledgeFactory, "title"),
    "intervention": (f.InterventionFactory, "title"),
    "status": (f.PledgeStatusChangeFactory, "note"),
    "citation": (f.CitationFactory, "quote"),
}


@dataclass
class World:
    secrets: dict[str, frozenset[str]] = field(default_factory=dict)  # token → API readers entitled
    published: list = field(default_factory=list)
    hidden: list = field(default_factory=list)
    controls: list[str] = field(default_factory=list)  # public words that must show, so checks bite

    def keep_secret(self, record, *words: str, entitled: frozenset[str] = CURATORS) -> None:
        for word in (record.slug, *words):
            self.secrets[word] = entitled


def _hide(record, lifecycle, partner=None):
    # Created published, so that published rows may point at it; then withdrawn, never public.
    type(record).objects.filter(pk=record.pk).update(
        lifecycle=lifecycle, published_at=None, submitted_by=partner
    )
    record.lifecycle, record.submitted_by = lifecycle, partner
    return record


def _hidden_records(world: World, partner_a) -> dict:
    hidden = {}
    for kind, (factory, text_field) in KINDS.items():
        for lifecycle in HIDDEN_STATES:
            word = f"zq {kind} {lifecycle} secret"
            slug = f"zq-{kind}-{lifecycle.replace('_', '-')}"
            record = factory(slug=slug, **{text_field: word})
            owner = partner_a if lifecycle == Lifecycle.IN_REVIEW else None
            _hide(record, lifecycle, owner)
            entitled = CURATORS | {"partner_a"} if owner else CURATORS
            world.keep_secret(record, word, entitled=entitled)
            world.hidden.append(record)
            hidden[kind, lifecycle] = record
    return hidden


def build(partner_a) -> World:
    world = World()
    hidden = _hidden_records(world, partner_a)
    draft = {kind: hidden[kind, Lifecycle.DRAFT] for kind in KINDS}
    own = {kind: hidden[kind, Lifecycle.IN_REVIEW] for kind in KINDS}
    gone = {kind: hidden[kind, Lifecycle.ARCHIVED] for kind in KINDS}

    sensitive = f.HeritageSiteFactory(
        name="Open city Amberley",
        slug="open-city-amberley",
        is_sensitive=True,
        latitude=EXACT[0],
        longitude=EXACT[1],
    )
    for value in EXACT:
        world.secrets[str(value)] = CURATORS
    world.controls += ["open-city-amberley", "Open city Amberley"]
    event = f.DamageEventFactory(
        title="Open event Birchfield", slug="open-event-birchfield", sites=[sensitive]
    )
    report = f.DamageReportFactory(
        title="Open report Cedarholm",
        slug="open-report-cedarholm",
        sites=[sensitive, draft["site"]],
        damage_event=event,
        claim_status="confirmed",
        severity="destroyed",
    )
    report.artefacts.set([draft["artefact"], f.ArtefactFactory(site=sensitive)])
    world.controls += ["open-report-cedarholm", "Open report Cedarholm"]

    # Published records that point at unpublished ones.
    world.published += [
        sensitive,
        event,
        report,
        f.HeritageSiteFactory(parent=draft["site"]),
        f.ArtefactFactory(site=sensitive, parent=draft["artefact"]),
        f.ActorFactory(affiliation=draft["actor"]),
        f.DamageReportFactory(sites=[sensitive], damage_event=draft["event"], source=own["source"]),
        f.RestorationPledgeFactory(
            pledger=draft["actor"], beneficiary=gone["actor"], sites=[sensitive, draft["site"]]
        ),
        f.InterventionFactory(performed_by=draft["actor"], sites=[sensitive]),
    ]
    publisher_source = f.SourceFactory(publisher=own["actor"], author=draft["actor"])
    publisher_source.relays.set([draft["source"]])
    world.published.append(publisher_source)
    world.published[-3].artefacts.set([draft["artefact"]])
    world.published[-2].pledges.set([draft["pledge"]])

    # Published rows whose meaning rests on withdrawn ones: withdrawn with them.
    leaning = [
        (
            "zq-attribution-draft-actor",
            f.AttributionFactory(
                slug="zq-attribution-draft-actor", damage_event=event, actor=draft["actor"]
            ),
        ),
        (
            "zq-attribution-draft-event",
            f.AttributionFactory(slug="zq-attribution-draft-event", damage_event=draft["event"]),
        ),
        (
            "zq-status-of-gone-pledge",
            f.PledgeStatusChangeFactory(
                slug="zq-status-of-gone-pledge", pledge=gone["pledge"], note="zq status note"
            ),
        ),
    ]
    for target_field, target in (
        ("damage_report", gone["report"]),
        ("site", draft["site"]),
        ("pledge", hidden["pledge", Lifecycle.RETRACTED]),
    ):
        slug = f"zq-citation-of-{target.slug}"
        links = {"damage_report": None} | {target_field: target}
        leaning.append(
            (slug, f.CitationFactory(slug=slug, quote=f"zq quote on {target.slug}", **links))
        )
    slug = "zq-citation-from-gone-source"
    leaning.append(
        (
            slug,
            f.CitationFactory(
                slug=slug,
                source=gone["source"],
                damage_report=report,
                quote="zq quote from gone source",
            ),
        )
    )
    for _slug, record in leaning:
        world.keep_secret(
            record,
            *(word for word in (getattr(record, "quote", ""), getattr(record, "note", "")) if word),
        )
    f.AttributionFactory(damage_event=event, actor=f.ActorFactory(name="Open actor Dunmore"))
    f.CitationFactory(damage_report=report, speaker=draft["actor"], quote="Open quote Elmstead")
    world.controls += ["Open actor Dunmore", "Open quote Elmstead"]
    return world
