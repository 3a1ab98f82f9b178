// A browser app on another origin, as a designer UI's login and first screen talk to the API:
// fetch with `Authorization: Bearer ...` and `X-Request-ID`, the exposed response headers read back,
// and the public JSON Schema of workflow documents. Plain JavaScript, nothing fetched from elsewhere.
// Parameters (query string): api (the server's origin), username, password.
// The outcome goes to window.checkResults and, as JSON, to <pre id="results">; body[data-done] is then set.

const params = new URLSearchParams(window.location.search);
const api = (params.get("api") || "").replace(/\/+$/, "");

const LOGIN = `mutation Login($username: String!, $password: String!) {
  login(username: $username, password: $password) { accessToken refreshToken errors { code message path } }
}`;
const ME = "query Me { me { id username company { name } } }";

/** A failure as data: a CORS refusal is a TypeError with no response to look at. */
function failure(error) {
  return { name: error && error.name, message: String(error && error.message) };
}

async function graphql(query, variables, { token, requestId } = {}) {
  const headers = { "Content-Type": "application/json" };
  if (token) headers["Authorization"] = `Bearer ${token}`;
  if (requestId) headers["X-Request-ID"] = requestId;
  const response = await fetch(`${api}/graphql/`, {
    method: "POST",
    headers,
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: response.status,
    requestId: response.headers.get("X-Request-ID"),
    responseCache: response.headers.get("X-Response-Cache"),
    body: await response.json(),
  };
}

async function run() {
  const results = { origin: window.location.origin, api };
  try {
    const login = await graphql(
      LOGIN,
      { username: params.get("username"), password: params.get("password") },
      { requestId: "web-check-login-0001" },
    );
    const payload = login.body.data.login;
    results.login = {
      status: login.status,
      requestId: login.requestId,
      gotAccessToken: typeof payload.accessToken === "string" && payload.accessToken.length > 0,
      errors: payload.errors,
    };
    // The same query twice: computed, then (same user, same data) answered from the response cache.
    results.me = [];
    for (const requestId of ["web-check-me-0001", "web-check-me-0002"]) {
      const me = await graphql(ME, {}, { token: payload.accessToken, requestId });
      results.me.push({
        status: me.status,
        requestId: me.requestId,
        responseCache: me.responseCache,
        data: me.body.data,
        errors: me.body.errors || null,
      });
    }
  } catch (error) {
    results.graphqlError = failure(error);
  }
  try {
    const response = await fetch(`${api}/schemas/workflow-document.json`);
    const schema = await response.json();
    results.workflowDocumentSchema = {
      status: response.status,
      contentType: response.headers.get("Content-Type"),
      schemaDialect: schema.$schema || null,
      title: schema.title || null,
      properties: Object.keys(schema.properties || {}).sort(),
    };
  } catch (error) {
    results.schemaError = failure(error);
  }
  return results;
}

run()
  .catch((error) => ({ unexpected: failure(error) }))
  .then((results) => {
    window.checkResults = results;
    document.getElementById("results").textContent = JSON.stringify(results, null, 2);
    document.body.dataset.done = "true";
  });
