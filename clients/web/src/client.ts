// The Apollo Client a designer UI would build: one HttpLink to /graphql/, the access token in
// `Authorization: Bearer ...`, and an InMemoryCache that follows the schema's conventions.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, type TypePolicies } from "@apollo/client";
import { SetContextLink } from "@apollo/client/link/context";
import { RemoveTypenameFromVariablesLink } from "@apollo/client/link/remove-typename";

import { jsonInVariables, valueTypes, wholeListFields } from "../generated/cache-policies.js";

/** The tokens of one login; the auth link reads them on every request. */
export interface Session {
  accessToken: string | null;
  refreshToken: string | null;
}

/**
 * The type policies, all derived from the SDL by codegen/cache-policies.js, none written by hand:
 * an object with an `id: ID!` is normalised by Apollo's default (`WorkflowDefinition:12`) and its
 * lists of objects are answered whole, so a newer one replaces the cached one (`merge: false`);
 * any other object is a value inside its parent (`keyFields: false`, even should it have a nullable
 * `id`), two answers for it merged (`merge: true`).
 */
export function typePolicies(): TypePolicies {
  const policies: TypePolicies = {};
  for (const [typename, fields] of Object.entries(wholeListFields)) {
    policies[typename] = { fields: Object.fromEntries(fields.map((field) => [field, { merge: false }])) };
  }
  for (const typename of valueTypes) {
    policies[typename] = { ...policies[typename], keyFields: false, merge: true };
  }
  return policies;
}

export function createCache(): InMemoryCache {
  return new InMemoryCache({ typePolicies: typePolicies() });
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
