"""Serializers of the partner API: explicit fields, slugs for every reference.

They check the shape of what a client sends and turn slugs into records;
every rule about what may be stored lives in ``registry.services``, which the
viewsets call with ``validated_data``.
"""

from __future__ import annotations

import copy

from django.db import models
from django.urls import reverse as django_reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from registry.models import (
    Actor, Artefact, Attribution, Citation, ClaimStatus, DamageEvent, DamageReport, HeritageSite,
    Intervention, PledgeParty, PledgeStatusChange, RestorationPledge, Source, Term,
)
from registry.models.sources import CITATION_TARGETS

from .access import is_curator, may_read, reads_everything
from .verdicts import (
    ConditionFieldMixin, ConditionListSerializer, VerdictFieldsMixin, VerdictListSerializer,
)
from .fields import (
    AllowedChoiceField, DayKeyField, PartnerSlugField, ReadAheadListSerializer, RecordSlugField, StrictCharField,
    StrictEmailField, StrictSlugField, StrictURLField, TermField, read_ahead,
)

V = Term.Vocabulary

# Claim statuses only a curator gives: the registry's own judgement of the evidence.
CURATOR_CLAIM_STATUSES = (ClaimStatus.CORROBORATED, ClaimStatus.CONFIRMED)

RECORD_FIELDS = ["url", "slug", "lifecycle", "version", "created_at", "updated_at", "published_at", "submitted_by"]
RECORD_READ_ONLY = ["lifecycle", "created_at", "updated_at", "published_at"]


def absolute_url(request, view_name: str, **kwargs) -> str:
    """A record's API URL without the ``?format=`` of the request that mentions it."""
    path = django_reverse(view_name, kwargs=kwargs)
    return request.build_absolute_uri(path) if request is not None else path


STRICT_FIELD_MAPPING = {
    **serializers.ModelSerializer.serializer_field_mapping,
    models.CharField: StrictCharField,
    models.TextField: StrictCharField,
    models.SlugField: StrictSlugField,
    models.URLField: StrictURLField,
    models.EmailField: StrictEmailField,
}


class StrictModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = STRICT_FIELD_MAPPING
    serializer_choice_field = AllowedChoiceField

    def get_fields(self):
        # The fields follow from the class alone (its Meta and declared fields), and working them
        # out from the model takes longer than copying them: once per class, then a copy per use.
        cls = type(self)
        built = _BUILT_FIELDS.get(cls)
        if built is None:
            built = _BUILT_FIELDS[cls] = super().get_fields()
        return copy.deepcopy(built)


_BUILT_FIELDS: dict[type, dict] = {}


class RecordURLField(serializers.HyperlinkedIdentityField):
    def get_url(self, obj, view_name, request, format):
        return absolute_url(request, view_name, slug=obj.slug)


def detail_url(basename: str) -> serializers.HyperlinkedIdentityField:
    return RecordURLField(view_name=f"api:{basename}-detail", lookup_field="slug")


class RecordSerializer(StrictModelSerializer):
    version = serializers.IntegerField(
        min_value=1, required=False,
        help_text="Read: the stored version. On updates, send the version you edited; "
                  "if the record has moved on since, the update is refused with 409.",
    )
    submitted_by = PartnerSlugField(help_text="Partner institution that submitted the record, if any.")

    class Meta:
        read_only_fields = RECORD_READ_ONLY
        extra_kwargs = {"slug": {"required": False}}

    def to_internal_value(self, data):
        read_ahead(self, data)  # the slugs of the body, a query for each kind rather than each slug
        return super().to_internal_value(data)


class NameSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    language = serializers.CharField(read_only=True)
    name_type = serializers.CharField(read_only=True)


class DesignationSerializer(serializers.Serializer):
    kind = serializers.CharField(source="kind.slug", read_only=True)
    reference = serializers.CharField(read_only=True)
    since = serializers.CharField(read_only=True)
    since_earliest = DayKeyField(source="since_lower")
    until = serializers.CharField(read_only=True)
    until_latest = DayKeyField(source="until_upper")


class IdentifierSerializer(serializers.Serializer):
    scheme = serializers.CharField(read_only=True)
    value = serializers.CharField(read_only=True)
    url = serializers.URLField(read_only=True)


