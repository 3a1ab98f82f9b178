"""Every item of the GraphQL schema is described, for API readers (#14 item 7).

Descriptions come from where each item is declared: our types, fields and arguments (schema/), the
models' docstrings and help texts (model types and their columns), the document declaration
(workflow_design/document.py: the generated inputs, and the columns that hold its properties), and
schema/descriptions.py for what the libraries declare undescribed. None may show a storage shape or
Django's admin text.
"""

import re
from collections.abc import Iterator

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    is_specified_directive,
    specified_scalar_types,
)

from schema import schema
from schema.descriptions import describe_library_items
from schema.library_internals import graphql_core_schema

# The seed's storage shapes ([{Label, Desc, URI}], {FieldName: Value}) describe columns, not API values.
STORAGE_SHAPE = re.compile(r"^\[?\{[A-Z]")
# What Django makes the docstring of a model that has none: "WorkflowDefinition(id, company, ...)".
DJANGO_MODEL_DOCSTRING = re.compile(r"^\w+\([\w, ]*\)$")
# Django's help texts of AbstractUser's fields, written for the admin's forms.
DJANGO_ADMIN_TEXT = ("Designates whether", "Unselect this instead of deleting", "150 characters or fewer")


def schema_items() -> Iterator[tuple[str, str | None]]:
    """(item, description) for every type but introspection's and the built-in scalars, every field,
    argument, input field and enum value, and every directive of ours with its arguments."""
    core = graphql_core_schema(schema)
    for name, graphql_type in core.type_map.items():
        if name.startswith("__") or name in specified_scalar_types:
            continue
        yield f"type {name}", graphql_type.description
        if isinstance(graphql_type, (GraphQLObjectType, GraphQLInterfaceType)):
            for field_name, field in graphql_type.fields.items():
                yield f"field {name}.{field_name}", field.description
                for argument_name, argument in field.args.items():
                    yield f"argument {name}.{field_name}({argument_name})", argument.description
        if isinstance(graphql_type, GraphQLInputObjectType):
            for field_name, input_field in graphql_type.fields.items():
                yield f"input field {name}.{field_name}", input_field.description
        if isinstance(graphql_type, GraphQLEnumType):
            for value_name, value in graphql_type.values.items():
                yield f"enum value {name}.{value_name}", value.description
    for directive in core.directives:
        if not is_specified_directive(directive):
            yield f"directive @{directive.name}", directive.description
            for argument_name, argument in directive.args.items():
                yield f"argument @{directive.name}({argument_name})", argument.description


def undescribed_items() -> list[str]:
    return [item for item, description in schema_items() if not (description or "").strip()]


def test_every_item_is_described():
    undescribed = undescribed_items()
    assert not undescribed, f"{len(undescribed)} items of the GraphQL schema have no description:\n" + "\n".join(
        undescribed
    )


def test_no_description_shows_a_storage_shape_or_django_admin_text():
    wrong = [
        f"{item}: {description!r}"
        for item, description in schema_items()
        if description
        and (
            STORAGE_SHAPE.match(description)
            or DJANGO_MODEL_DOCSTRING.match(description)
            or any(phrase in description for phrase in DJANGO_ADMIN_TEXT)
        )
    ]
    assert not wrong, "descriptions written for storage or the Django admin, not for API readers:\n" + "\n".join(wrong)


def test_every_description_of_library_items_still_matches_an_item():
    """schema/descriptions.py names the libraries' items; one an upgrade renamed or dropped is stale."""
    assert describe_library_items(graphql_core_schema(schema)) == []
