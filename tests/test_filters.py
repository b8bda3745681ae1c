from __future__ import annotations

import pytest

from registry.filters import ArtefactFilter, DamageReportFilter, HeritageSiteFilter, RestorationPledgeFilter
from registry.models import Artefact, DamageReport, HeritageSite, RestorationPledge
from tests.factories import (
    ArtefactFactory, DamageEventFactory, DamageReportFactory, DesignationFactory, HeritageSiteFactory,
    RestorationPledgeFactory,
    SiteNameFactory, term,
)

pytestmark = pytest.mark.django_db


def _filter(filterset_class, model, data):
    filterset = filterset_class(data, queryset=model.objects.published())
    assert filterset.is_valid(), filterset.errors
    return list(filterset.qs)


def test_date_range_overlaps_edtf_spans():
    site = HeritageSiteFactory()
    in_2015 = DamageReportFactory(occurred="2015", sites=[site])
    late_august = DamageReportFactory(occurred="2015-08-27/2015-09-02", sites=[site])
    open_ended = DamageReportFactory(occurred="2014/..", sites=[site])
    DamageReportFactory(occurred="2012", sites=[site])

    found = _filter(DamageReportFilter, DamageReport, {"date_from": "2015-09", "date_to": "2015-12"})

    assert set(found) == {in_2015, late_august, open_ended}


def test_date_range_works_before_the_common_era():
    lion = ArtefactFactory(made="-00XX")
    ArtefactFactory(made="0150")

    assert _filter(ArtefactFilter, Artefact, {"date_from": "-0050", "date_to": "-0001"}) == [lion]


def test_invalid_date_is_a_form_error_on_that_field():
    filterset = DamageReportFilter({"date_from": "last spring"}, queryset=DamageReport.objects.all())

    assert not filterset.is_valid()
    assert list(filterset.errors) == ["date_from"]


def test_search_country_kind_and_designation_combine():
    palmyra = HeritageSiteFactory(name="Palmyra", country="SY")
    SiteNameFactory(owner=palmyra, name="تدمر", language="ar")
    DesignationFactory(site=palmyra, kind=term("designation", "unesco-in-danger"), since="2013")
    HeritageSiteFactory(name="Hatra", country="IQ")

    assert _filter(HeritageSiteFilter, HeritageSite, {"q": "تدمر"}) == [palmyra]
    assert _filter(HeritageSiteFilter, HeritageSite, {"country": "SY", "kind": "archaeological-site"}) == [palmyra]
    assert _filter(HeritageSiteFilter, HeritageSite, {"designation": "unesco-in-danger"}) == [palmyra]
    assert _filter(HeritageSiteFilter, HeritageSite, {"country": "IQ", "designation": "unesco-in-danger"}) == []


def test_unknown_vocabulary_term_is_refused():
    filterset = HeritageSiteFilter({"kind": "spaceport"}, queryset=HeritageSite.objects.all())

    assert not filterset.is_valid()
    assert "kind" in filterset.errors


def test_reports_filter_by_site_including_its_parts_and_by_cause():
    city = HeritageSiteFactory()
    museum = HeritageSiteFactory(parent=city)
    blast = DamageReportFactory(sites=[museum], cause_type=term("cause_type", "explosion-heavy-weaponry"))
    DamageReportFactory()

    assert _filter(DamageReportFilter, DamageReport, {"site": city.slug}) == [blast]
    assert _filter(DamageReportFilter, DamageReport, {"cause": "explosion-heavy-weaponry"}) == [blast]


def test_pledges_filter_by_status_and_sort_by_target():
    later = RestorationPledgeFactory(target="2030")
    sooner = RestorationPledgeFactory(target="2020", status="fulfilled")
    soonest = RestorationPledgeFactory(target="2018")

    assert _filter(RestorationPledgeFilter, RestorationPledge, {"ordering": "target"}) == [soonest, sooner, later]
    assert _filter(RestorationPledgeFilter, RestorationPledge, {"ordering": "-target"}) == [later, sooner, soonest]
    assert _filter(RestorationPledgeFilter, RestorationPledge, {"status": "fulfilled"}) == [sooner]
    assert set(_filter(RestorationPledgeFilter, RestorationPledge, {"status": "pledged"})) == {soonest, later}


def test_date_range_ends_count_whole_months_and_years():
    site = HeritageSiteFactory()
    late_december = DamageReportFactory(occurred="2013-12-20", sites=[site])
    early_january = DamageReportFactory(occurred="2014-01-02", sites=[site])
    DamageReportFactory(occurred="2012-06", sites=[site])

    # "until 2013-12" runs to the last day of December; "from 2014" starts on its first day.
    assert _filter(DamageReportFilter, DamageReport, {"date_from": "2013-01", "date_to": "2013-12"}) == [late_december]
    assert _filter(DamageReportFilter, DamageReport, {"date_from": "2014", "date_to": "2014"}) == [early_january]
    assert _filter(DamageReportFilter, DamageReport, {"date_from": "2013-12-21"}) == [early_january]


