"""factory_boy factories that keep related rows consistent.

Records are saved through ``services.record_save`` so that they are validated
and get their EDTF bounds exactly as records entered by curators do.
"""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from registry import services
from registry.models import (
    Actor, Artefact, Attribution, Citation, DamageEvent, DamageReport, Designation, HeritageSite,
    Intervention, Lifecycle, PartnerInstitution, PledgeStatusChange, RestorationPledge, SiteName,
    Source, Term,
)


def term(vocabulary: str, slug: str) -> Term:
    """A term from the loaded starting vocabularies."""
    return Term.objects.get(vocabulary=vocabulary, slug=slug)


class RecordFactory(DjangoModelFactory):
    lifecycle = Lifecycle.PUBLISHED

    class Meta:
        abstract = True
        skip_postgeneration_save = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.record_save(record=model_class(*args, **kwargs))


class TermFactory(DjangoModelFactory):
    vocabulary = Term.Vocabulary.MATERIAL
    slug = factory.Sequence(lambda n: f"term-{n}")
    label = factory.Sequence(lambda n: f"Term {n}")

    class Meta:
        model = Term


class HeritageSiteFactory(RecordFactory):
    name = factory.Sequence(lambda n: f"Ancient city {n}")
    slug = factory.Sequence(lambda n: f"ancient-city-{n}")
    kind = factory.LazyFunction(lambda: term("site_kind", "archaeological-site"))
    country = "SY"
    latitude = factory.Faker("pydecimal", left_digits=2, right_digits=6, min_value=30, max_value=37)
    longitude = factory.Faker("pydecimal", left_digits=2, right_digits=6, min_value=35, max_value=42)
    description = "A walled city of the Roman period."

    class Meta:
        model = HeritageSite


class SiteNameFactory(DjangoModelFactory):
    owner = factory.SubFactory(HeritageSiteFactory)
    name = factory.Sequence(lambda n: f"Alternative name {n}")
    language = "en"

    class Meta:
        model = SiteName


class DesignationFactory(DjangoModelFactory):
    site = factory.SubFactory(HeritageSiteFactory)
    kind = factory.LazyFunction(lambda: term("designation", "unesco-world-heritage"))
    reference = "23"
    since = "1980"

    class Meta:
        model = Designation

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        designation = model_class(*args, **kwargs)
        designation.full_clean()
        designation.save()
        return designation


class ArtefactFactory(RecordFactory):
    name = factory.Sequence(lambda n: f"Statue {n}")
    slug = factory.Sequence(lambda n: f"statue-{n}")
    site = factory.SubFactory(HeritageSiteFactory)
    kind = factory.LazyFunction(lambda: term("artefact_kind", "statue"))
    is_movable = True
    made = "-00XX"

    class Meta:
        model = Artefact


class ActorFactory(RecordFactory):
    name = factory.Sequence(lambda n: f"Directorate {n}")
    slug = factory.Sequence(lambda n: f"directorate-{n}")
    kind = Actor.Kind.ORGANISATION

    class Meta:
        model = Actor


class SourceFactory(RecordFactory):
    title = factory.Sequence(lambda n: f"Field report {n}")
    slug = factory.Sequence(lambda n: f"field-report-{n}")
    kind = factory.LazyFunction(lambda: term("source_kind", "news-article"))
    publisher = factory.SubFactory(ActorFactory)
    published = "2016-03-27"
    url = factory.Sequence(lambda n: f"https://news.example.org/report-{n}")
    language = "en"

    class Meta:
        model = Source


class DamageEventFactory(RecordFactory):
    title = factory.Sequence(lambda n: f"Destruction of monument {n}")
    slug = factory.Sequence(lambda n: f"destruction-{n}")
    occurred = "2015-08-27/2015-09-02"
    severity = "destroyed"

    class Meta:
        model = DamageEvent

    @factory.post_generation
    def sites(self, create, extracted, **kwargs):
        if create:
            self.sites.set(extracted or [HeritageSiteFactory()])


class DamageReportFactory(RecordFactory):
    title = factory.Sequence(lambda n: f"Report of damage {n}")
    slug = factory.Sequence(lambda n: f"damage-report-{n}")
    source = factory.SubFactory(SourceFactory)
    occurred = "2015"
    severity = "severe"
    certainty = "medium"

    class Meta:
        model = DamageReport

    @factory.post_generation
    def sites(self, create, extracted, **kwargs):
        if create:
            self.sites.set(extracted or [HeritageSiteFactory()])


class AttributionFactory(RecordFactory):
    slug = factory.Sequence(lambda n: f"attribution-{n}")
    damage_event = factory.SubFactory(DamageEventFactory)
    actor = factory.SubFactory(ActorFactory, kind=Actor.Kind.GROUP)

    class Meta:
        model = Attribution


class CitationFactory(RecordFactory):
    slug = factory.Sequence(lambda n: f"citation-{n}")
    source = factory.SubFactory(SourceFactory)
    quote = "badly damaged"
    locator = "para. 3"
    damage_report = factory.SubFactory(DamageReportFactory)

    class Meta:
        model = Citation


class RestorationPledgeFactory(RecordFactory):
    title = factory.Sequence(lambda n: f"Pledge to restore {n}")
    slug = factory.Sequence(lambda n: f"pledge-{n}")
    pledger = factory.SubFactory(ActorFactory)
    action = factory.LazyFunction(lambda: term("pledge_action", "restore"))
    pledged = "2016-03"
    target = "2020"

    class Meta:
        model = RestorationPledge

    @factory.post_generation
    def sites(self, create, extracted, **kwargs):
        if create:
            self.sites.set(extracted or [HeritageSiteFactory()])


class PledgeStatusChangeFactory(RecordFactory):
    slug = factory.Sequence(lambda n: f"pledge-status-{n}")
    pledge = factory.SubFactory(RestorationPledgeFactory)
    status = "in_progress"
    date = "2017"

    class Meta:
        model = PledgeStatusChange


class InterventionFactory(RecordFactory):
    title = factory.Sequence(lambda n: f"Restoration work {n}")
    slug = factory.Sequence(lambda n: f"intervention-{n}")
    kind = factory.LazyFunction(lambda: term("intervention_kind", "restored-repaired"))
    date = "2017"

    class Meta:
        model = Intervention

    @factory.post_generation
    def sites(self, create, extracted, **kwargs):
        if create:
            self.sites.set(extracted or [HeritageSiteFactory()])


class PartnerInstitutionFactory(DjangoModelFactory):
    name = factory.Sequence(lambda n: f"Partner museum {n}")

    class Meta:
        model = PartnerInstitution

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.partner_create(**kwargs)
