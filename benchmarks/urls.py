"""The project's URLs, with the reference endpoints of the benchmark under /bench/."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from heritage.urls import urlpatterns as project_urlpatterns

from . import references

router = SimpleRouter()
router.register("damage-reports", references.UntunedReportViewSet, basename="untuned-report")

urlpatterns = [
    path("bench/raw/damage-reports/", references.raw_report_list),
    path("bench/raw/damage-reports/<slug:slug>/", references.raw_report_detail),
    path("bench/untuned/", include(router.urls)),
    *project_urlpatterns,
]
