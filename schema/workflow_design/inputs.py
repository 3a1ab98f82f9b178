"""GraphQL input types generated from the document definition (workflow_design/document.py).

The GraphQL inputs, the served JSON Schema and the validator all derive from
that one definition, so they cannot disagree. Every input field is optional at
the GraphQL level: a missing required value is reported by the validator as a
located REQUIRED problem rather than as a GraphQL parse error.
"""

from collections.abc import Mapping
from types import GenericAlias
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types.base import get_object_definition

from workflow_design import document as doc
from workflow_design.codec import plain_number

_SCALARS = {
    doc.STRING: str,
    doc.TEXT: str,
    doc.URL: str,
    doc.ENUM: str,  # a located problem beats a GraphQL enum error for an unknown value
    doc.INTEGER: int,
    doc.NUMBER: float,
    doc.ID: strawberry.ID,
    doc.JSON: JSON,
    doc.STRING_LIST: list[str],
    doc.ENUM_LIST: list[str],  # as ENUM: an unknown value is a located problem
}


def graphql_input_name(obj: doc.DocObject) -> str:
    # ExtRef and WorkflowField are also output type names.
    return obj.name if obj.name.endswith("Input") else f"{obj.name}Input"


def _build(obj: doc.DocObject, built: dict[str, type]) -> type:
    if obj.name in built:
        return built[obj.name]
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {}
    for prop in obj.props:
        # list[the class built here], written as the GenericAlias that list[...] makes at run time
        # (to a type checker, list[...] is a type expression and cannot hold a call).
        if prop.kind == doc.OBJECT_LIST:
            python_type: Any = GenericAlias(list, _build(prop.item_object, built))
        elif prop.kind == doc.OBJECT:
            python_type = _build(prop.item_object, built)
        else:
            python_type = _SCALARS[prop.kind]
        required = "Required. " if prop.required else ""
        annotations[prop.python_name] = python_type | None
        namespace[prop.python_name] = strawberry.field(
            default=strawberry.UNSET, description=required + prop.description
        )
    namespace["__annotations__"] = annotations
    cls = type(graphql_input_name(obj), (), namespace)
    built[obj.name] = strawberry.input(cls, name=graphql_input_name(obj), description=obj.description)
    get_object_definition(built[obj.name], strict=True).from_input = lambda _type, value, _context: InputDocument(
        _document_of(obj, value)
    )
    return built[obj.name]


class InputDocument:
    """The value of a generated input argument: its plain-dict document.

    strawberry calls an input type's `from_input` with the value graphql-core has already
    coerced and checked against the GraphQL input type (a dict keyed by the GraphQL field
    names, which are the document's camelCase names, absent fields left out). Building the
    document straight from it replaces strawberry's generic conversion into input objects
    (one dataclass and one type resolution per field of each of thousands of objects) and
    the walk back to a dict; the document is the same."""

    __slots__ = ("document",)

    def __init__(self, document: dict[str, Any]):
        self.document = document


def _document_of(obj: doc.DocObject, value: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for prop in obj.props:
        if prop.name not in value:
            continue
        field_value = value[prop.name]
        if field_value is not None:
            if prop.kind == doc.OBJECT_LIST:
                field_value = [_document_of(prop.item_object, item) for item in field_value]
            elif prop.kind == doc.OBJECT:
                field_value = _document_of(prop.item_object, field_value)
            elif prop.kind == doc.NUMBER:
                field_value = plain_number(field_value)
            elif prop.kind in (doc.STRING_LIST, doc.ENUM_LIST):
                field_value = list(field_value)
        result[prop.name] = field_value
    return result


_BUILT: dict[str, type] = {}
WorkflowInput = _build(doc.WORKFLOW, _BUILT)
TaskInput = _BUILT[doc.TASK.name]
TicketDefinitionInput = _build(doc.TICKET_DEFINITION, _BUILT)


def input_to_document(obj: doc.DocObject, value: Any) -> dict[str, Any]:
    """The plain-dict document (camelCase keys) of a strawberry input; fields the client
    left out stay out, an explicit null stays null."""
    if isinstance(value, InputDocument):
        return value.document
    result: dict[str, Any] = {}
    for prop in obj.props:
        field_value = getattr(value, prop.python_name)
        if field_value is strawberry.UNSET:
            continue
        if prop.kind == doc.OBJECT_LIST and field_value is not None:
            field_value = [input_to_document(prop.item_object, item) for item in field_value]
        elif prop.kind == doc.OBJECT and field_value is not None:
            field_value = input_to_document(prop.item_object, field_value)
        elif prop.kind == doc.NUMBER:
            field_value = plain_number(field_value)
        result[prop.name] = field_value
    return result
