// A designer UI's operations, run by Apollo Client against a live server (tests/test_web_client.py
// starts one, signs a company up and passes its admin in the environment), with the results and
// the normalised cache checked after each step. The steps build on each other: they run in order.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { CombinedGraphQLErrors, type InMemoryCache } from "@apollo/client";

import { createClient, type Session } from "../src/client.js";
import {
  CompanyRoleFieldsFragmentDoc,
  CompanyRolesDocument,
  CreateCompanyRoleDocument,
  CreateUserDocument,
  DeleteCompanyRoleDocument,
  DeleteTicketDefinitionDocument,
  DeleteWorkflowDefinitionDocument,
  ExportWorkflowDocument,
  LoginDocument,
  MeAndUserCountDocument,
  MeDocument,
  NodeByIdDocument,
  PreviewWorkflowDocument,
  RefreshTokenDocument,
  TaskByKeyDocument,
  TicketDefinitionDocument,
  TicketDefinitionsDocument,
  UpdateUserRolesDocument,
  UploadTicketDefinitionDocument,
  UploadWorkflowDocument,
  UserFieldsFragmentDoc,
  UsersDocument,
  ValidateWorkflowDocument,
  WorkflowDefinitionsDocument,
  WorkflowDiagramDocument,
  WorkflowDiffDocument,
  WorkflowDocument,
  WorkflowSummaryFragmentDoc,
  WorkflowVersionsDocument,
  type TicketDefinitionInput,
  type UserFieldsFragment,
  type WorkflowDetailFragment,
  type WorkflowInput,
} from "../generated/graphql.js";
import {
  ADMIN,
  API_URL,
  ask,
  assertProblems,
  change,
  compact,
  consoleComplaints,
  demoTicketDefinition,
  demoWorkflow,
  errorCodes,
  query,
  unique,
} from "./support.js";

const PASSWORD = "correct-horse-battery-42";

/** One signed-in browser tab: a session, and an Apollo Client whose cache the tests inspect. */
class Tab {
  readonly session: Session = { accessToken: null, refreshToken: null };
  readonly client = createClient(API_URL, this.session);
  get cache(): InMemoryCache {
    return this.client.cache as InMemoryCache;
  }

  async login(username: string, password: string): Promise<UserFieldsFragment> {
    const login = await change(this.client, LoginDocument, { username, password }, "login");
    assert.deepEqual(login.errors, []);
    assert.ok(login.accessToken && login.refreshToken && login.user);
    this.session.accessToken = login.accessToken;
    this.session.refreshToken = login.refreshToken;
    return login.user;
  }

  /** What the cache holds for an object, by its normalised id (`__typename:id`). */
  cacheId(typename: string, id: string): string {
    const cacheId = this.cache.identify({ __typename: typename, id });
    assert.ok(cacheId);
    return cacheId;
  }

  cachedWorkflow(id: string) {
    return this.cache.readFragment({ id: this.cacheId("WorkflowDefinition", id), fragment: WorkflowSummaryFragmentDoc });
  }

  cachedUser(id: string) {
    return this.cache.readFragment({ id: this.cacheId("User", id), fragment: UserFieldsFragmentDoc });
  }

  stop(): void {
    this.client.stop();
  }
}

/** Every transition's ends are tasks of the same workflow, and each task lists its own edges. */
function assertGraphIsConsistent(workflow: WorkflowDetailFragment): void {
  const taskIds = new Set(workflow.tasks.map((task) => task.id));
  for (const transition of workflow.transitions) {
    if (transition.fromTask) assert.ok(taskIds.has(transition.fromTask.id), `fromTask ${transition.fromTask.key}`);
    if (transition.toTask) assert.ok(taskIds.has(transition.toTask.id), `toTask ${transition.toTask.key}`);
  }
  for (const task of workflow.tasks) {
    const outgoing = workflow.transitions.filter((t) => t.fromTask?.id === task.id).map((t) => t.id);
    const incoming = workflow.transitions.filter((t) => t.toTask?.id === task.id).map((t) => t.id);
    assert.deepEqual(task.outgoing.map((t) => t.id).sort(), outgoing.sort(), `outgoing of ${task.key}`);
    assert.deepEqual(task.incoming.map((t) => t.id).sort(), incoming.sort(), `incoming of ${task.key}`);
  }
}

