from django.apps import AppConfig


class WorkflowDesignConfig(AppConfig):
    name = "workflow_design"
    verbose_name = "Workflow design"

    def ready(self) -> None:
        import workflow_design.selectors  # noqa: F401  (registers the scoping rules and what uses a company role)
