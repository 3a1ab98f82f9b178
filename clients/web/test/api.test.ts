// A designer UI's operations, run by Apollo Client against a live server (tests/test_web_client.py
// starts one, signs a company up and passes its admin in the environment), with the results and
// the normalised cache checked after each step. The steps build on each other: they run in order.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import type { InMemoryCache } from "@apollo/client";

import { createClient, type Session } from "../src/client.js";
import {
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
  PreviewWorkflowDocument,
  RefreshTokenDocument,
  TicketDefinitionDocument,
  TicketDefinitionsDocument,
  UpdateUserRolesDocument,
  UploadTicketDefinitionDocument,
  UploadWorkflowDocument,
  UserFieldsFragmentDoc,
  UsersDocument,
  ValidateWorkflowDocument,
  WorkflowDefinitionsDocument,
  WorkflowDocument,
  WorkflowSummaryFragmentDoc,
  WorkflowVersionsDocument,
  type UserFieldsFragment,
  type WorkflowDetailFragment,
} from "../generated/graphql.js";
import {
  ADMIN,
  API_URL,
  demoTicketDefinition,
  demoWorkflow,
  errorCodes,
  mutate,
  problems,
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
    const { login } = await mutate(this.client, LoginDocument, { username, password });
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
    const { refreshToken } = await mutate(admin.client, RefreshTokenDocument, {
      refreshToken: before.refreshToken ?? "",
    });
    assert.deepEqual(refreshToken.errors, []);
    assert.ok(refreshToken.accessToken && refreshToken.refreshToken);
    assert.notEqual(refreshToken.refreshToken, before.refreshToken);
    admin.session.accessToken = refreshToken.accessToken;
    admin.session.refreshToken = refreshToken.refreshToken;

    const { me } = await query(admin.client, MeDocument, {});
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
      const { createCompanyRole } = await mutate(admin.client, CreateCompanyRoleDocument, {
        name,
        description: `made by ${import.meta.url}`,
      });
      assert.deepEqual(createCompanyRole.errors, []);
      assert.equal(createCompanyRole.companyRole?.name, name);
    }
    const designer = await mutate(admin.client, CreateUserDocument, {
      input: {
        username: people.designer,
        email: "designer@example.com",
        password: PASSWORD,
        systemRoles: ["workflow_creator"],
      },
    });
    assert.deepEqual(designer.createUser.errors, []);
    state.designerId = designer.createUser.user?.id ?? "";
    const agent = await mutate(admin.client, CreateUserDocument, {
      input: { username: people.agent, email: "agent@example.com", password: PASSWORD, companyRoles: [roles.agent] },
    });
    assert.deepEqual(agent.createUser.errors, []);
    assert.deepEqual(agent.createUser.user?.companyRoles, [roles.agent]);
    state.agentId = agent.createUser.user?.id ?? "";

    const duplicate = await mutate(admin.client, CreateCompanyRoleDocument, { name: roles.agent, description: "" });
    assert.equal(duplicate.createCompanyRole.companyRole, null);
    assert.deepEqual(
      problems(duplicate.createCompanyRole.errors).map(([code]) => code),
      ["DUPLICATE"],
    );
  });

  it("pages through users and company roles", async () => {
    const first = await query(admin.client, UsersDocument, { offset: 0, limit: 2 });
    const second = await query(admin.client, UsersDocument, { offset: 2, limit: 2 });
    assert.equal(first.users.totalCount, 3);
    assert.deepEqual(first.users.pageInfo, { __typename: "OffsetPaginationInfo", offset: 0, limit: 2 });
    assert.equal(first.users.results.length, 2);
    assert.equal(second.users.results.length, 1);
    const usernames = [...first.users.results, ...second.users.results].map((user) => user.username).sort();
    assert.deepEqual(usernames, [ADMIN.username, people.agent, people.designer].sort());

    const { companyRoles } = await query(admin.client, CompanyRolesDocument, { offset: 0, limit: 1 });
    assert.equal(companyRoles.totalCount, 2);
    assert.equal(companyRoles.results.length, 1);
    // Each page is its own cache entry (keyed by its arguments); the users in it are shared objects.
    assert.equal(admin.cachedUser(state.agentId)?.username, people.agent);
  });

  it("uploads a workflow, then reads it with its tasks and transitions", async () => {
    const document = demoWorkflow("it-incident");
    const { uploadWorkflow } = await mutate(admin.client, UploadWorkflowDocument, {
      input: { ...document, title: unique("IT incident") },
    });
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
    assert.deepEqual(workflowDefinition.ticketDefinitions, []);
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

    const { workflowVersions } = await query(admin.client, WorkflowVersionsDocument, { id: state.workflowId });
    assert.deepEqual(
      workflowVersions.map((version) => version.version),
      [1],
    );
  });

  it("exports the document it uploaded", async () => {
    const { exportWorkflow } = await query(admin.client, ExportWorkflowDocument, { id: state.workflowId });
    const exported = exportWorkflow as Record<string, unknown>;
    const original = demoWorkflow("it-incident");
    assert.equal(exported["id"], state.workflowId);
    assert.equal(exported["expectedVersion"], 1);
    assert.deepEqual(exported["tasks"], original.tasks);
    assert.deepEqual(exported["fields"], original.fields);
    assert.equal((exported["transitions"] as unknown[]).length, 6);
  });

  it("lists workflows page by page", async () => {
    const other = await mutate(admin.client, UploadWorkflowDocument, {
      input: { ...demoWorkflow("expense-approval"), title: unique("Expense approval") },
    });
    assert.deepEqual(other.uploadWorkflow.errors, []);
    state.otherWorkflowId = other.uploadWorkflow.workflow?.id ?? "";

    const first = await query(admin.client, WorkflowDefinitionsDocument, { offset: 0, limit: 1 });
    const second = await query(admin.client, WorkflowDefinitionsDocument, { offset: 1, limit: 1 });
    assert.equal(first.workflowDefinitions.totalCount, 2);
    assert.deepEqual(
      [...first.workflowDefinitions.results, ...second.workflowDefinitions.results].map((w) => w.id),
      [state.workflowId, state.otherWorkflowId],
    );
    const filtered = await query(admin.client, WorkflowDefinitionsDocument, {
      offset: 0,
      limit: 10,
      titleContains: "expense",
    });
    assert.deepEqual(
      filtered.workflowDefinitions.results.map((w) => w.id),
      [state.otherWorkflowId],
    );
  });

  it("edits with expectedVersion; a stale edit is a VERSION_CONFLICT", async () => {
    const edited = await mutate(admin.client, UploadWorkflowDocument, {
      input: { ...demoWorkflow("it-incident"), id: state.workflowId, expectedVersion: 1, title: "IT incident v2" },
    });
    assert.deepEqual(edited.uploadWorkflow.errors, []);
    assert.equal(edited.uploadWorkflow.workflow?.version, 2);
    assert.equal(admin.cachedWorkflow(state.workflowId)?.title, "IT incident v2");

    // Another tab (another designer) saves version 3 meanwhile; this tab's cache still shows 2.
    const designer = new Tab();
    try {
      await designer.login(people.designer, PASSWORD);
      const theirs = await mutate(designer.client, UploadWorkflowDocument, {
        input: { ...demoWorkflow("it-incident"), id: state.workflowId, expectedVersion: 2, title: "IT incident v3" },
      });
      assert.deepEqual(theirs.uploadWorkflow.errors, []);
      assert.equal(theirs.uploadWorkflow.workflow?.version, 3);
    } finally {
      designer.stop();
    }
    assert.equal(admin.cachedWorkflow(state.workflowId)?.version, 2);

    const stale = await mutate(admin.client, UploadWorkflowDocument, {
      input: { ...demoWorkflow("it-incident"), id: state.workflowId, expectedVersion: 2, title: "IT incident mine" },
    });
    assert.deepEqual(problems(stale.uploadWorkflow.errors), [["VERSION_CONFLICT", "/expectedVersion"]]);
    assert.equal(stale.uploadWorkflow.workflow, null);
    const { workflowDefinition } = await query(admin.client, WorkflowDocument, { id: state.workflowId });
    assert.equal(workflowDefinition?.version, 3);
    assert.equal(admin.cachedWorkflow(state.workflowId)?.version, 3);
    assert.equal(admin.cachedWorkflow(state.workflowId)?.title, "IT incident v3");
  });

  it("validates a document without writing it", async () => {
    const broken = demoWorkflow("it-incident");
    const transitions = [...(broken.transitions ?? [])];
    transitions[3] = { ...transitions[3], toTask: "resolv" };
    const report = await query(admin.client, ValidateWorkflowDocument, { input: { ...broken, transitions } });
    assert.equal(report.validateWorkflow.valid, false);
    assert.deepEqual(problems(report.validateWorkflow.errors), [["UNKNOWN_TASK", "/transitions/3/toTask"]]);
    assert.match(report.validateWorkflow.errors[0]?.message ?? "", /resolve/);

    const fine = await query(admin.client, ValidateWorkflowDocument, { input: demoWorkflow("it-incident") });
    assert.equal(fine.validateWorkflow.valid, true);
    assert.deepEqual(fine.validateWorkflow.errors, []);
  });

  it("previews the stored workflow on sample data", async () => {
    const { previewWorkflow } = await query(admin.client, PreviewWorkflowDocument, {
      workflowId: state.workflowId,
      ticket: { service: "checkout", reporterEmail: "r@example.com", summary: "down" },
      taskOutputs: {
        triage: { severity: "high" },
        page_oncall: { id: "P-1" },
        resolve: { resolution: "restarted" },
        notify_reporter: { status: "sent" },
      },
      maxSteps: 20,
    });
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
    const created = await mutate(admin.client, UploadTicketDefinitionDocument, { input });
    assert.deepEqual(created.uploadTicketDefinition.errors, []);
    const ticketDefinition = created.uploadTicketDefinition.ticketDefinition;
    assert.ok(ticketDefinition);
    state.ticketDefinitionId = ticketDefinition.id;
    assert.equal(ticketDefinition.workflow.id, state.workflowId);
    assert.deepEqual(ticketDefinition.companyRoleAccess, [roles.agent]);

    const edited = await mutate(admin.client, UploadTicketDefinitionDocument, {
      input: { ...input, id: ticketDefinition.id, expectedVersion: 1, title: "Service outage v2" },
    });
    assert.deepEqual(edited.uploadTicketDefinition.errors, []);
    assert.equal(edited.uploadTicketDefinition.ticketDefinition?.version, 2);

    const one = await query(admin.client, TicketDefinitionDocument, { id: ticketDefinition.id });
    assert.equal(one.ticketDefinition?.title, "Service outage v2");
    assert.deepEqual(one.ticketDefinition?.fields, { service: "checkout" });
    const list = await query(admin.client, TicketDefinitionsDocument, {
      offset: 0,
      limit: 10,
      workflowId: state.workflowId,
    });
    assert.deepEqual(
      list.ticketDefinitions.results.map((t) => t.id),
      [ticketDefinition.id],
    );
    const { workflowDefinition } = await query(admin.client, WorkflowDocument, { id: state.workflowId });
    assert.deepEqual(
      workflowDefinition?.ticketDefinitions.map((t) => t.id),
      [ticketDefinition.id],
    );
  });

  it("replaces a user's roles; the cached user follows", async () => {
    const { updateUserRoles } = await mutate(admin.client, UpdateUserRolesDocument, {
      userId: state.agentId,
      systemRoles: [],
      companyRoles: [roles.agent, roles.reviewer],
    });
    assert.deepEqual(updateUserRoles.errors, []);
    assert.deepEqual([...(admin.cachedUser(state.agentId)?.companyRoles ?? [])].sort(), [roles.agent, roles.reviewer].sort());
  });

  it("deletes a company role; its holders lose it", async () => {
    const inUse = await mutate(admin.client, DeleteCompanyRoleDocument, { name: roles.agent });
    assert.deepEqual(problems(inUse.deleteCompanyRole.errors), [["IN_USE", "/name"]]);

    const { deleteCompanyRole } = await mutate(admin.client, DeleteCompanyRoleDocument, { name: roles.reviewer });
    assert.deepEqual(deleteCompanyRole.errors, []);
    assert.equal(deleteCompanyRole.ok, true);
    await query(admin.client, UsersDocument, { offset: 0, limit: 10 });
    assert.deepEqual(admin.cachedUser(state.agentId)?.companyRoles, [roles.agent]);
  });

  it("deletes a ticket definition, then its workflow; the cache lets go of both", async () => {
    const inUse = await mutate(admin.client, DeleteWorkflowDefinitionDocument, {
      id: state.workflowId,
      expectedVersion: 3,
    });
    assert.deepEqual(problems(inUse.deleteWorkflowDefinition.errors), [["IN_USE", "/id"]]);

    const stale = await mutate(admin.client, DeleteTicketDefinitionDocument, {
      id: state.ticketDefinitionId,
      expectedVersion: 1,
    });
    assert.deepEqual(problems(stale.deleteTicketDefinition.errors), [["VERSION_CONFLICT", "/expectedVersion"]]);
    const ticket = await mutate(admin.client, DeleteTicketDefinitionDocument, {
      id: state.ticketDefinitionId,
      expectedVersion: 2,
    });
    assert.deepEqual(ticket.deleteTicketDefinition.errors, []);
    assert.ok(admin.cache.evict({ id: admin.cacheId("TicketDefinition", state.ticketDefinitionId) }));

    const workflow = await mutate(admin.client, DeleteWorkflowDefinitionDocument, {
      id: state.workflowId,
      expectedVersion: 3,
    });
    assert.deepEqual(workflow.deleteWorkflowDefinition.errors, []);
    assert.ok(admin.cache.evict({ id: admin.cacheId("WorkflowDefinition", state.workflowId) }));
    admin.cache.gc();
    assert.equal(admin.cachedWorkflow(state.workflowId), null);

    // The cached list no longer shows it (a dangling reference is left out of a list).
    const cachedPage = admin.cache.readQuery({
      query: WorkflowDefinitionsDocument,
      variables: { offset: 0, limit: 1 },
    });
    assert.deepEqual(
      cachedPage?.workflowDefinitions.results.map((w) => w.id),
      [],
    );
    const { workflowDefinition } = await query(admin.client, WorkflowDocument, { id: state.workflowId });
    assert.equal(workflowDefinition, null);
  });

  it("a workflow creator without company_admin sees their own data and not the users", async () => {
    const designer = new Tab();
    try {
      await designer.login(people.designer, PASSWORD);
      await assert.rejects(query(designer.client, MeAndUserCountDocument, {}), (error) => {
        assert.deepEqual(errorCodes(error), ["FORBIDDEN"]);
        return true;
      });
    } finally {
      designer.stop();
    }
  });
});
