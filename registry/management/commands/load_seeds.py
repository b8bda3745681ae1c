"""``manage.py load_seeds``: load the curated seed records, safely re-runnable."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from registry.seeding import SEEDS_DIR, SeedError, load_seeds


class Command(BaseCommand):
    help = (
        "Create or update the vocabularies and the seed records under seeds/ (matched by slug). "
        "Running it again changes nothing unless the seed files changed; an invalid file stores nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--path", type=Path, default=SEEDS_DIR,
            help=f"Directory of seed YAML files (default: {SEEDS_DIR}).",
        )

    def handle(self, *args, **options):
        try:
            summary = load_seeds(root=options["path"])
        except SeedError as error:
            raise CommandError(f"No seeds were loaded. {error}") from error
        for line in summary.lines():
            self.stdout.write(line)
