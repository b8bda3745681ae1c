"""Keeping the condition entries (``ConditionEntry``) true to the reports they come from.

An entry is derived from a published report, its source and its links to sites
and artefacts; ``refresh`` writes a report's entries again from those, in two
queries for any number of reports. Saves through the ORM are followed by the
signal handlers below (a report saved, a source saved, links added or removed);
the writers that insert rows in bulk, past the ORM's signals, call ``refresh``
themselves. ``rebuild`` writes every entry again, as ``manage.py
rebuild_condition_entries`` does, and ``differences`` says which reports'
stored entries are not the ones their rows give.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.db import connections, models, router, transaction
from django.db.models import Exists, F, OuterRef, QuerySet, Value
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver

from registry.models import ConditionEntry, DamageReport, Lifecycle, Source
from registry.selectors.condition import state_columns

COLUMNS = ("report_id", "site_id", "artefact_id", "standing", "at_lower", "at_upper", "source_published", "slug")
Reports = Iterable[int] | QuerySet[Any]


def entry_rows(report_model: type[models.Model], reports: QuerySet[Any] | None = None) -> QuerySet[Any]:
    """The entries the published ``reports`` (every report if None) give, as rows of ``COLUMNS``.

    Taking the report model as an argument lets a migration fill the table from its
    historical models.
    """
    sites, artefacts = report_model.sites.through, report_model.artefacts.through  # type: ignore[attr-defined]
    chosen = {} if reports is None else {"damagereport__in": reports}
    columns = state_columns("damagereport__")
    values = [columns["standing"], columns["at_lower"], columns["at_upper"], columns["source_published"],
              F("damagereport__slug")]
    none = Value(None, output_field=models.BigIntegerField())
    about_artefacts = artefacts.objects.filter(damagereport=OuterRef("damagereport"))
    of_sites = (
        sites.objects.filter(~Exists(about_artefacts), damagereport__lifecycle=Lifecycle.PUBLISHED, **chosen)
        .order_by()
        .values_list("damagereport_id", "heritagesite_id", none, *values)
    )
    of_artefacts = (
        artefacts.objects.filter(damagereport__lifecycle=Lifecycle.PUBLISHED, **chosen)
        .order_by()
        .values_list("damagereport_id", none, "artefact_id", *values)
    )
    return of_sites.union(of_artefacts, all=True)


def _insert(entry_model: type[models.Model], rows: QuerySet[Any]) -> None:
    using = router.db_for_write(entry_model)
    sql, params = rows.query.get_compiler(using).as_sql()
    table = entry_model._meta.db_table
    with connections[using].cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({', '.join(COLUMNS)}) {sql}", params)


def _as_reports(reports: Reports) -> QuerySet[Any] | list[int]:
    if isinstance(reports, QuerySet):
        return reports.values("pk")
    return list(reports)


def refresh(reports: Reports, *, fresh: bool = False) -> None:
    """Write again the entries of ``reports`` (keys, or a queryset of reports); ``fresh``
    says they were just inserted, so have none to remove."""
    chosen = _as_reports(reports)
    if isinstance(chosen, list) and not chosen:
        return
    with transaction.atomic(using=router.db_for_write(ConditionEntry), savepoint=False):
        if not fresh:
            ConditionEntry.objects.filter(report__in=chosen).delete()
        _insert(ConditionEntry, entry_rows(DamageReport, DamageReport.objects.filter(pk__in=chosen)))


def rebuild() -> int:
    """Write every entry again; the number written."""
    with transaction.atomic(using=router.db_for_write(ConditionEntry), savepoint=False):
        ConditionEntry.objects.all().delete()
        _insert(ConditionEntry, entry_rows(DamageReport))
        return ConditionEntry.objects.count()


def differences() -> set[int]:
    """The reports whose stored entries differ from the ones their rows give, an entry
    stored twice included."""
    stored = Counter(ConditionEntry.objects.values_list(*COLUMNS))
    derived = Counter(entry_rows(DamageReport))
    return {row[0] for row in (stored - derived) + (derived - stored)}


# What the signal handlers follow. A report that changes, or whose source changes, may
# change its entries' columns or whether it has any; links added or removed, their assets.


@receiver(post_save, sender=DamageReport, dispatch_uid="condition-entries-report")
def _report_saved(sender, instance, created, **kwargs):
    if not created:  # a new report has no links yet: they come with m2m_changed
        refresh([instance.pk])


@receiver(pre_save, sender=Source, dispatch_uid="condition-entries-source-before")
def _source_before(sender, instance, **kwargs):
    if instance.pk is not None:
        instance._condition_key = (
            Source.objects.filter(pk=instance.pk).values_list("lifecycle", "published_lower").first()
        )


@receiver(post_save, sender=Source, dispatch_uid="condition-entries-source")
def _source_saved(sender, instance, created, **kwargs):
    before = getattr(instance, "_condition_key", None)
    if not created and before != (instance.lifecycle, instance.published_lower):
        refresh(DamageReport.objects.filter(source=instance))


def _links_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action == "pre_clear" and reverse:
        # The reports about to lose their link to ``instance``: only known before.
        instance._condition_cleared = list(
            sender.objects.filter(**{_other_column(sender, instance): instance.pk})
            .values_list("damagereport_id", flat=True)
        )
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        refresh([instance.pk])
    elif action == "post_clear":
        refresh(getattr(instance, "_condition_cleared", []))
    else:
        refresh(pk_set or [])


def _other_column(through: type[models.Model], instance: models.Model) -> str:
    return "heritagesite_id" if through is DamageReport.sites.through else "artefact_id"


for _through in (DamageReport.sites.through, DamageReport.artefacts.through):
    m2m_changed.connect(_links_changed, sender=_through, dispatch_uid=f"condition-entries-{_through.__name__}")
