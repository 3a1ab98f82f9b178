"""Schema extensions: what every operation goes through besides its resolvers."""

import functools
import logging
import operator
import sys
import threading
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from typing import Any

import cachetools
from django.conf import settings
from django.db import DatabaseError
from graphql import (
    BREAK,
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValidationContext,
    ValidationRule,
    parse,
    visit,
)
from graphql.language import Visitor
from graphql.validation import NoSchemaIntrospectionCustomRule
from graphql.validation.rules import overlapping_fields_can_be_merged
from strawberry.extensions import AddValidationRules, MaskErrors, SchemaExtension
from strawberry.schema.schema import validate_document

from kernel.values import unstorable_text
from schema.errors import database_failure, is_expected_error

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


@dataclass(frozen=True)
class SelectionMeasure:
    depth: int  # nested fields with sub-selections on the longest path, introspection fields not counted
    aliases: int  # aliased fields, a fragment's counted once per spread


_NOTHING = SelectionMeasure(depth=0, aliases=0)


class DocumentMeasures:
    """Depth and aliases of a document's operations, each fragment definition measured once
    (memoised by name) and then added per spread as a number: forty fragments each spreading
    the next one twice cost forty measurements, not 2^40 walks. Without recursion, so any
    nesting of fields or fragments is measured. A spread of an unknown fragment, or one closing
    a cycle, adds nothing: graphql-core's own rules report those."""

    def __init__(self, context: ValidationContext):
        self.context = context
        self.fragments: dict[str, SelectionMeasure] = {}

    def of_operation(self, operation: OperationDefinitionNode) -> SelectionMeasure:
        self._measure_fragments_spread_in(operation.selection_set)
        return self._measure(operation.selection_set)

    def _measure_fragments_spread_in(self, selection_set: SelectionSetNode) -> None:
        """Measures the fragments the selection set spreads, directly or through other
        fragments, that are not measured yet: each after the fragments it spreads."""
        spread_names = self._spread_names
        path = [(None, spread_names(selection_set))]
        on_path: set[str] = set()
        while path:
            fragment, spreads = path[-1]
            for name in spreads:
                spread = self.context.get_fragment(name)
                if spread is not None and name not in self.fragments and name not in on_path:
                    on_path.add(name)
                    path.append((spread, spread_names(spread.selection_set)))
                    break
            else:
                path.pop()
                if fragment is not None:
                    on_path.remove(fragment.name.value)
                    self.fragments[fragment.name.value] = self._measure(fragment.selection_set)

    def _spread_names(self, selection_set: SelectionSetNode) -> Iterator[str]:
        return iter([spread.name.value for spread in self.context.get_fragment_spreads(selection_set)])

    def _measure(self, selection_set: SelectionSetNode) -> SelectionMeasure:
        """The measure of one definition's own selections, with the spread fragments' measures."""
        depth = aliases = 0
        pending = [(selection_set, 0, True)]  # (selection set, fields above it, whether its depth counts)
        while pending:
            selections, level, counts = pending.pop()
            for selection in selections.selections:
                if isinstance(selection, FieldNode):
                    aliases += selection.alias is not None
                    if selection.selection_set is not None:
                        counted = counts and not selection.name.value.startswith("__")
                        depth = max(depth, level + 1) if counted else depth
                        pending.append((selection.selection_set, level + 1, counted))
                elif isinstance(selection, FragmentSpreadNode):
                    spread = self.fragments.get(selection.name.value, _NOTHING)
                    aliases += spread.aliases
                    depth = max(depth, level + spread.depth) if counts else depth
                elif selection.selection_set is not None:  # an inline fragment
                    pending.append((selection.selection_set, level, counts))
        return SelectionMeasure(depth=depth, aliases=aliases)


def _operations(document: DocumentNode) -> list[OperationDefinitionNode]:
    return [definition for definition in document.definitions if isinstance(definition, OperationDefinitionNode)]


