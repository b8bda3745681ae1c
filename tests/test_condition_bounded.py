"""A busy asset's condition, read from the few states it rests on, is the one its whole timeline gives.

The database ranks a site's reports and returns only those a condition can rest on
or list (``selectors.condition._report_links``). Here sites get many more states
than a page lists, with dates that tie, sources published and not, claims of
every status and reports about artefacts that a site's own timeline leaves out;
the condition read that way must equal the one worked out in Python from every
published state.
"""

from __future__ import annotations

import random

import pytest

from registry.models import ClaimStatus, DamageReport, Intervention, Lifecycle, Severity
from registry.selectors.condition import (
    Condition,
    artefact_conditions,
    intervention_state,
    report_state,
    site_conditions,
    timeline,
)
from tests.factories import (
    ArtefactFactory,
    DamageReportFactory,
    HeritageSiteFactory,
    InterventionFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

DATES = ["", "2015", "2015-08", "2015-08-30", "2015/2016", "2016-04~", "2017/..", "-0050"]


def _slugs(states) -> list[str]:
    return [state.record.slug for state in states]


def _fingerprint(condition: Condition) -> tuple:
    current, known = condition.current, condition.last_known_severity
    return (
        current.record.slug if current else None,
        known.record.slug if known else None,
        condition.severity,
        _slugs(condition.reported),
        _slugs(condition.shown),
        condition.count,
        condition.best.record.slug if condition.best else None,
    )


def _whole(site) -> Condition:
    """The condition from every published state of the site as a whole, read the plain way."""
    reports = DamageReport.objects.filter(lifecycle=Lifecycle.PUBLISHED, sites=site, artefacts__isnull=True)
    interventions = Intervention.objects.filter(
        lifecycle=Lifecycle.PUBLISHED, sites=site, artefacts__isnull=True
    )
    states = [report_state(report) for report in reports.select_related("source")]
    states += [intervention_state(intervention) for intervention in interventions]
    return Condition(timeline(states))


def _busy_site(rng: random.Random, reports: int):
    site = HeritageSiteFactory()
    artefact = ArtefactFactory(site=site)
    sources = [
        SourceFactory(published="2015-09-01"),
        SourceFactory(published="2015-08-31"),
        SourceFactory(published=""),
        SourceFactory(lifecycle=Lifecycle.DRAFT),
    ]
    for index in range(reports):
        date = rng.choice(DATES)
        report = DamageReportFactory(
            # Slugs whose order differs between code points and a locale's rules.
            slug=f"r{site.pk}-{rng.choice(['a', 'b', 'a-b', 'ab', 'a_b'])}-{index}",
            source=rng.choice(sources),
            sites=[site],
            occurred=date,
            observed=rng.choice(["", date, "2016"]),
            severity=rng.choice(Severity.values),
            claim_status=rng.choice(ClaimStatus.values),
            lifecycle=rng.choice([Lifecycle.PUBLISHED] * 9 + [Lifecycle.DRAFT]),
        )
        if rng.random() < 0.1:
            report.artefacts.set([artefact])
    for index in range(3):
        InterventionFactory(
            slug=f"work{site.pk}-{index}", sites=[site], date=rng.choice(DATES[1:]),
            severity_after=rng.choice(Severity.values), claim_status=rng.choice(ClaimStatus.values),
        )
    return site, artefact


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_busy_site_reads_the_condition_its_whole_timeline_gives(seed, monkeypatch):
    monkeypatch.setattr(Condition, "SHOWN", 3)
    site, _ = _busy_site(random.Random(seed), reports=28)
    whole = _whole(site)
    assert whole.count > 3 * Condition.SHOWN  # far more states than a page lists
    read = site_conditions([site])[site.pk]
    assert _fingerprint(read) == _fingerprint(whole)
    assert len(read.timeline) < whole.count  # and it did not read them all


def test_a_quiet_site_reads_its_whole_timeline():
    site, _ = _busy_site(random.Random(5), reports=6)
    whole = _whole(site)
    read = site_conditions([site])[site.pk]
    assert _slugs(read.timeline) == _slugs(whole.timeline)
    assert read.count == len(whole.timeline)


def test_many_assets_at_once_each_get_their_own_condition(monkeypatch):
    monkeypatch.setattr(Condition, "SHOWN", 3)
    rng = random.Random(6)
    sites = [_busy_site(rng, reports=12)[0] for _ in range(3)]
    empty = HeritageSiteFactory()
    read = site_conditions([*sites, empty])
    for site in sites:
        assert _fingerprint(read[site.pk]) == _fingerprint(_whole(site))
    assert read[empty.pk].count == 0 and read[empty.pk].current is None


def test_an_artefact_counts_every_report_about_it(monkeypatch):
    monkeypatch.setattr(Condition, "SHOWN", 2)
    site = HeritageSiteFactory()
    artefact = ArtefactFactory(site=site)
    for index, status in enumerate([ClaimStatus.CONFIRMED] * 3 + [ClaimStatus.REPORTED] * 4):
        report = DamageReportFactory(slug=f"part-{index}", sites=[site], occurred=f"201{index}",
                                     claim_status=status)
        report.artefacts.set([artefact])
    condition = artefact_conditions([artefact])[artefact.pk]
    assert condition.count == 7
    assert condition.current.record.slug == "part-2"
    assert _slugs(condition.reported) == ["part-6", "part-5"]  # newest first, the latest SHOWN
    assert _slugs(condition.shown) == ["part-2", "part-5", "part-6"]


def test_a_current_state_older_than_every_listed_one_is_still_found(monkeypatch):
    monkeypatch.setattr(Condition, "SHOWN", 2)
    site = HeritageSiteFactory()
    states = [
        ("2010", Severity.SEVERE, ClaimStatus.CONFIRMED),
        ("2011", Severity.UNKNOWN, ClaimStatus.CORROBORATED),
        ("2012", Severity.DESTROYED, ClaimStatus.REPORTED),
        ("2013", Severity.SLIGHT, ClaimStatus.DISPUTED),
        ("2014", Severity.DESTROYED, ClaimStatus.RETRACTED),
        ("2015", Severity.SLIGHT, ClaimStatus.RETRACTED),
    ]
    for date, severity, status in states:
        DamageReportFactory(slug=f"seen-{date}", sites=[site], occurred=date, severity=severity,
                            claim_status=status)
    condition = site_conditions([site])[site.pk]
    assert condition.current.record.slug == "seen-2011"
    assert condition.last_known_severity.record.slug == "seen-2010"
    assert condition.severity == Severity.SEVERE
    # Still to be confirmed, though older than the two latest (withdrawn) reports.
    assert _slugs(condition.reported) == ["seen-2013", "seen-2012"]
    assert _slugs(condition.shown) == ["seen-2011", "seen-2014", "seen-2015"]
    assert condition.count == 6


def _current(condition: Condition) -> tuple:
    current, known = condition.current, condition.last_known_severity
    return (
        current.record.slug if current else None,
        current.kind if current else None,
        known.record.slug if known else None,
        condition.severity,
    )


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_reading_only_what_the_current_condition_rests_on_gives_the_same_condition(seed):
    rng = random.Random(seed)
    pairs = [_busy_site(rng, reports=rng.choice([0, 3, 20])) for _ in range(3)]
    sites = [site for site, _ in pairs]
    artefacts = [artefact for _, artefact in pairs]
    for site_conditions_read, whole in (
        (site_conditions(sites, current_only=True), site_conditions(sites)),
        (artefact_conditions(artefacts, current_only=True), artefact_conditions(artefacts)),
    ):
        assert {pk: _current(condition) for pk, condition in site_conditions_read.items()} == {
            pk: _current(condition) for pk, condition in whole.items()
        }
    for site in sites:
        assert _current(site_conditions([site], current_only=True)[site.pk]) == _current(_whole(site))


def test_a_condition_read_for_its_current_state_alone_refuses_to_list_a_timeline():
    site, _ = _busy_site(random.Random(8), reports=5)
    condition = site_conditions([site], current_only=True)[site.pk]
    for name in ("count", "reported", "shown", "best"):
        with pytest.raises(ValueError, match=name if name != "best" else "reported"):
            getattr(condition, name)
