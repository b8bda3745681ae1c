"""Responses meant for one reader are never kept by a shared cache."""

from __future__ import annotations

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
                request.META.get(name) for name in self.CREDENTIAL_HEADERS):
            patch_cache_control(response, private=True)
        return response
