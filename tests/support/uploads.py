"""Uploads and exports through /graphql/ (Django's test client: the `gql` fixture), and the
rows they write."""

from workflow_design.models import TaskDefinition, WorkflowDefinition, WorkflowTransition, WorkflowVersion

UPLOAD = """
mutation($input: WorkflowInput!) {
  uploadWorkflow(input: $input) {
    workflow { id version tasks { id key version } transitions { fromTask { key } toTask { key } } }
    errors { code message path }
    warnings { code message path }
  }
}"""
EXPORT = "query($id: ID!, $version: Int) { exportWorkflow(id: $id, version: $version) }"


def upload(gql, tenant, document: dict) -> dict:
    return gql.data(UPLOAD, {"input": document}, token=tenant.token)["uploadWorkflow"]


def export(gql, tenant, workflow_id: str, version: int | None = None) -> dict:
    return gql.data(EXPORT, {"id": workflow_id, "version": version}, token=tenant.token)["exportWorkflow"]


def located(problems: list[dict]) -> list[tuple[str, str]]:
    return [(p["code"], p["path"]) for p in problems]


def database_state() -> dict:
    """Everything an upload may write, to compare before and after."""
    return {
        model.__name__: sorted(model.objects.values_list("pk", "version") if hasattr(model, "version") else [])
        or model.objects.count()
        for model in (WorkflowDefinition, TaskDefinition, WorkflowTransition, WorkflowVersion)
    }
