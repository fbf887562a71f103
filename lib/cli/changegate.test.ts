import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

/**
 * The CLI as a script sees it: `node lib/cli/changegate.mjs …` against a fake operator API on
 * loopback, checking output and the documented exit codes (0 ok, 1 usage, 2 refused,
 * 3 unavailable, 4 authentication/authorization).
 */

const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), "changegate.mjs");
const TOKEN = `cg_support-assistant_${"c0".repeat(20)}`;
const OTHER_TOKEN = `cg_incident-assistant_${"d1".repeat(20)}`;
const READ_ONLY = `cg_support-assistant_${"e2".repeat(20)}`;
const BASE = "/api/v1/services/support-assistant";

const STATUS = {
  service: { slug: "support-assistant", name: "Support assistant" },
  pointer: {
    revision: 7,
    stableReleaseId: "rel_20261112_1012_ab12",
    canaryReleaseId: "rel_20261120_0900_cd34",
    canaryPercent: 5,
    canaryTenants: ["acme-retail"],
    updatedAt: "2026-11-20T09:00:00.000Z",
    updatedBy: "Jonas Weber <operator@example.com>",
  },
  stable: {
    releaseId: "rel_20261112_1012_ab12",
    createdAt: "2026-11-12T10:12:00.000Z",
    components: {
      prompt: { version: "assist-v8.1.0", versionId: "v-p81", hash: "a".repeat(64), rollbackTarget: "assist-v8.0.0" },
      policy: { version: "sec-v12", versionId: "v-s12", hash: "b".repeat(64), rollbackTarget: null },
    },
  },
  canary: {
    releaseId: "rel_20261120_0900_cd34",
    percent: 5,
    tenants: ["acme-retail"],
    createdAt: "2026-11-20T09:00:00.000Z",
    components: {
      prompt: { version: "assist-v8.1.0", versionId: "v-p81", hash: "a".repeat(64), rollbackTarget: "assist-v8.0.0" },
      policy: { version: "sec-v13", versionId: "v-s13", hash: "c".repeat(64), rollbackTarget: "sec-v12" },
    },
  },
  rollout: { changeRequest: { number: 12, title: "Block refund-abuse patterns (sec-v13)", state: "rolling_out", riskTier: "high" }, stage: { number: 2, of: 3, percent: 5 } },
};

const RELEASES = {
  service: STATUS.service,
  pointerRevision: 7,
  releases: [
    {
      id: "rel_20261120_0900_cd34", kind: "deploy", canaryPercent: 5, targetTenants: ["acme-retail"], changeRequest: { number: 12, title: "Block refund-abuse" },
      actor: "Jonas Weber <operator@example.com>", reason: "Canary 5% for sec-v13", createdAt: "2026-11-20T09:00:00.000Z", replaces: "rel_20261112_1012_ab12",
      components: { prompt: "assist-v8.1.0", policy: "sec-v13" }, live: "canary",
    },
    {
      id: "rel_20261112_1012_ab12", kind: "promotion", canaryPercent: 100, targetTenants: [], changeRequest: { number: 9, title: "Warmer tone" },
      actor: "Jonas Weber <operator@example.com>", reason: "Promoted to 100%", createdAt: "2026-11-12T10:12:00.000Z", replaces: null,
      components: { prompt: "assist-v8.1.0", policy: "sec-v12" }, live: "stable",
    },
  ],
};

interface Seen {
  method: string;
  url: string;
  body: unknown;
}

let server: Server;
let baseUrl = "";
let seen: Seen[] = [];
/** Overrides the answer to the next POST /rollbacks. */
let rollbackAnswer: { status: number; body: unknown } | null = null;
let failEverything = false;

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
const apiError = (code: string, message: string) => ({ error: { code, message } });

async function handle(req: IncomingMessage, res: ServerResponse) {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  const body = text ? JSON.parse(text) : undefined;
  seen.push({ method: req.method ?? "", url: req.url ?? "", body });
  if (failEverything) return send(res, 503, apiError("unavailable", "Changegate cannot reach its database right now. Retry shortly."));
  const auth = req.headers.authorization;
  if (auth === `Bearer ${OTHER_TOKEN}`) return send(res, 403, apiError("forbidden", 'This token belongs to service "incident-assistant", not "support-assistant". Use that service\'s token.'));
  if (auth !== `Bearer ${TOKEN}` && auth !== `Bearer ${READ_ONLY}`) return send(res, 401, apiError("unauthenticated", "This API token is not known to Changegate."));
  const url = new URL(req.url ?? "/", "http://x");
  if (req.method === "GET" && url.pathname === `${BASE}/status`) return send(res, 200, STATUS);
  if (req.method === "GET" && url.pathname === `${BASE}/releases`) return send(res, 200, RELEASES);
  if (req.method === "POST" && url.pathname === `${BASE}/rollbacks`) {
    if (auth === `Bearer ${READ_ONLY}`) return send(res, 403, apiError("forbidden", "This token lacks the operator scope (it has read)."));
    if (rollbackAnswer) return send(res, rollbackAnswer.status, rollbackAnswer.body);
    return send(res, 201, {
      rollbackId: "rb-1", releaseId: "rel_20261122_0941_ef56", arm: "canary", durationMs: 412, pointerRevision: 8, canaryReleaseId: null,
      from: { releaseId: "rel_20261120_0900_cd34", label: "sec-v13" }, to: { releaseId: "rel_20261122_0941_ef56", label: "sec-v12" }, changeRequests: ["CR-12"],
    });
  }
  return send(res, 404, apiError("not_found", `There is no service "${url.pathname.split("/")[4]}". Check the service slug.`));
}

