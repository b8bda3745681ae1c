from django.core.management.base import BaseCommand

from registry.models import Term
from registry.vocabularies import TERMS_FILE, load_terms


class Command(BaseCommand):
    help = "Create or update the starting vocabulary terms (registry/vocabularies/terms.yaml)."

    def handle(self, *args, **options):
        changed = load_terms(Term)
        self.stdout.write(f"{changed} vocabulary terms created or updated from {TERMS_FILE.name}.")
