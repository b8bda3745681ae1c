"""The review queue: every record waiting for a curator, across all kinds of record.

Partner submissions arrive "in review" with ``submitted_by`` set; curators may
also submit each other's drafts for review. The queue lists them newest first,
each linking to its change page, where the lifecycle actions publish it or
send it back to draft.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.sites import AdminSite
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from registry.models import Lifecycle, Record

# Per kind of record; the changelist, filtered to "in review", shows the rest.
ROWS_PER_MODEL = 50


def _sections(site: AdminSite, request) -> list[dict]:
    sections = []
    for model, model_admin in site._registry.items():
        if not issubclass(model, Record) or not model_admin.has_view_permission(request):
            continue
        opts = model._meta
        rows = list(
            model_admin.get_queryset(request).in_review().select_related("submitted_by")
            .order_by("-updated_at")[: ROWS_PER_MODEL + 1]
        )
        if not rows:
            continue
        changelist = reverse(f"{site.name}:{opts.app_label}_{opts.model_name}_changelist")
        sections.append({
            "title": opts.verbose_name_plural,
            "changelist_url": f"{changelist}?lifecycle__exact={Lifecycle.IN_REVIEW}",
            "more": len(rows) > ROWS_PER_MODEL,
            "rows": [
                {
                    "record": row,
                    "url": reverse(f"{site.name}:{opts.app_label}_{opts.model_name}_change", args=[row.pk]),
                }
                for row in rows[:ROWS_PER_MODEL]
            ],
        })
    return sorted(sections, key=lambda section: str(section["title"]))


def review_queue_view(request):
    context = {
        **admin.site.each_context(request),
        "title": _("Review queue"),
        "sections": _sections(admin.site, request),
    }
    return TemplateResponse(request, "admin/registry/review_queue.html", context)


def add_review_queue_url(site: AdminSite) -> None:
    """Mount the queue at admin/registry/review-queue/ on ``site``.

    The project's admin site is Django's default one (its configuration lives
    in the project package, not in this app), so the URL is added by wrapping
    the site's ``get_urls`` rather than by subclassing the site.
    """
    site_urls = site.get_urls

    def get_urls():
        return [
            path("registry/review-queue/", site.admin_view(review_queue_view), name="registry_review_queue"),
            *site_urls(),
        ]

    site.get_urls = get_urls
