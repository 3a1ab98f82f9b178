from django.apps import AppConfig


class WorkflowDesignConfig(AppConfig):
    name = "workflow_design"
    verbose_name = "Workflow design"

    def ready(self) -> None:
        from corsheaders.signals import check_request_enabled

        import workflow_design.selectors  # noqa: F401  (registers the scoping rules and what uses a company role)
        from kernel.problems import register_problem_codes
        from workflow_design.validation.codes import PROBLEM_CODES
        from workflow_design.views import public_documents_for_any_origin

        check_request_enabled.connect(public_documents_for_any_origin)
        register_problem_codes({code.code: code.trigger for code in PROBLEM_CODES.values()})
