#!/usr/bin/env node
/**
 * changegate — the on-call engineer's command line for Changegate's operator API (issue 4,
 * point 6). Plain Node ESM over the global fetch, so `npx changegate …` runs from this repository
 * right after `npm ci`, with no build step. The rendering lives in ./format.mjs.
 */
import { parseArgs } from "node:util";
import { bundleRollbackLine, componentRollbackLine, formatReleases, formatStatus } from "./format.mjs";

const EXIT = { ok: 0, usage: 1, refused: 2, unavailable: 3, auth: 4 };
const DEFAULT_URL = "http://localhost:3000";
const TIMEOUT_MS = Number(process.env.CHANGEGATE_TIMEOUT_MS) > 0 ? Number(process.env.CHANGEGATE_TIMEOUT_MS) : 30_000;

const HELP = `changegate — release status and one-command rollback for Changegate

Usage:
  changegate status   --service <slug> [--json]
  changegate releases --service <slug> [--limit <n>] [--json]
  changegate rollback --service <slug> --component <kind> [--to <version label>] --reason "<why>"
  changegate rollback --service <slug> --to-release <rel_…> --reason "<why>"

Commands:
  status     What the service serves now: the pointer (stable, canary, percent, tenants,
             revision), every component's version and rollback target, the rollout in flight.
  releases   The release manifests, newest first (default 20, at most 200).
  rollback   Roll back ONE component (to its rollback target, or to --to, which must be a
             previous version of it), or the whole bundle to an earlier release (--to-release).
             The pointer revision is read first and sent along, so if someone else moved the
             pointer in between, nothing is written and you are told who did it (exit 2).

Options:
  --service, -s <slug>      The service, e.g. support-assistant (required).
  --component <kind>        prompt, retrieval, policy, tool_permission or routing.
  --to <label>              The version to roll the component back to, e.g. sec-v12.
  --to-release <id>         The earlier release to restore, e.g. rel_20260303_1900_ab12.
  --reason <text>           Why (3–500 characters), e.g. "false refusal spike".
  --expected-revision <n>   Refuse unless the pointer is at this revision (default: as read just before).
  --limit <n>               How many releases to list (1–200, default 20).
  --json                    Print the server's JSON answer (errors too: {"status", "error"}) on stdout.
  --url <url>               Changegate's URL (default: $CHANGEGATE_URL, else ${DEFAULT_URL}).
  --help, -h                This help.

Environment:
  CHANGEGATE_TOKEN          The service's API token (required): read scope for status and
                            releases, operator scope for rollback.
  CHANGEGATE_URL            Changegate's URL (default ${DEFAULT_URL}).
  CHANGEGATE_TIMEOUT_MS     Give up on a request after this long (default 30000).

Exit codes:
  0  done
  1  usage error: unknown command or option, missing or invalid argument (nothing was sent)
  2  refused by the server: invalid request, unknown service or version, a rule refused it,
     or 409 conflict (someone else changed the pointer first; the message names them)
  3  Changegate unavailable: connection refused, timeout, or a 5xx answer (safe to retry)
  4  authentication or authorization: CHANGEGATE_TOKEN missing, unknown, revoked, lacking
     the scope, or a token of another service (401/403)

Examples:
  export CHANGEGATE_TOKEN=cg_support-assistant_…
  changegate status -s support-assistant
  changegate rollback -s support-assistant --component policy --to sec-v12 --reason "false refusal spike"
`;

class CliError extends Error {
  constructor(exitCode, message, detail = {}) {
    super(message);
    this.exitCode = exitCode;
    this.detail = detail;
  }
}

const usage = (message) => new CliError(EXIT.usage, `${message}\nRun "changegate --help" for usage.`);

