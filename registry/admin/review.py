"""The review queue: every record waiting for a curator, across all kinds of record.

Partner submissions arrive "in review" with ``submitted_by`` set; curators
submit their own drafts with the "Submit for review" action. Each item shows,
field by field, what it would change against the version last published, and
two buttons: Publish, and Return to its submitter with a reason. Both carry the
version the curator looked at, so a record changed meanwhile is refused rather
than published unseen. Who may publish what is ``registry.workflow``'s rule.
"""

from __future__ import annotations

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.sites import AdminSite
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from registry import services, workflow
from registry.models import Lifecycle, Record
from registry.selectors.history import review_diffs

# Per kind of record; the changelist, filtered to "in review", shows the rest.
ROWS_PER_MODEL = 50


class PublishForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    public_note = forms.CharField(
        label=gettext_lazy("Public note (optional)"),
        required=False,
        max_length=300,
        help_text=gettext_lazy("Shown in the record's public history."),
    )


class ReturnForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(
        label=gettext_lazy("Reason for returning it"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=gettext_lazy("The submitter reads this: say what to fix."),
    )


def _row(site: AdminSite, request, record: Record, diff) -> dict:
    opts = record._meta
    may_publish = workflow.single_curator() or request.user.pk not in diff.authors
    action = f"{site.name}:registry_review_move"
    return {
        "record": record,
        "model_name": opts.model_name,
        "url": reverse(f"{site.name}:{opts.app_label}_{opts.model_name}_change", args=[record.pk]),
        "diff": diff,
        "may_publish": may_publish,
        "publish_url": reverse(action, args=[opts.model_name, record.pk, "publish"]),
        "return_url": reverse(action, args=[opts.model_name, record.pk, "return"]),
        "publish_form": PublishForm(
            initial={"version": record.version}, prefix=f"p{opts.model_name}{record.pk}"
        ),
        "return_form": ReturnForm(
            initial={"version": record.version}, prefix=f"r{opts.model_name}{record.pk}"
        ),
    }


def _sections(site: AdminSite, request) -> list[dict]:
    sections = []
    for model, model_admin in site._registry.items():
        if not issubclass(model, Record) or not model_admin.has_view_permission(request):
            continue
        opts = model._meta
        rows = list(
            model_admin.get_queryset(request)
            .in_review()
            .select_related("submitted_by")
            .order_by("-updated_at")[: ROWS_PER_MODEL + 1]
        )
        if not rows:
            continue
        shown = rows[:ROWS_PER_MODEL]
        diffs = review_diffs(model, shown)
        changelist = reverse(f"{site.name}:{opts.app_label}_{opts.model_name}_changelist")
        sections.append(
            {
                "title": opts.verbose_name_plural,
                "changelist_url": f"{changelist}?lifecycle__exact={Lifecycle.IN_REVIEW}",
                "more": len(rows) > ROWS_PER_MODEL,
                "rows": [_row(site, request, row, diffs[row.pk]) for row in shown],
            }
        )
    return sorted(sections, key=lambda section: str(section["title"]))


def review_queue_view(request):
    context = {
        **admin.site.each_context(request),
        "title": _("Review queue"),
        "sections": _sections(admin.site, request),
        "single_curator": workflow.single_curator(),
    }
    return TemplateResponse(request, "admin/registry/review_queue.html", context)


@require_POST
def review_move_view(request, model_name: str, pk: int, move: str):
    """Publish or return one record from the queue, then come back to the queue."""
    try:
        model = apps.get_model("registry", model_name)
    except LookupError as missing:
        raise Http404 from missing
    model_admin = admin.site._registry.get(model)
    if model_admin is None or not issubclass(model, Record) or move not in ("publish", "return"):
        raise Http404
    record = get_object_or_404(model_admin.get_queryset(request), pk=pk)
    # Reviewers only view records; workflow.check_move lets them make these two moves.
    if not (model_admin.has_change_permission(request, record) or workflow.is_reviewer(request.user)):
        raise PermissionDenied
    form_class, prefix = (PublishForm, "p") if move == "publish" else (ReturnForm, "r")
    form = form_class(request.POST, prefix=f"{prefix}{model_name}{pk}")
    queue = reverse(f"{admin.site.name}:registry_review_queue")
    if not form.is_valid():
        problems = "; ".join(
            f"{form.fields[name].label or name}: {' '.join(errors)}"
            for name, errors in form.errors.items()
        )
        messages.error(
            request,
            _("“%(record)s” was not changed: %(problems)s")
            % {"record": record, "problems": problems},
        )
        return HttpResponseRedirect(queue)
    data = form.cleaned_data
    try:
        if move == "publish":
            services.record_publish(
                record=record,
                user=request.user,
                expected_version=data["version"],
                reason=_("Published from the review queue"),
                public_note=data["public_note"],
            )
            messages.success(request, _("“%(record)s” is published.") % {"record": record})
        else:
            services.record_return(
                record=record,
                user=request.user,
                reason=data["reason"],
                expected_version=data["version"],
            )
            messages.success(
                request,
                _("“%(record)s” went back to its submitter as a draft.") % {"record": record},
            )
    except (ValidationError, services.StaleVersionError, workflow.MoveRefused) as error:
        detail = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(
            request,
            _("“%(record)s” was not changed: %(detail)s") % {"record": record, "detail": detail},
        )
    return HttpResponseRedirect(queue)


def add_review_queue_url(site: AdminSite) -> None:
    """Mount the queue at admin/registry/review-queue/ on ``site``.

    The project's admin site is Django's default one (its configuration lives
    in the project package, not in this app), so the URL is added by wrapping
    the site's ``get_urls`` rather than by subclassing the site.
    """
    site_urls = site.get_urls

    def get_urls():
        return [
            path(
                "registry/review-queue/",
                site.admin_view(review_queue_view),
                name="registry_review_queue",
            ),
            path(
                "registry/review-queue/<slug:model_name>/<int:pk>/<slug:move>/",
                site.admin_view(review_move_view),
                name="registry_review_move",
            ),
            *site_urls(),
        ]

    site.get_urls = get_urls
