import { and, count, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it, vi } from "vitest";
import {
  activePointers,
  auditLog,
  changeRequests,
  componentVersions,
  releaseManifestComponents,
  releaseManifests,
  rollbacks,
  services,
  users,
} from "@/db/schema";
import { seedDemo } from "@/db/seed";
import { testDb } from "@/db/testing";
import { createApiToken } from "@/lib/api/tokens";
import type { Actor } from "@/lib/auth/session";
import { startRollout } from "@/lib/releases/commands";
import type { ReleaseListItem, ServiceStatus } from "@/lib/releases/api-queries";
import { GET as getReleases } from "./releases/route";
import { POST as postRollback } from "./rollbacks/route";
import { GET as getStatus } from "./status/route";

// The API authenticates by token; the session module's next-auth import only loads inside Next.js.
vi.mock("@/lib/auth/config", () => ({ auth: async () => null }));

/**
 * The operator API (what `changegate status|releases|rollback` calls) against the seeded demo:
 * token scopes and services, label resolution, one manifest per rollback, nothing written on a
 * refusal, and the pointer compare-and-swap under concurrent calls.
 */

// Seeded in the recent past, so the rollbacks made now (at the real clock) come after its releases.
const SEED_NOW = new Date(Date.now() - 2 * 3_600_000);
const BASE = "http://changegate.test/api/v1/services";
const SUPPORT = "support-assistant";

let supportToken = "";
let incidentToken = "";
let readOnlyToken = "";
let supportId = "";

type Route = (request: Request, context: { params: Promise<{ service: string }> }) => Promise<Response>;

function call(route: Route, service: string, path: string, init: { token?: string | null; body?: unknown; rawBody?: string; contentType?: string } = {}) {
  const headers = new Headers();
  const token = init.token === undefined ? supportToken : init.token;
  if (token) headers.set("authorization", `Bearer ${token}`);
  const hasBody = init.body !== undefined || init.rawBody !== undefined;
  if (hasBody) headers.set("content-type", init.contentType ?? "application/json");
  const request = new Request(`${BASE}/${encodeURIComponent(service)}/${path}`, {
    method: hasBody ? "POST" : "GET",
    headers,
    body: init.rawBody ?? (init.body !== undefined ? JSON.stringify(init.body) : undefined),
  });
  return route(request, { params: Promise.resolve({ service }) });
}

const status = (init: Parameters<typeof call>[3] & { service?: string } = {}) => call(getStatus, init.service ?? SUPPORT, "status", init);
const rollback = (body: unknown, init: Parameters<typeof call>[3] & { service?: string } = {}) =>
  call(postRollback, init.service ?? SUPPORT, "rollbacks", { body, ...init });

async function errorOf(response: Response) {
  const body = (await response.json()) as { error: { code: string; message: string } };
  return { status: response.status, code: body.error.code, message: body.error.message };
}

/** The rows any refused rollback must leave untouched. */
async function footprint() {
  const db = testDb();
  const n = async (table: typeof releaseManifests | typeof rollbacks | typeof auditLog) => (await db.select({ n: count() }).from(table))[0]!.n;
  const [pointer] = await db.select().from(activePointers).where(eq(activePointers.serviceId, supportId));
  return { manifests: await n(releaseManifests), rollbacks: await n(rollbacks), audit: await n(auditLog), revision: pointer!.revision, stable: pointer!.stableReleaseId };
}

async function labelsOf(releaseId: string): Promise<Record<string, string>> {
  const rows = await testDb()
    .select({ kind: releaseManifestComponents.kind, label: componentVersions.label })
    .from(releaseManifestComponents)
    .innerJoin(componentVersions, eq(componentVersions.id, releaseManifestComponents.versionId))
    .where(eq(releaseManifestComponents.releaseId, releaseId));
  return Object.fromEntries(rows.map((r) => [r.kind, r.label]));
}

async function statusBody(): Promise<ServiceStatus> {
  const response = await status();
  expect(response.status).toBe(200);
  return (await response.json()) as ServiceStatus;
}

beforeAll(async () => {
  const credentials = await seedDemo(testDb(), { now: SEED_NOW });
  const tokenOf = (service: string) => credentials.tokens.find((t) => t.service === service)!;
  expect(tokenOf(SUPPORT).scopes).toEqual(["read", "write", "operator"]);
  supportToken = tokenOf(SUPPORT).token;
  incidentToken = tokenOf("incident-assistant").token;
  const [svc] = await testDb().select({ id: services.id }).from(services).where(eq(services.slug, SUPPORT));
  supportId = svc!.id;
  readOnlyToken = (await testDb().transaction((tx) => createApiToken(tx, { serviceId: supportId, name: "dashboards", scopes: ["read"], createdById: null }))).token;
}, 120_000);

