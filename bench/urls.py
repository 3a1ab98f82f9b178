"""Baseline endpoints; ticketflower/urls.py mounts them under /bench/ only when
settings.BENCHMARK_BASELINE_VIEWS is on (benchmark runs, never production)."""

from django.urls import path

from bench import baseline

urlpatterns = [
    path("baseline/workflow/<int:workflow_id>/", baseline.workflow_full, name="bench-workflow"),
    path("baseline/workflows/", baseline.workflow_list, name="bench-workflows"),
    path("baseline/upload-workflow/", baseline.upload_workflow, name="bench-upload-workflow"),
    path("baseline/export/<int:workflow_id>/", baseline.export_workflow, name="bench-export"),
]
