"""The GraphQL schema: Query and Mutation composed from the domain modules."""

import strawberry
from strawberry.extensions import MaskErrors
from strawberry_django.optimizer import DjangoOptimizerExtension

from schema.errors import is_expected_error
from schema.users.mutations import UsersMutation
from schema.users.queries import UsersQuery
from schema.workflow_design.mutations import WorkflowDesignMutation
from schema.workflow_design.queries import WorkflowDesignQuery


@strawberry.type
class Query(UsersQuery, WorkflowDesignQuery):
    pass


@strawberry.type
class Mutation(UsersMutation, WorkflowDesignMutation):
    pass


class TicketFlowerSchema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None) -> None:
        # Expected errors (bad input, auth) are the client's answer; only failures are logged.
        super().process_errors([e for e in errors if not is_expected_error(e)], execution_context)


schema = TicketFlowerSchema(
    query=Query,
    mutation=Mutation,
    extensions=[
        DjangoOptimizerExtension,
        lambda: MaskErrors(should_mask_error=lambda error: not is_expected_error(error)),
    ],
)
