"""The workflow document on output, typed: GraphQL object types generated from the same
declaration (workflow_design/document.py) as the input types (inputs.py) and the served JSON
Schema, so a form reads a stored workflow in exactly the shape it uploads.

On output the enums are GraphQL enums (TaskType, FieldType), since a stored document is valid;
on input they stay strings, so that an unknown value is a located problem rather than a
GraphQL error (document.py). A required prop is non-null on output for the same reason.
"""

from enum import Enum
from types import GenericAlias
from typing import Any

import strawberry
from django.conf import settings
from graphql import GraphQLError
from strawberry.scalars import JSON
from strawberry.types import Info

from schema.base import VALUE_WITHOUT_IDENTITY, described_enum
from workflow_design import document as doc
from workflow_design.models import WorkflowVersion
from workflow_design.selectors import version_document
from workflow_design.validation.ticket import FIELD_VALUE_RULES

TaskType = described_enum(
    "TaskType",
    {task_type: rule.meaning for task_type, rule in doc.TASK_TYPE_RULES.items()},
    "What a task is: a form a person fills in, or an action (an HTTP call).",
)
FieldType = described_enum(
    "FieldType",
    {field_type: f"Its value is {FIELD_VALUE_RULES[field_type][1]}." for field_type in doc.FIELD_TYPES},
    "The type of a workflow field's value.",
)
HttpMethod = described_enum(
    "HttpMethod",
    {method: f"The request is an HTTP {method}." for method in doc.HTTP_METHODS},
    "The HTTP method of an action task's request.",
)
ActionError = described_enum("ActionError", doc.ACTION_ERROR_MEANINGS, "How an action task's call can fail.")
_ENUMS: dict[str, type[Enum]] = {
    "taskType": TaskType,
    "fieldType": FieldType,
    "httpMethod": HttpMethod,
    "onError": ActionError,
    "errors": ActionError,
}
_SCALARS: dict[str, Any] = {
    doc.STRING: str,
    doc.TEXT: str,
    doc.URL: str,
    doc.INTEGER: int,
    doc.NUMBER: float,
    doc.ID: strawberry.ID,
    doc.JSON: JSON,
    doc.STRING_LIST: list[str],
}
# Which stored object an upload edits is the input's business: on output the document is the content
# alone. An `id` here would be the workflow's, on a type without its own identity, which client caches
# (Apollo's, Relay's) would take for the object's key and merge every version's document into one.
_INPUT_ONLY = {"id", "expectedVersion"}


def graphql_output_name(obj: doc.DocObject) -> str:
    # WorkflowInput -> WorkflowDocument; ExtRef and WorkflowField keep their names.
    return obj.name.removesuffix("Input") + "Document" if obj.name.endswith("Input") else obj.name


def _output_type(prop: doc.Prop, built: dict[str, type]) -> Any:
    if prop.kind == doc.OBJECT_LIST:
        python_type: Any = GenericAlias(list, _build(prop.item_object, built))
    elif prop.kind == doc.OBJECT:
        python_type = _build(prop.item_object, built)
    elif prop.kind == doc.ENUM:
        python_type = _ENUMS[prop.name]
    elif prop.kind == doc.ENUM_LIST:
        python_type = GenericAlias(list, _ENUMS[prop.name])
    else:
        python_type = _SCALARS[prop.kind]
    return python_type if prop.required and not prop.nullable else python_type | None


def _build(obj: doc.DocObject, built: dict[str, type]) -> type:
    if obj.name in built:
        return built[obj.name]
    props = [prop for prop in obj.props if prop.name not in _INPUT_ONLY]
    annotations = {prop.python_name: _output_type(prop, built) for prop in props}
    namespace: dict[str, Any] = {
        prop.python_name: strawberry.field(default=None, description=prop.description) for prop in props
    }
    namespace["__annotations__"] = annotations
    name = graphql_output_name(obj)
    description = f"{obj.description} {VALUE_WITHOUT_IDENTITY}"
    built[obj.name] = strawberry.type(type(name, (), namespace), name=name, description=description)
    return built[obj.name]


def _typed(obj: doc.DocObject, value: dict[str, Any]) -> Any:
    """An instance of `obj`'s output type holding the document `value`."""
    values: dict[str, Any] = {}
    for prop in obj.props:
        if prop.name in _INPUT_ONLY:
            continue
        given = value.get(prop.name)
        if given is not None and prop.kind == doc.OBJECT_LIST:
            given = [_typed(prop.item_object, item) for item in given]
        elif given is not None and prop.kind == doc.OBJECT:
            given = _typed(prop.item_object, given)
        elif given is not None and prop.kind == doc.ENUM:
            given = _ENUMS[prop.name](given)
        elif given is not None and prop.kind == doc.ENUM_LIST:
            given = [_ENUMS[prop.name](value) for value in given]
        values[prop.python_name] = given
    return _BUILT[obj.name](**values)


_BUILT: dict[str, type] = {}
WorkflowDocument = _build(doc.WORKFLOW, _BUILT)
ExtRef = _BUILT[doc.EXT_REF.name]
WorkflowField = _BUILT[doc.WORKFLOW_FIELD.name]
RetryPolicy = _BUILT[doc.RETRY.name]


RESPONSE_TOO_LARGE = "RESPONSE_TOO_LARGE"


def budgeted_document(info: Info, snapshot: WorkflowVersion) -> Any:
    """The WorkflowDocument of a stored version, read (its column is deferred) only once its size is charged to
    the request's budget: a page of workflows, or every version, times aliases, would otherwise build answers of
    gigabytes from one short query."""
    request = info.context.request
    spent = getattr(request, "document_bytes_read", 0) + snapshot.size_bytes
    budget = settings.GRAPHQL_DOCUMENT_BYTES_PER_REQUEST
    if spent > budget:
        raise GraphQLError(
            f"This request reads more than {budget:,} bytes of workflow documents: ask for fewer at once (a smaller "
            "page, fewer versions or aliases).",
            extensions={"code": RESPONSE_TOO_LARGE},
        )
    request.document_bytes_read = spent
    return _typed(doc.WORKFLOW, version_document(snapshot))


def typed_ext_refs(ext_refs: list[dict[str, Any]]) -> list[Any]:
    return [_typed(doc.EXT_REF, ref) for ref in ext_refs]


def typed_retry(retry: dict[str, Any] | None) -> Any:
    return None if retry is None else _typed(doc.RETRY, retry)


def typed_workflow_fields(fields: list[dict[str, Any]]) -> list[Any]:
    return [_typed(doc.WORKFLOW_FIELD, field) for field in fields]