describe("GET /api/v1/services/{service}/status", () => {
  it("shows the pointer, the stable bundle with rollback targets, no canary and no rollout", async () => {
    const body = await statusBody();
    expect(body.service).toEqual({ slug: SUPPORT, name: "Support assistant" });
    expect(body.pointer).toMatchObject({ canaryReleaseId: null, canaryPercent: 0, canaryTenants: [], revision: expect.any(Number) });
    expect(Object.keys(body.stable!.components)).toEqual(["prompt", "retrieval", "policy", "tool_permission", "routing"]);
    expect(body.stable!.components.prompt).toMatchObject({ version: "assist-v8.1.0", rollbackTarget: "assist-v8.0.0", hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(body.stable!.components.policy).toMatchObject({ version: "sec-v12" });
    expect(body.canary).toBeNull();
    expect(body.rollout).toBeNull();
  });

  it.each<[string, () => Promise<Response>, number, string, RegExp]>([
    ["no token", () => status({ token: null }), 401, "unauthenticated", /Bearer/],
    ["another service's token", () => status({ token: incidentToken }), 403, "forbidden", /belongs to service "incident-assistant", not "support-assistant"/],
    ["an unknown service", () => status({ service: "no-such-service" }), 404, "not_found", /no service "no-such-service"/],
  ])("refuses %s", async (_name, request, code, errorCode, message) => {
    const error = await errorOf(await request());
    expect(error).toMatchObject({ status: code, code: errorCode });
    expect(error.message).toMatch(message);
  });

  it("is readable with a read-only token", async () => {
    expect((await status({ token: readOnlyToken })).status).toBe(200);
  });
});

describe("GET /api/v1/services/{service}/releases", () => {
  it("lists manifests newest first with components by label, marking the live one", async () => {
    const response = await call(getReleases, SUPPORT, "releases?limit=2");
    expect(response.status).toBe(200);
    const body = (await response.json()) as { releases: ReleaseListItem[]; pointerRevision: number };
    expect(body.releases).toHaveLength(2);
    const [latest, before] = body.releases;
    expect(latest).toMatchObject({ kind: "rollback", canaryPercent: 100, live: "stable", replaces: before!.id, changeRequest: { number: expect.any(Number), title: expect.stringContaining("sec-v13") } });
    expect(latest!.components).toMatchObject({ prompt: "assist-v8.1.0", policy: "sec-v12" });
    expect(latest!.reason).toMatch(/false refusal spike/);
    expect(before!.components.policy).toBe("sec-v13");
    expect(before!.live).toBeNull();
    // The default is 20: the demo has fewer, so all of them.
    const all = (await (await call(getReleases, SUPPORT, "releases")).json()) as { releases: ReleaseListItem[] };
    expect(all.releases.length).toBeGreaterThan(2);
    expect(all.releases.at(-1)!.kind).toBe("initial");
  });

  it.each(["0", "201", "ten", "-1"])("refuses limit=%s (422)", async (limit) => {
    const error = await errorOf(await call(getReleases, SUPPORT, `releases?limit=${limit}`));
    expect(error).toMatchObject({ status: 422, code: "invalid_input" });
    expect(error.message).toMatch(/limit must be a whole number from 1 to 200/);
  });

  it("refuses another service's token", async () => {
    expect((await call(getReleases, SUPPORT, "releases", { token: incidentToken })).status).toBe(403);
  });
});

describe("POST /api/v1/services/{service}/rollbacks: refusals write nothing", () => {
  it.each<[string, () => Promise<Response>, number, string, RegExp]>([
    ["a read-only token", () => rollback({ component: "prompt", reason: "latency regression" }, { token: readOnlyToken }), 403, "forbidden", /lacks the operator scope \(it has read\)/],
    ["another service's token", () => rollback({ component: "prompt", reason: "latency regression" }, { token: incidentToken }), 403, "forbidden", /belongs to service "incident-assistant"/],
    ["an unknown service", () => rollback({ component: "prompt", reason: "latency regression" }, { service: "nope" }), 404, "not_found", /no service "nope"/],
    ["a --to label that is not a previous version", () => rollback({ component: "policy", to: "sec-v13", reason: "false refusal spike" }), 422, "rule_refused", /^sec-v13 is not a previous version of policy \(it runs sec-v12\)\./],
    ["an unknown label", () => rollback({ component: "policy", to: "sec-v99", reason: "false refusal spike" }), 422, "invalid_input", /^support-assistant has no policy version labelled "sec-v99"\. Its policy versions, newest first: .*sec-v12/],
    ["a label of another kind", () => rollback({ component: "policy", to: "assist-v8.0.0", reason: "false refusal spike" }), 422, "invalid_input", /assist-v8\.0\.0 is a prompt version of support-assistant, not a policy version/],
    ["the running version", () => rollback({ component: "policy", to: "sec-v12", reason: "false refusal spike" }), 422, "rule_refused", /already runs sec-v12/],
    ["both a component and a release", () => rollback({ component: "policy", toRelease: "rel_20260101_0000_abcd", reason: "x spike" }), 422, "invalid_input", /not both/],
    ["neither", () => rollback({ reason: "false refusal spike" }), 422, "invalid_input", /Say what to roll back/],
    ["an unknown field", () => rollback({ component: "policy", reason: "false refusal spike", force: true }), 422, "invalid_input", /force/],
    ["no reason", () => rollback({ component: "policy" }), 422, "invalid_input", /reason/],
    ["an unknown kind", () => rollback({ component: "model", reason: "false refusal spike" }), 422, "invalid_input", /prompt, retrieval, policy, tool_permission or routing/],
    ["a text body", () => call(postRollback, SUPPORT, "rollbacks", { rawBody: "component=policy", contentType: "text/plain" }), 415, "unsupported_media_type", /JSON/],
    ["malformed JSON", () => call(postRollback, SUPPORT, "rollbacks", { rawBody: "{component:" }), 400, "bad_request", /not valid JSON/],
    ["an unknown release", () => rollback({ toRelease: "rel_20200101_0000_beef", reason: "false refusal spike" }), 404, "not_found", /no release rel_20200101_0000_beef/],
  ])("refuses %s", async (_name, request, code, errorCode, message) => {
    const before = await footprint();
    const error = await errorOf(await request());
    expect(error).toMatchObject({ status: code, code: errorCode });
    expect(error.message).toMatch(message);
    expect(await footprint()).toEqual(before);
  });

  it("refuses a release of another service as the bundle target", async () => {
    const [incidentRelease] = await testDb()
      .select({ id: releaseManifests.id })
      .from(releaseManifests)
      .innerJoin(services, eq(services.id, releaseManifests.serviceId))
      .where(eq(services.slug, "incident-assistant"))
      .limit(1);
    const before = await footprint();
    const error = await errorOf(await rollback({ toRelease: incidentRelease!.id, reason: "false refusal spike" }));
    expect(error).toMatchObject({ status: 422, code: "rule_refused" });
    expect(error.message).toBe(`${incidentRelease!.id} is a release of incident-assistant, not support-assistant; a bundle rollback stays within its service.`);
    expect(await footprint()).toEqual(before);
  });
});

describe("POST /api/v1/services/{service}/rollbacks: a component rollback by label", () => {
  let releaseId = "";

  it("writes one manifest with only that component reverted, flips the pointer, and answers 201 with the timing", async () => {
    const before = await footprint();
    const stableBefore = await labelsOf(before.stable);
    const response = await rollback({ component: "prompt", to: "assist-v8.0.0", reason: "latency regression", expectedPointerRevision: before.revision });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { releaseId: string; durationMs: number; pointerRevision: number; from: { label: string }; to: { label: string }; arm: string };
    expect(body).toMatchObject({ arm: "stable", pointerRevision: before.revision + 1, from: { releaseId: before.stable, label: "assist-v8.1.0" }, to: { releaseId: body.releaseId, label: "assist-v8.0.0" } });
    expect(body.releaseId).toMatch(/^rel_\d{8}_\d{4}_[0-9a-f]{4}$/);
    expect(body.durationMs).toBeGreaterThanOrEqual(0);
    expect(body.durationMs).toBeLessThan(10_000);
    releaseId = body.releaseId;

    const after = await footprint();
    expect(after).toMatchObject({ manifests: before.manifests + 1, rollbacks: before.rollbacks + 1, revision: before.revision + 1, stable: body.releaseId });
    expect(await labelsOf(body.releaseId)).toEqual({ ...stableBefore, prompt: "assist-v8.0.0" });
    const [manifest] = await testDb().select().from(releaseManifests).where(eq(releaseManifests.id, body.releaseId));
    expect(manifest).toMatchObject({ kind: "rollback", actorType: "api_token", replacesReleaseId: before.stable, reason: "Rolled back prompt to assist-v8.0.0: latency regression" });
    expect(manifest!.actorLabel).toMatch(/^support-assistant CI and runtime \(demo\) \(cg_support-/); // the token, by name and prefix
    const audits = await testDb().select().from(auditLog).where(and(eq(auditLog.action, "release.rolled_back"), eq(auditLog.actorType, "api_token")));
    expect(audits).toHaveLength(1);
    expect(audits[0]!.reason).toBe("latency regression");
  });

  it("then shows in status and releases", async () => {
    const body = await statusBody();
    expect(body.pointer!.stableReleaseId).toBe(releaseId);
    expect(body.stable!.components.prompt!.version).toBe("assist-v8.0.0");
    const list = (await (await call(getReleases, SUPPORT, "releases?limit=1")).json()) as { releases: ReleaseListItem[] };
    expect(list.releases[0]).toMatchObject({ id: releaseId, kind: "rollback", live: "stable", components: { prompt: "assist-v8.0.0" } });
  });

  it("answers a stale expectedPointerRevision with 409 naming who rolled back, and writes nothing", async () => {
    const before = await footprint();
    const error = await errorOf(await rollback({ component: "prompt", reason: "latency regression", expectedPointerRevision: before.revision - 1 }));
    expect(error).toMatchObject({ status: 409, code: "conflict" });
    expect(error.message).toMatch(new RegExp(`^Already rolled back by support-assistant CI and runtime \\(demo\\) \\(cg_support-[^)]*\\) at \\d\\d:\\d\\d UTC \\(release ${releaseId}\\)`));
    expect(await footprint()).toEqual(before);
  });

  it("refuses a component rollback to its default target without expectedPointerRevision (two racing scripts would each go back a version)", async () => {
    const before = await footprint();
    const error = await errorOf(await rollback({ component: "prompt", reason: "latency regression" }));
    expect(error).toMatchObject({ status: 400, code: "bad_request" });
    expect(error.message).toMatch(/^A prompt rollback to its default target needs expectedPointerRevision: read pointer\.revision from GET \/api\/v1\/services\/support-assistant\/status/);
    expect(await footprint()).toEqual(before);
  });

  it("rolls the whole bundle back to an earlier release (toRelease)", async () => {
    const before = await footprint();
    const [previous] = await testDb().select({ replaces: releaseManifests.replacesReleaseId }).from(releaseManifests).where(eq(releaseManifests.id, releaseId));
    const response = await rollback({ toRelease: previous!.replaces, reason: "the prompt rollback was a mistake" });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { releaseId: string; pointerRevision: number };
    expect(body.pointerRevision).toBe(before.revision + 1);
    expect((await labelsOf(body.releaseId)).prompt).toBe("assist-v8.1.0");
    expect((await footprint()).manifests).toBe(before.manifests + 1);
  });
});

describe("POST /api/v1/services/{service}/rollbacks: the canary of a rollout in flight", () => {
  it("shows the rollout in status, and concurrent rollbacks of its prompt make exactly one manifest; the rest get 409 naming the winner", async () => {
    const [paymentWording] = await testDb().select().from(changeRequests).where(eq(changeRequests.title, "Payment wording and refusal guidance (assist-v8.2.0)"));
    const [operator] = await testDb().select().from(users).where(eq(users.email, "operator@example.com"));
    const actor: Actor = { id: operator!.id, email: operator!.email, name: operator!.name, role: "operator" };
    const started = await testDb().transaction((tx) =>
      startRollout({ tx, actor, now: new Date() }, { changeRequestId: paymentWording!.id, expectedLockVersion: paymentWording!.lockVersion }),
    );

    const now = await statusBody();
    expect(now.canary).toMatchObject({ releaseId: started.releaseId, percent: started.canaryPercent, tenants: [] });
    expect(now.canary!.components.prompt!.version).toBe("assist-v8.2.0");
    expect(now.rollout).toEqual({
      changeRequest: { number: paymentWording!.number, title: paymentWording!.title, state: "rolling_out", riskTier: paymentWording!.riskTier },
      stage: { number: 1, of: expect.any(Number), percent: started.canaryPercent },
    });

    const before = await footprint();
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => rollback({ component: "prompt", reason: "false refusal spike", expectedPointerRevision: before.revision })),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    const winner = (await responses.find((r) => r.status === 201)!.json()) as { releaseId: string; arm: string; changeRequests: string[] };
    expect(winner).toMatchObject({ arm: "canary", changeRequests: [`CR-${paymentWording!.number}`] });
    for (const loser of responses.filter((r) => r.status === 409)) {
      expect((await errorOf(loser)).message).toMatch(new RegExp(`^Already rolled back by support-assistant CI and runtime \\(demo\\) .* \\(release ${winner.releaseId}\\)`));
    }
    const after = await footprint();
    expect(after).toMatchObject({ manifests: before.manifests + 1, rollbacks: before.rollbacks + 1, revision: before.revision + 1 });

    const settled = await statusBody();
    expect(settled.canary).toBeNull();
    expect(settled.rollout).toBeNull();
    const [cr] = await testDb().select({ state: changeRequests.state }).from(changeRequests).where(eq(changeRequests.id, paymentWording!.id));
    expect(cr!.state).toBe("rolled_back");
  });
});
