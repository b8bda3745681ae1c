"""A record's get_<field>_display() gives the label in the reader's language, as Django's does."""

from __future__ import annotations

import pytest
from django.db import models
from django.utils import translation
from django.utils.encoding import force_str

from registry.models import ClaimStatus, DamageReport, Severity

from .factories import DamageReportFactory

pytestmark = pytest.mark.django_db


def django_display(record, name: str) -> str:
    """What Django's own ``_get_FIELD_display`` returns."""
    return models.Model._get_FIELD_display(record, record._meta.get_field(name))


@pytest.mark.parametrize("language", ["en", "ar", "fr"])
def test_labels_follow_the_language_asked_in(language):
    report = DamageReportFactory(severity=Severity.DESTROYED, claim_status=ClaimStatus.DISPUTED)
    with translation.override(language):
        for name in ("severity", "claim_status", "certainty", "lifecycle"):
            assert report._get_FIELD_display(report._meta.get_field(name)) == django_display(report, name)
        assert report.get_severity_display() == force_str(Severity.DESTROYED.label)


def test_a_value_that_is_no_choice_is_shown_as_it_is():
    report = DamageReport(severity="not-a-severity")
    assert report.get_severity_display() == "not-a-severity" == django_display(report, "severity")


def test_arabic_and_english_labels_differ():
    report = DamageReportFactory(severity=Severity.DESTROYED)
    with translation.override("en"):
        english = report.get_severity_display()
    with translation.override("ar"):
        arabic = report.get_severity_display()
    assert english != arabic
