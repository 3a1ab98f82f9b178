// The Apollo Client a designer UI would build: one HttpLink to /graphql/, the access token in
// `Authorization: Bearer ...`, and an InMemoryCache that normalises every object by the
// schema's own convention (`__typename` + `id`), with no hand-written key fields.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from "@apollo/client";
import { SetContextLink } from "@apollo/client/link/context";

/** The tokens of one login; the auth link reads them on every request. */
export interface Session {
  accessToken: string | null;
  refreshToken: string | null;
}

/**
 * The cache. Objects with an `id` are normalised by default (`WorkflowDefinition:12`); objects
 * without one (payloads, `Problem`, `ExtRef`, `WorkflowField`, the `...OffsetPaginated` pages)
 * live inside their parent. The only policies are what the schema's conventions call for:
 *
 * - id-less values that are a whole snapshot of their parent (`WorkflowField`, `ExtRef` lists, a
 *   typed workflow document) are replaced, never merged, when a newer version arrives: that is
 *   Apollo's default for them, stated so that replacing them is not reported as data loss.
 */
export function createCache(): InMemoryCache {
  return new InMemoryCache();
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
