"""The registry's data model, split by concern."""

from registry import lookups  # noqa: F401  (registers ``any_of``)

from .actors import Actor, ActorName, APIKey, PartnerInstitution
from .base import Certainty, Extent, Lifecycle, QuantityPrecision, Record, RecordQuerySet, Severity
from .conditions import ConditionEntry
from .damage import Attribution, ClaimStatus, DamageEvent, DamageReport
from .imports import ImportBatch, ImportedRecord, ImportIssue
from .media import MEDIA_TARGETS, MediaItem, MediaPair
from .places import (
    Artefact, ArtefactName, Designation, ExternalIdentifier, HeritageSite, IdentifierScheme, NameType,
    SiteName,
)
from .pledges import Intervention, PledgeParty, PledgeStatus, PledgeStatusChange, RestorationPledge
from .review import LifecycleMove
from .sources import CITATION_TARGETS, Citation, Reliability, Source
from .vocabulary import Term

__all__ = [
    "APIKey", "Actor", "ActorName", "Artefact", "ArtefactName", "Attribution", "CITATION_TARGETS",
    "Certainty", "Citation", "ClaimStatus", "ConditionEntry", "DamageEvent", "DamageReport", "Designation", "Extent",
    "ExternalIdentifier", "HeritageSite", "IdentifierScheme", "ImportBatch", "ImportIssue", "ImportedRecord",
    "Intervention", "Lifecycle", "LifecycleMove", "MEDIA_TARGETS", "MediaItem", "MediaPair", "NameType",
    "PartnerInstitution", "PledgeParty", "PledgeStatus", "PledgeStatusChange", "QuantityPrecision", "Record",
    "RecordQuerySet", "Reliability", "RestorationPledge", "Severity", "SiteName", "Source", "Term",
]
