"""One error body for the whole API.

Every error answer has the same shape, whatever raised it (a serializer, a
service's ``full_clean()``, a stale version, an oversized body)::

    {"detail": "Invalid input: occurred, kind.",
     "errors": {"occurred": ["“2015-13” is not a valid EDTF date. Examples: …"],
                "citations[0].source": ["No source has the slug “nope”."]}}

``errors`` maps a field (nested fields joined with dots and list indexes) to
its messages, and is empty when the error is not about a field; ``detail`` is
a sentence for a person.  A 409 adds ``current_version``.
"""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import CheckConstraint
from django.db.models.constants import LOOKUP_SEP
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from registry.services import StaleVersionError


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request body is too large.")
    default_code = "payload_too_large"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("The record was changed by someone else.")
    default_code = "stale_version"

    def __init__(self, detail=None, *, current_version: int | None = None):
        super().__init__(detail)
        self.current_version = current_version


def flatten_errors(value, prefix: str = "") -> dict[str, list[str]]:
    """``{"citations": [{"source": ["x"]}]}`` → ``{"citations[0].source": ["x"]}``."""
    if isinstance(value, dict):
        flat: dict[str, list[str]] = {}
        for key, item in value.items():
            if isinstance(key, int):  # a ListSerializer's errors, keyed by position
                flat.update(flatten_errors(item, f"{prefix}[{key}]"))
                continue
            name = "non_field_errors" if key in ("__all__", "non_field_errors") and not prefix else str(key)
            flat.update(flatten_errors(item, f"{prefix}.{name}" if prefix else name))
        return flat
    if isinstance(value, list):
        if all(not isinstance(item, (dict, list)) for item in value):
            return {prefix or "non_field_errors": [str(item) for item in value]} if value else {}
        flat = {}
        for index, item in enumerate(value):
            flat.update(flatten_errors(item, f"{prefix}[{index}]"))
        return flat
    return {prefix or "non_field_errors": [str(value)]}


def _condition_fields(condition) -> list[str]:
    """The field names a constraint's condition refers to, in order (``F()`` targets left out)."""
    names: list[str] = []
    for child in getattr(condition, "children", []):
        if isinstance(child, tuple):
            names.append(child[0].split(LOOKUP_SEP)[0])
        else:
            names.extend(_condition_fields(child))
    return names


def constraint_fields() -> dict[str, str]:
    """Each check constraint's message → the field it is reported on.

    A rule about two fields ("an amount needs a currency", "both latitude and
    longitude or neither") is reported on the last field its condition names:
    the one to fill in or correct. Read in the active language.
    """
    fields = {}
    for model in apps.get_app_config("registry").get_models():
        for constraint in model._meta.constraints:
            names = [name for name in _condition_fields(getattr(constraint, "condition", None)) if name != "pk"]
            if isinstance(constraint, CheckConstraint) and names:
                fields[str(constraint.violation_error_message)] = names[-1]
    return fields


def _on_fields(exc: DjangoValidationError) -> DjangoValidationError:
    """Move model rules that were raised for the whole record onto the field they concern."""
    if not hasattr(exc, "error_dict") or NON_FIELD_ERRORS not in exc.error_dict:
        return exc
    fields = constraint_fields()
    moved: dict[str, list] = {}
    for name, errors in exc.error_dict.items():
        for error in errors:
            target = fields.get(error.message % (error.params or {}), name) if name == NON_FIELD_ERRORS else name
            moved.setdefault(target, []).append(error)
    return DjangoValidationError(moved)


def _translate(exc):
    """Errors raised below DRF, turned into the API exception they stand for."""
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(detail=as_serializer_error(_on_fields(exc)))
    if isinstance(exc, StaleVersionError):
        return Conflict(str(exc), current_version=exc.current)
    return exc


def exception_handler(exc, context):
    exc = _translate(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        detail = _("Invalid input: %(fields)s.") % {"fields": ", ".join(errors) or _("request body")}
    else:
        errors = {}
        detail = str(exc.detail) if isinstance(exc, exceptions.APIException) else str(exc)
    body = {"detail": detail, "errors": errors}
    if isinstance(exc, Conflict):
        body["current_version"] = exc.current_version
    response.data = body
    return response


class JSONErrorsMixin:
    """Errors in the API's one error shape, always as JSON.

    A CSV, GeoJSON or JSON-LD reader that sent bad input gets the same JSON
    error body as everyone else, not that body forced into its format.
    """

    def get_exception_handler(self):
        return exception_handler

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code >= 400 and getattr(response, "accepted_renderer", None) is not None \
                and response.accepted_renderer.format != "json":
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        return response