class _OperationDepthRule(ValidationRule):
    max_depth: int

    def enter_document(self, document: DocumentNode, *_args):
        measures = DocumentMeasures(self.context)
        for operation in _operations(document):
            depth = measures.of_operation(operation).depth
            if depth > self.max_depth:
                name = operation.name.value if operation.name else "anonymous"
                self.report_error(
                    GraphQLError(
                        f"'{name}' exceeds maximum operation depth of {self.max_depth}: "
                        f"its fields nest {depth} levels deep.",
                        operation,
                    )
                )
        return BREAK


class _AliasCountRule(ValidationRule):
    max_aliases: int

    def enter_document(self, document: DocumentNode, *_args):
        measures = DocumentMeasures(self.context)
        aliases = sum(measures.of_operation(operation).aliases for operation in _operations(document))
        if aliases > self.max_aliases:
            self.report_error(
                GraphQLError(
                    f"{aliases} aliases found. Allowed: {self.max_aliases} "
                    "(the aliases of a fragment count once per spread)."
                )
            )
        return BREAK


# One rule class per limit, not per request, so that the validation rules of two requests
# compare equal (ValidValidationCache).
@functools.cache
def operation_depth_rule(max_depth: int) -> type[ValidationRule]:
    return type(f"OperationDepthRule{max_depth}", (_OperationDepthRule,), {"max_depth": max_depth})


@functools.cache
def alias_count_rule(max_aliases: int) -> type[ValidationRule]:
    return type(f"AliasCountRule{max_aliases}", (_AliasCountRule,), {"max_aliases": max_aliases})


class QueryDepthLimit(AddValidationRules):
    """At most max_depth levels of fields with sub-selections per operation (introspection
    fields aside), measured in time linear in the document (see DocumentMeasures)."""

    def __init__(self, max_depth: int):
        super().__init__([operation_depth_rule(max_depth)])


class MaxAliasesLimit(AddValidationRules):
    """At most max_alias_count aliased fields per document, a fragment's aliases counted once
    per spread; linear in the document (see DocumentMeasures)."""

    def __init__(self, max_alias_count: int):
        super().__init__([alias_count_rule(max_alias_count)])


# graphql-core's OverlappingFieldsCanBeMergedRule aborts validation ("Validation aborted.")
# once it has spent this much work comparing fields of the same response name. With its
# default of 500,000, 5,000-token documents repeating one response name (`{ x: a x: b ... }`,
# hundreds of fragments spread side by side) took up to 2.2 s per request on a 2-core machine;
# with 50,000 at most 0.35 s, parsing and the other rules included. GraphiQL's introspection
# and the bench's designer queries spend 0 (no response name repeats).
overlapping_fields_can_be_merged.MAX_COMPLEXITY_BUDGET = 50_000


class _QueryTextCache:
    """A thread-safe LRU mapping of what is derived from query texts, bounded by the bytes its
    entries are estimated to hold (a cached text can be CACHEABLE_QUERY_LENGTH characters)."""

    def __init__(self, max_bytes: int):
        self._entries = cachetools.LRUCache(maxsize=max_bytes, getsizeof=operator.itemgetter(0))
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            entry = self._entries.get(key)
        return None if entry is None else entry[1]

    def put(self, key: Hashable, value: Any, *, estimated_bytes: int) -> None:
        with self._lock:
            self._entries[key] = (estimated_bytes, value)


# Operations longer than this are parsed, validated and scanned afresh each time, so that no
# single entry takes a large part of a cache's byte budget, whatever clients send.
CACHEABLE_QUERY_LENGTH = 20_000

