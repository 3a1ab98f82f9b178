"""Schema extensions: what every operation goes through besides its resolvers."""

import functools
import logging
import operator
import sys
import threading
from collections import Counter
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any, NamedTuple, TypeGuard

import cachetools
from django.conf import settings
from django.db import DatabaseError
from graphql import (
    BREAK,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLOutputType,
    InlineFragmentNode,
    IntValueNode,
    NamedTypeNode,
    Node,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    Token,
    ValidationContext,
    ValidationRule,
    get_named_type,
    get_nullable_type,
    is_list_type,
    parse,
    visit,
)
from graphql.language import Visitor
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import AddValidationRules, MaskErrors, SchemaExtension

from kernel.values import unstorable_text
from schema.errors import database_failure, is_expected_error
from schema.library_internals import (
    graphql_core_schema,
    provided_operation_name,
    set_field_overlap_budget,
    validate_document,
)

logger = logging.getLogger("ticketflower.graphql")


def _request(extension: SchemaExtension):
    return extension.execution_context.context.request


def introspection_allowed(request) -> bool:
    return settings.GRAPHQL_PUBLIC_INTROSPECTION or request.user.is_authenticated


class RecordOperation(SchemaExtension):
    """Names the operation in the request log and the metrics, and tells the metrics whether the answer
    has top-level errors."""

    def on_operation(self):
        yield
        context, request = self.execution_context, _request(self)
        if context.graphql_document is not None:  # None when the document did not parse
            request.graphql_operation = context.operation_name or context.operation_type.value
        request.graphql_errors = bool(getattr(context.result, "errors", None))


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


# Root fields that do a whole document's or preview's work each time they are selected: an alias
# or a fragment spread would repeat all of it (12 aliased previews took 24 s), so an operation
# selects each at most once. Their resolvers are in schema/workflow_design.
COSTLY_ROOT_FIELDS = frozenset(
    {
        "previewWorkflow",
        "validateWorkflow",
        "uploadWorkflow",
        "uploadTaskDefinition",
        "uploadTicketDefinition",
        "exportWorkflow",
        "workflowDiff",
        "workflowDiagram",
    }
)


@dataclass(frozen=True)
class SelectionMeasure:
    depth: int  # nested fields with sub-selections on the longest path, introspection fields not counted
    aliases: int  # aliased fields, a fragment's counted once per spread
    list_nesting: int  # list-typed fields nested inside one another on any path, introspection fields not counted
    costly_root_fields: Counter[str]  # top-level selections of each of COSTLY_ROOT_FIELDS, spreads included


_NOTHING = SelectionMeasure(depth=0, aliases=0, list_nesting=0, costly_root_fields=Counter())