class SiteSerializer(ConditionFieldMixin, RecordSerializer):
    url = detail_url("site")
    kind = TermField(V.SITE_KIND)
    parent = RecordSlugField(HeritageSite, required=False, allow_null=True)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-90, max_value=90,
                                        coerce_to_string=False, required=False, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-180, max_value=180,
                                         coerce_to_string=False, required=False, allow_null=True)
    coordinates_coarsened = serializers.SerializerMethodField()
    names = NameSerializer(many=True, read_only=True)
    designations = DesignationSerializer(many=True, read_only=True)
    identifiers = IdentifierSerializer(many=True, read_only=True)

    class Meta(RecordSerializer.Meta):
        model = HeritageSite
        fields = [*RECORD_FIELDS, "name", "names", "kind", "country", "latitude", "longitude",
                  "coordinates_coarsened", "location_certainty", "is_sensitive", "parent", "description",
                  "designations", "identifiers", "condition"]
        list_serializer_class = ConditionListSerializer

    def _shows_exact(self, site) -> bool:
        request = self.context.get("request")
        return not site.is_sensitive or (request is not None and reads_everything(request))

    def get_coordinates_coarsened(self, site) -> bool:
        return site.latitude is not None and not self._shows_exact(site)

    def to_representation(self, site):
        data = super().to_representation(site)
        if not self._shows_exact(site):
            coordinates = site.public_coordinates()
            data["latitude"], data["longitude"] = (
                (float(coordinates[0]), float(coordinates[1])) if coordinates else (None, None)
            )
        return data


class ArtefactSerializer(ConditionFieldMixin, RecordSerializer):
    url = detail_url("artefact")
    site = RecordSlugField(HeritageSite)
    kind = TermField(V.ARTEFACT_KIND)
    parent = RecordSlugField(Artefact, required=False, allow_null=True)
    materials = TermField(V.MATERIAL, many=True, required=False)
    made_earliest = DayKeyField(source="made_lower")
    made_latest = DayKeyField(source="made_upper")
    names = NameSerializer(many=True, read_only=True)

    class Meta(RecordSerializer.Meta):
        model = Artefact
        fields = [*RECORD_FIELDS, "name", "names", "site", "kind", "parent", "is_movable", "is_group",
                  "quantity", "quantity_precision", "quantity_phrase", "made", "made_earliest",
                  "made_latest", "materials", "description", "condition"]
        list_serializer_class = ConditionListSerializer


class ActorSerializer(RecordSerializer):
    url = detail_url("actor")
    affiliation = RecordSlugField(Actor, required=False, allow_null=True)
    names = NameSerializer(many=True, read_only=True)

    class Meta(RecordSerializer.Meta):
        model = Actor
        fields = [*RECORD_FIELDS, "name", "names", "kind", "affiliation", "role", "country",
                  "description", "website"]


class SourceSerializer(RecordSerializer):
    url = detail_url("source")
    # The source's own address; ``url`` is the record's address in the API, as on every record.
    web_url = StrictURLField(source="url", required=False, allow_blank=True, max_length=500,
                             help_text="Where the source can be read or watched.")
    kind = TermField(V.SOURCE_KIND)
    publisher = RecordSlugField(Actor, required=False, allow_null=True)
    author = RecordSlugField(Actor, required=False, allow_null=True)
    relays = RecordSlugField(Source, many=True, required=False)
    published_earliest = DayKeyField(source="published_lower")
    published_latest = DayKeyField(source="published_upper")

    class Meta(RecordSerializer.Meta):
        model = Source
        fields = [*RECORD_FIELDS, "title", "kind", "publisher", "author", "published", "published_earliest",
                  "published_latest", "web_url", "accessed_on", "archive_url", "language", "reliability",
                  "relays", "description"]


class CitationInputSerializer(StrictModelSerializer):
    """A citation inside a claim: written with the claim, read back with it."""

    source = RecordSlugField(Source)
    speaker = RecordSlugField(Actor, required=False, allow_null=True)

    class Meta:
        model = Citation
        fields = ["slug", "lifecycle", "source", "quote", "locator", "speaker", "stance", "note"]
        read_only_fields = ["lifecycle"]
        list_serializer_class = ReadAheadListSerializer
        extra_kwargs = {"slug": {"required": False}}


class CitationTargetSerializer(serializers.Serializer):
    type = AllowedChoiceField(choices=CITATION_TARGETS)
    slug = StrictSlugField()


# The model behind each citation target, for turning {"type", "slug"} into a record.
CITATION_TARGET_MODELS = {name: Citation._meta.get_field(name).related_model for name in CITATION_TARGETS}


