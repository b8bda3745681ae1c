"""The "how this record changed" section of every public detail page."""

from __future__ import annotations

from registry.selectors.history import public_history


class PublicHistoryMixin:
    """Adds ``public_history``, the selector's entries, to a detail page's context."""

    def get_context_data(self, **kwargs):
        kwargs.setdefault("public_history", public_history(self.object))
        return super().get_context_data(**kwargs)
