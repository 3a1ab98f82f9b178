#!/usr/bin/env node
// GraphQL over HTTP conformance: runs every server audit of the `graphql-http` npm package
// (the spec's reference implementation, pinned in package.json) against a running service.
//
//   node conformance/audit.mjs http://127.0.0.1:8000/graphql/ [--json report.json]
//   GRAPHQL_HTTP_AUDIT_URL=http://127.0.0.1:8000/graphql/ node conformance/audit.mjs
//
// Prints one line per audit (`PASS MUST ...`, `FAIL SHOULD ...: reason`), then a summary
// line `N passed, M failed` over all audits (MUST, SHOULD and MAY alike). Exits 1 iff a MUST
// audit fails, 2 on a usage error or a refused target. With GRAPHQL_HTTP_AUDIT_BEARER_TOKEN set,
// every request carries `Authorization: Bearer <token>` (an authenticated client); else none
// (an anonymous client).
//
// Only a loopback server is audited (127.0.0.0/8, ::1 or `localhost`; no name is looked up):
// every request is checked to go to the target's own origin, redirects are not followed, and
// each request is bounded in time, so the run sends nothing anywhere else and ends by itself.

import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { serverAudits } from 'graphql-http';

const REQUEST_TIMEOUT_MS = 10_000;
const BODY_EXCERPT_CHARS = 500;

function usage(message) {
  if (message) console.error(`audit.mjs: ${message}`);
  console.error('usage: node conformance/audit.mjs URL [--json PATH]   (or URL in GRAPHQL_HTTP_AUDIT_URL;');
  console.error('       GRAPHQL_HTTP_AUDIT_BEARER_TOKEN=... to audit as an authenticated client)');
  process.exit(2);
}

function parseArgs(argv) {
  let url;
  let jsonPath;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') {
      jsonPath = argv[++i];
      if (!jsonPath) usage('--json needs a path');
    } else if (arg.startsWith('--json=')) {
      jsonPath = arg.slice('--json='.length);
    } else if (arg === '-h' || arg === '--help') {
      usage();
    } else if (arg.startsWith('-')) {
      usage(`unknown option ${arg}`);
    } else if (url === undefined) {
      url = arg;
    } else {
      usage(`unexpected argument ${arg}`);
    }
  }
  url ??= process.env.GRAPHQL_HTTP_AUDIT_URL;
  if (!url) usage('no URL given');
  return { url, jsonPath };
}

function isLoopbackAddress(address) {
  if (isIP(address) === 4) return address.startsWith('127.');
  if (isIP(address) === 6) return address === '::1' || /^::ffff:127\./i.test(address);
  return false;
}

function checkTarget(raw) {
  let url;
  try {
    url = new URL(raw);
  } catch {
    usage(`not a URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') usage(`not an http(s) URL: ${raw}`);
  // No name lookups: a loopback address literal, or `localhost` (which RFC 6761 reserves).
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!(isLoopbackAddress(host) || host.toLowerCase() === 'localhost')) {
    console.error(`audit.mjs: refusing ${url.origin}: only a server on the loopback interface is audited`);
    process.exit(2);
  }
  return url;
}

// fetch for the audits: only the target's origin, no redirects followed, bounded in time;
// with a bearer token when one is given (the audits then run as an authenticated client).
// Every response goes into `responses`, whose unread bodies are released after each audit.
function guardedFetch(target, bearerToken, responses) {
  return async (input, init = {}) => {
    const requestUrl = new URL(input instanceof Request ? input.url : String(input));
    if (requestUrl.origin !== target.origin) {
      throw new Error(`audit tried to reach ${requestUrl.origin}, not the audited ${target.origin}`);
    }
    const headers = new Headers(init.headers);
    if (bearerToken) headers.set('authorization', `Bearer ${bearerToken}`);
    const response = await fetch(requestUrl, {
      ...init,
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    responses.push(response);
    return response;
  };
}

// The package does not export its package.json; read it beside its resolved entry point.
function graphqlHttpVersion() {
  const entry = createRequire(import.meta.url).resolve('graphql-http'); // .../graphql-http/lib/index.js
  return JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')).version;
}

function levelOf(name) {
  return name.split(' ', 1)[0]; // MUST, SHOULD or MAY
}

async function describeResponse(response) {
  if (!response) return undefined;
  let body;
  try {
    body = response.bodyUsed ? undefined : (await response.text()).slice(0, BODY_EXCERPT_CHARS);
  } catch {
    body = undefined;
  }
  return { status: response.status, contentType: response.headers.get('content-type'), body };
}

async function releaseBodies(responses) {
  for (const response of responses.splice(0)) {
    if (response.body && !response.bodyUsed) await response.body.cancel().catch(() => {});
  }
}

async function runAudit(audit, responses) {
  const level = levelOf(audit.name);
  try {
    return await auditResult(audit, level);
  } finally {
    await releaseBodies(responses);
  }
}

async function auditResult(audit, level) {
  let result;
  try {
    result = await audit.fn();
  } catch (err) {
    // graphql-http throws (instead of returning a failure) when the audit could not be
    // carried out at all, e.g. the server did not answer: that is a failure of the audit too.
    const cause = err?.cause?.code || err?.cause?.message;
    const reason = `could not be run: ${err?.message ?? err}${cause ? ` (${cause})` : ''}`;
    return { id: audit.id, name: audit.name, level, ok: false, reason };
  }
  if (result.status === 'ok') return { id: audit.id, name: audit.name, level, ok: true };
  return {
    id: audit.id,
    name: audit.name,
    level,
    ok: false,
    reason: result.reason,
    response: await describeResponse(result.response),
  };
}

async function main() {
  const { url, jsonPath } = parseArgs(process.argv.slice(2));
  const target = checkTarget(url);

  // One at a time, in the package's order: the report reads the same on every run.
  const results = [];
  const responses = [];
  const bearerToken = process.env.GRAPHQL_HTTP_AUDIT_BEARER_TOKEN || undefined;
  const fetchFn = guardedFetch(target, bearerToken, responses);
  for (const audit of serverAudits({ url: target.href, fetchFn })) {
    const r = await runAudit(audit, responses);
    results.push(r);
    console.log(r.ok ? `PASS ${r.name}` : `FAIL ${r.name}: ${r.reason}`);
  }

  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  const mustFailed = results.filter((r) => !r.ok && r.level === 'MUST').length;
  const byLevel = {};
  for (const r of results) {
    byLevel[r.level] ??= { passed: 0, failed: 0 };
    byLevel[r.level][r.ok ? 'passed' : 'failed'] += 1;
  }

  if (jsonPath) {
    const report = {
      url: target.href,
      client: bearerToken ? 'bearer' : 'anonymous',
      graphqlHttpVersion: graphqlHttpVersion(),
      passed,
      failed,
      byLevel,
      results,
    };
    writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  }

  console.log(
    `by level: ${Object.entries(byLevel)
      .map(([level, c]) => `${level} ${c.passed} passed, ${c.failed} failed`)
      .join('; ')}`,
  );
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = mustFailed ? 1 : 0;
}

await main();
