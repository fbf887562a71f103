import { and, asc, count, eq, like, ne, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it, vi } from "vitest";
import {
  activePointers,
  auditLog,
  changeRequests,
  evalCases,
  evalSets,
  gates,
  outcomeEvents,
  services,
  webhookDeliveries,
  webhooks,
  type ChangeRequest,
} from "@/db/schema";
import { testDb } from "@/db/testing";
import { ingestOutcomeEvents } from "@/lib/outcomes/ingest";
import { rowsOf } from "@/lib/outcomes/partition-store";
import { advanceStage, resumeRollout, startRollout } from "@/lib/releases/commands";
import { pauseRolloutAction } from "@/lib/releases/stage-actions";
import { addFailingCasesAction } from "./actions";
import { evaluateCanaries } from "./evaluator";
import { approvedPolicyChange, at, SEED_NOW, seedCanaryTestWorld, START, type CanaryTestWorld, type CommandRun } from "./rollout-fixture";
import { stageComparisonTotals } from "./store";

let signedIn: string | null = null;
vi.mock("@/lib/auth/config", () => ({ auth: async () => (signedIn ? { user: { id: signedIn } } : null) }));
vi.mock("next/cache", () => ({ revalidatePath: vi.fn() }));

let world: CanaryTestWorld;
let actors: CanaryTestWorld["actors"];
let serviceId = "";
let crId = "";
let canaryReleaseId = "";

const run: CommandRun = (who, now, fn) => world.run(who, now, fn);
async function cr(): Promise<ChangeRequest> {
  const [row] = await testDb().select().from(changeRequests).where(eq(changeRequests.id, crId));
  return row!;
}
async function pointer() {
  const [row] = await testDb().select().from(activePointers).where(eq(activePointers.serviceId, serviceId));
  return row!;
}
async function stageGate(percent: number) {
  const [row] = await testDb().select().from(gates).where(and(eq(gates.changeRequestId, crId), eq(gates.type, "canary"), eq(gates.canaryPercent, percent)));
  return row!;
}
async function auditCount(action: string) {
  const [row] = await testDb().select({ n: count() }).from(auditLog).where(eq(auditLog.action, action));
  return row!.n;
}

/**
 * Canary events shaped like the baseline: real stable events of the demo's last week (their
 * costs, latencies and tokens), relabelled as the canary, with each flag set at exactly the
 * baseline's rate — so a "healthy" canary sits on the baseline — or at `override` rates.
 */
async function canaryEvents(input: { n: number; prefix: string; from: Date; to: Date; override?: Partial<Record<"resolved" | "falseRefusal", number>> }) {
  const { baseline } = await stageComparisonTotals(testDb(), { serviceId, canaryReleaseId, stageStartedAt: input.from, now: input.to });
  const rate = {
    resolved: input.override?.resolved ?? baseline.resolved / baseline.requests,
    policyViolation: baseline.policyViolations / baseline.requests,
    falseRefusal: input.override?.falseRefusal ?? baseline.falseRefusals / baseline.requests,
    followUp: baseline.followUps / baseline.requests,
    fallback: baseline.fallbacks / baseline.requests,
    escalated: baseline.escalations / baseline.requests,
    manualCorrection: baseline.manualCorrections / baseline.requests,
  };
  const sample = rowsOf<{ cost_usd: number; latency_ms: number; tokens_in: number; tokens_out: number; tenant: string }>(
    await testDb().execute(sql`
      select cost_usd, latency_ms, tokens_in, tokens_out, tenant from ${outcomeEvents}
      where service_id = ${serviceId} and arm = 'stable' and occurred_at < ${SEED_NOW.toISOString()}::timestamptz
      order by event_id limit ${input.n}`),
  );
  // Spread each flag evenly over the sample (a low-discrepancy pattern), at exactly its rate.
  const flag = (i: number, r: number, shift: number) => Math.floor((i + shift) * r) !== Math.floor((i + shift - 1) * r);
  const span = input.to.getTime() - input.from.getTime();
  return sample.map((e, i) => ({
    eventId: `${input.prefix}-${i}`,
    occurredAt: new Date(input.from.getTime() + Math.floor((i * span) / sample.length)).toISOString(),
    releaseId: canaryReleaseId,
    arm: "canary",
    tenant: e.tenant,
    componentVersions: { policy: "sec-judge-test" },
    resolved: flag(i, rate.resolved, 0),
    policyViolation: flag(i, rate.policyViolation, 1),
    falseRefusal: flag(i, rate.falseRefusal, 2),
    followUp: flag(i, rate.followUp, 3),
    fallback: flag(i, rate.fallback, 4),
    escalated: flag(i, rate.escalated, 5),
    manualCorrection: flag(i, rate.manualCorrection, 6),
    costUsd: Number(e.cost_usd),
    latencyMs: Number(e.latency_ms),
    tokensIn: Number(e.tokens_in),
    tokensOut: Number(e.tokens_out),
  }));
}

