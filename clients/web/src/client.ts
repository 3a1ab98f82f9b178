// The Apollo Client a designer UI would build: one HttpLink to /graphql/, the access token in
// `Authorization: Bearer ...`, and an InMemoryCache that follows the schema's conventions.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, type FieldPolicy, type TypePolicies } from "@apollo/client";
import { SetContextLink } from "@apollo/client/link/context";
import { RemoveTypenameFromVariablesLink } from "@apollo/client/link/remove-typename";
import { relayStylePagination } from "@apollo/client/utilities";

import {
  connectionFields,
  jsonInVariables,
  possibleTypes,
  valueTypes,
  wholeListFields,
} from "../generated/cache-policies.js";

/** The tokens of one login; the auth link reads them on every request. */
export interface Session {
  accessToken: string | null;
  refreshToken: string | null;
}

/**
 * The type policies, all derived from the SDL by codegen/cache-policies.js, none written by hand:
 * an object with an `id: ID!` is normalised by Apollo's default (`WorkflowDefinition:<global id>`)
 * and its lists of objects are answered whole, so a newer one replaces the cached one
 * (`merge: false`); its connections are paged by relayStylePagination, one merged list per value of
 * their other arguments; any other object is a value inside its parent (`keyFields: false`, even
 * should it have a nullable `id`), two answers for it merged (`merge: true`).
 */
/**
 * relayStylePagination for a connection that may be null: a root connection refused to the caller
 * (FORBIDDEN, UNAUTHENTICATED) is null beside its siblings' data, which relayStylePagination's merge
 * would turn into an empty list without its totalCount, read back as a partial result.
 */
function pagedConnection(keyArgs: readonly string[]): FieldPolicy {
  const paged = relayStylePagination(keyArgs.length ? [...keyArgs] : false);
  const merge = paged.merge;
  if (typeof merge !== "function") throw new Error("relayStylePagination has no merge function");
  return {
    ...paged,
    merge: (existing, incoming, options) => (incoming === null ? null : merge(existing, incoming, options)),
  };
}

export function typePolicies(): TypePolicies {
  const policies: TypePolicies = {};
  for (const [typename, fields] of Object.entries(wholeListFields)) {
    policies[typename] = { fields: Object.fromEntries(fields.map((field) => [field, { merge: false }])) };
  }
  for (const [typename, fields] of Object.entries(connectionFields)) {
    const paged = Object.entries(fields).map(([field, keyArgs]) => [field, pagedConnection(keyArgs)]);
    policies[typename] = { fields: { ...policies[typename]?.fields, ...Object.fromEntries(paged) } };
  }
  for (const typename of valueTypes) {
    policies[typename] = { ...policies[typename], keyFields: false, merge: true };
  }
  return policies;
}

export function createCache(): InMemoryCache {
  const interfaces = Object.fromEntries(Object.entries(possibleTypes).map(([name, types]) => [name, [...types]]));
  return new InMemoryCache({ possibleTypes: interfaces, typePolicies: typePolicies() });
}

export function createClient(apiUrl: string, session: Session, cache: InMemoryCache = createCache()) {
  const auth = new SetContextLink((previous) => {
    const headers: Record<string, string> = { ...(previous["headers"] as Record<string, string> | undefined) };
    if (session.accessToken) headers["authorization"] = `Bearer ${session.accessToken}`;
    return { headers };
  });
  return new ApolloClient({
    link: ApolloLink.from([
      // A document read (with Apollo's __typename on every object) can be sent back as input;
      // JSON values (schemas, conditions, transforms, ticket fields) are sent as they are.
      new RemoveTypenameFromVariablesLink({ except: jsonInVariables }),
      auth,
      new HttpLink({ uri: apiUrl }),
    ]),
    cache,
  });
}
