"""Schema extensions: what every operation goes through besides its resolvers."""

import functools
import logging
import threading
from collections import OrderedDict

from django.conf import settings
from django.db import DatabaseError
from graphql import GraphQLError, StringValueNode, visit
from graphql.language import Visitor
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import AddValidationRules, MaskErrors, ParserCache, SchemaExtension
from strawberry.extensions.max_aliases import create_validator as create_aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as create_depth_rule
from strawberry.schema.schema import validate_document

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


@functools.cache
def _depth_rule(max_depth: int):
    return create_depth_rule(max_depth, None, None)


@functools.cache
def _aliases_rule(max_alias_count: int):
    return create_aliases_rule(max_alias_count)


class QueryDepthLimit(AddValidationRules):
    """strawberry's QueryDepthLimiter, with one rule class per limit instead of one per
    request, so that the validation rules of two requests compare equal (ValidValidationCache)."""

    def __init__(self, max_depth: int):
        super().__init__([_depth_rule(max_depth)])


class MaxAliasesLimit(AddValidationRules):
    """strawberry's MaxAliasesLimiter, with one rule class per limit (see QueryDepthLimit)."""

    def __init__(self, max_alias_count: int):
        super().__init__([_aliases_rule(max_alias_count)])


# Operations longer than this are parsed, validated and scanned afresh each time, so that
# the caches (256 entries each) hold small texts only, whatever clients send.
CACHEABLE_QUERY_LENGTH = 20_000


def _cacheable(query: str | None) -> bool:
    return bool(query) and len(query) <= CACHEABLE_QUERY_LENGTH


class SmallDocumentParserCache(ParserCache):
    """strawberry's ParserCache (keyed by query text and parse options, which carry the
    token limit), for operations of at most CACHEABLE_QUERY_LENGTH characters."""

    def on_parse(self):
        if _cacheable(self.execution_context.query):
            yield from super().on_parse()
        else:
            yield


class _BoundedCache:
    """A small thread-safe LRU mapping."""

    def __init__(self, maxsize: int):
        self.maxsize, self.entries, self.lock = maxsize, OrderedDict(), threading.Lock()

    def get(self, key):
        with self.lock:
            value = self.entries.get(key)
            if value is not None:
                self.entries.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > self.maxsize:
                self.entries.popitem(last=False)


class ValidValidationCache(SchemaExtension):
    """Remembers which documents passed validation, keyed by the query text and the exact
    tuple of validation rules of the request: an anonymous request where introspection is
    not public carries NoSchemaIntrospectionCustomRule in its rules, so it never reuses
    the verdict of an authenticated one (and the limits' rule classes change with the
    limits). Only passes are cached; a document with errors is validated afresh each time
    (error objects are per request: process_errors edits them). Runs before
    RejectUnstorableText, whose refusal replaces the (empty) verdict."""

    _passed = _BoundedCache(maxsize=256)

    def on_validate(self):
        context = self.execution_context
        rules = tuple(context.validation_rules)
        if (
            context.pre_execution_errors is None
            and rules
            and context.graphql_document is not None
            and _cacheable(context.query)
        ):
            key = (id(context.schema), context.query, rules)
            if self._passed.get(key) is not None:
                context.pre_execution_errors = []
            else:
                errors = validate_document(context.schema._schema, context.graphql_document, rules)
                context.pre_execution_errors = errors
                if not errors:
                    self._passed.put(key, True)
        yield


class RejectUnstorableText(SchemaExtension):
    """Text with a NUL character or an unpaired surrogate cannot be stored (PostgreSQL
    refuses it), so an operation carrying one, in a variable or a literal, is refused
    before it runs, saying where."""

    def on_validate(self):
        context = self.execution_context
        places = []
        variables = context.variables or {}
        for path in unstorable_text(variables):
            name, _, pointer = path[1:].partition("/")
            places.append(f"${name}" + (f" at /{pointer}" if pointer else ""))
        if context.graphql_document is not None:
            places += [f"line {line}" for line in _unstorable_literal_lines_of(context.query, context.graphql_document)]
        if places:
            # Set before validation runs, this answers the request instead of executing it.
            context.pre_execution_errors = [
                GraphQLError(
                    "Text cannot contain NUL characters or unpaired surrogates: " + ", ".join(places),
                    extensions={"code": "BAD_USER_INPUT"},
                )
            ]
        yield


_literal_lines = _BoundedCache(maxsize=256)


def _unstorable_literal_lines_of(query: str, document) -> tuple[int, ...]:
    """The lines of the document's unstorable string literals, remembered per query text."""
    if not _cacheable(query):
        return tuple(_unstorable_literal_lines(document))
    lines = _literal_lines.get(query)
    if lines is None:
        lines = tuple(_unstorable_literal_lines(document))
        _literal_lines.put(query, lines)
    return lines


def _unstorable_literal_lines(document) -> list[int]:
    lines: list[int] = []

    class Finder(Visitor):
        def enter_string_value(self, node: StringValueNode, *_args):
            if any(True for _ in unstorable_text(node.value)):
                lines.append(node.loc.source.get_location(node.loc.start).line if node.loc else 0)

    visit(document, Finder())
    return lines