describe("a designer UI on Apollo Client", () => {
  const admin = new Tab();
  const roles = { agent: unique("support_agent"), reviewer: unique("reviewer") };
  const people = { designer: unique("designer"), agent: unique("agent") };
  const state = {
    adminId: "",
    designerId: "",
    agentId: "",
    workflowId: "",
    firstTitle: "",
    otherWorkflowId: "",
    ticketDefinitionId: "",
  };

  before(async () => {
    const user = await admin.login(ADMIN.username, ADMIN.password);
    state.adminId = user.id;
  });
  after(() => admin.stop());

  it("logs in: the payload's user is normalised into the cache", () => {
    const cached = admin.cachedUser(state.adminId);
    assert.equal(cached?.username, ADMIN.username);
    assert.deepEqual([...(cached?.systemRoles ?? [])].sort(), ["company_admin", "workflow_creator"]);
  });

  it("refreshes its tokens and goes on with the new access token", async () => {
    const before = { ...admin.session };
    const refreshToken = await change(
      admin.client,
      RefreshTokenDocument,
      { refreshToken: before.refreshToken ?? "" },
      "refreshToken",
    );
    assert.deepEqual(refreshToken.errors, []);
    assert.ok(refreshToken.accessToken && refreshToken.refreshToken);
    assert.notEqual(refreshToken.refreshToken, before.refreshToken);
    admin.session.accessToken = refreshToken.accessToken;
    admin.session.refreshToken = refreshToken.refreshToken;

    const me = await ask(admin.client, MeDocument, {}, "me");
    assert.equal(me.id, state.adminId);
    assert.equal(me.username, ADMIN.username);
  });

  it("is refused without a token (UNAUTHENTICATED)", async () => {
    const anonymous = new Tab();
    try {
      await assert.rejects(query(anonymous.client, MeDocument, {}), (error) => {
        assert.deepEqual(errorCodes(error), ["UNAUTHENTICATED"]);
        return true;
      });
    } finally {
      anonymous.stop();
    }
  });

  it("creates company roles and users", async () => {
    for (const name of [roles.agent, roles.reviewer]) {
      const createCompanyRole = await change(
        admin.client,
        CreateCompanyRoleDocument,
        { name, description: "made by the web client tests" },
        "createCompanyRole",
      );
      assert.deepEqual(createCompanyRole.errors, []);
      assert.equal(createCompanyRole.companyRole?.name, name);
    }
    const designer = await change(
      admin.client,
      CreateUserDocument,
      {
        input: {
          username: people.designer,
          email: "designer@example.com",
          password: PASSWORD,
          systemRoles: ["workflow_creator"],
        },
      },
      "createUser",
    );
    assert.deepEqual(designer.errors, []);
    state.designerId = designer.user?.id ?? "";
    const agent = await change(
      admin.client,
      CreateUserDocument,
      { input: { username: people.agent, email: "agent@example.com", password: PASSWORD, companyRoles: [roles.agent] } },
      "createUser",
    );
    assert.deepEqual(agent.errors, []);
    assert.deepEqual(agent.user?.companyRoles, [roles.agent]);
    state.agentId = agent.user?.id ?? "";

    const duplicate = await change(
      admin.client,
      CreateCompanyRoleDocument,
      { name: roles.agent, description: "" },
      "createCompanyRole",
    );
    assert.equal(duplicate.companyRole, null);
    assertProblems(duplicate.errors, [["DUPLICATE", "/name"]]);
  });

  it("pages through users and company roles by cursor, the cache merging the pages", async () => {
    const first = await ask(admin.client, UsersDocument, { first: 2 }, "users");
    assert.equal(first.totalCount, 3);
    assert.equal(first.edges.length, 2);
    assert.equal(first.pageInfo.hasNextPage, true);
    assert.equal(first.pageInfo.endCursor, first.edges[1]?.cursor);
    const merged = await ask(admin.client, UsersDocument, { first: 2, after: first.pageInfo.endCursor }, "users");
    // relayStylePagination answers the list so far: the first page, then the second.
    assert.equal(merged.edges.length, 3);
    assert.equal(merged.pageInfo.hasNextPage, false);
    assert.deepEqual(
      merged.edges.slice(0, 2).map((edge) => edge.node.id),
      first.edges.map((edge) => edge.node.id),
    );
    const usernames = merged.edges.map((edge) => edge.node.username).sort();
    assert.deepEqual(usernames, [ADMIN.username, people.agent, people.designer].sort());

    const companyRoles = await ask(admin.client, CompanyRolesDocument, { first: 1 }, "companyRoles");
    assert.equal(companyRoles.totalCount, 2);
    assert.equal(companyRoles.edges.length, 1);
    // The users in the pages are shared cache objects, keyed by their global ids.
    assert.equal(admin.cachedUser(state.agentId)?.username, people.agent);
  });

  it("refetches any object by its global id through node", async () => {
    const { node } = await query(admin.client, NodeByIdDocument, { id: state.agentId });
    assert.equal(node?.__typename, "User");
    assert.equal(node?.id, state.agentId);
    const missing = await query(admin.client, NodeByIdDocument, { id: "bm90IGFuIGlk" });
    assert.equal(missing.node, null);
  });

  it("uploads a workflow, then reads it with its tasks and transitions", async () => {
    const document = demoWorkflow("it-incident");
    state.firstTitle = unique("IT incident");
    const uploadWorkflow = await change(
      admin.client,
      UploadWorkflowDocument,
      { input: { ...document, title: state.firstTitle } },
      "uploadWorkflow",
    );
    assert.deepEqual(uploadWorkflow.errors, []);
    const uploaded = uploadWorkflow.workflow;
    assert.ok(uploaded);
    assert.equal(uploaded.version, 1);
    state.workflowId = uploaded.id;
    assert.deepEqual(
      uploaded.tasks.map((task) => [task.key, task.taskType]),
      [
        ["triage", "FORM"],
        ["page_oncall", "SYNC_ACTION"],
        ["resolve", "FORM"],
        ["notify_reporter", "ASYNC_ACTION"],
      ],
    );
    assert.equal(uploaded.transitions.length, 6);
    assertGraphIsConsistent(uploaded);

    const { workflowDefinition } = await query(admin.client, WorkflowDocument, { id: state.workflowId });
    assert.ok(workflowDefinition);
    assert.equal(workflowDefinition.version, 1);
    assert.deepEqual(workflowDefinition.ticketDefinitions, {
      __typename: "TicketDefinitionConnection",
      totalCount: 0,
      edges: [],
    });
    assert.deepEqual(
      workflowDefinition.fields.map((field) => [field.fieldName, field.fieldType]),
      [
        ["service", "string"],
        ["reporterEmail", "email"],
        ["summary", "text"],
      ],
    );
    assertGraphIsConsistent(workflowDefinition);
    const conditional = workflowDefinition.transitions.find((t) => t.toTask?.key === "page_oncall");
    assert.deepEqual(conditional?.condition, { "==": [{ var: "tasks.triage.severity" }, "high"] });
    assert.equal(conditional?.priority, 10);
    // A task is one cache object, whichever list it was reached through.
    const triage = workflowDefinition.tasks.find((task) => task.key === "triage");
    assert.ok(triage);
    const start = workflowDefinition.transitions.find((t) => t.fromTask === null);
    assert.equal(start?.toTask?.id, triage.id);
    assert.ok(admin.cache.extract()[admin.cacheId("TaskDefinition", triage.id)]);

    // The typed document, in the upload format.
    const typed = workflowDefinition.document;
    assert.ok(typed, "the document is within the request's budget");
    assert.equal(typed.title, state.firstTitle);
    assert.deepEqual(
      typed.tasks?.map((task) => [task.key, task.taskType]),
      [
        ["triage", "FORM"],
        ["page_oncall", "SYNC_ACTION"],
        ["resolve", "FORM"],
        ["notify_reporter", "ASYNC_ACTION"],
      ],
    );
    assert.deepEqual(typed.transitions?.[1], {
      __typename: "TransitionDocument",
      fromTask: "triage",
      toTask: "page_oncall",
      condition: { "==": [{ var: "tasks.triage.severity" }, "high"] },
      priority: 10,
    });

    const workflowVersions = await ask(
      admin.client,
      WorkflowVersionsDocument,
      { id: state.workflowId, first: 10 },
      "workflowVersions",
    );
    assert.deepEqual(
      workflowVersions.edges.map((edge) => edge.node.version),
      [1],
    );
    // A task by its key: the document's references are keys. (Not cached: a root field holding the
    // task would keep the deleted workflow's graph reachable in the last test.)
    const byKey = await admin.client.query({
      query: TaskByKeyDocument,
      variables: { workflowId: state.workflowId, key: "triage" },
      fetchPolicy: "no-cache",
    });
    assert.equal(byKey.data?.taskDefinition?.id, triage.id);
  });

  it("exports the document it uploaded", async () => {
    const { exportWorkflow } = await query(admin.client, ExportWorkflowDocument, { id: state.workflowId });
    const { id, expectedVersion, ...exported } = exportWorkflow as Record<string, unknown>;
    const original = demoWorkflow("it-incident");
    // The file format: the document with what makes its upload an edit of this version.
    assert.equal(id, state.workflowId);
    assert.equal(expectedVersion, 1);
    assert.deepEqual(exported["tasks"], original.tasks);
    assert.deepEqual(exported["fields"], original.fields);
    assert.equal((exported["transitions"] as unknown[]).length, 6);
    // exportWorkflow (JSON, the file format) and WorkflowDefinition.document (typed) say the same.
    const workflow = await ask(admin.client, WorkflowDocument, { id: state.workflowId }, "workflowDefinition");
    assert.deepEqual(compact(workflow.document), compact(exported));
  });

  it("lists workflows page by page", async () => {
    const expenses = demoWorkflow("expense-approval");
    // Its tasks are assigned to company roles (assigneeRoles): the company holds them first.
    for (const name of new Set((expenses.tasks ?? []).flatMap((task) => task.assigneeRoles ?? []))) {
      const role = await change(
        admin.client,
        CreateCompanyRoleDocument,
        { name, description: "assigned by the expense approval" },
        "createCompanyRole",
      );
      assert.deepEqual(role.errors, []);
    }
    const other = await change(
      admin.client,
      UploadWorkflowDocument,
      { input: { ...expenses, title: unique("Expense approval") } },
      "uploadWorkflow",
    );
    assert.deepEqual(other.errors, []);
    state.otherWorkflowId = other.workflow?.id ?? "";

    const first = await ask(admin.client, WorkflowDefinitionsDocument, { first: 1 }, "workflowDefinitions");
    assert.equal(first.totalCount, 2);
    const both = await ask(
      admin.client,
      WorkflowDefinitionsDocument,
      { first: 1, after: first.pageInfo.endCursor },
      "workflowDefinitions",
    );
    assert.deepEqual(
      both.edges.map((edge) => edge.node.id),
      [state.workflowId, state.otherWorkflowId],
    );
    const filtered = await ask(
      admin.client,
      WorkflowDefinitionsDocument,
      { first: 10, titleContains: "expense" },
      "workflowDefinitions",
    );
    assert.deepEqual(
      filtered.edges.map((edge) => edge.node.id),
      [state.otherWorkflowId],
    );
  });

  it("edits with expectedVersion; a stale edit is a VERSION_CONFLICT", async () => {
    const upload = (tab: Tab, expectedVersion: number, title: string) =>
      change(
        tab.client,
        UploadWorkflowDocument,
        { input: { ...demoWorkflow("it-incident"), id: state.workflowId, expectedVersion, title } },
        "uploadWorkflow",
      );
    // The designer edits the typed document it read and sends it back whole: the link strips
    // Apollo's __typename from it, but not from a JSON value (a JSON Schema property of that name).
    const read = await ask(admin.client, WorkflowDocument, { id: state.workflowId }, "workflowDefinition");
    assert.ok(read.document, "the document is within the request's budget");
    const [triage, ...others] = read.document.tasks ?? [];
    assert.ok(triage);
    const inputSchema = { type: "object", properties: { summary: { type: "string" }, __typename: { type: "string" } } };
    const input: WorkflowInput = {
      ...read.document,
      id: read.id,
      expectedVersion: read.version,
      title: "IT incident v2",
      tasks: [{ ...triage, inputSchema }, ...others],
    };
    assert.equal(input.expectedVersion, 1);
    const edited = await change(admin.client, UploadWorkflowDocument, { input }, "uploadWorkflow");
    assert.deepEqual(edited.errors, []);
    assert.equal(edited.workflow?.version, 2);
    assert.equal(admin.cachedWorkflow(state.workflowId)?.title, "IT incident v2");
    const exported = await ask(admin.client, ExportWorkflowDocument, { id: state.workflowId }, "exportWorkflow");
    assert.deepEqual((exported as { tasks: Array<{ inputSchema: unknown }> }).tasks[0]?.inputSchema, inputSchema);

    // Another tab (another designer) saves version 3 meanwhile; this tab's cache still shows 2.
    const designer = new Tab();
    try {
      await designer.login(people.designer, PASSWORD);
      const theirs = await upload(designer, 2, "IT incident v3");
      assert.deepEqual(theirs.errors, []);
      assert.equal(theirs.workflow?.version, 3);
    } finally {
      designer.stop();
    }
    assert.equal(admin.cachedWorkflow(state.workflowId)?.version, 2);

    const stale = await upload(admin, 2, "IT incident mine");
    assertProblems(stale.errors, [["VERSION_CONFLICT", "/expectedVersion"]]);
    // Nothing was written; the payload holds the workflow as it stands, and the cache takes it in.
    assert.equal(stale.workflow?.id, state.workflowId);
    assert.equal(stale.workflow?.version, 3);
    assert.equal(admin.cachedWorkflow(state.workflowId)?.version, 3);
    assert.equal(admin.cachedWorkflow(state.workflowId)?.title, "IT incident v3");
    const workflow = await ask(admin.client, WorkflowDocument, { id: state.workflowId }, "workflowDefinition");
    assert.equal(workflow.version, 3);
    assert.equal(workflow.title, "IT incident v3");
  });

  it("reviews a change: two stored versions, a proposal, and the workflow drawn", async () => {
    const stored = await ask(admin.client, WorkflowDiffDocument, { id: state.workflowId, from: 2, to: 3 }, "workflowDiff");
    assert.deepEqual(stored.errors, []);
    assert.deepEqual([stored.fromVersion, stored.toVersion], [2, 3]);
    // Version 2 renamed the workflow and edited triage's inputSchema; version 3 is the demo again, retitled.
    assert.deepEqual(
      stored.changes.map((change) => [change.kind, change.what, change.key, change.properties, change.fromPath, change.toPath]),
      [
        ["CHANGED", "WORKFLOW", null, ["title"], "", ""],
        ["CHANGED", "TASK", "triage", ["inputSchema"], "/tasks/0", "/tasks/0"],
      ],
    );

    // A proposal (an assistant's, say) is reviewed before it is uploaded: nothing is written.
    const proposal = demoWorkflow("it-incident");
    proposal.title = "IT incident v3";
    proposal.transitions = [...(proposal.transitions ?? []), { fromTask: "resolve", toTask: "triage", priority: 5 }];
    const reviewed = await ask(admin.client, WorkflowDiffDocument, { id: state.workflowId, proposed: proposal }, "workflowDiff");
    assert.deepEqual(reviewed.errors, []);
    assert.deepEqual([reviewed.fromVersion, reviewed.toVersion], [3, null]);
    assert.deepEqual(
      reviewed.changes.map((change) => [change.kind, change.what, change.fromTask, change.toTask, change.toPath]),
      [["ADDED", "TRANSITION", "resolve", "triage", `/transitions/${proposal.transitions.length - 1}`]],
    );
    const broken = { ...proposal, transitions: [{ fromTask: null, toTask: "nowhere" }] };
    const refused = await ask(admin.client, WorkflowDiffDocument, { id: state.workflowId, proposed: broken }, "workflowDiff");
    assert.deepEqual(refused.changes, []);
    assert.ok(refused.errors.some((problem) => problem.path === "/proposed/transitions/0/toTask"), "located in the proposal");
    assert.equal(admin.cachedWorkflow(state.workflowId)?.version, 3);

    const drawn = await ask(
      admin.client,
      WorkflowDiagramDocument,
      { id: state.workflowId, version: 1, format: "MERMAID" },
      "workflowDiagram",
    );
    assert.deepEqual(drawn.errors, []);
    assert.equal(drawn.version, 1);
    assert.match(drawn.text ?? "", /^flowchart TD\n/);
    for (const key of ["triage", "page_oncall", "resolve", "notify_reporter"]) {
      assert.ok(drawn.text?.includes(key), `the diagram names ${key}`);
    }
  });

  it("keeps each version's typed document apart", async () => {
    const variables = { id: state.workflowId, first: 10 };
    const versions = await ask(admin.client, WorkflowVersionsDocument, variables, "workflowVersions");
    const expected = [
      [1, state.firstTitle],
      [2, "IT incident v2"],
      [3, "IT incident v3"],
    ];
    assert.deepEqual(
      versions.edges.map((edge) => [edge.node.version, edge.node.document?.title]),
      expected,
    );
    // Read back from the cache: each version's document is a value inside its version, not one
    // normalised object (as WorkflowDocument:<id> was while documents carried the workflow's id).
    const cached = admin.cache.readQuery({ query: WorkflowVersionsDocument, variables });
    assert.deepEqual(
      cached?.workflowVersions?.edges.map((edge) => [edge.node.version, edge.node.document?.title]),
      expected,
    );
    assert.equal(versions.edges[2]?.node.createdBy?.username, people.designer);
  });

  it("validates a document without writing it", async () => {
    const broken = demoWorkflow("it-incident");
    const transitions = [...(broken.transitions ?? [])];
    transitions[3] = { ...transitions[3], toTask: "resolv" };
    const validate = (input: WorkflowInput) =>
      ask(admin.client, ValidateWorkflowDocument, { input }, "validateWorkflow");
    const report = await validate({ ...broken, transitions });
    assert.equal(report.valid, false);
    assertProblems(report.errors, [["UNKNOWN_TASK", "/transitions/3/toTask"]]);
    assert.match(report.errors[0]?.message ?? "", /resolve/);

    const fine = await validate(demoWorkflow("it-incident"));
    assert.equal(fine.valid, true);
    assert.deepEqual(fine.errors, []);
  });

  it("previews the stored workflow on sample data", async () => {
    const previewWorkflow = await ask(
      admin.client,
      PreviewWorkflowDocument,
      {
        workflowId: state.workflowId,
        ticket: { service: "checkout", reporterEmail: "r@example.com", summary: "down" },
        taskOutputs: {
          triage: { severity: "high" },
          page_oncall: { id: "P-1" },
          resolve: { resolution: "restarted" },
          notify_reporter: { status: "sent" },
        },
        maxSteps: 20,
      },
      "previewWorkflow",
    );
    assert.deepEqual(previewWorkflow.problems, []);
    assert.equal(previewWorkflow.outcome, "ENDED");
    assert.deepEqual(
      previewWorkflow.steps.map((step) => [step.taskKey, step.taskType]),
      [
        ["triage", "FORM"],
        ["page_oncall", "SYNC_ACTION"],
        ["resolve", "FORM"],
        ["notify_reporter", "ASYNC_ACTION"],
      ],
    );
    assert.deepEqual(previewWorkflow.steps[1]?.actionInput, { service: "checkout", severity: "high" });
    assert.deepEqual(previewWorkflow.steps[1]?.output, { pageId: "P-1" });
  });

  it("creates, reads and edits a ticket definition", async () => {
    const input = { ...demoTicketDefinition("it-incident", state.workflowId), companyRoleAccess: [roles.agent] };
    const upload = (input: TicketDefinitionInput) =>
      change(admin.client, UploadTicketDefinitionDocument, { input }, "uploadTicketDefinition");
    const created = await upload(input);
    assert.deepEqual(created.errors, []);
    const ticketDefinition = created.ticketDefinition;
    assert.ok(ticketDefinition);
    state.ticketDefinitionId = ticketDefinition.id;
    assert.equal(ticketDefinition.workflow.id, state.workflowId);
    assert.deepEqual(ticketDefinition.companyRoleAccess, [roles.agent]);

    const edited = await upload({ ...input, id: ticketDefinition.id, expectedVersion: 1, title: "Service outage v2" });
    assert.deepEqual(edited.errors, []);
    assert.equal(edited.ticketDefinition?.version, 2);
    const stale = await upload({ ...input, id: ticketDefinition.id, expectedVersion: 1, title: "Service outage mine" });
    assertProblems(stale.errors, [["VERSION_CONFLICT", "/expectedVersion"]]);
    assert.equal(stale.ticketDefinition?.title, "Service outage v2");

    const one = await query(admin.client, TicketDefinitionDocument, { id: ticketDefinition.id });
    assert.equal(one.ticketDefinition?.title, "Service outage v2");
    assert.deepEqual(one.ticketDefinition?.fields, { service: "checkout" });
    const list = await ask(
      admin.client,
      TicketDefinitionsDocument,
      { first: 10, workflowId: state.workflowId },
      "ticketDefinitions",
    );
    assert.deepEqual(
      list.edges.map((edge) => edge.node.id),
      [ticketDefinition.id],
    );
    const { workflowDefinition } = await query(admin.client, WorkflowDocument, { id: state.workflowId });
    assert.deepEqual(
      workflowDefinition?.ticketDefinitions.edges.map((edge) => edge.node.id),
      [ticketDefinition.id],
    );
  });

  it("replaces a user's roles; the cached user follows", async () => {
    const updateUserRoles = await change(
      admin.client,
      UpdateUserRolesDocument,
      { userId: state.agentId, systemRoles: [], companyRoles: [roles.agent, roles.reviewer] },
      "updateUserRoles",
    );
    assert.deepEqual(updateUserRoles.errors, []);
    assert.deepEqual([...(admin.cachedUser(state.agentId)?.companyRoles ?? [])].sort(), [roles.agent, roles.reviewer].sort());
  });

  it("deletes a company role; its holders lose it", async () => {
    const remove = (name: string) => change(admin.client, DeleteCompanyRoleDocument, { name }, "deleteCompanyRole");
    const inUse = await remove(roles.agent);
    assertProblems(inUse.errors, [["IN_USE", "/name"]]);
    assert.equal(inUse.deletedId, null);

    const roleList = await ask(admin.client, CompanyRolesDocument, { first: 10 }, "companyRoles");
    const reviewer = roleList.edges.map((edge) => edge.node).find((role) => role.name === roles.reviewer);
    assert.ok(reviewer);
    const deleted = await remove(roles.reviewer);
    assert.deepEqual(deleted.errors, []);
    assert.equal(deleted.ok, true);
    assert.equal(deleted.deletedId, reviewer.id);
    // The users who held it come back as they are now: the cached user lost it, without a refetch.
    assert.deepEqual(
      deleted.users.map((user) => user.id),
      [state.agentId],
    );
    assert.deepEqual(admin.cachedUser(state.agentId)?.companyRoles, [roles.agent]);
    assert.ok(admin.cache.evict({ id: admin.cacheId("CompanyRole", deleted.deletedId) }));
    admin.cache.gc();
    assert.equal(
      admin.cache.readFragment({ id: admin.cacheId("CompanyRole", reviewer.id), fragment: CompanyRoleFieldsFragmentDoc }),
      null,
    );
    // The cached list leaves the evicted role out (relayStylePagination reads only edges whose node is there).
    const cachedRoles = admin.cache.readQuery({ query: CompanyRolesDocument, variables: { first: 10 } });
    assert.deepEqual(
      cachedRoles?.companyRoles?.edges.map((edge) => edge.node.name),
      roleList.edges.map((edge) => edge.node.name).filter((name) => name !== roles.reviewer),
    );
  });

  it("deletes a ticket definition, then its workflow; the cache lets go of both", async () => {
    const deleteWorkflow = (expectedVersion: number) =>
      change(
        admin.client,
        DeleteWorkflowDefinitionDocument,
        { id: state.workflowId, expectedVersion },
        "deleteWorkflowDefinition",
      );
    const deleteTicket = (expectedVersion: number) =>
      change(
        admin.client,
        DeleteTicketDefinitionDocument,
        { id: state.ticketDefinitionId, expectedVersion },
        "deleteTicketDefinition",
      );
    const inUse = await deleteWorkflow(3);
    assertProblems(inUse.errors, [["IN_USE", "/id"]]);
    assert.equal(inUse.deletedId, null);

    // What the cache holds of the workflow about to go: its tasks and transitions.
    const held = admin.cache.readQuery({ query: WorkflowDocument, variables: { id: state.workflowId } });
    const parts = [
      ...(held?.workflowDefinition?.tasks ?? []).map((task) => admin.cacheId("TaskDefinition", task.id)),
      ...(held?.workflowDefinition?.transitions ?? []).map((t) => admin.cacheId("WorkflowTransition", t.id)),
    ];
    assert.equal(parts.length, 10);

    const stale = await deleteTicket(1);
    assertProblems(stale.errors, [["VERSION_CONFLICT", "/expectedVersion"]]);
    assert.equal(stale.deletedId, null);
    assert.equal(stale.ticketDefinition?.version, 2);

    const ticket = await deleteTicket(2);
    assert.deepEqual(ticket.errors, []);
    assert.equal(ticket.deletedId, state.ticketDefinitionId);
    // The workflow it used comes back without it: the cached workflow no longer lists it.
    assert.equal(ticket.workflow?.ticketDefinitions.totalCount, 0);
    assert.deepEqual(ticket.workflow?.ticketDefinitions.edges, []);
    const cachedWorkflow = admin.cache.readQuery({ query: WorkflowDocument, variables: { id: state.workflowId } });
    assert.deepEqual(cachedWorkflow?.workflowDefinition?.ticketDefinitions.edges, []);
    assert.ok(admin.cache.evict({ id: admin.cacheId("TicketDefinition", ticket.deletedId ?? "") }));

    const staleWorkflow = await deleteWorkflow(2);
    assertProblems(staleWorkflow.errors, [["VERSION_CONFLICT", "/expectedVersion"]]);
    assert.equal(staleWorkflow.workflow?.version, 3);
    const workflow = await deleteWorkflow(3);
    assert.deepEqual(workflow.errors, []);
    assert.equal(workflow.deletedId, state.workflowId);
    assert.ok(admin.cache.evict({ id: admin.cacheId("WorkflowDefinition", workflow.deletedId ?? "") }));
    admin.cache.gc();
    assert.equal(admin.cachedWorkflow(state.workflowId), null);
    // Its tasks and transitions were reachable only through it: gc() dropped them.
    const left = new Set(Object.keys(admin.cache.extract()));
    assert.deepEqual(
      parts.filter((id) => left.has(id)),
      [],
    );

    // The cached list no longer shows it (a dangling reference is left out of a list).
    const cachedPage = admin.cache.readQuery({ query: WorkflowDefinitionsDocument, variables: { first: 1 } });
    assert.deepEqual(
      cachedPage?.workflowDefinitions?.edges.map((edge) => edge.node.id),
      [state.otherWorkflowId],
    );
    const { workflowDefinition } = await query(admin.client, WorkflowDocument, { id: state.workflowId });
    assert.equal(workflowDefinition, null);
  });

  it("a workflow creator without company_admin gets their own data and a FORBIDDEN for the users", async () => {
    const designer = new Tab();
    try {
      await designer.login(people.designer, PASSWORD);
      const result = await designer.client.query({
        query: MeAndUserCountDocument,
        fetchPolicy: "network-only",
        errorPolicy: "all",
      });
      assert.equal(result.data?.me?.username, people.designer);
      assert.deepEqual(result.data?.me?.systemRoles, ["workflow_creator"]);
      assert.equal(result.data?.users, null);
      assert.deepEqual(errorCodes(result.error), ["FORBIDDEN"]);
      assert.ok(CombinedGraphQLErrors.is(result.error));
      assert.deepEqual(result.error.errors[0]?.path, ["users"]);

      // Another user's email and roles are for company admins: the designer sees null.
      const me = await ask(designer.client, MeDocument, {}, "me");
      assert.equal(me.email, "designer@example.com");
      assert.deepEqual(me.systemRoles, ["workflow_creator"]);
      const workflow = await ask(designer.client, WorkflowDocument, { id: state.otherWorkflowId }, "workflowDefinition");
      assert.equal(workflow.createdBy?.username, ADMIN.username);
      assert.equal(workflow.createdBy?.email, null);
    } finally {
      designer.stop();
    }
  });

  it("left Apollo Client nothing to warn about", () => {
    assert.deepEqual(consoleComplaints, []);
  });
});
