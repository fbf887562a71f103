import { and, count, desc, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { Tx } from "@/db/client";
import {
  activePointers,
  auditLog,
  changeRequests,
  componentVersions,
  gates,
  releaseManifestComponents,
  releaseManifests,
  rollbacks,
  services,
  users,
  webhookDeliveries,
  webhooks,
  type ChangeRequest,
} from "@/db/schema";
import { seedDemo } from "@/db/seed";
import { testDb, testDbHandle } from "@/db/testing";
import type { Actor } from "@/lib/auth/session";
import { decideChangeRequestAction, saveChangeRequestAction } from "@/lib/changes/actions";
import { decideChangeRequest, lockChangeRequest, saveChangeRequest } from "@/lib/changes/commands";
import { recordOfflineEvidence } from "@/lib/changes/evidence-commands";
import type { SaveChangeRequestInput } from "@/lib/changes/input";
import { contentHash } from "@/lib/components/content-hash";
import { COMPONENT_KINDS, type ComponentKind } from "@/lib/components/kinds";
import { AppError } from "@/lib/errors";
import { POINTER_CHANNEL } from "@/lib/runtime/notify";
import {
  promoteRolloutAction,
  rehearseRollbackAction,
  rollbackBundleAction,
  rollbackComponentAction,
  startRolloutAction,
  tagRollbackCauseAction,
} from "./actions";
import { rollbackComponent, startRollout, type ReleaseCommandContext } from "./commands";
import { listUntaggedRollbacks, rollbackTimeKpiByService } from "./rollback-queries";
import { rehearseChangeRequestRollbackGate } from "./rehearsal-gate";

// The session is whoever `signedIn` names; everything else (role lookup, rules, writes) is real.
let signedIn: string | null = null;
vi.mock("@/lib/auth/config", () => ({ auth: async () => (signedIn ? { user: { id: signedIn } } : null) }));
vi.mock("next/cache", () => ({ revalidatePath: vi.fn() }));

/** Anchor of the demo; the direct-command steps below happen in the days after it, the action steps at the real now. */
const SEED_NOW = new Date("2026-10-05T08:00:00Z");
const THURSDAY_IN_WINDOW = new Date("2026-10-08T08:00:00Z"); // 10:00 in Berlin (CEST)
const SATURDAY = new Date("2026-10-10T10:00:00Z");

type Person = "viewer" | "author" | "reviewer" | "security" | "operator" | "admin";
const actors = {} as Record<Person, Actor>;
const as = (who: Person) => {
  signedIn = actors[who].id;
};

/** Runs a command the way an action does — one transaction — with a chosen actor and clock. */
function run<T>(who: Person, now: Date, fn: (ctx: ReleaseCommandContext & { tx: Tx; actor: Actor }) => Promise<T>): Promise<T> {
  return testDb().transaction((tx) => fn({ tx, actor: actors[who], now }));
}

async function serviceId(slug: string) {
  const [row] = await testDb().select({ id: services.id }).from(services).where(eq(services.slug, slug));
  return row!.id;
}
async function pointerOf(slug: string) {
  const [row] = await testDb().select().from(activePointers).where(eq(activePointers.serviceId, await serviceId(slug)));
  return row!;
}
async function bundle(releaseId: string): Promise<Record<string, string>> {
  const rows = await testDb()
    .select({ kind: releaseManifestComponents.kind, label: componentVersions.label })
    .from(releaseManifestComponents)
    .innerJoin(componentVersions, eq(componentVersions.id, releaseManifestComponents.versionId))
    .where(eq(releaseManifestComponents.releaseId, releaseId));
  return Object.fromEntries(rows.map((r) => [r.kind, r.label]));
}
async function componentRow(releaseId: string, kind: ComponentKind) {
  const [row] = await testDb()
    .select()
    .from(releaseManifestComponents)
    .where(and(eq(releaseManifestComponents.releaseId, releaseId), eq(releaseManifestComponents.kind, kind)));
  return row!;
}
async function manifest(id: string) {
  const [row] = await testDb().select().from(releaseManifests).where(eq(releaseManifests.id, id));
  return row!;
}
async function crById(id: string): Promise<ChangeRequest> {
  const [row] = await testDb().select().from(changeRequests).where(eq(changeRequests.id, id));
  return row!;
}
async function labelOf(versionId: string) {
  const [row] = await testDb().select({ label: componentVersions.label }).from(componentVersions).where(eq(componentVersions.id, versionId));
  return row!.label;
}
async function versionByLabel(slug: string, kind: ComponentKind, label: string) {
  const [row] = await testDb()
    .select({ version: componentVersions })
    .from(componentVersions)
    .innerJoin(services, eq(services.id, componentVersions.serviceId))
    .where(and(eq(services.slug, slug), eq(componentVersions.kind, kind), eq(componentVersions.label, label)));
  return row!.version;
}
/** Rows that any refused release command must leave untouched. */
async function footprint() {
  const db = testDb();
  const n = async (table: typeof releaseManifests | typeof rollbacks | typeof auditLog | typeof webhookDeliveries) =>
    (await db.select({ n: count() }).from(table))[0]!.n;
  const pointers = await db.select({ s: activePointers.serviceId, r: activePointers.revision }).from(activePointers);
  return {
    manifests: await n(releaseManifests),
    rollbacks: await n(rollbacks),
    audit: await n(auditLog),
    deliveries: await n(webhookDeliveries),
    pointers: Object.fromEntries(pointers.map((p) => [p.s, p.r])),
  };
}
async function auditCount(action: string) {
  const [row] = await testDb().select({ n: count() }).from(auditLog).where(eq(auditLog.action, action));
  return row!.n;
}

let labelCounter = 0;
async function liveContent(slug: string, kind: ComponentKind) {
  const pointer = await pointerOf(slug);
  const row = await componentRow(pointer.stableReleaseId, kind);
  const [v] = await testDb().select().from(componentVersions).where(eq(componentVersions.id, row.versionId));
  return structuredClone(v!.content);
}
async function changeRequestInput(over: Partial<SaveChangeRequestInput> & { kind: ComponentKind; tweak: (c: Record<string, unknown>) => void }) {
  const { kind, tweak, ...rest } = over;
  const content = await liveContent(over.serviceSlug ?? "support-assistant", kind);
  tweak(content);
  labelCounter += 1;
  return {
    serviceSlug: "support-assistant",
    title: `Release test ${labelCounter}`,
    description: "",
    touchedDomains: [],
    securityImpact: false,
    expectedMetricShift: "",
    rollbackPlan: "Roll the component back to the live version with one click from the release page.",
    components: [{ source: "new" as const, kind, label: `rel-test-${kind}-${labelCounter}`, notes: "", content }],
    intent: "submit" as const,
    ...rest,
  };
}
const passingResult = {
  segments: [{ name: "all", total: 200, passed: 196 }],
  regressions: [],
  latencyDeltaPct: 1.5,
  tokenCostDeltaPct: 0.4,
  userVisibleChanges: [],
};
async function attachPassingEvidence(crId: string, now: Date) {
  await run("author", now, async ({ tx, actor }) => {
    const cr = await lockChangeRequest(tx, crId);
    await recordOfflineEvidence(tx, {
      changeRequest: cr,
      revision: cr.currentRevision,
      result: passingResult,
      source: "upload",
      submittedBy: { userId: actor.id },
      auditActor: { type: "user", id: actor.id, label: `${actor.name} <${actor.email}>` },
      now,
    });
  });
}
async function refusal(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (err) {
    if (err instanceof AppError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error("expected the command to be refused");
}

beforeAll(async () => {
  await seedDemo(testDb(), { now: SEED_NOW });
  for (const row of await testDb().select().from(users)) {
    const key = row.email.split("@")[0] as Person;
    actors[key] = { id: row.id, email: row.email, name: row.name, role: row.role as Actor["role"] };
  }
}, 120_000);

describe("a high-risk rollout: gates, deploy window, emergency override, canary rollback", () => {
  let crId = "";
  let hookId = "";

  it("refuses to start while a pre-canary gate is open, naming it", async () => {
    const input = await changeRequestInput({ kind: "policy", tweak: (c) => void (c.refusalMessage = "I can't do that in chat; here is who can.") });
    const saved = await run("author", THURSDAY_IN_WINDOW, (ctx) => saveChangeRequest(ctx, { ...input, title: "Friendlier refusal message (policy)" }));
    expect(saved).toMatchObject({ tier: "high", state: "in_review" });
    crId = saved.id;
    await run("reviewer", THURSDAY_IN_WINDOW, (ctx) => decideChangeRequest(ctx, { changeRequestId: crId, revision: 1, decision: "approved", comment: "" }));
    const decided = await run("security", THURSDAY_IN_WINDOW, (ctx) =>
      decideChangeRequest(ctx, { changeRequestId: crId, revision: 1, decision: "approved", comment: "" }),
    );
    expect(decided.state).toBe("approved");

    const before = await footprint();
    const cr = await crById(crId);
    const refused = await refusal(run("operator", THURSDAY_IN_WINDOW, (ctx) => startRollout(ctx, { changeRequestId: crId, expectedLockVersion: cr.lockVersion })));
    expect(refused.code).toBe("rule_refused");
    expect(refused.message).toMatch(new RegExp(`^CR-${cr.number} cannot start rolling out: 2 gates are still open — Offline evaluation \\(pending`));
    expect(refused.message).toMatch(/Rollback plan \(pending: Plan written; waiting for a rollback rehearsal/);
    expect(refused.message).not.toMatch(/Security review/);
    expect(await footprint()).toEqual(before);
    await attachPassingEvidence(crId, THURSDAY_IN_WINDOW);
    // The rollback rehearsal passes the rollback_plan gate: the live policy is what the change was proposed against.
    const rehearsed = await run("author", THURSDAY_IN_WINDOW, async ({ tx, actor }) =>
      rehearseChangeRequestRollbackGate(tx, { changeRequest: await lockChangeRequest(tx, crId), by: { user: actor }, revision: 1, now: THURSDAY_IN_WINDOW }),
    );
    expect(rehearsed).toMatchObject({ passed: true, status: "passed", problems: [] });
    expect(rehearsed.summary).toMatch(/^Plan written; rollback rehearsal passed \(Policy → /);
  });

  it("refuses a high-risk start on a Saturday without the emergency override, and an emergency by a non-operator", async () => {
    const cr = await crById(crId);
    const before = await footprint();
    const outside = await refusal(run("operator", SATURDAY, (ctx) => startRollout(ctx, { changeRequestId: crId, expectedLockVersion: cr.lockVersion })));
    expect(outside.code).toBe("rule_refused");
    expect(outside.message).toMatch(/^Outside the deploy window \(Mon–Thu 09:00–16:00, Europe\/Berlin\): it is Saturday 12:00/);
    expect(outside.message).toMatch(/an on-call operator can override it with a reason/);

    const byAdmin = await refusal(
      run("admin", SATURDAY, (ctx) => startRollout(ctx, { changeRequestId: crId, expectedLockVersion: cr.lockVersion, emergency: { reason: "Fraud wave on refunds right now" } })),
    );
    expect(byAdmin).toEqual({
      code: "forbidden",
      message: "Your role (Admin) cannot override the deploy window in an emergency. Roles that can: Operator (on-call).",
    });
    const terse = await refusal(run("operator", SATURDAY, (ctx) => startRollout(ctx, { changeRequestId: crId, expectedLockVersion: cr.lockVersion, emergency: { reason: "now" } })));
    expect(terse.message).toMatch(/emergency reason needs at least 10 characters/);

    as("viewer");
    const byViewer = await startRolloutAction(null, { changeRequestId: crId, expectedLockVersion: cr.lockVersion, emergencyReason: "Fraud wave on refunds right now" });
    expect(byViewer).toMatchObject({ ok: false, error: { code: "forbidden" } });
    expect(await footprint()).toEqual(before);
  });

  it("an operator's emergency start writes a deploy manifest with only the policy changed, at the first stage", async () => {
    const [hook] = await testDb().insert(webhooks).values({ url: "http://127.0.0.1:9/hook", secret: "whsec_test", events: ["rollback"] }).returning();
    hookId = hook!.id;
    const svc = await serviceId("support-assistant");
    const pointerBefore = await pointerOf("support-assistant");
    const cr = await crById(crId);
    const started = await run("operator", SATURDAY, (ctx) =>
      startRollout(ctx, { changeRequestId: crId, expectedLockVersion: cr.lockVersion, emergency: { reason: "Fraud wave on refunds right now" } }),
    );
    expect(started).toMatchObject({ canaryPercent: 1, emergency: true, changeRequestState: "rolling_out", pointerRevision: pointerBefore.revision + 1 });
    expect(started.releaseId).toMatch(/^rel_20261010_1000_[0-9a-f]{4}$/);

    const deploy = await manifest(started.releaseId);
    expect(deploy).toMatchObject({ serviceId: svc, kind: "deploy", canaryPercent: 1, targetTenants: [], changeRequestId: crId, replacesReleaseId: pointerBefore.stableReleaseId, actorLabel: "Jonas Weber <operator@example.com>" });
    expect(deploy.reason).toMatch(/Emergency override: Fraud wave on refunds right now/);
    const stableBundle = await bundle(pointerBefore.stableReleaseId);
    const deployBundle = await bundle(started.releaseId);
    const changedKinds = COMPONENT_KINDS.filter((k) => stableBundle[k] !== deployBundle[k]);
    expect(changedKinds).toEqual(["policy"]);
    expect(deployBundle.policy).toMatch(/^rel-test-policy-/);
    // The policy's rollback target is the version it replaces.
    const policy = await componentRow(started.releaseId, "policy");
    expect(await labelOf(policy.rollbackTargetVersionId!)).toBe(stableBundle.policy);

    const pointer = await pointerOf("support-assistant");
    expect(pointer).toMatchObject({ stableReleaseId: pointerBefore.stableReleaseId, canaryReleaseId: started.releaseId, canaryPercent: 1, canaryTenants: [], revision: pointerBefore.revision + 1 });
    expect(await crById(crId)).toMatchObject({ state: "rolling_out", canaryStage: 0, emergencyReason: "Fraud wave on refunds right now", lockVersion: cr.lockVersion + 1 });
    expect(await auditCount("release.rollout_started")).toBe(1);
  });

  it("refuses a second rollout on the service while this one is in flight", async () => {
    const [paymentWording] = await testDb().select().from(changeRequests).where(eq(changeRequests.title, "Payment wording and refusal guidance (assist-v8.2.0)"));
    expect(paymentWording!.state).toBe("approved");
    const before = await footprint();
    const mine = await crById(crId);
    const refused = await refusal(
      run("operator", new Date("2026-10-12T08:00:00Z"), (ctx) => startRollout(ctx, { changeRequestId: paymentWording!.id, expectedLockVersion: paymentWording!.lockVersion })),
    );
    expect(refused).toEqual({
      code: "rule_refused",
      message: `CR-${mine.number} is already rolling out on this service. One rollout at a time: promote, roll back or cancel it before starting another.`,
    });
    expect(await footprint()).toEqual(before);
  });

  it("rolling back the canary's policy ends the canary, records the KPI times and rolls the change request back", async () => {
    const svc = await serviceId("support-assistant");
    const pointerBefore = await pointerOf("support-assistant");
    const stableBefore = await bundle(pointerBefore.stableReleaseId);
    // The canary judge failed the 1% stage at 10:30: that is the first alarm.
    const alarm = new Date("2026-10-10T10:30:00Z");
    await testDb().update(gates).set({ status: "failed", statusReason: "false_refusal_rate +2.7 pp", updatedAt: alarm }).where(and(eq(gates.changeRequestId, crId), eq(gates.canaryPercent, 1)));

    const now = new Date("2026-10-10T11:00:00Z");
    const clickedAt = new Date("2026-10-10T10:59:59.500Z");
    const outcome = await run("operator", now, (ctx) =>
      rollbackComponent(ctx, { serviceId: svc, kind: "policy", reason: "false refusal spike", clickedAt, expectedPointerRevision: pointerBefore.revision }),
    );
    expect(outcome).toMatchObject({ arm: "canary", pointerRevision: pointerBefore.revision + 1, canaryReleaseId: null, from: { releaseId: pointerBefore.canaryReleaseId } });
    expect(outcome.to.label).toBe(stableBefore.policy);
    expect(outcome.durationMs).toBeGreaterThanOrEqual(500);
    expect(outcome.durationMs).toBeLessThan(10_500);

    const written = await manifest(outcome.releaseId);
    expect(written).toMatchObject({ kind: "rollback", canaryPercent: 100, changeRequestId: crId, replacesReleaseId: pointerBefore.canaryReleaseId });
    expect(await bundle(outcome.releaseId)).toEqual(stableBefore);
    expect(await pointerOf("support-assistant")).toMatchObject({ stableReleaseId: outcome.releaseId, canaryReleaseId: null, canaryPercent: 0 });

    const [row] = await testDb().select().from(rollbacks).where(eq(rollbacks.id, outcome.rollbackId));
    expect(row).toMatchObject({ scope: "component", kind: "policy", changeRequestId: crId, fromReleaseId: pointerBefore.canaryReleaseId, toReleaseId: outcome.releaseId, reason: "false refusal spike", causeTag: null, actorId: actors.operator.id });
    expect(row!.clickedAt.toISOString()).toBe(clickedAt.toISOString());
    expect(row!.firstAlarmAt?.toISOString()).toBe(alarm.toISOString());
    expect(row!.flippedAt.getTime() - row!.clickedAt.getTime()).toBe(outcome.durationMs);

    expect((await crById(crId)).state).toBe("rolled_back");
    const deliveries = await testDb().select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, hookId));
    expect(deliveries.map((d) => d.event)).toEqual(["rollback"]);
    expect(deliveries[0]!.payload).toMatchObject({ data: { rollback: { kind: "policy", reason: "false refusal spike", to: { releaseId: outcome.releaseId } }, service: "support-assistant" } });
  });
});

describe("a low-risk rollout through the server actions: start, promote, roll back the stable", () => {
  let crId = "";
  let promotedId = "";

  it("starts once its smoke gate passes, with only the prompt changed", async () => {
    as("author");
    const saved = await saveChangeRequestAction(null, await changeRequestInput({ kind: "prompt", tweak: (c) => void (c.instructions = `${String(c.instructions)}\nEnd with one summary line.`) }));
    if (!saved.ok) throw new Error(saved.error.message);
    expect(saved.data.tier).toBe("low");
    crId = saved.data.id;
    as("reviewer");
    expect(await decideChangeRequestAction(null, { changeRequestId: crId, revision: 1, decision: "approved", comment: "" })).toMatchObject({ ok: true, data: { state: "approved" } });

    as("operator");
    let cr = await crById(crId);
    const gateOpen = await startRolloutAction(null, { changeRequestId: crId, expectedLockVersion: cr.lockVersion });
    expect(gateOpen).toMatchObject({ ok: false, error: { code: "rule_refused", message: expect.stringMatching(/a gate is still open — Offline smoke test \(pending/) } });

    await attachPassingEvidence(crId, new Date());
    cr = await crById(crId);
    const unknownTenant = await startRolloutAction(null, { changeRequestId: crId, expectedLockVersion: cr.lockVersion, targetTenants: ["acme-retail", "umbrella"] });
    expect(unknownTenant).toMatchObject({
      ok: false,
      error: { code: "invalid_input", message: 'support-assistant has no tenant "umbrella"; it has acme-retail, globex-bank, initech.', fieldErrors: { targetTenants: [expect.any(String)] } },
    });
    const stale = await startRolloutAction(null, { changeRequestId: crId, expectedLockVersion: cr.lockVersion - 1 });
    expect(stale).toMatchObject({ ok: false, error: { code: "conflict", message: expect.stringMatching(/changed since you loaded it/) } });

    const pointerBefore = await pointerOf("support-assistant");
    const started = await startRolloutAction(null, { changeRequestId: crId, expectedLockVersion: cr.lockVersion, expectedPointerRevision: pointerBefore.revision, targetTenants: "acme-retail" });
    if (!started.ok) throw new Error(started.error.message);
    expect(started.data).toMatchObject({ canaryPercent: 10, targetTenants: ["acme-retail"], emergency: false, pointerRevision: pointerBefore.revision + 1 });
    const stable = await bundle(pointerBefore.stableReleaseId);
    const canary = await bundle(started.data.releaseId);
    expect(COMPONENT_KINDS.filter((k) => stable[k] !== canary[k])).toEqual(["prompt"]);
    expect(await pointerOf("support-assistant")).toMatchObject({ canaryReleaseId: started.data.releaseId, canaryPercent: 10, canaryTenants: ["acme-retail"] });
    cr = await crById(crId);
    expect(cr).toMatchObject({ state: "rolling_out", canaryStage: 0, emergencyReason: null });
  });

  it("refuses a second rollout on the service while the canary runs", async () => {
    as("operator");
    const [paymentWording] = await testDb().select().from(changeRequests).where(eq(changeRequests.title, "Payment wording and refusal guidance (assist-v8.2.0)"));
    const result = await startRolloutAction(null, { changeRequestId: paymentWording!.id, expectedLockVersion: paymentWording!.lockVersion });
    expect(result).toMatchObject({ ok: false, error: { code: "rule_refused", message: expect.stringMatching(/is already rolling out on this service/) } });
  });

  it("promotes after the last stage passed its verdict: the canary bundle becomes stable", async () => {
    as("operator");
    const pointerBefore = await pointerOf("support-assistant");
    // Not before the last stage's canary verdict passed.
    const early = await promoteRolloutAction(null, { changeRequestId: crId, expectedPointerRevision: pointerBefore.revision });
    expect(early).toMatchObject({ ok: false, error: { code: "rule_refused", message: expect.stringMatching(/last stage \(10%\) has not passed its canary verdict yet/) } });
    expect(await pointerOf("support-assistant")).toEqual(pointerBefore);
    // The canary judge's verdict (lib/canary/evaluator.ts marks the gate in manual mode).
    await testDb()
      .update(gates)
      .set({ status: "passed", statusReason: "Canary 10% passed: All 6 judged metrics are within their thresholds." })
      .where(and(eq(gates.changeRequestId, crId), eq(gates.type, "canary")));
    const promoted = await promoteRolloutAction(null, { changeRequestId: crId, expectedPointerRevision: pointerBefore.revision });
    if (!promoted.ok) throw new Error(promoted.error.message);
    promotedId = promoted.data.releaseId;
    expect(promoted.data).toMatchObject({ changeRequestState: "promoted", pointerRevision: pointerBefore.revision + 1 });
    expect(await manifest(promotedId)).toMatchObject({ kind: "promotion", canaryPercent: 100, changeRequestId: crId, replacesReleaseId: pointerBefore.canaryReleaseId });
    expect(await bundle(promotedId)).toEqual(await bundle(pointerBefore.canaryReleaseId!));
    expect(await pointerOf("support-assistant")).toMatchObject({ stableReleaseId: promotedId, canaryReleaseId: null, canaryPercent: 0, canaryTenants: [] });
    const [stage] = await testDb().select().from(gates).where(and(eq(gates.changeRequestId, crId), eq(gates.type, "canary")));
    expect(stage).toMatchObject({ status: "passed", statusReason: "Canary 10% passed: All 6 judged metrics are within their thresholds." });
    expect((await crById(crId)).state).toBe("promoted");
  });

  it("rolls the promoted prompt back with one click: only the prompt reverts, the change request is rolled back", async () => {
    as("operator");
    const svc = await serviceId("support-assistant");
    const pointerBefore = await pointerOf("support-assistant");
    const promotedBundle = await bundle(promotedId);
    const previousPrompt = await labelOf((await componentRow(promotedId, "prompt")).rollbackTargetVersionId!);
    const clickedAt = new Date(Date.now() - 2_000);
    const result = await rollbackComponentAction(null, { serviceId: svc, kind: "prompt", reason: "latency regression", expectedPointerRevision: pointerBefore.revision, clickedAt: clickedAt.toISOString() });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.data).toMatchObject({ arm: "stable", pointerRevision: pointerBefore.revision + 1, from: { releaseId: promotedId, label: promotedBundle.prompt }, to: { label: previousPrompt }, changeRequestNumbers: [(await crById(crId)).number] });
    expect(result.data.durationMs).toBeGreaterThanOrEqual(2_000);
    expect(result.data.durationMs).toBeLessThan(60_000);
    const after = await bundle(result.data.releaseId);
    expect(COMPONENT_KINDS.filter((k) => after[k] !== promotedBundle[k])).toEqual(["prompt"]);
    expect(after.prompt).toBe(previousPrompt);
    // The restored prompt takes back the target it had, never the version just reverted.
    const restored = await componentRow(result.data.releaseId, "prompt");
    expect(restored.rollbackTargetVersionId ? await labelOf(restored.rollbackTargetVersionId) : null).not.toBe(promotedBundle.prompt);
    expect((await crById(crId)).state).toBe("rolled_back");
    expect(await pointerOf("support-assistant")).toMatchObject({ stableReleaseId: result.data.releaseId, revision: pointerBefore.revision + 1 });
  });
});

describe("a stable rollback while a canary runs", () => {
  it("rebases the canary onto the reverted component; then rolling back the canary's own change ends it", async () => {
    as("operator");
    const svc = await serviceId("support-assistant");
    const [paymentWording] = await testDb().select().from(changeRequests).where(eq(changeRequests.title, "Payment wording and refusal guidance (assist-v8.2.0)"));
    const started = await startRolloutAction(null, { changeRequestId: paymentWording!.id, expectedLockVersion: paymentWording!.lockVersion });
    if (!started.ok) throw new Error(started.error.message);
    expect(started.data.canaryPercent).toBe(10);
    const stableBefore = await bundle((await pointerOf("support-assistant")).stableReleaseId);

    // The stable policy sec-v12 goes back to its parent sec-v11; the canary carries sec-v12 too.
    const sec11 = await versionByLabel("support-assistant", "policy", "sec-v11");
    const before = await footprint();
    const stable = await rollbackComponentAction(null, { serviceId: svc, kind: "policy", toVersionId: sec11.id, reason: "policy violation spike" });
    if (!stable.ok) throw new Error(stable.error.message);
    expect(stable.data).toMatchObject({ arm: "stable", from: { label: "sec-v12" }, to: { label: "sec-v11" }, changeRequestNumbers: [] });
    expect((await footprint()).manifests).toBe(before.manifests + 2);
    const pointer = await pointerOf("support-assistant");
    expect(pointer).toMatchObject({ stableReleaseId: stable.data.releaseId, canaryReleaseId: stable.data.canaryReleaseId, canaryPercent: 10 });
    expect(await bundle(stable.data.releaseId)).toEqual({ ...stableBefore, policy: "sec-v11" });
    expect(await bundle(stable.data.canaryReleaseId!)).toEqual({ ...stableBefore, policy: "sec-v11", prompt: "assist-v8.2.0" });
    expect(await manifest(stable.data.canaryReleaseId!)).toMatchObject({ kind: "rollback", canaryPercent: 10, changeRequestId: paymentWording!.id, replacesReleaseId: started.data.releaseId });
    expect((await crById(paymentWording!.id)).state).toBe("rolling_out");

    // The prompt differs in the canary: the click reverts the canary's prompt, which ends it.
    const canary = await rollbackComponentAction(null, { serviceId: svc, kind: "prompt", reason: "false refusal spike", expectedPointerRevision: pointer.revision });
    if (!canary.ok) throw new Error(canary.error.message);
    expect(canary.data).toMatchObject({ arm: "canary", from: { releaseId: stable.data.canaryReleaseId, label: "assist-v8.2.0" }, to: { label: "assist-v8.1.0" } });
    expect(await pointerOf("support-assistant")).toMatchObject({ stableReleaseId: canary.data.releaseId, canaryReleaseId: null, canaryPercent: 0 });
    expect(await bundle(canary.data.releaseId)).toEqual({ ...stableBefore, policy: "sec-v11" });
    expect((await crById(paymentWording!.id)).state).toBe("rolled_back");
  });
});

describe("incident-assistant: concurrent clicks, refused targets, bundle rollback, notifications, rehearsal", () => {
  it("50 concurrent rollbacks of the same component: exactly one happens, the other 49 are told who did it", async () => {
    as("operator");
    const svc = await serviceId("incident-assistant");
    const pointerBefore = await pointerOf("incident-assistant");
    const [promotedCr] = await testDb().select().from(changeRequests).where(eq(changeRequests.title, "Confidence on hypotheses and a status-update template (copilot-v2.2.0)"));
    expect(promotedCr!.state).toBe("promoted");
    const before = await footprint();
    const auditsBefore = await auditCount("release.rolled_back");

    const input = { serviceId: svc, kind: "prompt" as const, reason: "false refusal spike", expectedPointerRevision: pointerBefore.revision, clickedAt: new Date().toISOString() };
    const results = await Promise.all(Array.from({ length: 50 }, () => rollbackComponentAction(null, input)));
    const won = results.filter((r) => r.ok);
    expect(won).toHaveLength(1);
    const winner = won[0]!.ok ? won[0]!.data : null;
    const lost = results.filter((r) => !r.ok).map((r) => (!r.ok ? r.error : null));
    expect(lost).toHaveLength(49);
    for (const error of lost) {
      expect(error).toMatchObject({ code: "conflict" });
      expect(error!.message).toMatch(new RegExp(`^Already rolled back by Jonas Weber at \\d\\d:\\d\\d UTC \\(release ${winner!.releaseId}\\)\\.`));
    }

    const after = await footprint();
    expect(after.manifests).toBe(before.manifests + 1);
    expect(after.rollbacks).toBe(before.rollbacks + 1);
    expect(await auditCount("release.rolled_back")).toBe(auditsBefore + 1);
    expect(after.pointers[svc]).toBe(pointerBefore.revision + 1);
    expect((await crById(promotedCr!.id)).state).toBe("rolled_back");
  });

  it("refuses a --to version that is not a previous version, or another service's, and writes nothing", async () => {
    as("operator");
    const svc = await serviceId("incident-assistant");
    const newer = await versionByLabel("incident-assistant", "policy", "ops-sec-v6");
    const foreign = await versionByLabel("support-assistant", "policy", "sec-v12");
    const before = await footprint();
    const notPrevious = await rollbackComponentAction(null, { serviceId: svc, kind: "policy", toVersionId: newer.id, reason: "false refusal spike" });
    expect(notPrevious).toMatchObject({ ok: false, error: { code: "rule_refused", message: expect.stringMatching(/^ops-sec-v6 is not a previous version of policy \(it runs ops-sec-v5\)/) } });
    const otherService = await rollbackComponentAction(null, { serviceId: svc, kind: "policy", toVersionId: foreign.id, reason: "false refusal spike" });
    expect(otherService).toEqual({ ok: false, error: { code: "rule_refused", message: "sec-v12 is a version of support-assistant, not incident-assistant; a rollback stays within its service." } });
    const stale = await rollbackComponentAction(null, { serviceId: svc, kind: "routing", reason: "latency regression", expectedPointerRevision: 1 });
    expect(stale).toMatchObject({ ok: false, error: { code: "conflict", message: expect.stringMatching(/^Already rolled back by Jonas Weber at/) } });
    expect(await footprint()).toEqual(before);
  });

  it("refuses a bundle rollback to another service's release or an unknown one, and writes nothing", async () => {
    as("operator");
    const svc = await serviceId("incident-assistant");
    const support = await pointerOf("support-assistant");
    const before = await footprint();
    const foreign = await rollbackBundleAction(null, { serviceId: svc, toReleaseId: support.stableReleaseId, reason: "latency regression" });
    expect(foreign).toEqual({
      ok: false,
      error: { code: "rule_refused", message: `${support.stableReleaseId} is a release of support-assistant, not incident-assistant; a bundle rollback stays within its service.` },
    });
    const unknown = await rollbackBundleAction(null, { serviceId: svc, toReleaseId: "rel_20200101_0000_abcd", reason: "latency regression" });
    expect(unknown).toEqual({ ok: false, error: { code: "not_found", message: "There is no release rel_20200101_0000_abcd." } });
    as("viewer");
    const forged = await rollbackBundleAction(null, { serviceId: svc, toReleaseId: support.stableReleaseId, reason: "latency regression" });
    expect(forged).toMatchObject({ ok: false, error: { code: "forbidden" } });
    expect(await footprint()).toEqual(before);
  });

  it("a bundle rollback restores an earlier release, clamps a forged click time and notifies pointer listeners on commit", async () => {
    as("operator");
    const svc = await serviceId("incident-assistant");
    const pointerBefore = await pointerOf("incident-assistant");
    // The prompt was just rolled back; go back to the whole bundle of the seeded promotion.
    const [initial] = await testDb()
      .select()
      .from(releaseManifests)
      .where(and(eq(releaseManifests.serviceId, svc), eq(releaseManifests.kind, "promotion")));

    const received: string[] = [];
    const handle = testDbHandle();
    let stop: () => Promise<void>;
    if (handle.kind === "postgres") {
      const { Client } = await import("pg");
      const client = new Client({ connectionString: handle.url });
      await client.connect();
      client.on("notification", (n) => received.push(n.payload ?? ""));
      await client.query(`listen ${POINTER_CHANNEL}`);
      stop = () => client.end();
    } else {
      const pglite = (handle.db as unknown as { $client: { listen: (channel: string, cb: (payload: string) => void) => Promise<() => Promise<void>> } }).$client;
      stop = await pglite.listen(POINTER_CHANNEL, (payload) => received.push(payload));
    }
    try {
      const forgedClick = new Date(Date.now() - 3_600_000).toISOString();
      const result = await rollbackBundleAction(null, { serviceId: svc, toReleaseId: initial!.id, reason: "latency regression", expectedPointerRevision: pointerBefore.revision, clickedAt: forgedClick });
      if (!result.ok) throw new Error(result.error.message);
      // Clamped to ten minutes before the server took the click, plus the command's own time.
      expect(result.data.durationMs).toBeGreaterThanOrEqual(600_000);
      expect(result.data.durationMs).toBeLessThan(660_000);
      expect(await bundle(result.data.releaseId)).toEqual(await bundle(initial!.id));
      expect(await manifest(result.data.releaseId)).toMatchObject({ kind: "rollback", canaryPercent: 100, replacesReleaseId: pointerBefore.stableReleaseId });
      expect(await pointerOf("incident-assistant")).toMatchObject({ stableReleaseId: result.data.releaseId, canaryReleaseId: null, revision: pointerBefore.revision + 1 });
      const [row] = await testDb().select().from(rollbacks).where(eq(rollbacks.id, result.data.rollbackId));
      expect(row).toMatchObject({ scope: "bundle", kind: null });

      const deadline = Date.now() + 2_000;
      while (!received.includes(svc) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(received).toContain(svc);
    } finally {
      await stop();
    }
  });

  it("rehearsal flags a target version whose content no longer parses, and a bundle rollback to it is refused", async () => {
    const svc = await serviceId("incident-assistant");
    const pointer = await pointerOf("incident-assistant");
    const live = await testDb().select().from(releaseManifestComponents).where(eq(releaseManifestComponents.releaseId, pointer.stableReleaseId));
    const policy = live.find((c) => c.kind === "policy")!;
    const [current] = await testDb().select().from(componentVersions).where(eq(componentVersions.id, policy.versionId));
    // A version written before refusalMessage became required.
    const { refusalMessage: _dropped, ...oldContent } = current!.content;
    const [legacy] = await testDb()
      .insert(componentVersions)
      .values({ serviceId: svc, kind: "policy", label: "ops-sec-v1-legacy", content: oldContent, contentHash: contentHash(oldContent), createdAt: new Date("2026-01-01T00:00:00Z") })
      .returning();
    const legacyRelease = "rel_20260101_0000_01d1";
    await testDb().insert(releaseManifests).values({ id: legacyRelease, serviceId: svc, kind: "initial", actorType: "system", actorLabel: "import", reason: "Imported legacy bundle", createdAt: new Date("2026-01-01T00:00:00Z") });
    await testDb().insert(releaseManifestComponents).values(live.map((c) => ({ releaseId: legacyRelease, kind: c.kind, versionId: c.kind === "policy" ? legacy!.id : c.versionId })));

    as("viewer");
    const rehearsal = await rehearseRollbackAction(null, { serviceId: svc, toReleaseId: legacyRelease });
    expect(rehearsal).toMatchObject({
      ok: true,
      data: { ok: false, checked: 5, problems: ["Policy ops-sec-v1-legacy is not valid under today's schema: missing required field refusalMessage."] },
    });
    const good = await rehearseRollbackAction(null, { serviceId: svc, kind: "prompt", toVersionId: (await versionByLabel("incident-assistant", "prompt", "copilot-v2.1.0")).id });
    expect(good).toMatchObject({ ok: true, data: { ok: true, problems: [], checked: 5 } });
    const none = await rehearseRollbackAction(null, { serviceId: svc, kind: "routing" });
    expect(none).toMatchObject({ ok: true, data: { ok: false, checked: 0, problems: [expect.stringMatching(/^Routing route-v2 has no previous version to roll back to/)] } });

    as("operator");
    const before = await footprint();
    const refused = await rollbackBundleAction(null, { serviceId: svc, toReleaseId: legacyRelease, reason: "latency regression" });
    expect(refused).toMatchObject({ ok: false, error: { code: "rule_refused", message: expect.stringMatching(new RegExp(`^${legacyRelease} fails its rollback rehearsal: Policy ops-sec-v1-legacy .*refusalMessage`)) } });
    expect(await footprint()).toEqual(before);
  });

  it("a rollback's cause is tagged once; it then leaves the untagged list", async () => {
    const svc = await serviceId("incident-assistant");
    const [latest] = await testDb().select().from(rollbacks).where(eq(rollbacks.serviceId, svc)).orderBy(desc(rollbacks.flippedAt)).limit(1);
    as("viewer");
    expect(await tagRollbackCauseAction(null, { rollbackId: latest!.id, causeTag: "infrastructure" })).toMatchObject({ ok: false, error: { code: "forbidden" } });
    as("reviewer");
    expect(await tagRollbackCauseAction(null, { rollbackId: latest!.id, causeTag: "Model latency regression" })).toEqual({ ok: true, data: { causeTag: "model-latency-regression", recorded: true } });
    expect(await tagRollbackCauseAction(null, { rollbackId: latest!.id, causeTag: "model-latency-regression" })).toEqual({ ok: true, data: { causeTag: "model-latency-regression", recorded: false } });
    const retag = await tagRollbackCauseAction(null, { rollbackId: latest!.id, causeTag: "infrastructure" });
    expect(retag).toEqual({ ok: false, error: { code: "conflict", message: expect.stringMatching(/^This rollback is already tagged "model-latency-regression" by Daniel Okafor at \d\d:\d\d UTC\.$/) } });
    expect(await auditCount("rollback.tagged")).toBeGreaterThanOrEqual(1);
    const untagged = await listUntaggedRollbacks({ actor: actors.viewer, serviceId: svc });
    expect(untagged.map((r) => r.id)).not.toContain(latest!.id);
  });
});

describe("rollback-time KPI", () => {
  it("gives the median and worst, from click and from alarm, per service over the last 30 days", async () => {
    const svc = await serviceId("incident-assistant");
    const release = (await pointerOf("incident-assistant")).stableReleaseId;
    const at = (iso: string) => new Date(iso);
    const row = (flipped: string, clickMs: number, alarmMs: number | null) => ({
      serviceId: svc,
      scope: "component" as const,
      kind: "prompt",
      fromReleaseId: release,
      toReleaseId: release,
      reason: "test",
      actorLabel: "test",
      flippedAt: at(flipped),
      clickedAt: new Date(at(flipped).getTime() - clickMs),
      firstAlarmAt: alarmMs === null ? null : new Date(at(flipped).getTime() - alarmMs),
    });
    await testDb().insert(rollbacks).values([
      row("2025-06-20T03:12:00Z", 500, 360_000),
      row("2025-06-25T14:00:00Z", 1_500, null),
      row("2025-06-29T23:59:00Z", 250, 60_000),
      // Outside the window (40 days before): ignored.
      row("2025-05-21T00:00:00Z", 99_000, 99_000_000),
    ]);
    const kpi = await rollbackTimeKpiByService({ actor: actors.viewer, now: at("2025-06-30T00:00:00Z") });
    expect(kpi.find((k) => k.serviceSlug === "incident-assistant")).toMatchObject({
      count: 3,
      clickToFlip: { count: 3, medianMs: 500, worstMs: 1_500 },
      alarmToFlip: { count: 2, medianMs: 210_000, worstMs: 360_000 },
    });
    expect(kpi.find((k) => k.serviceSlug === "support-assistant")).toMatchObject({ count: 0, clickToFlip: null, alarmToFlip: null });
  });
});