@extend_schema_field(CitationTargetSerializer)
class CitationTargetField(serializers.Field):
    """``{"type": "damage_report", "slug": "..."}``: the record a citation backs."""

    def to_representation(self, citation):
        name = citation.target_field
        target = getattr(citation, name) if name else None
        return {"type": name, "slug": target.slug} if may_read(target, self.context.get("request")) else None

    def get_attribute(self, instance):
        return instance

    def to_internal_value(self, data):
        shape = CitationTargetSerializer(data=data)
        shape.is_valid(raise_exception=True)
        kind, slug = shape.validated_data["type"], shape.validated_data["slug"]
        field = RecordSlugField(CITATION_TARGET_MODELS[kind])
        field.bind("target", self.parent)
        return field.to_internal_value(slug)


class CitationSerializer(RecordSerializer):
    url = detail_url("citation")
    source = RecordSlugField(Source)
    speaker = RecordSlugField(Actor, required=False, allow_null=True)
    target = CitationTargetField(help_text='The record this citation backs, e.g. {"type": "damage_report", "slug": "…"}.')

    class Meta(RecordSerializer.Meta):
        model = Citation
        fields = [*RECORD_FIELDS, "source", "target", "quote", "locator", "speaker", "stance", "note"]


class ClaimSerializer(RecordSerializer):
    citations = CitationInputSerializer(
        many=True, required=False,
        help_text="Evidence. On creation at least one citation is required; later ones are added "
                  "through /api/v1/citations/.",
    )


class AttributionSerializer(serializers.ModelSerializer):
    actor = RecordSlugField(Actor, read_only=True)
    citations = CitationInputSerializer(many=True, read_only=True)

    class Meta:
        model = Attribution
        fields = ["slug", "lifecycle", "version", "actor", "certainty", "note", "citations"]
        read_only_fields = fields


DAMAGE_FIELDS = ["sites", "artefacts", "occurred", "occurred_earliest", "occurred_latest", "cause_category",
                 "cause_type", "effects", "severity", "extent", "description", "citations"]


class DamageSerializer(ClaimSerializer):
    sites = RecordSlugField(HeritageSite, many=True, allow_empty=False)
    artefacts = RecordSlugField(Artefact, many=True, required=False)
    cause_category = TermField(V.CAUSE_CATEGORY, required=False, allow_null=True)
    cause_type = TermField(V.CAUSE_TYPE, required=False, allow_null=True)
    effects = TermField(V.EFFECT_TYPE, many=True, required=False)
    occurred_earliest = DayKeyField(source="occurred_lower")
    occurred_latest = DayKeyField(source="occurred_upper")


class DamageEventSerializer(VerdictFieldsMixin, DamageSerializer):
    url = detail_url("damage-event")
    attributions = AttributionSerializer(many=True, read_only=True)

    class Meta(RecordSerializer.Meta):
        model = DamageEvent
        fields = [*RECORD_FIELDS, "title", *DAMAGE_FIELDS, "attributions", "disputed", "differences"]
        list_serializer_class = VerdictListSerializer


class DamageReportSerializer(VerdictFieldsMixin, DamageSerializer):
    url = detail_url("damage-report")
    responsible = RecordSlugField(Actor, required=False, allow_null=True,
                                  help_text="Actor this report holds responsible, if it names one.")
    retracted_by = RecordSlugField(Actor, required=False, allow_null=True,
                                   help_text="Who retracted the claim; only with claim_status retracted.")
    damage_event = RecordSlugField(DamageEvent, required=False, allow_null=True)
    source = RecordSlugField(Source)
    observed_earliest = DayKeyField(source="observed_lower")
    observed_latest = DayKeyField(source="observed_upper")

    class Meta(RecordSerializer.Meta):
        model = DamageReport
        fields = [*RECORD_FIELDS, "title", "damage_event", "source", *DAMAGE_FIELDS, "observed",
                  "observed_earliest", "observed_latest", "quantity", "quantity_precision", "quantity_phrase",
                  "certainty", "claim_status", "responsible", "retracted_by", "disputed", "differences"]
        list_serializer_class = VerdictListSerializer

    def validate_claim_status(self, value):
        # Whether a claim is corroborated or confirmed is the registry's judgement, not the submitter's.
        unchanged = self.instance is not None and self.instance.claim_status == value
        if value in CURATOR_CLAIM_STATUSES and not unchanged and not is_curator(self.context.get("request")):
            allowed = ", ".join(status for status in ClaimStatus.values if status not in CURATOR_CLAIM_STATUSES)
            raise serializers.ValidationError(
                _("Only curators set “%(value)s”: it is the registry's judgement of the claim. "
                  "You may set: %(allowed)s.") % {"value": value, "allowed": allowed})
        return value


