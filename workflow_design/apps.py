from django.apps import AppConfig


class WorkflowDesignConfig(AppConfig):
    name = "workflow_design"
    verbose_name = "Workflow design"

    def ready(self) -> None:
        from corsheaders.signals import check_request_enabled

        import workflow_design.selectors  # noqa: F401  (registers the scoping rules and what uses a company role)
        from workflow_design.views import public_documents_for_any_origin

        check_request_enabled.connect(public_documents_for_any_origin)