class DocumentMeasures:
    """Depth, aliases, list nesting and costly root fields of a document's operations, each
    fragment definition measured once (memoised by name) and then added per spread as numbers:
    forty fragments each spreading the next one twice cost forty measurements, not 2^40 walks.
    Without recursion, so any nesting of fields or fragments is measured. A spread of an unknown
    fragment, or one closing a cycle, adds nothing; an unknown type or field has no list type:
    graphql-core's own rules report those."""

    def __init__(self, context: ValidationContext):
        self.context = context
        self.fragments: dict[str, SelectionMeasure] = {}

    def of_operation(self, operation: OperationDefinitionNode) -> SelectionMeasure:
        self._measure_fragments_spread_in(operation.selection_set)
        return self._measure(operation.selection_set, self.context.schema.get_root_type(operation.operation))

    def _measure_fragments_spread_in(self, selection_set: SelectionSetNode) -> None:
        """Measures the fragments the selection set spreads, directly or through other
        fragments, that are not measured yet: each after the fragments it spreads."""
        spread_names = self._spread_names
        path: list[tuple[FragmentDefinitionNode | None, Iterator[str]]] = [(None, spread_names(selection_set))]
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
                    self.fragments[fragment.name.value] = self._measure(
                        fragment.selection_set, self._named_type(fragment.type_condition)
                    )

    def _spread_names(self, selection_set: SelectionSetNode) -> Iterator[str]:
        return iter([spread.name.value for spread in self.context.get_fragment_spreads(selection_set)])

    def _named_type(self, type_condition: NamedTypeNode) -> GraphQLNamedType | None:
        return self.context.schema.get_type(type_condition.name.value)

    def _measure(self, selection_set: SelectionSetNode, parent_type: GraphQLNamedType | None) -> SelectionMeasure:
        """The measure of one definition's own selections (of `parent_type`), with the spread fragments' measures."""
        depth = aliases = list_nesting = 0
        costly_root_fields: Counter[str] = Counter()
        # (selection set, its type, fields above it, list fields above it, whether its depth and lists count)
        pending = [(selection_set, parent_type, 0, 0, True)]
        while pending:
            selections, parent, level, lists, counts = pending.pop()
            for selection in selections.selections:
                if isinstance(selection, FieldNode):
                    aliases += selection.alias is not None
                    name = selection.name.value
                    if level == 0 and name in COSTLY_ROOT_FIELDS:
                        costly_root_fields[name] += 1
                    counted = counts and not name.startswith("__")
                    field_type = _field_type(parent, name) if counted else None
                    field_lists = lists + (field_type is not None and is_list_type(get_nullable_type(field_type)))
                    list_nesting = max(list_nesting, field_lists)
                    if selection.selection_set is not None:
                        depth = max(depth, level + 1) if counted else depth
                        pending.append(
                            (selection.selection_set, get_named_type(field_type), level + 1, field_lists, counted)
                        )
                elif isinstance(selection, FragmentSpreadNode):
                    spread = self.fragments.get(selection.name.value, _NOTHING)
                    aliases += spread.aliases
                    if counts:
                        depth = max(depth, level + spread.depth)
                        list_nesting = max(list_nesting, lists + spread.list_nesting)
                    if level == 0:
                        costly_root_fields.update(spread.costly_root_fields)
                elif isinstance(selection, InlineFragmentNode) and selection.selection_set is not None:
                    condition = selection.type_condition
                    inner_type = parent if condition is None else self._named_type(condition)
                    pending.append((selection.selection_set, inner_type, level, lists, counts))
        return SelectionMeasure(
            depth=depth, aliases=aliases, list_nesting=list_nesting, costly_root_fields=costly_root_fields
        )


def _field_type(parent: GraphQLNamedType | None, name: str) -> GraphQLOutputType | None:
    """The type of `parent`'s field `name`; None for a field it does not have."""
    field = parent.fields.get(name) if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) else None
    return None if field is None else field.type


def _operations(document: DocumentNode) -> list[OperationDefinitionNode]:
    return [definition for definition in document.definitions if isinstance(definition, OperationDefinitionNode)]


def _name(operation: OperationDefinitionNode) -> str:
    return operation.name.value if operation.name else "anonymous"


@dataclass(frozen=True)
class OperationLimits:
    max_depth: int  # levels of fields with sub-selections
    max_aliases: int  # aliased fields of the whole document, a fragment's counted once per spread
    max_list_nesting: int  # list-typed fields inside one another on any path
    # and each of COSTLY_ROOT_FIELDS at most once per operation