async function ingest(events: unknown[], now: Date) {
  for (let i = 0; i < events.length; i += 5_000) {
    const result = await ingestOutcomeEvents(testDb(), { serviceId, events: events.slice(i, i + 5_000), now });
    expect(result.rejected).toEqual([]);
  }
}

beforeAll(async () => {
  world = await seedCanaryTestWorld();
  ({ actors, serviceId } = world);
  await testDb().insert(webhooks).values({ url: "http://127.0.0.1:9/hook", secret: "whsec_test", events: ["canary_breach", "freeze"] });
  crId = await approvedPolicyChange(world, "sec-judge-test");
  const { lockVersion } = await cr();
  const started = await run("operator", START, (ctx) => startRollout(ctx, { changeRequestId: crId, expectedLockVersion: lockVersion }));
  canaryReleaseId = started.releaseId;
}, 180_000);

describe("the canary judge", () => {
  it("waits while the stage has no data, writing nothing", async () => {
    const audit = await testDb().select({ n: count() }).from(auditLog);
    const runResult = await evaluateCanaries(testDb(), at(5));
    expect(runResult.acted).toBe(true);
    expect(runResult.rollouts).toEqual([expect.objectContaining({ verdict: "insufficient", action: "waiting", stagePercent: 1 })]);
    expect(await testDb().select({ n: count() }).from(auditLog)).toEqual(audit);
    expect((await pointer()).canaryPercent).toBe(1);
  });

  it("freezes a false-refusal spike by itself: canary share back to stable, gate failed with numbers, webhooks, audit by Changegate", async () => {
    await ingest(await canaryEvents({ n: 400, prefix: "spike", from: at(1), to: at(9), override: { falseRefusal: 0.16, resolved: 0.7 } }), at(10));
    const before = await pointer();
    const runResult = await evaluateCanaries(testDb(), at(10));
    expect(runResult.rollouts).toEqual([expect.objectContaining({ verdict: "fail", action: "froze", stagePercent: 1 })]);

    const after = await pointer();
    expect(after).toMatchObject({ canaryReleaseId, canaryPercent: 0, revision: before.revision + 1 });
    const frozen = await cr();
    expect(frozen.state).toBe("paused");
    expect(frozen.rolloutHold).toMatchObject({ kind: "frozen", by: "Changegate canary judge", stagePercent: 1 });
    expect(frozen.rolloutHold!.failing!.join(" ")).toMatch(/false_refusal_rate/);
    expect(frozen.rolloutHold!.reason).toMatch(/^Canary 1% failed on .*false_refusal_rate/);
    const gate = await stageGate(1);
    expect(gate.status).toBe("failed");
    expect(gate.statusReason).toMatch(/false_refusal_rate .*%/);
    const [entry] = await testDb().select().from(auditLog).where(eq(auditLog.action, "release.frozen"));
    expect(entry).toMatchObject({ actorType: "system", actorLabel: "Changegate canary judge" });
    const deliveries = await testDb().select({ event: webhookDeliveries.event }).from(webhookDeliveries).orderBy(asc(webhookDeliveries.event));
    expect(deliveries.map((d) => d.event)).toEqual(expect.arrayContaining(["canary_breach", "freeze"]));
  });

  it("does nothing twice: a later run leaves the frozen rollout alone", async () => {
    const frozen = await auditCount("release.frozen");
    const runResult = await evaluateCanaries(testDb(), at(11));
    expect(runResult.rollouts).toEqual([]);
    expect(await auditCount("release.frozen")).toBe(frozen);
  });

  it("adds the frozen stage's falsely refused requests to an eval set, once; a viewer may not", async () => {
    const [set] = await testDb().select().from(evalSets).where(eq(evalSets.serviceId, serviceId)).limit(1);
    const [otherSet] = await testDb().select().from(evalSets).where(ne(evalSets.serviceId, serviceId)).limit(1);
    signedIn = actors.viewer.id;
    expect(await addFailingCasesAction(null, { changeRequestId: crId, evalSetId: set!.id })).toMatchObject({ ok: false, error: { code: "forbidden" } });
    signedIn = actors.author.id;
    expect(await addFailingCasesAction(null, { changeRequestId: crId, evalSetId: otherSet!.id })).toMatchObject({ ok: false, error: { code: "invalid_input" } });

    const first = await addFailingCasesAction(null, { changeRequestId: crId, evalSetId: set!.id });
    if (!first.ok) throw new Error(first.error.message);
    expect(first.data.metrics).toContain("false_refusal_rate");
    expect(first.data.added).toBeGreaterThan(0);
    const cases = await testDb()
      .select()
      .from(evalCases)
      .where(and(eq(evalCases.evalSetId, set!.id), eq(evalCases.failureLabel, "false_refusal"), like(evalCases.sourceRef, "CR-%")));
    expect(cases.length).toBeGreaterThan(0);
    expect(cases[0]).toMatchObject({ source: "canary", sourceRef: expect.stringMatching(/^CR-\d+ canary 1% \(rel_\w+\): false_refusal_rate$/) });
    expect(cases[0]!.input).toMatchObject({ eventId: expect.stringMatching(/^spike-\d+$/), service: "support-assistant", componentVersions: { policy: "sec-judge-test" } });
    const again = await addFailingCasesAction(null, { changeRequestId: crId, evalSetId: set!.id });
    expect(again).toMatchObject({ ok: true, data: { added: 0 } });
    expect(again.ok && again.data.alreadyThere).toBeGreaterThanOrEqual(first.data.added);
    expect(await auditCount("eval_set.cases_added")).toBe(1);
  });

  it("an operator resumes: the stage's share comes back and the stage is judged anew from then", async () => {
    const resumed = await run("operator", at(20), (ctx) => resumeRollout(ctx, { changeRequestId: crId, reason: "False refusals traced to a bad test tenant; judging again", expectedLockVersion: undefined }));
    expect(resumed).toMatchObject({ changeRequestState: "rolling_out", canaryPercent: 1 });
    expect(await cr()).toMatchObject({ state: "rolling_out", rolloutHold: null, canaryStageStartedAt: at(20) });
    expect((await stageGate(1)).status).toBe("pending");
    expect((await pointer()).canaryPercent).toBe(1);
    // The spike before the resume no longer counts: no data since, so the judge waits.
    expect((await evaluateCanaries(testDb(), at(21))).rollouts).toEqual([expect.objectContaining({ action: "waiting" })]);
    // An operator cannot skip a stage whose verdict has not passed.
    const early = run("operator", at(21), (ctx) => advanceStage(ctx, { changeRequestId: crId, expectedStage: 0 }));
    await expect(early).rejects.toThrow(/1% stage has not passed its canary verdict yet/);
    expect((await pointer()).canaryPercent).toBe(1);
  });

  it("advances a healthy stage once its minimum duration and sample are reached; two racing runs advance it once", async () => {
    await ingest(await canaryEvents({ n: 1_500, prefix: "healthy", from: at(21), to: at(49) }), at(50));
    // 1,500 requests but only 30 of the 30 minutes: 29 minutes in, it still waits.
    expect((await evaluateCanaries(testDb(), at(49))).rollouts).toEqual([expect.objectContaining({ verdict: "insufficient", action: "waiting" })]);
    const runs = await Promise.all([evaluateCanaries(testDb(), at(52)), evaluateCanaries(testDb(), at(52))]);
    const actions = runs.flatMap((r) => r.rollouts.map((x) => x.action));
    expect(actions.filter((a) => a === "advanced")).toHaveLength(1);
    expect(await auditCount("release.stage_advanced")).toBe(1);
    expect(await cr()).toMatchObject({ state: "rolling_out", canaryStage: 1, canaryStageStartedAt: at(52) });
    expect((await pointer()).canaryPercent).toBe(5);
    const gate = await stageGate(1);
    expect(gate.status).toBe("passed");
    expect(gate.statusReason).toMatch(/^Canary 1% passed: All \d+ judged metrics are within their thresholds/);
  });

  it("pause holds the rollout; a viewer cannot pause; advancing a paused rollout is refused", async () => {
    signedIn = actors.viewer.id;
    const before = await cr();
    const refused = await pauseRolloutAction(null, { changeRequestId: crId, expectedLockVersion: before.lockVersion, reason: "Looking into tickets" });
    expect(refused).toMatchObject({ ok: false, error: { code: "forbidden" } });
    expect((await cr()).lockVersion).toBe(before.lockVersion);

    signedIn = actors.operator.id;
    const paused = await pauseRolloutAction(null, { changeRequestId: crId, expectedLockVersion: before.lockVersion, reason: "Looking into support tickets" });
    expect(paused).toMatchObject({ ok: true, data: { changeRequestState: "paused", canaryPercent: 5 } });
    expect((await cr()).rolloutHold).toMatchObject({ kind: "paused", reason: "Looking into support tickets", by: actors.operator.name });
    const advance = run("operator", at(60), (ctx) => advanceStage(ctx, { changeRequestId: crId, expectedStage: 1 }));
    await expect(advance).rejects.toThrow(/paused/i);
    expect((await evaluateCanaries(testDb(), at(60))).rollouts).toEqual([]);
    await run("operator", at(61), (ctx) => resumeRollout(ctx, { changeRequestId: crId, reason: "Tickets unrelated" }));
    // The stage is judged again from the resume: no advance on a verdict from before the pause.
    expect((await stageGate(5)).status).toBe("pending");
  });

  it("in manual mode a passing stage waits for the operator, who advances it", async () => {
    const [svc] = await testDb().select({ settings: services.settings }).from(services).where(eq(services.id, serviceId));
    await testDb().update(services).set({ settings: { ...svc!.settings, canaryAdvance: "manual" } }).where(eq(services.id, serviceId));
    await ingest(await canaryEvents({ n: 1_500, prefix: "manual", from: at(62), to: at(90) }), at(95));
    const runResult = await evaluateCanaries(testDb(), at(95));
    expect(runResult.rollouts).toEqual([expect.objectContaining({ verdict: "pass", action: "passed_waiting", stagePercent: 5 })]);
    expect(await cr()).toMatchObject({ canaryStage: 1 });
    expect((await stageGate(5)).statusReason).toMatch(/Waiting for an operator to advance \(manual mode\)/);
    const stale = run("operator", at(96), (ctx) => advanceStage(ctx, { changeRequestId: crId, expectedStage: 0 }));
    await expect(stale).rejects.toThrow(/is at the 5% stage now, not 1%/);
    const moved = await run("operator", at(96), (ctx) => advanceStage(ctx, { changeRequestId: crId, expectedStage: 1 }));
    expect(moved).toMatchObject({ canaryStage: 2, canaryPercent: 10 });
  });
});
