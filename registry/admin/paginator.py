"""A paginator for the admin's lists that does not count a million rows on every page.

On PostgreSQL a list the planner expects to hold more than ``EXACT_UP_TO`` rows is
given the planner's estimate (from the table statistics ANALYZE keeps) instead of
an exact ``COUNT(*)``, which reads the whole table; smaller lists, and every list
on other databases, are counted exactly.
"""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

EXACT_UP_TO = 10_000


class EstimatedCountPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if getattr(queryset, "db", None) and connections[queryset.db].vendor == "postgresql":
            plan = json.loads(queryset.order_by().explain(format="json"))
            estimate = int(plan[0]["Plan"]["Plan Rows"])
            if estimate > EXACT_UP_TO:
                return estimate
        return super().count