beforeAll(async () => {
  server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  seen = [];
  rollbackAnswer = null;
  failEverything = false;
});

/** Runs the CLI as a child process (async: this process serves the fake API meanwhile). */
function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, CHANGEGATE_URL: baseUrl, CHANGEGATE_TOKEN: TOKEN, ...env };
    for (const [k, v] of Object.entries(childEnv)) if (v === undefined) delete childEnv[k];
    const child = spawn(process.execPath, [CLI, ...args], { env: childEnv });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const ROLLBACK = ["rollback", "--service", "support-assistant", "--component", "policy", "--to", "sec-v12", "--reason", "false refusal spike"];

describe("changegate CLI", () => {
  it("status: the pointer, bundles, canary differences and the rollout, readable", async () => {
    const { code, stdout, stderr } = await cli(["status", "--service", "support-assistant"]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toContain("support-assistant (Support assistant)");
    expect(stdout).toContain("Pointer   revision 7, updated 2026-11-20 09:00 UTC by Jonas Weber <operator@example.com>");
    expect(stdout).toMatch(/Stable {4}rel_20261112_1012_ab12/);
    expect(stdout).toMatch(/ {2}prompt {10}assist-v8\.1\.0 +a{12} +rollback → assist-v8\.0\.0/);
    expect(stdout).toMatch(/ {2}policy {10}sec-v12 +b{12} +rollback → none/);
    expect(stdout).toContain("Canary    rel_20261120_0900_cd34 at 5% of tenants acme-retail");
    // Only what differs from stable is listed under the canary.
    expect(stdout.split("Canary")[1]).toMatch(/policy +sec-v13/);
    expect(stdout.split("Canary")[1]).not.toMatch(/prompt/);
    expect(stdout).toContain("Rollout   CR-12 rolling out, stage 2 of 3 (5%): Block refund-abuse patterns (sec-v13)");
    expect(seen).toEqual([{ method: "GET", url: `${BASE}/status`, body: undefined }]);
  });

  it("status --json prints the server's answer as JSON", async () => {
    const { code, stdout } = await cli(["status", "-s", "support-assistant", "--json"]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual(STATUS);
  });

  it("releases: newest first with what changed, passing --limit", async () => {
    const { code, stdout } = await cli(["releases", "--service", "support-assistant", "--limit", "2"]);
    expect(code).toBe(0);
    expect(seen[0]!.url).toBe(`${BASE}/releases?limit=2`);
    const lines = stdout.split("\n");
    expect(lines[1]).toMatch(/^RELEASE +LIVE +KIND +CANARY +CR +CREATED +BY$/);
    expect(lines[2]).toMatch(/^rel_20261120_0900_cd34 +canary +deploy +5% of acme-retail +CR-12 +2026-11-20 09:00 UTC +Jonas Weber$/);
    expect(lines[3]).toBe("    policy sec-v12 → sec-v13");
    expect(lines[4]).toBe("    Canary 5% for sec-v13");
    expect(stdout).toMatch(/rel_20261112_1012_ab12 +stable +promotion +100%/);
  });

  it("rollback: reads the pointer revision first, sends it with the label, prints the outcome", async () => {
    const { code, stdout, stderr } = await cli(ROLLBACK);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([`GET ${BASE}/status`, `POST ${BASE}/rollbacks`]);
    expect(seen[1]!.body).toEqual({ component: "policy", to: "sec-v12", reason: "false refusal spike", expectedPointerRevision: 7 });
    expect(stdout).toContain("Rolled back policy sec-v13 → sec-v12 on support-assistant in 412 ms.");
    expect(stdout).toContain("new release      rel_20261122_0941_ef56 (canary)");
    expect(stdout).toContain("rolled back      CR-12");
  });

  it("rollback --to-release sends a bundle rollback; --expected-revision skips the status read", async () => {
    const { code, stdout } = await cli(["rollback", "-s", "support-assistant", "--to-release", "rel_20261112_1012_ab12", "--reason", "bad day", "--expected-revision", "6", "--json"]);
    expect(code).toBe(0);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.body).toEqual({ toRelease: "rel_20261112_1012_ab12", reason: "bad day", expectedPointerRevision: 6 });
    expect(JSON.parse(stdout)).toMatchObject({ releaseId: "rel_20261122_0941_ef56", durationMs: 412 });
  });

  it("exits 2 with the server's sentence when the rollback is refused (422)", async () => {
    rollbackAnswer = { status: 422, body: apiError("rule_refused", "sec-v13 is not a previous version of policy (it runs sec-v12). Previous versions: sec-v11.") };
    const { code, stdout, stderr } = await cli(ROLLBACK);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe("changegate: sec-v13 is not a previous version of policy (it runs sec-v12). Previous versions: sec-v11. (422 rule_refused)\n");
  });

  it("exits 2 on a 409 conflict, naming who won; --json puts the error on stdout", async () => {
    const message = "Already rolled back by Jonas Weber at 09:41 UTC (release rel_20261122_0941_ef56). Reload to see what runs now.";
    rollbackAnswer = { status: 409, body: apiError("conflict", message) };
    const { code, stdout, stderr } = await cli([...ROLLBACK, "--json"]);
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toEqual({ status: 409, error: { code: "conflict", message } });
    expect(stderr).toContain(message);
  });

  it("exits 2 for an unknown service (404)", async () => {
    const { code, stderr } = await cli(["status", "--service", "nope"]);
    expect(code).toBe(2);
    expect(stderr).toContain('There is no service "nope"');
  });

  it.each<[string, Record<string, string | undefined>, string[], RegExp]>([
    ["an unknown token (401)", { CHANGEGATE_TOKEN: `cg_support-assistant_${"0".repeat(40)}` }, ["status", "-s", "support-assistant"], /not known to Changegate\. \(401 unauthenticated\)/],
    ["another service's token (403)", { CHANGEGATE_TOKEN: OTHER_TOKEN }, ["status", "-s", "support-assistant"], /belongs to service "incident-assistant".*\(403 forbidden\)/],
    ["a read-only token rolling back (403)", { CHANGEGATE_TOKEN: READ_ONLY }, ROLLBACK, /lacks the operator scope/],
    ["no CHANGEGATE_TOKEN", { CHANGEGATE_TOKEN: undefined }, ["status", "-s", "support-assistant"], /Set CHANGEGATE_TOKEN/],
  ])("exits 4 for %s", async (_name, env, args, message) => {
    const { code, stderr } = await cli(args, env);
    expect(code).toBe(4);
    expect(stderr).toMatch(message);
  });

  it("exits 3 when Changegate answers 5xx, and when nothing listens", async () => {
    failEverything = true;
    const failing = await cli(["status", "-s", "support-assistant"]);
    expect(failing.code).toBe(3);
    expect(failing.stderr).toContain("Changegate failed to answer: Changegate cannot reach its database right now. Retry shortly. (503)");

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await cli(ROLLBACK, { CHANGEGATE_URL: `http://127.0.0.1:${port}` });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(`Changegate is not reachable at http://127.0.0.1:${port}/ (ECONNREFUSED)`);
  });

  it.each<[string, string[], RegExp]>([
    ["no command", [], /Usage:/],
    ["an unknown command", ["deploy", "-s", "support-assistant"], /Unknown command "deploy"/],
    ["an unknown option", ["status", "-s", "support-assistant", "--force"], /Unknown option '--force'/],
    ["no --service", ["status"], /--service <slug>/],
    ["no --reason", ["rollback", "-s", "support-assistant", "--component", "policy"], /Say why: --reason/],
    ["both --component and --to-release", ["rollback", "-s", "support-assistant", "--component", "policy", "--to-release", "rel_20261112_1012_ab12", "--reason", "x y z"], /not both/],
    ["--to without --component", ["rollback", "-s", "support-assistant", "--to", "sec-v12", "--reason", "x y z"], /Say what to roll back|use it with --component/],
    ["an unknown kind", ["rollback", "-s", "support-assistant", "--component", "model", "--reason", "x y z"], /--component must be one of prompt, retrieval, policy, tool_permission, routing/],
    ["a malformed release id", ["rollback", "-s", "support-assistant", "--to-release", "latest", "--reason", "x y z"], /release id like rel_/],
    ["an unquoted reason", ["rollback", "-s", "support-assistant", "--component", "policy", "--reason", "false", "refusal"], /Unexpected argument "refusal"/],
    ["--limit 0", ["releases", "-s", "support-assistant", "--limit", "0"], /--limit must be a positive whole number/],
    ["a bad URL", ["status", "-s", "support-assistant", "--url", "localhost:3000"], /is not a URL/],
  ])("exits 1 without calling the server for %s", async (_name, args, message) => {
    const { code, stderr } = await cli(args);
    expect(code).toBe(1);
    expect(stderr).toMatch(message);
    expect(seen).toEqual([]);
  });

  it("--help documents the exit codes and exits 0", async () => {
    const { code, stdout } = await cli(["--help"]);
    expect(code).toBe(0);
    for (const line of [/^ {2}0 {2}done/m, /^ {2}1 {2}usage error/m, /^ {2}2 {2}refused by the server/m, /^ {2}3 {2}Changegate unavailable/m, /^ {2}4 {2}authentication or authorization/m]) {
      expect(stdout).toMatch(line);
    }
  });
});
