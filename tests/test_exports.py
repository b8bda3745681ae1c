"""Downloads read with plain tuples say exactly what the model-based rows say."""

from __future__ import annotations

import pytest
from django.db.models import Prefetch
from django.test import RequestFactory

from registry.models import DamageReport, HeritageSite, Lifecycle
from registry.views import exports
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_report_rows_from_tuples_match_rows_from_models():
    event = f.DamageEventFactory()
    public, draft = (
        f.HeritageSiteFactory(name="Bosra"),
        f.HeritageSiteFactory(lifecycle=Lifecycle.DRAFT),
    )
    f.DamageReportFactory(
        damage_event=event,
        source=f.SourceFactory(lifecycle=Lifecycle.DRAFT),
        sites=[public, draft],
        cause_category=f.term("cause_category", "military-armed-conflict"),
        quantity_precision="vague",
        quantity_phrase="several",
    )
    f.DamageReportFactory(
        sites=[f.HeritageSiteFactory(name="Apamea"), public],
        quantity=7,
        quantity_precision="approximate",
    )
    request = RequestFactory().get("/reports/export.csv")
    url = exports._url_maker(request, DamageReport)
    queryset = DamageReport.objects.select_related(
        "source", "damage_event", "cause_category", "cause_type"
    )
    from_models = list(
        exports._csv_lines(
            "reports",
            queryset.prefetch_related(
                Prefetch("sites", queryset=HeritageSite.objects.published())
            ).order_by("pk"),
            url,
        )
    )
    from_tuples = list(
        exports._csv_lines("reports", exports._report_rows(queryset.order_by("pk")), url)
    )
    assert from_tuples == from_models
    text = "".join(from_tuples)
    assert "several" in text and "~7" in text and draft.slug not in text
    assert f"http://testserver/reports/{DamageReport.objects.first().slug}/" in text
