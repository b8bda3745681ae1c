"""What every record endpoint shares: visibility, conditional reads, writes through services."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django_filters.filters import BooleanFilter, ChoiceFilter
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from registry import services
from registry.models import Citation, Lifecycle, LifecycleMove
from registry.selectors.history import public_history
from registry.workflow import MoveRefused

from .access import AUTHENTICATION_CLASSES, RegistryPermission, partner_of, reader_of, reads_everything, visible
from . import linked_art, representations
from .conditional import VARY, make_etag, newest_change, not_modified, set_validators
from .errors import JSONErrorsMixin, PayloadTooLarge
from .pagination import RecordCursorPagination
from .renderers import CSVRenderer, JSONLDRenderer
from .schema import RegistryAutoSchema
from .workflow import (
    PublicHistorySerializer, ReviewMoveSerializer, TransitionPermission, TransitionSerializer,
)


def citations_prefetch(request, lookup: str = "citations") -> Prefetch:
    return Prefetch(lookup, queryset=visible(Citation.objects.select_related("source", "speaker"), request))


def split_m2m(model, data: dict) -> tuple[dict, dict]:
    """Separate many-to-many values, which services set after saving the row."""
    fields, m2m = {}, {}
    for name, value in data.items():
        target = m2m if model._meta.get_field(name).many_to_many else fields
        target[name] = value
    return fields, m2m


class StrictFilterBackend(DjangoFilterBackend):
    """The shared FilterSets, except that a yes/no filter refuses a value that is neither.

    django-filter reads anything but ``true``/``false`` as "no filter", so a
    misspelt ``?is_movable=ture`` would silently answer the whole list.
    """

    BOOLEAN_VALUES = ("", "true", "false")
    # Parameters that are not filters: without any other, the FilterSet (whose
    # construction deep-copies every filter and form field) would change nothing.
    NOT_FILTERS = frozenset({"cursor", "page_size", "format"})

    def filter_queryset(self, request, queryset, view):
        if self.NOT_FILTERS.issuperset(request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)
    LISTED_CHOICES = 30  # longer lists (countries) are described, not spelt out

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            filterset.reader = reader_of(request)
            # A misspelt filter (``?severty=destroyed``) would otherwise answer the whole list.
            unknown = sorted(set(request.query_params) - set(filterset.filters) - self.NOT_FILTERS)
            if unknown:
                takes = ", ".join(sorted({*filterset.filters, *self.NOT_FILTERS}))
                raise ValidationError({name[:100]: [_("Unknown parameter. This endpoint takes: %(names)s.")
                                                    % {"names": takes}] for name in unknown[:20]})
            errors = {
                name: [_("Either true or false.")]
                for name, definition in filterset.filters.items()
                if isinstance(definition, BooleanFilter)
                and any(value not in self.BOOLEAN_VALUES for value in request.query_params.getlist(name))
            }
            if errors:
                raise ValidationError(errors)
            if not filterset.is_valid():
                raise ValidationError(self.describe_errors(filterset, request))
        return filterset

    def describe_errors(self, filterset, request) -> dict[str, list[str]]:
        """The form's errors, with the values a choice filter allows."""
        described = {}
        for name, errors in filterset.form.errors.as_data().items():
            definition = filterset.filters.get(name)
            messages = [str(message) for error in errors for message in error.messages]
            if isinstance(definition, ChoiceFilter) and any(error.code == "invalid_choice" for error in errors):
                keys = [str(key) for key, _label in definition.field.choices if key != ""]
                allowed = ", ".join(keys) if len(keys) <= self.LISTED_CHOICES else \
                    _("one of %(count)d codes such as %(examples)s") % {"count": len(keys),
                                                                       "examples": ", ".join(keys[:3])}
                messages = [_("“%(value)s” is not one of the allowed values: %(allowed)s.")
                            % {"value": request.query_params.get(name), "allowed": allowed}]
            described[name] = messages
        return described


