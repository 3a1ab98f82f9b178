"""Variables the server cannot coerce, answered in the one error shape: `extensions.code`
BAD_USER_INPUT, `extensions.variable` its name, and `extensions.path` a JSON Pointer (RFC 6901)
into the request (`/variables/input/transitions/2/priority`, `/variables/input/tasks/0/kee` for a
stray key), rooted as the request's other refusals are (README, "Errors").

graphql-core reports where in the value it failed only inside its message text. So the value is
checked again, on this error path only, with graphql-core's own `validate_input_value`, whose
callback gives each error's path as a list; the error it reported is the one whose message
`coerce_variable_values` builds from that path and error, and a stray key is the one its message
names (compared as a whole, not read back out of the text). Messages are cut at MAX_MESSAGE_CHARS:
a stray key is named in full by graphql-core, whatever its length. tests/test_error_shape.py fails
if graphql-core words its variable errors otherwise.
"""

from collections import defaultdict
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    get_operation_ast,
    type_from_ast,
    validate_input_value,
)
from graphql.pyutils import Undefined, print_path_list

BAD_USER_INPUT = "BAD_USER_INPUT"
MAX_MESSAGE_CHARS = 1000
_UNKNOWN_FIELD = " not to include unknown field '"


def located_variable_errors(
    errors: list[GraphQLError],
    *,
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: dict[str, Any] | None,
    operation_name: str | None,
) -> list[GraphQLError]:
    """`errors` (graphql-core's answer to the request's variables), each that a variable's value caused
    carrying the code and pointer above; the others as they are."""
    pointers = _pointers_by_message(schema, document, variables or {}, operation_name)
    for error in errors:
        found = pointers.get(error.message)
        if found and not (error.extensions or {}).get("code"):
            variable, pointer = found.pop(0)
            error.extensions = {
                **(error.extensions or {}),
                "code": BAD_USER_INPUT,
                "variable": variable,
                "path": pointer,
            }
        if len(error.message) > MAX_MESSAGE_CHARS:
            error.message = error.message[:MAX_MESSAGE_CHARS] + "…"
    return errors


def _pointers_by_message(
    schema: GraphQLSchema, document: DocumentNode, variables: dict[str, Any], operation_name: str | None
) -> dict[str, list[tuple[str, str]]]:
    """For each message graphql-core gives an invalid variable value: (variable, pointer), in its order."""
    operation = get_operation_ast(document, operation_name)
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for definition in (operation.variable_definitions or ()) if operation else ():
        name = definition.variable.name.value
        value = variables.get(name, Undefined)
        variable_type = type_from_ast(schema, definition.type)
        if variable_type is None or (value is Undefined and definition.default_value is not None):
            continue

        def report(error: GraphQLError, path: list[str | int], name: str = name, value: Any = value) -> None:
            message = f"Variable '${name}' has invalid value{print_path_list(path)}: {error.message}"
            steps = [*path, *_stray_key(error.message, _value_at(value, path))]
            found[message].append((name, "/variables/" + "/".join(_escaped(step) for step in [name, *steps])))

        validate_input_value(value, variable_type, report)  # type: ignore[arg-type]  # an input type: validated
    return found


def _value_at(value: Any, path: list[str | int]) -> Any:
    try:
        for step in path:
            value = value[step]
    except (KeyError, IndexError, TypeError):
        return None
    return value


def _stray_key(message: str, value: Any) -> list[str]:
    """[the key of `value` that an unknown-field message names], or []."""
    start = message.find(_UNKNOWN_FIELD)
    if start < 0 or not isinstance(value, dict):
        return []
    named = message[start + len(_UNKNOWN_FIELD) :]
    matching = [key for key in value if isinstance(key, str) and named.startswith(key + "'")]
    return [max(matching, key=len)] if matching else []


def _escaped(step: str | int) -> str:
    return str(step).replace("~", "~0").replace("/", "~1")
