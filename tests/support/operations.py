"""GraphQL operations the tests send, and fragment fan-outs (few tokens, exponentially many paths)."""

CREATE_COMPANY = """mutation($input: CreateCompanyInput!) {
  createCompany(input: $input) { accessToken errors { code message } } }"""
LOGIN = """mutation($username: String!, $password: String!) {
  login(username: $username, password: $password) { accessToken errors { code message } } }"""
ME = "{ me { company { id } } }"
UPLOAD = """mutation($input: WorkflowInput!) {
  uploadWorkflow(input: $input) { workflow { id version title } errors { code path } } }"""
DELETE = """mutation($id: ID!, $version: Int!) {
  deleteWorkflowDefinition(id: $id, expectedVersion: $version) { ok errors { code path } } }"""
LIST = "{ workflowDefinitions(first: 100) { totalCount edges { node { id version title } } } }"
ONE = "query($id: ID!) { workflowDefinition(id: $id) { id version } }"
EXPORT = "query($id: ID!) { exportWorkflow(id: $id) }"
VERSIONS = "query($id: ID!) { workflowVersions(id: $id) { edges { node { version } } } }"


def fan_out(levels: int, *, on: str, body: str, leaf: str) -> str:
    """Fragments F0..F{levels}: each spreads the next one twice where its `body` says SPREADS,
    the last one selects `leaf`. A few hundred tokens, 2^levels paths."""
    fragments = [
        f"fragment F{i} on {on} {{ {body.replace('SPREADS', f'...F{i + 1} ...F{i + 1}')} }}" for i in range(levels)
    ]
    return " ".join([*fragments, f"fragment F{levels} on {on} {{ {leaf} }}"])
