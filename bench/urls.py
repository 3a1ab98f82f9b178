"""The URL root of benchmark runs (bench/settings.py): the service's URLs, the hand-written baselines
(bench/baseline.py) under /bench/baseline/ and the reads' SQL limit (bench/sql_limit.py) under /bench/sql-limit/."""

from django.urls import path

from bench import baseline, sql_limit
from ticketflower import urls as service

handler500 = service.handler500
urlpatterns = [
    *service.urlpatterns,
    path("bench/baseline/workflow/", baseline.workflow_full, name="bench-workflow"),
    path("bench/baseline/workflows/", baseline.workflow_list, name="bench-workflows"),
    path("bench/baseline/upload-workflow/", baseline.upload_workflow, name="bench-upload-workflow"),
    path("bench/baseline/export/", baseline.export_workflow, name="bench-export"),
    path("bench/sql-limit/workflow/", sql_limit.workflow_full, name="bench-sql-limit-workflow"),
    path("bench/sql-limit/workflows/", sql_limit.workflow_list, name="bench-sql-limit-workflows"),
]
