"""Public, server-rendered pages of the registry."""

from .lists import (
    ActorListView, ArtefactListView, DamageEventListView, DamageReportListView, InterventionListView,
    PledgeListView, SiteListView, SourceListView,
)
from .pages import (
    ActorDetailView, ArtefactDetailView, DamageEventDetailView, DamageReportDetailView, HomeView,
    InterventionDetailView, PledgeDetailView, PledgeTrackerView, SourceDetailView,
)
from .maps import MapDataView, MapView
from .site import SiteDetailView

__all__ = [
    "ActorDetailView", "ActorListView", "ArtefactDetailView", "ArtefactListView", "DamageEventDetailView",
    "DamageEventListView", "DamageReportDetailView", "DamageReportListView", "HomeView",
    "InterventionDetailView", "InterventionListView", "MapDataView", "MapView", "PledgeDetailView", "PledgeListView",
    "PledgeTrackerView", "SiteDetailView", "SiteListView", "SourceDetailView", "SourceListView",
]
