"""The GraphQL schema: Query and Mutation composed from the domain modules."""

import logging

import strawberry
from django.conf import settings
from strawberry.extensions import MaxTokensLimiter
from strawberry.schema.config import StrawberryConfig
from strawberry_django.optimizer import DjangoOptimizerExtension

from schema.base import QuerysetOptimizer, short_paths_enabled
from schema.descriptions import describe_library_items
from schema.errors import is_client_database_error, is_expected_error
from schema.execution import TicketFlowerExecutionContext
from schema.extensions import (
    IntrospectionForAuthenticatedUsers,
    MaskUnexpectedErrors,
    OperationShapeLimits,
    RecordOperation,
    RejectUnusableInput,
    SmallDocumentParserCache,
    ValidValidationCache,
    introspection_allowed,
)
from schema.library_internals import graphql_core_schema
from schema.nodes import NodeQuery
from schema.response_cache import ResponseCache
from schema.users.mutations import UsersMutation
from schema.users.queries import UsersQuery
from schema.workflow_design.mutations import WorkflowDesignMutation
from schema.workflow_design.preview import PreviewQuery
from schema.workflow_design.queries import WorkflowDesignQuery
from schema.workflow_design.review import ReviewQuery


@strawberry.type(
    description="Everything that can be read; nothing here writes. Every field needs a logged-in user "
    "(UNAUTHENTICATED); users and companyRoles need the system role company_admin, the workflow design fields "
    "workflow_creator, except ticketDefinitions, ticketDefinition, workflowLanguage, node and nodes (FORBIDDEN). A "
    "refused field is null, beside a top-level error. Lists are Relay cursor connections."
)
class Query(NodeQuery, UsersQuery, WorkflowDesignQuery, PreviewQuery, ReviewQuery):
    pass


@strawberry.type(
    description="Everything that writes. createCompany, login and refreshToken are open to anyone; logout needs a "
    "logged-in user, the user and company role operations the system role company_admin, the workflow design "
    "ones workflow_creator (a refused caller gets null and a top-level error). Refusals of the input come back in "
    "the payload's errors, and then nothing was written."
)
class Mutation(UsersMutation, WorkflowDesignMutation):
    pass


logger = logging.getLogger("ticketflower.graphql")


# Apollo's codes for a document that does not parse, or does not validate against the schema.
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"


def _refused_document_code(execution_context) -> str | None:
    """The code of an error raised before execution, told by how far the operation got."""
    if execution_context is None or execution_context.result is not None:
        return None
    return PARSE_FAILED if execution_context.graphql_document is None else VALIDATION_FAILED


class TicketFlowerSchema(strawberry.Schema):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        describe_library_items(graphql_core_schema(self))

    def process_errors(self, errors, execution_context=None) -> None:
        request = execution_context.context.request if execution_context else None
        document_code = _refused_document_code(execution_context)
        for error in errors:
            if document_code and error.original_error is None and not (error.extensions or {}).get("code"):
                # Every top-level error carries a code (README, "Errors").
                error.extensions = {**(error.extensions or {}), "code": document_code}
            if not is_expected_error(error) and not is_client_database_error(error.original_error):
                # Expected errors (bad input, auth) are the client's answer; failures are logged
                # under the request id that the masked answer carries.
                logger.error(
                    "unexpected error at %s (request %s)",
                    ".".join(map(str, error.path or [])) or "operation",
                    getattr(request, "id", None),
                    exc_info=error.original_error,
                )
            elif request is not None and not introspection_allowed(request):
                self.remove_field_suggestion(error)


schema = TicketFlowerSchema(
    query=Query,
    mutation=Mutation,
    execution_context_class=TicketFlowerExecutionContext,
    # A connection's page size when neither first nor last is given, and the most either may ask.
    config=StrawberryConfig(relay_max_results=settings.PAGINATION_MAX_LIMIT),
    extensions=[
        lambda: OperationShapeLimits(
            max_depth=settings.GRAPHQL_MAX_DEPTH,
            max_aliases=settings.GRAPHQL_MAX_ALIASES,
            max_list_nesting=settings.GRAPHQL_MAX_LIST_NESTING,
        ),
        lambda: MaxTokensLimiter(max_token_count=settings.GRAPHQL_MAX_TOKENS),
        SmallDocumentParserCache,
        IntrospectionForAuthenticatedUsers,
        RejectUnusableInput,
        ValidValidationCache,
        QuerysetOptimizer if short_paths_enabled() else DjangoOptimizerExtension,
        MaskUnexpectedErrors,
        RecordOperation,
        ResponseCache,
    ],
)
