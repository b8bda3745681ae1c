"""Content negotiation in which ``?format=`` is the last word.

A client that asks for ``?format=csv`` gets CSV even when its library sends
``Accept: application/json`` on every request; DRF's own negotiation would
answer 406. A format the endpoint does not offer is still a 404.
"""

from __future__ import annotations

from rest_framework.negotiation import DefaultContentNegotiation


class FormatFirstNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        wanted = format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
        if wanted:
            renderer = self.filter_renderers(renderers, wanted)[0]
            return renderer, renderer.media_type
        return super().select_renderer(request, renderers, format_suffix)
