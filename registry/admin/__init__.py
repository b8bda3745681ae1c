"""The curators' workspace: every registry model, edited through the services."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import claims, imports, media, partners, places, pledges, sources  # noqa: F401  (registers the model admins)
from .review import add_review_queue_url

admin.site.site_header = _("Heritage damage registry")
admin.site.site_title = _("Heritage registry admin")
admin.site.index_title = _("Curators' workspace")
add_review_queue_url(admin.site)