def test_events_sort_by_date_title_and_last_change():
    from registry import services
    from registry.filters import DamageEventFilter
    from registry.models import DamageEvent

    bombing = DamageEventFactory(title="Bombing of the souq", occurred="2016")
    arson = DamageEventFactory(title="Arson at the library", occurred="2013")
    looting = DamageEventFactory(title="Looting of the tell", occurred="2014-05")
    services.record_update(record=bombing, fields={"description": "Updated last."}, expected_version=1)

    def ordered(ordering):
        return _filter(DamageEventFilter, DamageEvent, {"ordering": ordering})

    assert ordered("date") == [arson, looting, bombing]
    assert ordered("-date") == [bombing, looting, arson]
    assert ordered("title") == [arson, bombing, looting]
    assert ordered("-updated")[0] == bombing
    assert not DamageEventFilter({"ordering": "occurred_lower"}, queryset=DamageEvent.objects.all()).is_valid()


def _filtersets():
    from registry import filters as f

    return [f.HeritageSiteFilter, f.ArtefactFilter, f.DamageEventFilter, f.DamageReportFilter,
            f.RestorationPledgeFilter, f.SourceFilter, f.ActorFilter, f.InterventionFilter]


def _make(model, n: int):
    from tests import factories

    factory = getattr(factories, f"{model.__name__}Factory")
    return [factory() for _ in range(n)]


@pytest.mark.parametrize("filterset_class", [c for c in _filtersets() if "ordering" in c.base_filters],
                         ids=lambda c: c.__name__)
def test_every_ordering_a_list_offers_sorts_by_its_field(filterset_class):
    model = filterset_class._meta.model
    _make(model, 3)
    ordering = filterset_class.base_filters["ordering"]
    assert ordering.param_map, filterset_class
    for name, field in ordering.param_map.items():
        for sign, reverse in (("", False), ("-", True)):
            rows = _filter(filterset_class, model, {"ordering": sign + name})
            values = [getattr(getattr(row, field), "code", getattr(row, field)) for row in rows]  # countries by code
            known = [value for value in values if value is not None]
            assert len(rows) == 3 and known == sorted(known, reverse=reverse), (name, sign, values)


@pytest.mark.parametrize("filterset_class", [c for c in _filtersets() if "date_from" in c.base_filters],
                         ids=lambda c: c.__name__)
def test_every_date_range_filter_reads_its_own_dates(filterset_class):
    model = filterset_class._meta.model
    bound = filterset_class.base_filters["date_from"].bound
    old, recent = _make(model, 2)
    type(old).objects.filter(pk=old.pk).update(**{f"{bound}_lower": 19000101, f"{bound}_upper": 19001231})
    type(recent).objects.filter(pk=recent.pk).update(**{f"{bound}_lower": 20160101, f"{bound}_upper": 20161231})
    assert old not in _filter(filterset_class, model, {"date_from": "2010"})
    assert recent in _filter(filterset_class, model, {"date_from": "2010"})
    assert old in _filter(filterset_class, model, {"date_to": "1950"})
    assert recent not in _filter(filterset_class, model, {"date_to": "1950"})


@pytest.mark.parametrize("filterset_class", _filtersets()[2:5] + _filtersets()[7:], ids=lambda c: c.__name__)
def test_text_search_reads_titles_and_descriptions(filterset_class):
    model = filterset_class._meta.model
    by_title, by_description, neither = _make(model, 3)
    model.objects.filter(pk=by_title.pk).update(title="Minaret toppled", description="")
    model.objects.filter(pk=by_description.pk).update(title="Damage", description="The minaret fell.")
    model.objects.filter(pk=neither.pk).update(title="Roof burnt", description="A fire.")
    found = set(_filter(filterset_class, model, {"q": "minaret"}))
    assert {by_title, by_description} <= found and neither not in found


def test_artefacts_filter_by_kind_slug():
    temple = ArtefactFactory(kind=term("artefact_kind", "temple"))
    tomb = ArtefactFactory(kind=term("artefact_kind", "tomb"))
    assert _filter(ArtefactFilter, Artefact, {"kind": "temple"}) == [temple]
    assert _filter(ArtefactFilter, Artefact, {"kind": "tomb"}) == [tomb]
    assert not ArtefactFilter({"kind": "spaceport"}, queryset=Artefact.objects.all()).is_valid()


def test_reports_filter_by_an_artefact_they_name():
    site = HeritageSiteFactory()
    lion, gate = ArtefactFactory(site=site), ArtefactFactory(site=site)
    about_lion = DamageReportFactory(sites=[site])
    about_lion.artefacts.set([lion, gate])
    about_gate = DamageReportFactory(sites=[site])
    about_gate.artefacts.set([gate])
    DamageReportFactory(sites=[site])  # the site as a whole

    assert _filter(DamageReportFilter, DamageReport, {"artefact": lion.slug}) == [about_lion]
    assert sorted(_filter(DamageReportFilter, DamageReport, {"artefact": gate.slug}), key=lambda r: r.pk) == [
        about_lion, about_gate,
    ]
    draft = ArtefactFactory(site=site, lifecycle="draft")
    about_lion.artefacts.add(draft)
    assert _filter(DamageReportFilter, DamageReport, {"artefact": draft.slug}) == []  # not seen by the public
