"""Atom feed of newly published damage reports, for readers who follow the registry."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from registry.models import DamageReport
from registry.selectors.disputes import report_verdicts
from registry.selectors.visibility import may_see, visible
from registry.views.querysets import newest_published

FEED_LENGTH = 50


class LatestReportsFeed(Feed):
    feed_type = Atom1Feed
    title = _("Heritage damage registry: new damage reports")
    subtitle = _("Damage reports as they are published, each with its source.")
    link = reverse_lazy("registry:report-list")

    def items(self):
        reports = newest_published(
            visible(DamageReport.objects.all())
            .select_related("source", "cause_category", "cause_type", "responsible"),
            FEED_LENGTH,
        )
        verdicts = report_verdicts(reports)
        for report in reports:
            report.verdict = verdicts[report.pk]
        return reports

    def item_title(self, item: DamageReport) -> str:
        return item.title

    def item_description(self, item: DamageReport) -> str:
        text = _("%(severity)s damage, %(date)s, reported by %(source)s (%(status)s).") % {
            "severity": item.get_severity_display(), "date": item.occurred or _("date unknown"),
            "source": item.source.title if may_see(item.source) else _("a source not yet published"),
            "status": item.get_claim_status_display(),
        }
        if item.verdict.disputed:
            text = f"{text} {_('Disputed: %(differences)s.') % {'differences': item.verdict.summary}}"
        return text

    def item_pubdate(self, item: DamageReport):
        return item.published_at or item.created_at

    def item_updateddate(self, item: DamageReport):
        return item.updated_at
