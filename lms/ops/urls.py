"""The operator's addresses (see :mod:`lms.ops`)."""

from django.urls import path

from . import metrics, probes

app_name = "ops"
urlpatterns = [
    path("healthz", probes.liveness, name="healthz"),
    path("readyz", probes.readiness, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
]
