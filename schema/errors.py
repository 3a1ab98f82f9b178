from graphql import GraphQLError


def is_expected_error(error: GraphQLError) -> bool:
    """Errors the service raises on purpose (auth, bad input) reach the client as they are;
    anything else is an internal failure whose details must not leak."""
    original = error.original_error
    return original is None or isinstance(original, GraphQLError)
