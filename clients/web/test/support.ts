// What the tests share: the server to talk to (from the environment), typed query and mutation
// helpers over Apollo Client, and the demo workflow document the repository ships.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import { ApolloClient, CombinedGraphQLErrors, type OperationVariables, type TypedDocumentNode } from "@apollo/client";

import type { TicketDefinitionInput, WorkflowInput } from "../generated/graphql.js";

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

/** The top-level errors' extensions.code of a rejected operation. */
export function errorCodes(error: unknown): unknown[] {
  assert.ok(CombinedGraphQLErrors.is(error), `expected GraphQL errors, got ${String(error)}`);
  return error.errors.map((item) => item.extensions?.["code"]);
}

/** Payload problems as [code, path] pairs, which is how the UI locates them in the editor. */
export function problems(errors: ReadonlyArray<{ code: string; path: string }>): Array<[string, string]> {
  return errors.map((problem) => [problem.code, problem.path]);
}

/** A name unique to this run (several runs may share a database). */
export function unique(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}`;
}
