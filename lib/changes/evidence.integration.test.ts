import { and, count, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { auditLog, gateEvidence, gates, users } from "@/db/schema";
import { seedDemo } from "@/db/seed";
import { testDb } from "@/db/testing";
import { POST } from "@/app/api/v1/change-requests/[id]/evidence/route";
import { saveChangeRequestAction } from "./actions";

let signedIn: string | null = null;
vi.mock("@/lib/auth/config", () => ({ auth: async () => (signedIn ? { user: { id: signedIn } } : null) }));
vi.mock("next/cache", () => ({ revalidatePath: vi.fn() }));

let tokens: Record<string, string> = {};
let crId = "";
let crNumber = 0;

const goodResult = {
  segments: [
    { name: "billing", total: 100, passed: 97 },
    { name: "orders", total: 80, passed: 78 },
  ],
  regressions: [{ caseId: "case-17", segment: "billing", summary: "Drops the order number", severity: "minor" }],
  latencyDeltaPct: 2.5,
  tokenCostDeltaPct: 1.2,
  userVisibleChanges: ["Shorter answers"],
};

function post(id: string, body: unknown, init: { token?: string; contentType?: string; raw?: string } = {}) {
  const request = new Request(`http://localhost/api/v1/change-requests/${id}/evidence`, {
    method: "POST",
    headers: {
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      "content-type": init.contentType ?? "application/json",
    },
    body: init.raw ?? JSON.stringify(body),
  });
  return POST(request, { params: Promise.resolve({ id }) });
}

async function evidenceCount() {
  const [row] = await testDb().select({ n: count() }).from(gateEvidence);
  return row!.n;
}

beforeAll(async () => {
  const credentials = await seedDemo(testDb(), { now: new Date("2026-11-20T10:00:00Z") });
  tokens = Object.fromEntries(credentials.tokens.map((t) => [t.service, t.token]));
  const [author] = await testDb().select().from(users).where(eq(users.email, "author@example.com"));
  signedIn = author!.id;
  const { componentVersions, releaseManifestComponents, activePointers, services } = await import("@/db/schema");
  const [live] = await testDb()
    .select({ content: componentVersions.content })
    .from(services)
    .innerJoin(activePointers, eq(activePointers.serviceId, services.id))
    .innerJoin(releaseManifestComponents, and(eq(releaseManifestComponents.releaseId, activePointers.stableReleaseId), eq(releaseManifestComponents.kind, "prompt")))
    .innerJoin(componentVersions, eq(componentVersions.id, releaseManifestComponents.versionId))
    .where(eq(services.slug, "support-assistant"));
  const content = { ...live!.content, instructions: `${String(live!.content.instructions)}\nEnd with a short summary.` };
  const saved = await saveChangeRequestAction(null, {
    serviceSlug: "support-assistant",
    title: "Summaries at the end",
    description: "",
    touchedDomains: [],
    securityImpact: false,
    expectedMetricShift: "",
    rollbackPlan: "",
    components: [{ source: "new", kind: "prompt", label: "assist-v9.0.0-test", notes: "", content }],
    intent: "submit",
  });
  if (!saved.ok) throw new Error(saved.error.message);
  crId = saved.data.id;
  crNumber = saved.data.number;
}, 120_000);

describe("POST /api/v1/change-requests/{id}/evidence", () => {
  it.each([
    { name: "no token", init: {}, status: 401, code: "unauthenticated" },
    { name: "another service's token", init: { service: "incident-assistant" }, status: 403, code: "forbidden" },
    { name: "a body that is not JSON", init: { service: "support-assistant", contentType: "text/plain" }, status: 415, code: "unsupported_media_type" },
    { name: "malformed JSON", init: { service: "support-assistant", raw: "{ not json" }, status: 400, code: "bad_request" },
    { name: "results missing segments", init: { service: "support-assistant", body: { revision: 1, result: { ...goodResult, segments: [] } } }, status: 422, code: "invalid_input" },
    { name: "a superseded or unknown revision", init: { service: "support-assistant", body: { revision: 2, result: goodResult } }, status: 409, code: "conflict" },
  ])("refuses $name with $status and writes nothing", async ({ init, status, code }) => {
    const before = await evidenceCount();
    const { service, body, ...rest } = init as { service?: string; body?: unknown; contentType?: string; raw?: string };
    const response = await post(crId, body ?? { revision: 1, result: goodResult }, { ...rest, token: service ? tokens[service] : undefined });
    expect(response.status).toBe(status);
    const json = (await response.json()) as { error: { code: string; message: string } };
    expect(json.error.code).toBe(code);
    expect(json.error.message.length).toBeGreaterThan(10);
    expect(await evidenceCount()).toBe(before);
  });

  it("judges passing results against the service's thresholds and passes the gate, audited as the token", async () => {
    const response = await post(crId, { revision: 1, result: goodResult }, { token: tokens["support-assistant"] });
    expect(response.status).toBe(201);
    const json = (await response.json()) as { gate: string; passed: boolean; summary: string };
    expect(json).toMatchObject({ gate: "offline_smoke", passed: true });
    const [gate] = await testDb().select().from(gates).where(and(eq(gates.changeRequestId, crId), eq(gates.type, "offline_smoke")));
    expect(gate).toMatchObject({ status: "passed", statusReason: json.summary });
    const [entry] = await testDb().select().from(auditLog).where(and(eq(auditLog.targetId, gate!.id), eq(auditLog.action, "gate.passed")));
    expect(entry!.actorType).toBe("api_token");
  });

  it("fails the gate with the reason when results fall below the threshold", async () => {
    const failing = { ...goodResult, segments: [{ name: "billing", total: 100, passed: 60 }] };
    const response = await post(crId, { revision: 1, result: failing }, { token: tokens["support-assistant"] });
    expect(response.status).toBe(201);
    const json = (await response.json()) as { passed: boolean; summary: string };
    expect(json.passed).toBe(false);
    expect(json.summary).toMatch(/60\.0%.*90%/);
    const [gate] = await testDb().select().from(gates).where(and(eq(gates.changeRequestId, crId), eq(gates.type, "offline_smoke")));
    expect(gate!.status).toBe("failed");
  });

  it.each([
    { name: "the number as the page shows it (CR-<n>)", ref: () => `CR-${crNumber}` },
    { name: "the bare number", ref: () => String(crNumber) },
    { name: "lower case", ref: () => `cr-${crNumber}` },
  ])("accepts $name and records on the same change request", async ({ ref }) => {
    const before = await evidenceCount();
    const response = await post(ref(), { revision: 1, result: goodResult }, { token: tokens["support-assistant"] });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ gate: "offline_smoke", revision: 1, passed: true });
    expect(await evidenceCount()).toBe(before + 1);
    const [gate] = await testDb().select().from(gates).where(and(eq(gates.changeRequestId, crId), eq(gates.type, "offline_smoke")));
    expect(gate!.status).toBe("passed");
  });

  it.each([
    { name: "another service's token naming the number", ref: () => `CR-${crNumber}`, service: "incident-assistant", status: 403, message: /belongs to service "incident-assistant"/ },
    { name: "an unknown number", ref: () => "CR-999999", service: "support-assistant", status: 404, message: /^There is no change request CR-999999\.$/ },
    { name: "something that is neither a number nor an id", ref: () => "latest", service: "support-assistant", status: 404, message: /name it as its page does, e\.g\. CR-42/ },
  ])("refuses $name ($status) and writes nothing", async ({ ref, service, status, message }) => {
    const before = await evidenceCount();
    const response = await post(ref(), { revision: 1, result: goodResult }, { token: tokens[service] });
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(message);
    expect(await evidenceCount()).toBe(before);
  });
});
