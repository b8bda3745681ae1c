"""Who is asking: anonymous reader, partner institution (API key) or curator.

Every viewset, relation field and the changes feed decide what a request may
see and do from these few functions, so the rules live in one place.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.conf import settings
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import SAFE_METHODS, BasePermission

from registry import services, workflow
from registry.models import APIKey, Lifecycle, PartnerInstitution
from registry.selectors import visibility

from .guard import GuardedBasicAuthentication, is_clean, record_failure, refuse_if_blocked

# Lifecycles in which a partner may still change its own submission.
PARTNER_EDITABLE = (Lifecycle.DRAFT, Lifecycle.IN_REVIEW)


def partner_of(request) -> PartnerInstitution | None:
    """The institution whose API key authenticated ``request``, if any."""
    auth = getattr(request, "auth", None)
    return auth.institution if isinstance(auth, APIKey) else None


def _remembered(request, name: str, role) -> bool:
    """Whether the (non-partner) user of ``request`` has ``role``, asked once per request."""
    answer = getattr(request, name, None)
    if answer is None:
        answer = partner_of(request) is None and role(getattr(request, "user", None))
        setattr(request, name, answer)
    return answer


def is_curator(request) -> bool:
    """Superusers and staff in the curator group."""
    return _remembered(request, "_registry_is_curator", workflow.is_curator)


def is_reviewer(request) -> bool:
    """Staff in the reviewer group: they read what curators read and make the moves of review."""
    return _remembered(request, "_registry_is_reviewer", workflow.is_reviewer)


def reads_everything(request) -> bool:
    """Curators and reviewers see every record, in any state, and exact coordinates."""
    return is_curator(request) or is_reviewer(request)


def reader_of(request) -> visibility.Reader:
    """The reader ``request`` speaks for, as the visibility rule knows readers."""
    if request is None:
        return visibility.PUBLIC
    if reads_everything(request):
        return visibility.CURATOR
    return visibility.partner_reader(partner_of(request))


def visible(queryset: QuerySet, request) -> QuerySet:
    """What ``request`` may read (see ``registry.selectors.visibility``)."""
    return visibility.visible(queryset, reader_of(request))


def may_read(record, request) -> bool:
    """``visible`` for one loaded record: a related record the caller may not
    read is left out of what it is shown, so a draft's slug never leaks."""
    return visibility.may_see(record, reader_of(request))


def variant_key(request) -> str:
    """The part of a cache key that differs between readers of the same URL."""
    if reads_everything(request):
        return "curator"
    partner = partner_of(request)
    return f"partner-{partner.pk}" if partner else "public"


class APIKeyAuthentication(BaseAuthentication):
    """``Authorization: Api-Key <key>`` or ``X-API-Key: <key>``.

    A request without a key falls through to the next authenticator; a key
    that is unknown or revoked is refused outright rather than treated as
    anonymous, so a partner notices at once that its key stopped working. So
    is an ``Authorization`` header of any scheme the API does not take.
    Failed keys count towards the per-address limit of ``guard``.
    """

    keyword = "Api-Key"

    def authenticate(self, request):
        self._refuse_unknown_scheme(request)
        raw_key = self._raw_key(request)
        if raw_key is None:
            return None
        refuse_if_blocked(request)
        key = services.api_key_authenticate(raw_key=raw_key) if is_clean(raw_key) else None
        if key is None:
            record_failure(request, "api-key")
            raise AuthenticationFailed(_("Invalid or revoked API key. Ask a curator for a new one."))
        account = key.institution.account
        if account is None or not account.is_active:
            raise AuthenticationFailed(_("This partner institution has no active service account."))
        return account, key

    def _raw_key(self, request) -> str | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _sep, value = header.partition(" ")
        if scheme.lower() == self.keyword.lower():
            value = value.strip()
            if not value:
                raise AuthenticationFailed(_("The Api-Key header carries no key."))
            return value
        if header:
            return None  # Authorization wins; X-API-Key is for clients that cannot set it
        value = request.META.get("HTTP_X_API_KEY", "").strip()
        return value or None

    def _refuse_unknown_scheme(self, request) -> None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return
        scheme = header.split(" ", 1)[0].lower()
        accepted = {self.keyword.lower(), "basic"} if settings.API_BASIC_AUTH else {self.keyword.lower()}
        if scheme not in accepted:
            raise AuthenticationFailed(_("The API takes Authorization: Api-Key <key>%(basic)s only.")
                                       % {"basic": _(" or Basic") if settings.API_BASIC_AUTH else ""})

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'


# Basic auth answers only while API_BASIC_AUTH is on (see docs/api.md).
AUTHENTICATION_CLASSES = [APIKeyAuthentication, SessionAuthentication, GuardedBasicAuthentication]

# What a partner may do with each writable kind of record.
PARTNER_ACTIONS = {"create", "update", "partial_update"}


class RegistryPermission(BasePermission):
    """Anyone reads (what ``visible`` lets through); writes as described in docs/api.md.

    Curators write everything. A partner creates and edits only the kinds of
    record its viewset marks ``partner_writable``, only its own submissions,
    and only while they wait for review; it never changes a lifecycle.
    """

    message = _("You may not do this.")

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        if not (request.user and request.user.is_authenticated):
            return False  # DRF answers 401 with WWW-Authenticate
        if is_curator(request):
            return True
        if is_reviewer(request):
            # The service decides which moves: publish or return what is under review.
            self.message = _("Reviewers publish or return records under review; they edit nothing.")
            return view.action == "transition"
        if partner_of(request) is None:
            self.message = _("Only curators and partner institutions may write.")
            return False
        if view.action == "transition":
            self.message = _("Only curators publish, retract or archive records; "
                             "your submissions wait in the review queue.")
            return False
        if not getattr(view, "partner_writable", False) or view.action not in PARTNER_ACTIONS:
            self.message = _("Partner institutions may submit damage reports, sources, citations, "
                             "pledge status updates and images only.")
            return False
        return True

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE_METHODS or is_curator(request):
            return True
        if is_reviewer(request):
            return view.action == "transition"
        partner = partner_of(request)
        if partner is None or obj.submitted_by_id != partner.pk:
            self.message = _("You may change only your own institution's submissions.")
            return False
        if obj.lifecycle not in PARTNER_EDITABLE:
            self.message = _("This submission has left the review queue; ask a curator to change it.")
            return False
        return True
