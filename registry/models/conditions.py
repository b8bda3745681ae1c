"""Where each published damage report stands on the condition timelines of its assets.

Derived data, never edited: ``registry.condition_entries`` writes a row for each
published report and each asset its condition counts it for (its sites, when it
names no artefact; else its artefacts), holding the columns the condition rule
ranks reports by. A busy site's condition is then read from its own rows, in
index order, instead of from each of its ten thousand reports. ``manage.py
rebuild_condition_entries`` writes them all again from the reports.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from .damage import DamageReport
from .places import Artefact, HeritageSite


class ConditionEntry(models.Model):
    report = models.ForeignKey(DamageReport, on_delete=models.CASCADE, related_name="+")
    # Served by the entry indexes of migration 0017, which begin with these columns.
    site = models.ForeignKey(HeritageSite, null=True, on_delete=models.CASCADE, related_name="+",
                             db_index=False)
    artefact = models.ForeignKey(Artefact, null=True, on_delete=models.CASCADE, related_name="+",
                                 db_index=False)
    # ``selectors.condition`` names the standings and computes these columns.
    standing = models.PositiveSmallIntegerField()
    at_lower = models.BigIntegerField(null=True)
    at_upper = models.BigIntegerField(null=True)
    source_published = models.BigIntegerField(null=True)
    slug = models.CharField(max_length=120)

    class Meta:
        verbose_name = "condition entry"
        verbose_name_plural = "condition entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(site__isnull=False, artefact__isnull=True) | Q(site__isnull=True, artefact__isnull=False),
                name="condition_entry_one_asset",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} on {'site' if self.site_id else 'artefact'} {self.site_id or self.artefact_id}"