class RecordViewSet(JSONErrorsMixin, viewsets.ModelViewSet):
    """List, read, create and update one kind of record; never delete (archive instead)."""

    model = None
    select: tuple[str, ...] = ()
    prefetch: tuple = ()
    claim = False  # created with citations through services.claim_create
    partner_writable = False
    linked_art = None  # name of the linked_art function, for ?format=jsonld on details

    lookup_field = "slug"
    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [RegistryPermission]
    pagination_class = RecordCursorPagination
    # ``q`` (search) and ``ordering`` are filters of the shared FilterSets.
    filter_backends = [StrictFilterBackend]
    renderer_classes = [representations.ORJSONRenderer, CSVRenderer]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    schema = RegistryAutoSchema()
    conditional = True  # lists and details answer 304 (see conditional.py)
    # A detail whose representation may come from the cache looks up the row alone;
    # its related records are read only if it has to be serialized.
    lean_lookup = False


    def get_renderers(self):
        renderers = super().get_renderers()
        if self.linked_art and self.action == "retrieve":
            renderers.append(JSONLDRenderer())
        return renderers

    def get_prefetches(self) -> list:
        return [*self.prefetch, citations_prefetch(self.request)] if self.claim else list(self.prefetch)

    def get_queryset(self):
        queryset = self.model._default_manager.all()
        if not self.lean_lookup:
            queryset = queryset.select_related("submitted_by", *self.select)
        if getattr(self, "queryset_prefetches", True):
            queryset = queryset.prefetch_related(*self.get_prefetches())
        if self.request.method in SAFE_METHODS:
            return visible(queryset, self.request)
        # Writes see every row, so that touching another partner's draft is
        # refused with 403 by RegistryPermission rather than hidden as a 404.
        return queryset

    def initial(self, request, *args, **kwargs):
        # DRF parsers read the body as a stream, past Django's own size check;
        # refuse an oversized body before anything is parsed or stored.
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise PayloadTooLarge(_("The request body is larger than %(limit)d bytes.")
                                  % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE})
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method in SAFE_METHODS and "Vary" not in response:
            patch_vary_headers(response, VARY)
        return response

    # Reading

    def list(self, request, *args, **kwargs):
        # The page's rows come first, without their related records: the
        # validators need only their own columns, and a 304 needs nothing more.
        queryset = self.filter_queryset(self.get_queryset()).prefetch_related(None)
        page = self.paginate_queryset(representations.page_queryset(self, queryset))
        rows = [(row.pk, row.version, row.updated_at) for row in page]
        etag = make_etag(request, self.model._meta.label, rows, self.paginator.has_next,
                         self.paginator.has_previous, request.get_full_path())
        last_modified = newest_change(self.model, page)
        if not_modified(request, etag, last_modified):
            return set_validators(Response(status=status.HTTP_304_NOT_MODIFIED), etag, last_modified)
        response = self.get_paginated_response(representations.serialized(self, list(page), complete=False))
        return set_validators(response, etag, last_modified)

    def retrieve(self, request, *args, **kwargs):
        # Related records are read only when the record's representation is not in the cache.
        self.queryset_prefetches = False
        lean = self.lean_lookup = representations.applies(self)
        try:
            record = self.get_object()
        finally:
            self.lean_lookup = False
        etag = make_etag(request, self.model._meta.label, record.slug, record.version, record.updated_at)
        if not_modified(request, etag, record.updated_at):
            return set_validators(Response(status=status.HTTP_304_NOT_MODIFIED), etag, record.updated_at)
        if request.accepted_renderer.format == JSONLDRenderer.format:
            prefetch_related_objects([record], *self.get_prefetches())
            data = getattr(linked_art, self.linked_art)(record)
        else:
            data = representations.serialized(self, [record], complete=not lean)[0]
        return set_validators(Response(data), etag, record.updated_at)

    def reread(self, record):
        return self.get_queryset().get(pk=record.pk)

    # Writing: the serializer checks shape, a service stores.

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        record = self.create_record(data, partner=partner_of(request))
        output = self.get_serializer(self.reread(record)).data
        # str(): the URL is DRF's Hyperlink, a str subclass that WSGI servers refuse in headers.
        return Response(output, status=status.HTTP_201_CREATED, headers={"Location": str(output["url"])})

    def create_record(self, data: dict, *, partner):
        citations = data.pop("citations", None) or []
        fields, m2m = split_m2m(self.model, data)
        if self.claim:
            if partner is not None:
                return services.claim_create(model=self.model, fields=fields, citations=citations, m2m=m2m,
                                             user=self.request.user, submitted_by=partner,
                                             lifecycle=Lifecycle.IN_REVIEW)
            return services.claim_create(model=self.model, fields=fields, citations=citations, m2m=m2m,
                                         user=self.request.user)
        if partner is not None:
            fields |= {"submitted_by": partner, "lifecycle": Lifecycle.IN_REVIEW}
        return services.record_create(model=self.model, fields=fields, m2m=m2m, user=self.request.user)

    def update(self, request, *args, **kwargs):
        record = self.get_object()
        serializer = self.get_serializer(record, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        if version is None:
            raise ValidationError({"version": [_("Send the version of the record you edited.")]})
        for name in ("citations", "slug"):
            data.pop(name, None)  # evidence is added through /citations/; slugs never change
        with transaction.atomic():
            # Read back under the write's row lock: the answer is the version this write made,
            # never that of a write that committed just after it.
            self.update_record(record, data, version=version)
            output = self.get_serializer(self.reread(record)).data
        return Response(output)

    def update_record(self, record, data: dict, *, version: int):
        fields, m2m = split_m2m(self.model, data)
        services.record_update(record=record, fields=fields, m2m=m2m, expected_version=version,
                               user=self.request.user)

    @extend_schema(request=TransitionSerializer, summary="Move a record along its lifecycle")
    @action(detail=True, methods=["post"], permission_classes=[TransitionPermission])
    def transition(self, request, *args, **kwargs):
        record = self.get_object()
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            with transaction.atomic():  # read back under the move's row lock, as in ``update``
                services.record_transition(
                    record=record, to=data["to"], user=request.user, reason=data.get("reason", ""),
                    expected_version=data["version"], partner=partner_of(request),
                    public_note=data.get("public_note", ""))
                output = self.get_serializer(self.reread(record)).data
        except MoveRefused as refusal:
            raise PermissionDenied(str(refusal)) from refusal
        return Response(output)

    @extend_schema(responses=ReviewMoveSerializer(many=True), summary="The review log of a record "
                   "(curators and the submitting partner)", filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[],
            conditional=False)
    def review(self, request, *args, **kwargs):
        record = self.get_object()
        partner = partner_of(request)
        if not reads_everything(request) and (partner is None or record.submitted_by_id != partner.pk):
            raise PermissionDenied(_("Only curators, reviewers and the institution that submitted a "
                                     "record read its review log."))
        moves = LifecycleMove.objects.for_record(record).select_related("partner").newest_first()
        return Response(ReviewMoveSerializer(moves, many=True).data)

    @extend_schema(responses=PublicHistorySerializer(many=True), summary="How this record changed",
                   filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[],
            conditional=False)
    def history(self, request, *args, **kwargs):
        return Response(PublicHistorySerializer(public_history(self.get_object()), many=True).data)