class _OperationLimitsRule(ValidationRule):
    """Checks every operation of a document against the limits, all from one DocumentMeasures."""

    limits: OperationLimits  # of the rule classes made by operation_limits_rule

    def enter_document(self, document: DocumentNode, *_args):
        measures = DocumentMeasures(self.context)
        measured = [(operation, measures.of_operation(operation)) for operation in _operations(document)]
        for error in self._errors(measured):
            self.report_error(error)
        return BREAK

    def _errors(self, measured: list[tuple[OperationDefinitionNode, SelectionMeasure]]) -> Iterator[GraphQLError]:
        limits = self.limits
        for operation, measure in measured:
            if measure.depth > limits.max_depth:
                yield GraphQLError(
                    f"'{_name(operation)}' exceeds maximum operation depth of {limits.max_depth}: "
                    f"its fields nest {measure.depth} levels deep.",
                    operation,
                )
        aliases = sum(measure.aliases for _operation, measure in measured)
        if aliases > limits.max_aliases:
            yield GraphQLError(
                f"{aliases} aliases found. Allowed: {limits.max_aliases} "
                "(the aliases of a fragment count once per spread)."
            )
        for operation, measure in measured:
            if measure.list_nesting > limits.max_list_nesting:
                yield GraphQLError(
                    f"'{_name(operation)}' exceeds the maximum list nesting of {limits.max_list_nesting}: "
                    f"{measure.list_nesting} list fields nest inside one another, each multiplying the work of "
                    "the fields below it.",
                    operation,
                )
            for field, selections in sorted(measure.costly_root_fields.items()):
                if selections > 1:
                    yield GraphQLError(
                        f"'{_name(operation)}' selects {field} {selections} times; an operation may select it once "
                        f"(aliases and fragment spreads count): send one request per {field}.",
                        operation,
                    )


# One rule class per set of limits, not per request, so that the validation rules of two
# requests compare equal (ValidValidationCache).
@functools.cache
def operation_limits_rule(limits: OperationLimits) -> type[ValidationRule]:
    return type("OperationLimitsRule", (_OperationLimitsRule,), {"limits": limits})


class OperationShapeLimits(AddValidationRules):
    """Per operation: at most max_depth levels of fields with sub-selections and at most
    max_list_nesting list-typed fields inside one another (introspection fields aside: the
    answer grows with the product of the lists' lengths, and a few levels of a workflow's tasks
    and transitions, 150 bytes of query, once took 641 MB and 30 s), each of COSTLY_ROOT_FIELDS
    at most once; per document, at most max_aliases aliased fields, a fragment's counted once
    per spread. Measured in time linear in the document (see DocumentMeasures)."""

    def __init__(self, *, max_depth: int, max_aliases: int, max_list_nesting: int):
        super().__init__([operation_limits_rule(OperationLimits(max_depth, max_aliases, max_list_nesting))])


# graphql-core's OverlappingFieldsCanBeMergedRule aborts validation ("Validation aborted.")
# once it has spent this much work comparing fields of the same response name. With its
# default of 500,000, 5,000-token documents repeating one response name (`{ x: a x: b ... }`,
# hundreds of fragments spread side by side) took up to 2.2 s per request on a 2-core machine;
# with 50,000 at most 0.35 s, parsing and the other rules included. GraphiQL's introspection
# and the bench's designer queries spend 0 (no response name repeats).
set_field_overlap_budget(50_000)


class _QueryTextCache:
    """A thread-safe LRU mapping of what is derived from query texts, bounded by the bytes its
    entries are estimated to hold (a cached text can be CACHEABLE_QUERY_LENGTH characters)."""

    def __init__(self, max_bytes: int):
        # key -> (estimated bytes, value)
        self._entries: cachetools.LRUCache[Hashable, tuple[int, Any]] = cachetools.LRUCache(
            maxsize=max_bytes, getsizeof=operator.itemgetter(0)
        )
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


def _cacheable(query: str | None) -> TypeGuard[str]:
    return bool(query and len(query) <= CACHEABLE_QUERY_LENGTH)


