"""Write every condition entry again from the reports, or check that they are all true.

    manage.py rebuild_condition_entries           # after loading rows past the ORM
    manage.py rebuild_condition_entries --check   # exit status 1 if any entry is wrong

Condition entries (``ConditionEntry``) are derived from the published damage
reports, their sources and their links to sites and artefacts; the registry's
own writers keep them. Rows loaded by other means (SQL, ``COPY``, a restore of
part of a database) need them written again, then ``ANALYZE``.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from registry import caching, condition_entries


class Command(BaseCommand):
    help = "Write every condition entry again from the reports (or, with --check, compare them)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="report wrong entries, change nothing")

    def handle(self, *args, check: bool, **options):
        started = time.perf_counter()
        if check:
            wrong = condition_entries.differences()
            if wrong:
                shown = ", ".join(str(pk) for pk in sorted(wrong)[:20])
                raise CommandError(f"{len(wrong)} reports have wrong condition entries (ids {shown}…); "
                                   "run manage.py rebuild_condition_entries")
            self.stdout.write(f"Every condition entry is right ({time.perf_counter() - started:.1f} s).")
            return
        written = condition_entries.rebuild()
        caching.changed()
        self.stdout.write(f"Wrote {written} condition entries in {time.perf_counter() - started:.1f} s; "
                          "run ANALYZE on PostgreSQL.")
