// The clients' own pagination helpers against a live server, with no cache configuration but the
// helper itself: Apollo's relayStylePagination and urql graphcache's relayPagination page through
// 120 workflows (every one once, in order), and a workflow uploaded again updates the node the
// cached list holds, in place. Then the operations relay-compiler generated (bin/check) run as they
// are: Relay's pagination and refetch queries through node(id:). A company of its own (signed up
// here), so that the designer tests beside it keep their counts.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";

import { ApolloClient, HttpLink, InMemoryCache } from "@apollo/client";
import { relayStylePagination } from "@apollo/client/utilities";
import { Client, fetchExchange } from "@urql/core";
import { print } from "graphql";
import { filter, firstValueFrom } from "rxjs";
import { cacheExchange } from "@urql/exchange-graphcache";
import { relayPagination } from "@urql/exchange-graphcache/extras";

import {
  CreateCompanyDocument,
  UploadWorkflowSummaryDocument,
  WorkflowDefinitionsDocument,
  type WorkflowDefinitionsQuery,
  type WorkflowDefinitionsQueryVariables,
  type WorkflowInput,
} from "../generated/graphql.js";
import { API_URL, consoleComplaints, demoWorkflow, unique } from "./support.js";

const WORKFLOWS = 120;
const PAGE = 25;
const PASSWORD = "correct-horse-battery-42";

type Page = NonNullable<WorkflowDefinitionsQuery["workflowDefinitions"]>;

/** The workflows' ids in the order of the list (by id), and their titles. */
interface Uploaded {
  ids: string[];
  titles: string[];
}

/** POST one operation with the session's token; the data of an answer without errors. */
async function post(token: string, query: string, variables: Record<string, unknown>): Promise<Record<string, any>> {
  const response = await fetch(API_URL, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, any>; errors?: unknown[] };
  assert.equal(response.status, 200);
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  assert.ok(body.data);
  return body.data;
}

function assertEveryOneOnceInOrder(page: Page, uploaded: Uploaded): void {
  assert.equal(page.totalCount, WORKFLOWS);
  assert.equal(page.pageInfo.hasNextPage, false);
  assert.deepEqual(
    page.edges.map((edge) => edge.node.id),
    uploaded.ids,
  );
  assert.equal(new Set(page.edges.map((edge) => edge.cursor)).size, WORKFLOWS);
}

/** The cached list after an upload of its node at `index`: the same nodes in the same order, that one as uploaded. */
function assertUpdatedInPlace(cached: Page | null | undefined, uploaded: Uploaded, index: number, title: string): void {
  assert.ok(cached);
  assert.deepEqual(
    cached.edges.map((edge) => edge.node.id),
    uploaded.ids,
  );
  assert.equal(cached.edges[index]?.node.title, title);
  assert.equal(cached.edges[index]?.node.version, 2);
}

