"""The two yardsticks the API is measured against; mounted by benchmarks/urls.py only.

- ``raw_report_list`` / ``raw_report_detail``: the practical limit of a Python
  server. One SQL statement returns the page with every related slug already
  gathered, and ``json.dumps`` writes it; no ORM, no serializer.
- ``UntunedReportViewSet``: what a first DRF version would look like, a
  ``ModelViewSet`` with nested serializers, page numbers (so a ``COUNT(*)``
  per request) and no ``select_related``/``prefetch_related``.

Both serve the same fields as ``/api/v1/damage-reports/`` for the same first
page (newest change first, 50 rows).
"""

from __future__ import annotations

import json

from django.db import connection
from django.http import Http404, HttpResponse
from rest_framework import serializers, viewsets
from rest_framework.pagination import PageNumberPagination

from registry.models import Citation, DamageReport, Lifecycle

PAGE_SIZE = 50


def _aggregate(expression: str) -> str:
    """Join related slugs into one text value, in the dialect of the database."""
    if connection.vendor == "postgresql":
        return f"string_agg({expression}, chr(10))"
    return f"group_concat({expression}, char(10))"


def _report_sql(where: str) -> str:
    published = "'published'"
    TAB = "chr(9)" if connection.vendor == "postgresql" else "char(9)"  # noqa: N806
    return f"""
        SELECT r.slug, r.lifecycle, r.version, r.created_at, r.updated_at, r.published_at,
               p.slug AS submitted_by, r.title, e.slug AS damage_event, s.slug AS source,
               (SELECT {_aggregate('hs.slug')} FROM registry_damagereport_sites rs
                  JOIN registry_heritagesite hs ON hs.id = rs.heritagesite_id
                 WHERE rs.damagereport_id = r.id AND hs.lifecycle = {published}) AS sites,
               (SELECT {_aggregate('a.slug')} FROM registry_damagereport_artefacts ra
                  JOIN registry_artefact a ON a.id = ra.artefact_id
                 WHERE ra.damagereport_id = r.id AND a.lifecycle = {published}) AS artefacts,
               r.occurred, r.occurred_lower, r.occurred_upper, cc.slug AS cause_category,
               ct.slug AS cause_type,
               (SELECT {_aggregate('t.slug')} FROM registry_damagereport_effects re
                  JOIN registry_term t ON t.id = re.term_id WHERE re.damagereport_id = r.id) AS effects,
               r.severity, r.extent, r.description,
               (SELECT {_aggregate(f"c.slug || {TAB} || cs.slug || {TAB} || c.quote || {TAB} || c.stance")}
                  FROM registry_citation c JOIN registry_source cs ON cs.id = c.source_id
                 WHERE c.damage_report_id = r.id AND c.lifecycle = {published}) AS citations,
               r.observed, r.observed_lower, r.observed_upper, r.quantity, r.quantity_precision,
               r.quantity_phrase, r.certainty, r.claim_status
          FROM registry_damagereport r
          JOIN registry_source s ON s.id = r.source_id
          LEFT JOIN registry_damageevent e ON e.id = r.damage_event_id
          LEFT JOIN registry_partnerinstitution p ON p.id = r.submitted_by_id
          LEFT JOIN registry_term cc ON cc.id = r.cause_category_id
          LEFT JOIN registry_term ct ON ct.id = r.cause_type_id
         WHERE r.lifecycle = {published} {where}
    """


def _rows(sql: str, params: list) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        for name in ("sites", "artefacts", "effects"):
            row[name] = row[name].split("\n") if row[name] else []
        row["citations"] = [dict(zip(("slug", "source", "quote", "stance"), text.split("\t"), strict=False))
                            for text in (row["citations"] or "").split("\n") if text]
        row["url"] = f"/api/v1/damage-reports/{row['slug']}/"
    return rows


def _json(data) -> HttpResponse:
    return HttpResponse(json.dumps(data, default=str), content_type="application/json")


def raw_report_list(request):
    rows = _rows(_report_sql("ORDER BY r.updated_at DESC, r.id DESC LIMIT %s"), [PAGE_SIZE])
    return _json({"next": None, "previous": None, "results": rows})


def raw_report_detail(request, slug: str):
    rows = _rows(_report_sql("AND r.slug = %s"), [slug])
    if not rows:
        raise Http404
    return _json(rows[0])


class UntunedCitationSerializer(serializers.ModelSerializer):
    source = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    speaker = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Citation
        fields = ["slug", "lifecycle", "source", "quote", "locator", "speaker", "stance", "note"]


class UntunedReportSerializer(serializers.HyperlinkedModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="untuned-report-detail", lookup_field="slug")
    submitted_by = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    damage_event = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    source = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    sites = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    artefacts = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    cause_category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    cause_type = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    effects = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    citations = UntunedCitationSerializer(many=True, read_only=True)

    class Meta:
        model = DamageReport
        fields = ["url", "slug", "lifecycle", "version", "created_at", "updated_at", "published_at",
                  "submitted_by", "title", "damage_event", "source", "sites", "artefacts", "occurred",
                  "occurred_lower", "occurred_upper", "cause_category", "cause_type", "effects",
                  "severity", "extent", "description", "citations", "observed", "observed_lower",
                  "observed_upper", "quantity", "quantity_precision", "quantity_phrase", "certainty",
                  "claim_status"]


class UntunedPagination(PageNumberPagination):
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"


class UntunedReportViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = DamageReport.objects.filter(lifecycle=Lifecycle.PUBLISHED).order_by("-updated_at", "-pk")
    serializer_class = UntunedReportSerializer
    pagination_class = UntunedPagination
    lookup_field = "slug"
    filterset_fields = ["severity", "claim_status"]
