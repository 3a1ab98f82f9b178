"""Variables the server cannot coerce, answered in the one error shape: `extensions.code`
BAD_USER_INPUT, `extensions.variable` its name, and `extensions.path` a JSON Pointer into the
request (`/variables/input/transitions/2/priority`, `/variables/input/tasks/0/kee` for a stray
key), rooted as the request's other refusals are (README, "Errors").

graphql-core reports where in the value it failed only in its message, as a dotted path
(` at .transitions[2].priority`) written by `graphql.pyutils.print_path_list`, and names a stray
key in the text of the message (`not to include unknown field 'kee'`). Its steps are GraphQL
input field names and list indexes, so the dotted path reads back without ambiguity.
tests/test_error_shape.py fails if graphql-core changes that wording.
"""

import re

from graphql import GraphQLError

BAD_USER_INPUT = "BAD_USER_INPUT"

_NAME = r"[_A-Za-z][_0-9A-Za-z]*"
_INVALID_VARIABLE = re.compile(
    rf"^Variable '\$(?P<variable>{_NAME})' has invalid (?:default )?value(?: at (?P<steps>(?:\.{_NAME}|\[\d+\])+))?:"
)
_STEP = re.compile(rf"\.(?P<key>{_NAME})|\[(?P<index>\d+)\]")
_UNKNOWN_FIELD = re.compile(rf"not to include unknown field '(?P<field>{_NAME})'")


def located_variable_error(error: GraphQLError) -> GraphQLError:
    """`error` with the code and pointer above when it is a variable's coercion error; else as it is."""
    match = _INVALID_VARIABLE.match(error.message)
    if match is None or (error.extensions or {}).get("code"):
        return error
    steps = [key or index for key, index in _STEP.findall(match["steps"] or "")]
    unknown = _UNKNOWN_FIELD.search(error.message)
    if unknown:
        steps.append(unknown["field"])
    pointer = "".join(f"/{step}" for step in ["variables", match["variable"], *steps])
    error.extensions = {
        **(error.extensions or {}),
        "code": BAD_USER_INPUT,
        "variable": match["variable"],
        "path": pointer,
    }
    return error
