"""The GraphQL operations of every scenario and the baseline endpoints answering the same.

"All fields" (R1, R3): every field of the workflow, of each of its tasks and transitions;
relations as the designer view needs them: the workflow's company and author, each task's
author, each transition's end tasks ({id key}) and the first page of the workflow's ticket
definitions ({id title version}, a connection as a Relay client asks for it). Tasks' own
company/workflow and their outgoing/incoming lists are left out: they repeat what the
workflow already carries. Lists are Relay connections (R2, R3: the first page, as Relay's
usePaginationFragment asks for it).
"""

from urllib.parse import urlencode

FULL_WORKFLOW = """
fragment FullWorkflow on WorkflowDefinition {
  id title description displayLayout version createdAt updatedAt
  company { id name }
  createdBy { id username }
  extRef { label uri desc }
  fields { fieldName fieldType }
  tasks {
    id key position title description taskType inputSchema outputSchema editLayout displayLayout
    actionUrl inputTransform outputTransform timeoutSeconds version createdAt updatedAt
    createdBy { id username }
    extRef { label uri desc }
  }
  transitions {
    id fromTask { id key } toTask { id key } condition priority position
  }
  ticketDefinitions(first: 10) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id title version } }
  }
}
"""
# The page size of a workflow's ticket definitions in FullWorkflow.
TICKET_DEFINITIONS_PAGE = 10

R1 = (
    """query R1($id: ID!) {
  workflowDefinition(id: $id) { ...FullWorkflow }
}
"""
    + FULL_WORKFLOW
)

R2 = """query R2($first: Int!, $after: String) {
  workflowDefinitions(first: $first, after: $after, order: {id: ASC}) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id title description version createdAt updatedAt } }
  }
}
"""

R3 = (
    """query R3($first: Int!, $after: String) {
  workflowDefinitions(first: $first, after: $after, order: {id: ASC}) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { ...FullWorkflow } }
  }
}
"""
    + FULL_WORKFLOW
)

UPLOAD = """mutation Upload($input: WorkflowInput!) {
  uploadWorkflow(input: $input) {
    workflow { id version tasks { key version } }
    errors { code message path }
    warnings { code message path }
  }
}
"""

VALIDATE = """query Validate($input: WorkflowInput!) {
  validateWorkflow(input: $input) {
    valid
    errors { code message path }
    warnings { code message path }
  }
}
"""

EXPORT = """query Export($id: ID!) { exportWorkflow(id: $id) }"""

LOGIN = """mutation Login($username: String!, $password: String!) {
  login(username: $username, password: $password) { accessToken errors { code message } }
}
"""

# Baseline endpoints (bench/urls.py: benchmark runs serve them beside /graphql/). Ids are global ids, in the
# query string: base64 may hold "/". The reads' SQL limit (bench/sql_limit.py) answers R1, R2 and R3 at the same
# paths under SQL_LIMIT.
BASELINE, SQL_LIMIT = "/bench/baseline", "/bench/sql-limit"


def r1_path(workflow_id: str, *, root: str = BASELINE) -> str:  # GET
    return f"{root}/workflow/?" + urlencode({"id": workflow_id})


def list_path(first: int, depth: str, *, root: str = BASELINE) -> str:  # GET, the first page; depth shallow|full
    return f"{root}/workflows/?" + urlencode({"first": first, "depth": depth})


# The HTTP floor of a read: the least GraphQL request with the same bearer token (issue 19).
FLOOR = "{ __typename }"


def baseline_export(workflow_id: str) -> str:  # GET
    return "/bench/baseline/export/?" + urlencode({"id": workflow_id})


BASELINE_UPLOAD = "/bench/baseline/upload-workflow/"  # POST {"input": document}

COUNT_QUERIES_HEADER = "X-Bench-Count-Queries"
QUERY_COUNT_HEADER = "X-Bench-Query-Count"
QUERY_SUMMARY_HEADER = "X-Bench-Query-Summary"
PAGE_FAULTS_HEADER = "X-Bench-Page-Faults"
EXPLAIN_HEADER = "X-Bench-Explain"
STATEMENT_SECONDS_HEADER = "X-Bench-Statement-Seconds"  # bench/sql_limit.py: its statement, sent and fetched
RESPONSE_CACHE_HEADER = "X-Response-Cache"  # schema/response_cache.py: hit or miss

# At tenant scale (bench/scale.py): pages of a company's workflows, shallow fields, with their totalCount.
SCALE_FIELDS = "totalCount edges { node { id title version updatedAt } }"
SCALE_FIRST_PAGE = (
    "query FirstPage($limit: Int!) { workflowDefinitions(first: $limit, order: {updatedAt: DESC}) "
    f"{{ {SCALE_FIELDS} }} }}"
)
SCALE_SEARCH = (
    "query Search($limit: Int!, $text: String!) { workflowDefinitions(filters: {title: {iContains: $text}}, "
    f"first: $limit, order: {{updatedAt: DESC}}) {{ {SCALE_FIELDS} }} }}"
)
SCALE_BY_TITLE = (
    f"query ByTitle($limit: Int!) {{ workflowDefinitions(first: $limit, order: {{title: ASC}}) {{ {SCALE_FIELDS} }} }}"
)
SCALE_DEEP_PAGE = (
    f"query DeepPage($limit: Int!) {{ workflowDefinitions(last: $limit, order: {{id: ASC}}) {{ {SCALE_FIELDS} }} }}"
)
SCALE_TASKS = (
    "query Tasks($workflow: ID!) { taskDefinitions(filters: {workflowId: $workflow}, first: 100, "
    "order: {position: ASC}) { totalCount edges { node { id key title taskType } } } }"
)
