import { and, count, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { POST } from "@/app/api/v1/services/[service]/rehearsals/route";
import { activePointers, auditLog, componentVersions, gateEvidence, gates, releaseManifestComponents, services, users } from "@/db/schema";
import { seedDemo } from "@/db/seed";
import { testDb } from "@/db/testing";
import { saveChangeRequestAction } from "@/lib/changes/actions";
import { rehearseChangeRequestRollbackAction } from "./rehearsal-actions";

let signedIn: string | null = null;
vi.mock("@/lib/auth/config", () => ({ auth: async () => (signedIn ? { user: { id: signedIn } } : null) }));
vi.mock("next/cache", () => ({ revalidatePath: vi.fn() }));

let tokens: Record<string, string> = {};
let userIds: Record<string, string> = {};
let crId = "";
let crNumber = 0;

function post(service: string, body: unknown, token: string | undefined) {
  const request = new Request(`http://localhost/api/v1/services/${service}/rehearsals`, {
    method: "POST",
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return POST(request, { params: Promise.resolve({ service }) });
}

async function written() {
  const [evidence] = await testDb().select({ n: count() }).from(gateEvidence);
  const [audit] = await testDb().select({ n: count() }).from(auditLog);
  return { evidence: evidence!.n, audit: audit!.n };
}

async function planGate() {
  const [gate] = await testDb().select().from(gates).where(and(eq(gates.changeRequestId, crId), eq(gates.type, "rollback_plan")));
  return gate!;
}

beforeAll(async () => {
  const credentials = await seedDemo(testDb(), { now: new Date("2026-11-20T10:00:00Z") });
  tokens = Object.fromEntries(credentials.tokens.map((t) => [t.service, t.token]));
  userIds = Object.fromEntries((await testDb().select().from(users)).map((u) => [u.email.split("@")[0]!, u.id]));
  signedIn = userIds.author!;
  const [live] = await testDb()
    .select({ content: componentVersions.content })
    .from(services)
    .innerJoin(activePointers, eq(activePointers.serviceId, services.id))
    .innerJoin(releaseManifestComponents, and(eq(releaseManifestComponents.releaseId, activePointers.stableReleaseId), eq(releaseManifestComponents.kind, "policy")))
    .innerJoin(componentVersions, eq(componentVersions.id, releaseManifestComponents.versionId))
    .where(eq(services.slug, "support-assistant"));
  const saved = await saveChangeRequestAction(null, {
    serviceSlug: "support-assistant",
    title: "Shorter refusal message",
    description: "",
    touchedDomains: [],
    securityImpact: false,
    expectedMetricShift: "",
    rollbackPlan: "Roll the policy back to the live version with one click on the Releases page.",
    components: [{ source: "new", kind: "policy", label: "sec-rehearsal-test", notes: "", content: { ...live!.content, refusalMessage: "I can't help with that here." } }],
    intent: "submit",
  });
  if (!saved.ok) throw new Error(saved.error.message);
  crId = saved.data.id;
  crNumber = saved.data.number;
}, 120_000);

describe("rollback rehearsal of a change request (rollback_plan gate)", () => {
  it("starts pending: a written plan alone does not pass the gate", async () => {
    expect(await planGate()).toMatchObject({ status: "pending", statusReason: "Plan written; waiting for a rollback rehearsal of the rollback targets." });
  });

  it.each([
    { name: "no token", service: "support-assistant", token: () => undefined, body: () => ({ changeRequest: `CR-${crNumber}` }), status: 401 },
    { name: "another service's token", service: "support-assistant", token: () => tokens["incident-assistant"], body: () => ({ changeRequest: `CR-${crNumber}` }), status: 403 },
    { name: "a change request of another service through this service's URL", service: "incident-assistant", token: () => tokens["incident-assistant"], body: () => ({ changeRequest: `CR-${crNumber}` }), status: 403 },
    { name: "a superseded or unknown revision", service: "support-assistant", token: () => tokens["support-assistant"], body: () => ({ changeRequest: `CR-${crNumber}`, revision: 2 }), status: 409 },
    { name: "a change request and a component at once", service: "support-assistant", token: () => tokens["support-assistant"], body: () => ({ changeRequest: `CR-${crNumber}`, component: "policy" }), status: 422 },
    { name: "an unknown change request", service: "support-assistant", token: () => tokens["support-assistant"], body: () => ({ changeRequest: "CR-999999" }), status: 404 },
  ])("refuses $name ($status) and writes nothing", async ({ service, token, body, status }) => {
    const before = await written();
    const response = await post(service, body(), token());
    expect(response.status).toBe(status);
    const json = (await response.json()) as { error: { code: string; message: string } };
    expect(json.error.message.length).toBeGreaterThan(10);
    expect(await written()).toEqual(before);
    expect((await planGate()).status).toBe("pending");
  });

  it("a dry run of a rollback now writes nothing, and says plainly when there is nothing to roll back to", async () => {
    const before = await written();
    const prompt = await post("support-assistant", { component: "prompt" }, tokens["support-assistant"]);
    expect(prompt.status).toBe(200);
    expect(await prompt.json()).toMatchObject({ ok: true, problems: [] });
    // The demo's policy sec-v12 came with the imported bundle: no earlier version ever ran.
    const policy = await post("support-assistant", { component: "policy" }, tokens["support-assistant"]);
    expect(policy.status).toBe(200);
    expect(await policy.json()).toMatchObject({ ok: false, problems: [expect.stringMatching(/^Policy sec-v12 has no previous version to roll back to/)] });
    expect(await written()).toEqual(before);
  });

  it("a viewer may not rehearse from the page; the server refuses and writes nothing", async () => {
    signedIn = userIds.viewer!;
    const before = await written();
    const result = await rehearseChangeRequestRollbackAction(null, { changeRequestId: crId, revision: 1 });
    expect(result).toMatchObject({ ok: false, error: { code: "forbidden" } });
    expect(await written()).toEqual(before);
  });

  it("the API rehearsal passes the gate with evidence and an audit entry naming the rollback targets", async () => {
    const before = await written();
    const response = await post("support-assistant", { changeRequest: `CR-${crNumber}`, revision: 1 }, tokens["support-assistant"]);
    expect(response.status).toBe(201);
    const json = (await response.json()) as { passed: boolean; status: string; summary: string; rollsBackTo: string[] };
    expect(json).toMatchObject({ changeRequest: `CR-${crNumber}`, revision: 1, gate: "rollback_plan", passed: true, status: "passed", problems: [] });
    expect(json.rollsBackTo).toEqual([expect.stringMatching(/^Policy → sec-v\d+/)]);
    expect(await planGate()).toMatchObject({ status: "passed", statusReason: json.summary });
    expect(await written()).toEqual({ evidence: before.evidence + 1, audit: before.audit + 1 });
    const [entry] = await testDb().select().from(auditLog).where(eq(auditLog.action, "gate.passed")).orderBy(auditLog.id);
    expect(entry).toBeDefined();
  });

  it("the author's button records the same check", async () => {
    signedIn = userIds.author!;
    const result = await rehearseChangeRequestRollbackAction(null, { changeRequestId: crId, revision: 1 });
    expect(result).toMatchObject({ ok: true, data: { passed: true, revision: 1 } });
  });
});