# The caches' byte budgets, per worker process, with estimates measured by tracemalloc
# (graphql-core 3.3.2, CPython 3.11). A parsed document holds 370-620 bytes per token (the
# lexer's tokens stay linked to the nodes), plus its text and the tokens' values, at most 8
# bytes per character: GraphiQL's introspection query takes 86 KB (182 tokens), the bench's
# designer query R1 50 KB (112 tokens), a 5,000-token document up to 3 MB. The query text's
# length alone would overestimate real queries 4-7 times (their tokens are long names).
PARSED_DOCUMENT_BYTES_PER_TOKEN = 620
PARSED_DOCUMENTS_CACHE_BYTES = 8 * 1024 * 1024  # ~110 documents like R1, 2 of the largest
# An entry of the text-keyed caches is its text plus ~310 bytes (key tuple, LRU bookkeeping).
TEXT_CACHE_ENTRY_BYTES = 320
VALID_DOCUMENTS_CACHE_BYTES = 1024 * 1024  # ~1,000 texts like R1, at least 12 of the longest
LITERAL_LINES_CACHE_BYTES = 1024 * 1024


def _cacheable(query: str | None) -> bool:
    return bool(query) and len(query) <= CACHEABLE_QUERY_LENGTH


def parsed_document_bytes(document: DocumentNode) -> int:
    """An upper estimate of the memory a parsed document holds (see the budgets above)."""
    tokens, token = 0, document.loc.start_token
    while token is not None:
        tokens, token = tokens + 1, token.next
    return tokens * PARSED_DOCUMENT_BYTES_PER_TOKEN + 8 * len(document.loc.source.body)


def _text_entry_bytes(query: str) -> int:
    return sys.getsizeof(query) + TEXT_CACHE_ENTRY_BYTES


_parsed_documents = _QueryTextCache(max_bytes=PARSED_DOCUMENTS_CACHE_BYTES)


class SmallDocumentParserCache(SchemaExtension):
    """Parsed documents, keyed by query text and parse options (which carry the token limit),
    for operations of at most CACHEABLE_QUERY_LENGTH characters. A text that does not parse is
    not kept: the syntax error is raised again each time."""

    def on_parse(self):
        context = self.execution_context
        if _cacheable(context.query):
            key = (context.query, tuple(sorted(context.parse_options.items())))
            document = _parsed_documents.get(key)
            if document is None:
                document = parse(context.query, **context.parse_options)
                _parsed_documents.put(key, document, estimated_bytes=parsed_document_bytes(document))
            context.graphql_document = document
        yield


class ValidValidationCache(SchemaExtension):
    """Remembers which documents passed validation, keyed by the query text and the exact
    tuple of validation rules of the request: an anonymous request where introspection is
    not public carries NoSchemaIntrospectionCustomRule in its rules, so it never reuses
    the verdict of an authenticated one (and the limits' rule classes change with the
    limits). Only passes are cached; a document with errors is validated afresh each time
    (error objects are per request: process_errors edits them). Runs before
    RejectUnstorableText, whose refusal replaces the (empty) verdict."""

    _passed = _QueryTextCache(max_bytes=VALID_DOCUMENTS_CACHE_BYTES)

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
                    self._passed.put(key, True, estimated_bytes=_text_entry_bytes(context.query))
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


_literal_lines = _QueryTextCache(max_bytes=LITERAL_LINES_CACHE_BYTES)


def _unstorable_literal_lines_of(query: str, document) -> tuple[int, ...]:
    """The lines of the document's unstorable string literals, remembered per query text."""
    if not _cacheable(query):
        return tuple(_unstorable_literal_lines(document))
    lines = _literal_lines.get(query)
    if lines is None:
        lines = tuple(_unstorable_literal_lines(document))
        _literal_lines.put(query, lines, estimated_bytes=_text_entry_bytes(query) + sys.getsizeof(lines))
    return lines


def _unstorable_literal_lines(document) -> list[int]:
    lines: list[int] = []

    class Finder(Visitor):
        def enter_string_value(self, node: StringValueNode, *_args):
            if any(True for _ in unstorable_text(node.value)):
                lines.append(node.loc.source.get_location(node.loc.start).line if node.loc else 0)

    visit(document, Finder())
    return lines