function parse(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        service: { type: "string", short: "s" },
        component: { type: "string" },
        to: { type: "string" },
        "to-release": { type: "string" },
        reason: { type: "string" },
        "expected-revision": { type: "string" },
        limit: { type: "string" },
        json: { type: "boolean", default: false },
        url: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (err) {
    throw usage(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  return { command: positionals[0], extra: positionals.slice(1), values };
}

const KINDS = ["prompt", "retrieval", "policy", "tool_permission", "routing"];

function positiveInt(value, name) {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw usage(`${name} must be a positive whole number, not "${value}".`);
  return Number(value);
}

function baseUrlOf(values) {
  const raw = values.url ?? process.env.CHANGEGATE_URL ?? DEFAULT_URL;
  try {
    const url = new URL(raw);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("not http(s)");
    return url.toString().endsWith("/") ? url.toString() : `${url}/`;
  } catch {
    throw usage(`"${raw}" is not a URL; set CHANGEGATE_URL (or --url) to e.g. ${DEFAULT_URL}.`);
  }
}

/** One API call: the parsed JSON on 2xx; otherwise a CliError carrying the right exit code. */
async function call(ctx, method, path, body) {
  const url = new URL(path, ctx.baseUrl).toString();
  let response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${ctx.token}`,
        accept: "application/json",
        ...(body ? { "content-type": "application/json" } : {}),
        "user-agent": "changegate-cli",
      },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    const cause = err?.cause;
    const reason =
      err?.name === "TimeoutError" ? `no answer within ${TIMEOUT_MS} ms` : (cause?.code ?? cause?.message ?? err?.message ?? String(err));
    throw new CliError(EXIT.unavailable, `Changegate is not reachable at ${ctx.baseUrl} (${reason}). Is it running? Check CHANGEGATE_URL.`);
  }
  const text = await response.text().catch(() => "");
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (response.ok) return json;

  const code = typeof json?.error?.code === "string" ? json.error.code : `http_${response.status}`;
  const serverMessage = typeof json?.error?.message === "string" ? json.error.message : null;
  const detail = { status: response.status, error: json?.error ?? { code, message: serverMessage ?? text.slice(0, 500) } };
  if (response.status === 401 || response.status === 403) {
    throw new CliError(EXIT.auth, `${serverMessage ?? `HTTP ${response.status}`} (${response.status} ${code})`, detail);
  }
  if (response.status >= 500) {
    throw new CliError(EXIT.unavailable, `Changegate failed to answer: ${serverMessage ?? `HTTP ${response.status} ${response.statusText}`} (${response.status}). Try again shortly.`, detail);
  }
  throw new CliError(EXIT.refused, `${serverMessage ?? `HTTP ${response.status} ${response.statusText}`} (${response.status} ${code})`, detail);
}

/** The human rendering, or the raw JSON if the answer has a shape this CLI does not know (a newer server). */
function readable(format, answer) {
  try {
    return format(answer);
  } catch {
    return JSON.stringify(answer, null, 2);
  }
}

const servicePath = (service, rest) => `api/v1/services/${encodeURIComponent(service)}/${rest}`;

function requireService(values) {
  if (!values.service) throw usage("Name the service: --service <slug>, e.g. --service support-assistant.");
  return values.service;
}

function context(values) {
  const baseUrl = baseUrlOf(values);
  const token = process.env.CHANGEGATE_TOKEN?.trim();
  if (!token) {
    throw new CliError(
      EXIT.auth,
      "Set CHANGEGATE_TOKEN to the service's API token (cg_<service>_…); the demo prints its tokens at start and keeps them in <data dir>/demo-credentials.json.",
    );
  }
  return { baseUrl, token };
}

async function status(values, out) {
  const service = requireService(values);
  const ctx = context(values);
  const answer = await call(ctx, "GET", servicePath(service, "status"));
  out(values.json ? JSON.stringify(answer, null, 2) : readable(formatStatus, answer));
}

async function releases(values, out) {
  const service = requireService(values);
  const limit = positiveInt(values.limit, "--limit");
  if (limit !== undefined && limit > 200) throw usage("--limit is at most 200.");
  const ctx = context(values);
  const answer = await call(ctx, "GET", servicePath(service, `releases${limit ? `?limit=${limit}` : ""}`));
  out(values.json ? JSON.stringify(answer, null, 2) : readable(formatReleases, answer));
}

async function rollback(values, out, warn) {
  const service = requireService(values);
  const component = values.component;
  const toRelease = values["to-release"];
  if (component && toRelease) throw usage("Roll back one component (--component) or the whole bundle (--to-release), not both.");
  if (!component && !toRelease) throw usage("Say what to roll back: --component <kind> [--to <label>], or --to-release <rel_…>.");
  if (component && !KINDS.includes(component)) throw usage(`--component must be one of ${KINDS.join(", ")}, not "${component}".`);
  if (values.to !== undefined && !component) throw usage("--to names a component version: use it with --component.");
  if (values.to !== undefined && !values.to.trim()) throw usage("--to needs a version label, e.g. --to sec-v12.");
  if (toRelease !== undefined && !/^rel_\d{8}_\d{4}_[0-9a-f]{4}$/.test(toRelease)) {
    throw usage(`--to-release takes a release id like rel_20260303_1900_ab12, not "${toRelease}".`);
  }
  const reason = values.reason?.trim();
  if (!reason) throw usage('Say why: --reason "false refusal spike" (it goes into the audit log and the webhook).');
  let expectedPointerRevision = positiveInt(values["expected-revision"], "--expected-revision");
  const ctx = context(values);

  if (expectedPointerRevision === undefined) {
    // Read the revision first: a retried or concurrent command then cannot roll back twice.
    try {
      const now = await call(ctx, "GET", servicePath(service, "status"));
      expectedPointerRevision = now?.pointer?.revision ?? undefined;
    } catch (err) {
      const lacksRead = err instanceof CliError && err.detail?.status === 403 && /\bread scope\b/.test(err.message);
      if (!lacksRead) throw err;
      warn("changegate: this token cannot read the status (no read scope); rolling back without a pointer revision check.");
    }
  }
  const body = component
    ? { component, ...(values.to ? { to: values.to.trim() } : {}), reason, expectedPointerRevision }
    : { toRelease, reason, expectedPointerRevision };
  const answer = await call(ctx, "POST", servicePath(service, "rollbacks"), body);
  if (values.json) out(JSON.stringify(answer, null, 2));
  else out(readable((a) => (component ? componentRollbackLine(service, component, a) : bundleRollbackLine(service, toRelease, a)), answer));
}

const COMMANDS = { status, releases, rollback };

async function main(argv, io = { out: (s) => console.log(s), err: (s) => console.error(s) }) {
  let json = argv.includes("--json");
  try {
    const { command, extra, values } = parse(argv);
    json = values.json;
    if (values.help || command === "help") {
      io.out(HELP);
      return EXIT.ok;
    }
    if (command === undefined) {
      io.err(HELP);
      return EXIT.usage;
    }
    const run = COMMANDS[command];
    if (!run) throw usage(`Unknown command "${command}": use status, releases or rollback.`);
    if (extra.length) throw usage(`Unexpected argument "${extra[0]}" (quote a reason with spaces: --reason "false refusal spike").`);
    await run(values, io.out, io.err);
    return EXIT.ok;
  } catch (err) {
    if (!(err instanceof CliError)) {
      io.err(`changegate: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      return EXIT.unavailable;
    }
    if (json && err.detail.status) io.out(JSON.stringify({ status: err.detail.status, error: err.detail.error }, null, 2));
    io.err(`changegate: ${err.message}`);
    return err.exitCode;
  }
}

process.exitCode = await main(process.argv.slice(2));
