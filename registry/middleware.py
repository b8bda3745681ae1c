"""Site-wide guards: private caching for credentialed requests, no NUL characters in URLs."""

from __future__ import annotations

from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.cache import patch_cache_control


class PrivateCacheMiddleware:
    """``Cache-Control: private`` on every response to a request that carries credentials.

    Partners and curators see their own drafts, submissions and exact
    coordinates at the same URLs as the public, so what they are sent must not
    be stored by a proxy and served to someone else. Anonymous responses are
    left as the views set them.
    """

    CREDENTIAL_HEADERS = ("HTTP_AUTHORIZATION", "HTTP_X_API_KEY")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or any(
            request.META.get(name) for name in self.CREDENTIAL_HEADERS
        ):
            patch_cache_control(response, private=True)
        return response


class RejectNullCharactersMiddleware:
    """A NUL character in the path or the query string is a 400, before any view runs.

    No slug, term or filter value can contain one, and PostgreSQL refuses it
    in a query, so letting it through would turn a typo into a server error.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        where = self.offending_part(request)
        if where is None:
            return self.get_response(request)
        message = f"The {where} contains a null character."
        if request.path.startswith("/api/"):
            field = {"path": "path", "query string": "query"}.get(where, where)
            return JsonResponse({"detail": message, "errors": {field: [message]}}, status=400)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")

    @staticmethod
    def offending_part(request) -> str | None:
        if "\x00" in request.path:
            return "path"
        for key, values in request.GET.lists():
            if "\x00" in key:
                return "query string"
            for value in values:
                if "\x00" in value:
                    return key
        return None
