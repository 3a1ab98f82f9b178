"""Schema extensions: what every operation goes through besides its resolvers."""

import logging

from django.conf import settings
from django.db import DatabaseError
from graphql import GraphQLError, StringValueNode, visit
from graphql.language import Visitor
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import AddValidationRules, MaskErrors, SchemaExtension

from schema.errors import database_failure, is_expected_error
from ticketflower.values import unstorable_text

logger = logging.getLogger("ticketflower.graphql")


def _request(extension: SchemaExtension):
    return extension.execution_context.context.request


def introspection_allowed(request) -> bool:
    return settings.GRAPHQL_PUBLIC_INTROSPECTION or request.user.is_authenticated


class RecordOperation(SchemaExtension):
    """Names the operation in the request log."""

    def on_operation(self):
        yield
        context = self.execution_context
        if context.graphql_document is not None:  # None when the document did not parse
            _request(self).graphql_operation = context.operation_name or context.operation_type.value


class IntrospectionForAuthenticatedUsers(AddValidationRules):
    """Where introspection is not public (production), anonymous clients cannot introspect."""

    def __init__(self):
        super().__init__([NoSchemaIntrospectionCustomRule])

    def on_operation(self):
        if introspection_allowed(_request(self)):
            yield
        else:
            yield from super().on_operation()


class MaskUnexpectedErrors(MaskErrors):
    """Unexpected failures reach the client as "Unexpected error." with the request id
    (the log has the trace under the same id); a database outage or a statement
    timeout is said plainly, since the client can retry."""

    def __init__(self):
        super().__init__(should_mask_error=lambda error: not is_expected_error(error))

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request_id = getattr(_request(self), "id", None)
        failure = database_failure(error.original_error) if isinstance(error.original_error, DatabaseError) else None
        message, code = failure or ("Unexpected error.", "INTERNAL_SERVER_ERROR")
        return GraphQLError(
            message=message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": code, "requestId": request_id},
        )


class RejectUnstorableText(SchemaExtension):
    """Text with a NUL character or an unpaired surrogate cannot be stored (PostgreSQL
    refuses it), so an operation carrying one, in a variable or a literal, is refused
    before it runs, saying where."""

    def on_validate(self):
        context = self.execution_context
        places = []
        for path in unstorable_text(context.variables or {}):
            name, _, pointer = path[1:].partition("/")
            places.append(f"${name}" + (f" at /{pointer}" if pointer else ""))
        if context.graphql_document is not None:
            places += [f"line {line}" for line in _unstorable_literal_lines(context.graphql_document)]
        if places:
            # Set before validation runs, this answers the request instead of executing it.
            context.pre_execution_errors = [
                GraphQLError(
                    "Text cannot contain NUL characters or unpaired surrogates: " + ", ".join(places),
                    extensions={"code": "BAD_USER_INPUT"},
                )
            ]
        yield


def _unstorable_literal_lines(document) -> list[int]:
    lines: list[int] = []

    class Finder(Visitor):
        def enter_string_value(self, node: StringValueNode, *_args):
            if any(True for _ in unstorable_text(node.value)):
                lines.append(node.loc.source.get_location(node.loc.start).line if node.loc else 0)

    visit(document, Finder())
    return lines
