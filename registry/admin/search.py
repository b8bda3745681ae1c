"""Admin search through the records' own search: indexed, without joins or DISTINCT.

Django's ``search_fields`` across many-to-many relations make the changelist run
``COUNT(*)`` over ``SELECT DISTINCT`` of a join of every table named; the
registry's search (``registry.selectors.search``) answers from its indexes
instead, and a slug or an identifier typed exactly finds its record too.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from registry.models import ExternalIdentifier


class IndexedSearchMixin:
    """For admins of models whose QuerySet has ``search()``; the admin sees unpublished
    related records too (``search_options``)."""

    search_options: dict = {}
    # Records with external identifiers (UNESCO, Wikidata…): the field pointing back.
    identifier_field: str | None = None

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        exact = Q(slug=term)
        if self.identifier_field:
            exact |= Q(Exists(ExternalIdentifier.objects.filter(
                **{self.identifier_field: OuterRef("pk")}, value=term)))
        return queryset.search(term, **self.search_options) | queryset.filter(exact), False
