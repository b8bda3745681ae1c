"""Public pages. Detail URLs use slugs, which never change or get reused, so
that a link a journalist cites keeps working."""

from django.urls import path

from . import views
from .feeds import LatestReportsFeed

app_name = "registry"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("map/", views.MapView.as_view(), name="map"),
    path("map/data/", views.MapDataView.as_view(), name="map-data"),
    path("feeds/reports.atom", LatestReportsFeed(), name="report-feed"),
    path("sites/", views.SiteListView.as_view(), name="site-list"),
    path("sites/export.<str:format>", views.SiteListView.as_view(), name="site-export"),
    path("sites/<slug:slug>/", views.SiteDetailView.as_view(), name="site-detail"),
    path("artefacts/", views.ArtefactListView.as_view(), name="artefact-list"),
    path("artefacts/export.<str:format>", views.ArtefactListView.as_view(), name="artefact-export"),
    path("artefacts/<slug:slug>/", views.ArtefactDetailView.as_view(), name="artefact-detail"),
    path("events/", views.DamageEventListView.as_view(), name="event-list"),
    path("events/export.<str:format>", views.DamageEventListView.as_view(), name="event-export"),
    path("events/<slug:slug>/", views.DamageEventDetailView.as_view(), name="event-detail"),
    path("reports/", views.DamageReportListView.as_view(), name="report-list"),
    path("reports/export.<str:format>", views.DamageReportListView.as_view(), name="report-export"),
    path("reports/<slug:slug>/", views.DamageReportDetailView.as_view(), name="report-detail"),
    path("pledges/", views.PledgeListView.as_view(), name="pledge-list"),
    path("pledges/tracker/", views.PledgeTrackerView.as_view(), name="pledge-tracker"),
    path("pledges/export.<str:format>", views.PledgeListView.as_view(), name="pledge-export"),
    path("pledges/<slug:slug>/", views.PledgeDetailView.as_view(), name="pledge-detail"),
    path("sources/", views.SourceListView.as_view(), name="source-list"),
    path("sources/export.<str:format>", views.SourceListView.as_view(), name="source-export"),
    path("sources/<slug:slug>/", views.SourceDetailView.as_view(), name="source-detail"),
    path("actors/", views.ActorListView.as_view(), name="actor-list"),
    path("actors/export.<str:format>", views.ActorListView.as_view(), name="actor-export"),
    path("actors/<slug:slug>/", views.ActorDetailView.as_view(), name="actor-detail"),
    path("interventions/", views.InterventionListView.as_view(), name="intervention-list"),
    path("interventions/export.<str:format>", views.InterventionListView.as_view(), name="intervention-export"),
    path("interventions/<slug:slug>/", views.InterventionDetailView.as_view(), name="intervention-detail"),
]