def parsed_document_bytes(document: DocumentNode) -> int:
    """An upper estimate of the memory a parsed document holds (see the budgets above)."""
    assert document.loc is not None  # parse() keeps locations unless told not to
    tokens = 0
    token: Token | None = document.loc.start_token
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
    (error objects are per request: process_errors edits them). Runs after
    RejectUnusableInput: a refused document is not validated."""

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
                errors = validate_document(graphql_core_schema(context.schema), context.graphql_document, rules)
                context.pre_execution_errors = errors
                if not errors:
                    self._passed.put(key, True, estimated_bytes=_text_entry_bytes(context.query))
        yield


class RejectUnusableInput(SchemaExtension):
    """Input the service cannot use is refused before the operation is validated or run, saying
    where (`extensions.path`, a JSON Pointer into the request): text with a NUL character or an
    unpaired surrogate, in a variable or a literal (PostgreSQL cannot store it), integer literals of
    more digits than Python converts (sys.get_int_max_str_digits(): graphql-core's conversion raised
    an internal error), and a document of several operations without an operationName (GraphQL
    requires one; strawberry would run the first). Variables hold no such integers: decoding the
    request refused them (schema/views.py)."""

    def on_validate(self):
        context = self.execution_context
        errors = [
            _bad_input(
                "Text cannot contain NUL characters or unpaired surrogates: $" + path[1:].replace("/", " at /", 1),
                "/variables" + path,
            )
            for path in islice(unstorable_text(context.variables or {}), _MAX_PLACES)
        ]
        if context.graphql_document is not None:
            assert context.query is not None  # the document was parsed from it
            literals = _unusable_literal_lines_of(context.query, context.graphql_document)
            if literals.unstorable_text:
                errors.append(
                    _bad_input(
                        "Text cannot contain NUL characters or unpaired surrogates: "
                        + ", ".join(_lines(literals.unstorable_text)),
                        "/query",
                    )
                )
            if literals.overlong_integers:
                errors.append(
                    _bad_input(
                        f"Integers can have at most {sys.get_int_max_str_digits():,} digits: "
                        + ", ".join(_lines(literals.overlong_integers)),
                        "/query",
                    )
                )
            operations = len(_operations(context.graphql_document))
            if operations > 1 and provided_operation_name(context) is None:
                errors.append(
                    _bad_input("Must provide operation name if query contains multiple operations.", "/operationName")
                )
        if errors:
            # Set before validation runs, this answers the request instead of validating and executing it.
            context.pre_execution_errors = errors
        yield


_MAX_PLACES = 20  # unstorable strings named, one error each


def _bad_input(message: str, path: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT", "path": path})


class UnusableLiteralLines(NamedTuple):
    unstorable_text: tuple[int, ...]  # lines of string literals holding NUL characters or unpaired surrogates
    overlong_integers: tuple[int, ...]  # lines of integer literals of more digits than Python converts


_literal_lines = _QueryTextCache(max_bytes=LITERAL_LINES_CACHE_BYTES)


def _lines(lines: tuple[int, ...]) -> list[str]:
    return [f"line {line}" for line in lines]


def _unusable_literal_lines_of(query: str, document: DocumentNode) -> UnusableLiteralLines:
    """The lines of the document's unusable literals, remembered per query text."""
    if not _cacheable(query):
        return _unusable_literal_lines(document)
    lines = _literal_lines.get(query)
    if lines is None:
        lines = _unusable_literal_lines(document)
        held = sys.getsizeof(lines) + sum(map(sys.getsizeof, lines))
        _literal_lines.put(query, lines, estimated_bytes=_text_entry_bytes(query) + held)
    return lines


def _unusable_literal_lines(document: DocumentNode) -> UnusableLiteralLines:
    unstorable: list[int] = []
    overlong: list[int] = []
    max_digits = sys.get_int_max_str_digits()  # 0: no limit

    class Finder(Visitor):
        def enter_string_value(self, node: StringValueNode, *_args):
            if any(True for _ in unstorable_text(node.value)):
                unstorable.append(_line(node))

        def enter_int_value(self, node: IntValueNode, *_args):
            if max_digits and len(node.value.lstrip("-")) > max_digits:
                overlong.append(_line(node))

    visit(document, Finder())
    return UnusableLiteralLines(unstorable_text=tuple(unstorable), overlong_integers=tuple(overlong))


def _line(node: Node) -> int:
    return node.loc.source.get_location(node.loc.start).line if node.loc else 0