describe("pagination by the clients' own helpers", () => {
  const prefix = unique("Paged");
  const uploaded: Uploaded = { ids: [], titles: [] };
  let token = "";
  let document: WorkflowInput;

  before(async () => {
    const username = unique("pager");
    const { createCompany } = await post("", print(CreateCompanyDocument), {
      input: { companyName: unique("Pager company"), username, email: "pager@example.com", password: PASSWORD },
    });
    assert.deepEqual(createCompany.errors, []);
    token = createCompany.accessToken;
    document = demoWorkflow("it-incident");
    for (let n = 0; n < WORKFLOWS; n++) {
      const title = `${prefix} ${String(n).padStart(3, "0")}`;
      const { uploadWorkflow } = await post(token, print(UploadWorkflowSummaryDocument), {
        input: { ...document, title },
      });
      assert.deepEqual(uploadWorkflow.errors, []);
      uploaded.ids.push(uploadWorkflow.workflow.id);
      uploaded.titles.push(title);
    }
  });

  /** A re-upload of one workflow with a new title: version 2. */
  function edit(index: number, title: string): WorkflowInput {
    return { ...document, id: uploaded.ids[index], expectedVersion: 1, title };
  }

  it("Apollo's relayStylePagination merges the pages; an upload updates the cached node in place", async () => {
    const cache = new InMemoryCache({
      typePolicies: { Query: { fields: { workflowDefinitions: relayStylePagination(["filters", "order"]) } } },
    });
    const client = new ApolloClient({
      link: new HttpLink({ uri: API_URL, headers: { authorization: `Bearer ${token}` } }),
      cache,
    });
    try {
      const variables = { first: PAGE, titleContains: prefix };
      // As a screen pages: one watched query, fetchMore with the last endCursor until the end.
      const list = client.watchQuery({ query: WorkflowDefinitionsDocument, variables, fetchPolicy: "network-only" });
      const watching = list.subscribe(() => {});
      let pages = 0;
      try {
        const first = await firstValueFrom(list.pipe(filter((result) => result.dataState === "complete")));
        let page = first.data?.workflowDefinitions;
        while (page) {
          pages += 1;
          if (!page.pageInfo.hasNextPage) break;
          page = (await list.fetchMore({ variables: { after: page.pageInfo.endCursor } })).data?.workflowDefinitions;
        }
      } finally {
        watching.unsubscribe();
      }
      assert.equal(pages, Math.ceil(WORKFLOWS / PAGE));
      // What the screen shows: the pages merged into one list.
      const merged = cache.readQuery({ query: WorkflowDefinitionsDocument, variables })?.workflowDefinitions;
      assert.ok(merged);
      assertEveryOneOnceInOrder(merged, uploaded);

      const renamed = `${prefix} renamed by Apollo`;
      const answer = await client.mutate({
        mutation: UploadWorkflowSummaryDocument,
        variables: { input: edit(60, renamed) },
      });
      assert.deepEqual(answer.data?.uploadWorkflow?.errors, []);
      // No refetch: the list still holds the same 120 nodes, the 61st now as uploaded.
      const cached = cache.readQuery({ query: WorkflowDefinitionsDocument, variables })?.workflowDefinitions;
      assertUpdatedInPlace(cached, uploaded, 60, renamed);
      // Keyed by the global id alone, with no keyFields configured.
      const key = cache.identify({ __typename: "WorkflowDefinition", id: uploaded.ids[60] });
      assert.equal(key, `WorkflowDefinition:${uploaded.ids[60]}`);
    } finally {
      client.stop();
    }
  });

  it("urql graphcache's relayPagination merges the pages; an upload updates the cached node in place", async () => {
    const client = new Client({
      url: API_URL,
      exchanges: [cacheExchange({ resolvers: { Query: { workflowDefinitions: relayPagination() } } }), fetchExchange],
      fetchOptions: () => ({ headers: { authorization: `Bearer ${token}` } }),
      requestPolicy: "cache-first",
    });
    const variables = { first: PAGE, titleContains: prefix };
    let page: Page | undefined;
    let after: WorkflowDefinitionsQueryVariables["after"];
    let pages = 0;
    do {
      const pageVariables: WorkflowDefinitionsQueryVariables = { ...variables, after };
      const result = await client.query(WorkflowDefinitionsDocument, pageVariables).toPromise();
      assert.equal(result.error, undefined, String(result.error));
      page = result.data?.workflowDefinitions ?? undefined;
      assert.ok(page);
      pages += 1;
      after = page.pageInfo.endCursor;
    } while (page.pageInfo.hasNextPage);
    assert.equal(pages, Math.ceil(WORKFLOWS / PAGE));
    // relayPagination answers every page fetched so far, merged, whichever page was asked.
    assertEveryOneOnceInOrder(page, uploaded);

    const renamed = `${prefix} renamed by urql`;
    const answer = await client.mutation(UploadWorkflowSummaryDocument, { input: edit(61, renamed) }).toPromise();
    assert.equal(answer.error, undefined, String(answer.error));
    assert.deepEqual(answer.data?.uploadWorkflow?.errors, []);
    const cached = await client
      .query(WorkflowDefinitionsDocument, variables, { requestPolicy: "cache-only" })
      .toPromise();
    assertUpdatedInPlace(cached.data?.workflowDefinitions, uploaded, 61, renamed);
  });

  it("runs the operations relay-compiler generated: pages by cursor, refetches through node", async () => {
    const operations = relayOperations();
    const list = await post(token, operations("WorkflowListPaginationQuery"), { count: PAGE, titleContains: prefix });
    const first = list.workflowDefinitions;
    assert.equal(first.totalCount, WORKFLOWS);
    assert.equal(first.edges.length, PAGE);
    assert.equal(first.edges[0].node.__typename, "WorkflowDefinition");
    const next = await post(token, operations("WorkflowListPaginationQuery"), {
      count: PAGE,
      cursor: first.pageInfo.endCursor,
      titleContains: prefix,
    });
    assert.deepEqual(
      [...first.edges, ...next.workflowDefinitions.edges].map((edge: { node: { id: string } }) => edge.node.id),
      uploaded.ids.slice(0, 2 * PAGE),
    );

    const id = uploaded.ids[0];
    const card = await post(token, operations("WorkflowCardRefetchQuery"), { id });
    assert.equal(card.node.id, id);
    assert.equal(card.node.title, uploaded.titles[0]);
    const designer = await post(token, operations("WorkflowDesignerQuery"), { id });
    assert.equal(designer.node.tasks.length, document.tasks?.length);
    assert.equal(designer.node.task.id, designer.node.tasks[0].id);
    assert.equal(designer.node.versions.edges[0].node.version, 1);
    const tickets = await post(token, operations("WorkflowTicketsPaginationQuery"), { id, count: 5 });
    assert.deepEqual(tickets.node.ticketDefinitions, {
      totalCount: 0,
      edges: [],
      pageInfo: { endCursor: null, hasNextPage: false },
    });
  });

  after(() => {
    assert.deepEqual(consoleComplaints, []);
  });
});


/** The texts relay-compiler persisted (relay.config.json: relay/__generated__/operations.json), by name. */
function relayOperations(): (name: string) => string {
  const file = new URL("../relay/__generated__/operations.json", import.meta.url);
  const texts = Object.values(JSON.parse(readFileSync(file, "utf8")) as Record<string, string>);
  return (name) => {
    const text = texts.find((candidate) => new RegExp(`^(query|mutation) ${name}\\b`).test(candidate));
    assert.ok(text, `relay-compiler generated no operation ${name} (run clients/web/bin/check)`);
    return text;
  };
}
