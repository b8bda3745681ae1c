"""Only what says something about condition can change a current condition.

Random sets of observations of one artefact (reports and interventions, with
random dates, severities and claim statuses) are saved in random orders and
then edited in ways that say nothing about condition: titles, descriptions,
a citation's note, saving a record again. The current condition and the
timeline must not move. Changing a claim status, by contrast, may.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry import services
from registry.models import ClaimStatus, Severity
from registry.selectors.condition import CONDITION_FIELDS, condition_of
from tests.factories import (
    ArtefactFactory,
    CitationFactory,
    DamageReportFactory,
    HeritageSiteFactory,
    InterventionFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

DATES = [
    "",
    "2015",
    "2015-08",
    "2015-08-30",
    "2015-08-31",
    "2016-04",
    "2017",
    "2015/2016",
    "2017/..",
]
observations = st.lists(
    st.tuples(
        st.sampled_from(["report", "intervention"]),
        st.sampled_from(DATES),
        st.sampled_from(Severity.values),
        st.sampled_from(ClaimStatus.values),
    ),
    min_size=1,
    max_size=4,
)
text = st.text(alphabet="abcdefghij klmnop", min_size=1, max_size=20)
edits = st.lists(
    st.tuples(
        st.sampled_from(["title", "description", "citation note", "save again"]),
        st.integers(min_value=0, max_value=3),
        text,
    ),
    max_size=6,
)


def _build(rows, order) -> tuple:
    site = HeritageSiteFactory()
    artefact = ArtefactFactory(site=site)
    source = SourceFactory()
    records = {}
    for index in order:
        kind, date, severity, status = rows[index]
        if kind == "report":
            record = DamageReportFactory(
                slug=f"state-{index}",
                source=source,
                sites=[site],
                occurred=date,
                observed=date,
                severity=severity,
                claim_status=status,
            )
        else:
            record = InterventionFactory(
                slug=f"state-{index}",
                sites=[site],
                date=date,
                severity_after=severity,
                claim_status=status,
            )
        record.artefacts.set([artefact])
        target = "damage_report" if kind == "report" else "intervention"
        citation = CitationFactory(source=source, **{"damage_report": None, target: record})
        records[index] = (record, citation)
    return artefact, records


def _fingerprint(artefact) -> tuple:
    condition = condition_of(artefact)
    current = condition.current
    return (
        current.record.slug if current else None,
        condition.severity,
        [state.record.slug for state in condition.timeline],
    )


def _edit(records, kind: str, index: int, value: str) -> None:
    record, citation = records[index % len(records)]
    record.refresh_from_db()
    if kind == "title":
        services.record_update(record=record, fields={"title": value})
    elif kind == "description":
        services.record_update(record=record, fields={"description": value})
    elif kind == "citation note":
        services.record_update(record=citation, fields={"note": value})
    else:
        services.record_save(record=record)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=observations, edits=edits, data=st.data())
def test_edits_that_say_nothing_about_condition_never_change_it(rows, edits, data):
    order = data.draw(st.permutations(range(len(rows))), label="order saved")
    with transaction.atomic():
        artefact, records = _build(rows, list(reversed(range(len(rows)))))
        baseline = _fingerprint(artefact)
        transaction.set_rollback(True)
    with transaction.atomic():
        artefact, records = _build(rows, order)
        assert _fingerprint(artefact) == baseline  # the order records were saved in does not matter
        for kind, index, value in edits:
            _edit(records, kind, index, value)
            assert _fingerprint(artefact) == baseline
        transaction.set_rollback(True)


def test_the_fields_that_can_change_a_condition_are_named():
    # The property above edits only fields outside these lists; this pins the lists.
    assert CONDITION_FIELDS["report"] == (
        "observed",
        "occurred",
        "severity",
        "extent",
        "claim_status",
        "lifecycle",
    )
    assert "title" not in CONDITION_FIELDS["intervention"]


def test_a_claim_status_does_change_a_condition():
    site = HeritageSiteFactory()
    artefact = ArtefactFactory(site=site)
    report = DamageReportFactory(
        sites=[site], occurred="2015", severity="destroyed", claim_status="reported"
    )
    report.artefacts.set([artefact])
    assert condition_of(artefact).current is None
    services.record_update(record=report, fields={"claim_status": "confirmed"})
    assert condition_of(artefact).current.record == report
    services.record_update(record=report, fields={"claim_status": "retracted"})
    assert condition_of(artefact).current is None


def test_a_long_timeline_lists_its_latest_states_and_the_current_one():
    from types import SimpleNamespace

    from registry.selectors.condition import Condition, ConditionState

    def state(n: int, claim_status: str) -> ConditionState:
        return ConditionState(record=SimpleNamespace(slug=f"r{n}"), kind="report", observed=str(2000 + n),
                              observed_lower=n, observed_upper=n, severity="severe", extent="partial",
                              claim_status=claim_status)

    states = [state(0, "confirmed"), *(state(n, "reported") for n in range(1, 80))]
    condition = Condition(states)
    assert condition.current is states[0]
    assert condition.shown == [states[0], *states[-Condition.SHOWN:]]
    assert Condition(states[1:]).shown == states[-Condition.SHOWN:]
    assert Condition(states[:10]).shown == states[:10]
