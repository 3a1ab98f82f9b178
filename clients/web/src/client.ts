// The Apollo Client a designer UI would build: one HttpLink to /graphql/, the access token in
// `Authorization: Bearer ...`, and an InMemoryCache that follows the schema's conventions.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, type TypePolicies } from "@apollo/client";
import { SetContextLink } from "@apollo/client/link/context";

import { typesWithoutId, wholeListFields } from "../generated/cache-policies.js";

/** The tokens of one login; the auth link reads them on every request. */
export interface Session {
  accessToken: string | null;
  refreshToken: string | null;
}

/**
 * The type policies, all derived from the SDL by codegen/cache-policies.js, none written by hand:
 * objects with an `id` are normalised by Apollo's default (`WorkflowDefinition:12`); their lists of
 * objects are answered whole, so a newer one replaces the cached one (`merge: false`); an object
 * without an id is part of its parent, and two answers for it are merged (`merge: true`).
 */
export function typePolicies(): TypePolicies {
  const policies: TypePolicies = {};
  for (const [typename, fields] of Object.entries(wholeListFields)) {
    policies[typename] = { fields: Object.fromEntries(fields.map((field) => [field, { merge: false }])) };
  }
  for (const typename of typesWithoutId) {
    policies[typename] = { ...policies[typename], merge: true };
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
    link: ApolloLink.from([auth, new HttpLink({ uri: apiUrl })]),
    cache,
  });
}
