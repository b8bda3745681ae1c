"""The partner API, mounted under /api/ by heritage/urls.py.

/api/v1/…       records, vocabularies and the changes feed
/api/schema/    OpenAPI 3 schema
/api/docs/      interactive documentation, served from the project's own static files
"""

from __future__ import annotations

from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, include, path, re_path, resolve, reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from . import views
from .changes import ChangesView
from .iiif import ManifestView
from .media import MediaPairViewSet, MediaViewSet

app_name = "api"

router = DefaultRouter()
router.register("sites", views.SiteViewSet, basename="site")
router.register("artefacts", views.ArtefactViewSet, basename="artefact")
router.register("actors", views.ActorViewSet, basename="actor")
router.register("sources", views.SourceViewSet, basename="source")
router.register("citations", views.CitationViewSet, basename="citation")
router.register("damage-events", views.DamageEventViewSet, basename="damage-event")
router.register("damage-reports", views.DamageReportViewSet, basename="damage-report")
router.register("pledges", views.PledgeViewSet, basename="pledge")
router.register("pledge-status-changes", views.PledgeStatusChangeViewSet, basename="pledge-status-change")
router.register("interventions", views.InterventionViewSet, basename="intervention")
router.register("vocabularies", views.TermViewSet, basename="term")
router.register("media", MediaViewSet, basename="media")
router.register("media-pairs", MediaPairViewSet, basename="media-pair")


class TermURIRedirect(RedirectView):
    """Concept URIs in Linked Art documents (/api/v1/terms/<vocabulary>/<slug>/) resolve here."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs):
        return reverse("api:term-detail", kwargs={"key": f"{kwargs['vocabulary']}/{kwargs['slug']}"})


@csrf_exempt  # changes nothing; a POST to a wrong address gets the JSON 404, not a CSRF page
def not_found(request, unmatched: str = ""):
    """Any other address under /api/: a JSON 404 in the API's error shape, not an HTML page.

    As Django's APPEND_SLASH would, a path that lacks only its trailing slash
    is redirected to the one that exists.
    """
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not not_found:
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(request.path + "/" + (f"?{query}" if query else ""))
    return JsonResponse({"detail": _("No API endpoint or record at this address."), "errors": {}}, status=404)


urlpatterns = [
    path("v1/changes/", ChangesView.as_view(), name="changes"),
    path("v1/iiif/<slug:kind>/<slug:slug>/manifest.json", ManifestView.as_view(), name="iiif-manifest"),
    path("v1/terms/<slug:vocabulary>/<slug:slug>/", TermURIRedirect.as_view(), name="term-uri"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: no inline script (CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="registry_api/docs.html"),
         name="docs"),
    # [\s\S], not ".": an address with an encoded newline (%0A) is unmatched too.
    re_path(r"^(?P<unmatched>[\s\S]*)$", not_found),
]
