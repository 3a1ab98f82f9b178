"""GraphQL operations the server-level tests send."""

CREATE_COMPANY = """mutation($input: CreateCompanyInput!) {
  createCompany(input: $input) { accessToken errors { code message } } }"""
LOGIN = """mutation($username: String!, $password: String!) {
  login(username: $username, password: $password) { accessToken errors { code message } } }"""
ME = "{ me { company { id } } }"
UPLOAD = """mutation($input: WorkflowInput!) {
  uploadWorkflow(input: $input) { workflow { id version title } errors { code path } } }"""
DELETE = """mutation($id: ID!, $version: Int!) {
  deleteWorkflowDefinition(id: $id, expectedVersion: $version) { ok errors { code path } } }"""
LIST = "{ workflowDefinitions(pagination: {limit: 100}) { totalCount results { id version title } } }"
ONE = "query($id: ID!) { workflowDefinition(id: $id) { id version } }"
EXPORT = "query($id: ID!) { exportWorkflow(id: $id) }"
VERSIONS = "query($id: ID!) { workflowVersions(id: $id) { version } }"