class PledgeStatusChangeSerializer(ClaimSerializer):
    url = detail_url("pledge-status-change")
    pledge = RecordSlugField(RestorationPledge)
    date_earliest = DayKeyField(source="date_lower")
    date_latest = DayKeyField(source="date_upper")

    class Meta(RecordSerializer.Meta):
        model = PledgeStatusChange
        fields = [*RECORD_FIELDS, "pledge", "status", "date", "date_earliest", "date_latest", "note", "citations"]


class StatusHistorySerializer(PledgeStatusChangeSerializer):
    class Meta(PledgeStatusChangeSerializer.Meta):
        fields = ["url", "slug", "lifecycle", "version", "updated_at", "status", "date", "date_earliest",
                  "date_latest", "note", "citations"]
        read_only_fields = fields


class PledgePartySerializer(serializers.ModelSerializer):
    actor = RecordSlugField(Actor, read_only=True)
    role = serializers.CharField(read_only=True, help_text="pledger, funder or implementer.")
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True, allow_null=True,
                                      help_text="This party's share, in the pledge's currency.")
    note = serializers.CharField(read_only=True)

    class Meta:
        model = PledgeParty
        fields = ["actor", "role", "amount", "note"]


class PledgeSerializer(ClaimSerializer):
    url = detail_url("pledge")
    pledger = RecordSlugField(Actor)
    beneficiary = RecordSlugField(Actor, required=False, allow_null=True)
    action = TermField(V.PLEDGE_ACTION)
    sites = RecordSlugField(HeritageSite, many=True, allow_empty=False)
    artefacts = RecordSlugField(Artefact, many=True, required=False)
    pledged_earliest = DayKeyField(source="pledged_lower")
    pledged_latest = DayKeyField(source="pledged_upper")
    target_earliest = DayKeyField(source="target_lower")
    target_latest = DayKeyField(source="target_upper")
    status_history = StatusHistorySerializer(source="status_changes", many=True, read_only=True)
    parties = PledgePartySerializer(many=True, read_only=True)

    class Meta(RecordSerializer.Meta):
        model = RestorationPledge
        fields = [*RECORD_FIELDS, "title", "pledger", "beneficiary", "action", "sites", "artefacts", "pledged",
                  "pledged_earliest", "pledged_latest", "target", "target_earliest", "target_latest", "amount",
                  "currency", "conditions", "status", "status_history", "parties", "description", "citations"]
        read_only_fields = [*RECORD_READ_ONLY, "status"]


class InterventionSerializer(ClaimSerializer):
    url = detail_url("intervention")
    kind = TermField(V.INTERVENTION_KIND)
    sites = RecordSlugField(HeritageSite, many=True, allow_empty=False)
    artefacts = RecordSlugField(Artefact, many=True, required=False)
    performed_by = RecordSlugField(Actor, required=False, allow_null=True)
    pledges = RecordSlugField(RestorationPledge, many=True, required=False)
    date_earliest = DayKeyField(source="date_lower")
    date_latest = DayKeyField(source="date_upper")

    class Meta(RecordSerializer.Meta):
        model = Intervention
        fields = [*RECORD_FIELDS, "title", "kind", "sites", "artefacts", "performed_by", "date", "date_earliest",
                  "date_latest", "pledges", "claim_status", "severity_after", "extent_after", "description",
                  "citations"]


class TermSerializer(StrictModelSerializer):
    url = serializers.SerializerMethodField()
    broader = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    aat_uri = serializers.SerializerMethodField(help_text="The matching Getty AAT concept; null if none.")

    class Meta:
        model = Term
        fields = ["url", "vocabulary", "slug", "label", "label_ar", "description", "aat_uri", "broader",
                  "is_active", "updated_at"]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_aat_uri(self, term):
        return term.aat_uri or None

    def get_url(self, term) -> str:
        return absolute_url(self.context.get("request"), "api:term-detail", key=f"{term.vocabulary}/{term.slug}")
