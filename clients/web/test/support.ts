// What the tests share: the server to talk to (from the environment), typed query and mutation
// helpers over Apollo Client, and the demo workflow document the repository ships.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import { ApolloClient, CombinedGraphQLErrors, type OperationVariables, type TypedDocumentNode } from "@apollo/client";

import type { ProblemCode, TicketDefinitionInput, WorkflowInput } from "../generated/graphql.js";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: tests/test_web_client.py sets it (see README "Tests")`);
  return value;
}

/** The live server's GraphQL endpoint, e.g. http://127.0.0.1:8123/graphql/. */
export const API_URL = required("TICKETFLOWER_API_URL");
/** A company admin (company_admin + workflow_creator) of a company made for this run. */
export const ADMIN = { username: required("TICKETFLOWER_USERNAME"), password: required("TICKETFLOWER_PASSWORD") };

const DEMO = new URL("../../../workflow_design/demo/", import.meta.url);

/** A demo workflow document (workflow_design/demo/<name>.workflow.json), in the upload format. */
export function demoWorkflow(name: string): WorkflowInput {
  return JSON.parse(readFileSync(new URL(`${name}.workflow.json`, DEMO), "utf8")) as WorkflowInput;
}

/** A demo ticket definition for the workflow `workflowId`. */
export function demoTicketDefinition(name: string, workflowId: string): TicketDefinitionInput {
  const ticket = JSON.parse(readFileSync(new URL(`${name}.ticket.json`, DEMO), "utf8")) as TicketDefinitionInput;
  return { ...ticket, workflowId };
}

/** Sent to the server (never answered from the cache); the data of an answer without errors. */
export async function query<TData, TVariables extends OperationVariables>(
  client: ApolloClient,
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
): Promise<TData> {
  const result = await client.query({ query: document, variables, fetchPolicy: "network-only", errorPolicy: "none" });
  return result.data;
}

export async function mutate<TData, TVariables extends OperationVariables>(
  client: ApolloClient,
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
): Promise<TData> {
  const result = await client.mutate({ mutation: document, variables, errorPolicy: "none" });
  assert.ok(result.data, "a mutation without errors has data");
  return result.data;
}

/** A root field that can be refused is nullable: without an error (errorPolicy "none") it is there. */
function present<TData, K extends keyof TData>(data: TData, field: K): NonNullable<TData[K]> {
  const value = data[field];
  assert.ok(value !== null && value !== undefined, `${String(field)} is null`);
  return value as NonNullable<TData[K]>;
}

/** One root field of a query's answer. */
export async function ask<TData, TVariables extends OperationVariables, K extends keyof TData>(
  client: ApolloClient,
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
  field: K,
): Promise<NonNullable<TData[K]>> {
  return present(await query(client, document, variables), field);
}

/** The payload of a mutation. */
export async function change<TData, TVariables extends OperationVariables, K extends keyof TData>(
  client: ApolloClient,
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
  field: K,
): Promise<NonNullable<TData[K]>> {
  return present(await mutate(client, document, variables), field);
}

/** The top-level errors' extensions.code of a rejected operation. */
export function errorCodes(error: unknown): unknown[] {
  assert.ok(CombinedGraphQLErrors.is(error), `expected GraphQL errors, got ${String(error)}`);
  return error.errors.map((item) => item.extensions?.["code"]);
}

/** Payload problems as [code, path] pairs (how the UI locates them in its editor); the codes typed. */
export function assertProblems(
  errors: ReadonlyArray<{ code: ProblemCode; path: string }>,
  expected: ReadonlyArray<readonly [ProblemCode, string]>,
): void {
  assert.deepEqual(
    errors.map((problem) => [problem.code, problem.path]),
    expected,
  );
}

/** A JSON value without Apollo's __typename and without null members, to compare with exportWorkflow's. */
export function compact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(compact);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key, member]) => key !== "__typename" && member !== null)
        .map(([key, member]) => [key, compact(member)]),
    );
  }
  return value;
}

/** A name unique to this run (several runs may share a database). */
export function unique(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}`;
}

/**
 * What Apollo Client warned or complained about: with the `development` export condition
 * (package.json's test script) it reports cached data a write would lose, missing fields and
 * the like on the console. The tests expect none.
 */
export const consoleComplaints: string[] = [];
for (const level of ["warn", "error"] as const) {
  const original = console[level].bind(console);
  console[level] = (...args: unknown[]) => {
    consoleComplaints.push(`${level}: ${args.map((arg) => (arg instanceof Error ? arg.stack : String(arg))).join(" ")}`);
    original(...args);
  };
}
