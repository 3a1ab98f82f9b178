"""The GraphQL operations of every scenario and the baseline endpoints answering the same.

"All fields" (R1, R3): every field of the workflow, of each of its tasks and transitions;
relations as the designer view needs them: the workflow's company and author, each task's
author, each transition's end tasks ({id key}) and the workflow's ticket definitions
({id title version}). Tasks' own company/workflow and their outgoing/incoming lists are
left out: they repeat what the workflow already carries.
"""

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
  ticketDefinitions { id title version }
}
"""

R1 = (
    """query R1($id: ID!) {
  workflowDefinition(id: $id) { ...FullWorkflow }
}
"""
    + FULL_WORKFLOW
)

R2 = """query R2($limit: Int!, $offset: Int!) {
  workflowDefinitions(pagination: {limit: $limit, offset: $offset}, order: {id: ASC}) {
    totalCount
    results { id title description version createdAt updatedAt }
  }
}
"""

R3 = (
    """query R3($limit: Int!, $offset: Int!) {
  workflowDefinitions(pagination: {limit: $limit, offset: $offset}, order: {id: ASC}) {
    totalCount
    results { ...FullWorkflow }
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

# Baseline endpoints (bench/urls.py: benchmark runs serve them beside /graphql/).
BASELINE_R1 = "/bench/baseline/workflow/{id}/"  # GET
BASELINE_LIST = "/bench/baseline/workflows/?limit={limit}&offset={offset}&depth={depth}"  # GET; depth shallow|full
BASELINE_UPLOAD = "/bench/baseline/upload-workflow/"  # POST {"input": document}
BASELINE_EXPORT = "/bench/baseline/export/{id}/"  # GET

COUNT_QUERIES_HEADER = "X-Bench-Count-Queries"
QUERY_COUNT_HEADER = "X-Bench-Query-Count"
QUERY_SUMMARY_HEADER = "X-Bench-Query-Summary"
PAGE_FAULTS_HEADER = "X-Bench-Page-Faults"
EXPLAIN_HEADER = "X-Bench-Explain"
RESPONSE_CACHE_HEADER = "X-Response-Cache"  # schema/response_cache.py: hit or miss

# At tenant scale (bench/scale.py): pages of a company's workflows, shallow fields, with their totalCount.
SCALE_FIELDS = "totalCount results { id title version updatedAt }"
SCALE_FIRST_PAGE = (
    "query FirstPage($limit: Int!) { workflowDefinitions(pagination: {limit: $limit}, order: {updatedAt: DESC}) "
    f"{{ {SCALE_FIELDS} }} }}"
)
SCALE_SEARCH = (
    "query Search($limit: Int!, $text: String!) { workflowDefinitions(filters: {title: {iContains: $text}}, "
    f"pagination: {{limit: $limit}}, order: {{updatedAt: DESC}}) {{ {SCALE_FIELDS} }} }}"
)
SCALE_BY_TITLE = (
    "query ByTitle($limit: Int!) { workflowDefinitions(pagination: {limit: $limit}, order: {title: ASC}) "
    f"{{ {SCALE_FIELDS} }} }}"
)
SCALE_DEEP_PAGE = (
    "query DeepPage($limit: Int!, $offset: Int!) { workflowDefinitions(pagination: {limit: $limit, offset: $offset}, "
    f"order: {{id: ASC}}) {{ {SCALE_FIELDS} }} }}"
)
SCALE_TASKS = (
    "query Tasks($workflow: ID!) { taskDefinitions(filters: {workflowId: $workflow}, pagination: {limit: 100}, "
    "order: {position: ASC}) { totalCount results { id key title taskType } } }"
)
