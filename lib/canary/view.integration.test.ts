import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { changeRequests, type ChangeRequest } from "@/db/schema";
import { testDb } from "@/db/testing";
import { ingestOutcomeEvents } from "@/lib/outcomes/ingest";
import { startRollout } from "@/lib/releases/commands";
import { evaluateCanaries } from "./evaluator";
import { approvedPolicyChange, at, SEED_NOW, seedCanaryTestWorld, START, type CanaryTestWorld, type CommandRun } from "./rollout-fixture";
import { getCanaryView } from "./view";

vi.mock("@/lib/auth/config", () => ({ auth: async () => null }));
vi.mock("next/cache", () => ({ revalidatePath: vi.fn() }));

let world: CanaryTestWorld;
let actors: CanaryTestWorld["actors"];
let serviceId = "";
let crId = "";
let canaryReleaseId = "";

const run: CommandRun = (who, now, fn) => world.run(who, now, fn);
async function crByNumberOrId(where: { id?: string; number?: number }): Promise<ChangeRequest> {
  const [row] = await testDb()
    .select()
    .from(changeRequests)
    .where(where.id ? eq(changeRequests.id, where.id) : eq(changeRequests.number, where.number!));
  return row!;
}

/** `n` canary events spread over [from, to), each flag at exactly its rate. */
function canaryEvents(input: { n: number; prefix: string; from: Date; to: Date; resolved: number; falseRefusal: number }) {
  const flag = (i: number, r: number) => Math.floor((i + 1) * r) !== Math.floor(i * r);
  const span = input.to.getTime() - input.from.getTime();
  return Array.from({ length: input.n }, (_, i) => ({
    eventId: `${input.prefix}-${i}`,
    occurredAt: new Date(input.from.getTime() + Math.floor((i * span) / input.n)).toISOString(),
    releaseId: canaryReleaseId,
    arm: "canary",
    tenant: "acme",
    componentVersions: { policy: "sec-view-test", prompt: "assist-v8.1.0" },
    resolved: flag(i, input.resolved),
    policyViolation: false,
    falseRefusal: flag(i, input.falseRefusal),
    followUp: false,
    fallback: false,
    escalated: false,
    manualCorrection: false,
    costUsd: 0.004,
    latencyMs: 1_800,
    tokensIn: 900,
    tokensOut: 200,
  }));
}

beforeAll(async () => {
  world = await seedCanaryTestWorld();
  ({ actors, serviceId } = world);
  crId = await approvedPolicyChange(world, "sec-view-test");
}, 180_000);

describe("the canary page's data", () => {
  it("before the rollout: the ladder, nothing judged", async () => {
    const cr = await crByNumberOrId({ id: crId });
    expect(cr.state).toBe("approved");
    const view = await getCanaryView({ actor: actors.viewer, changeRequest: cr, now: START });
    expect(view).toMatchObject({ stageIndex: null, headline: "No canary yet", judgement: null, charts: null, canaryReleaseIds: [] });
    expect(view.ladder.map((s) => `${s.percent}:${s.status}`)).toEqual(["1:pending", "5:pending", "10:pending", "100:pending"]);
    expect(view.method).toMatch(/always-valid 95% confidence sequence/);
  });

  it("a canary without events: waiting, with the baseline and empty charts", async () => {
    const { lockVersion } = await crByNumberOrId({ id: crId });
    canaryReleaseId = (await run("operator", START, (ctx) => startRollout(ctx, { changeRequestId: crId, expectedLockVersion: lockVersion }))).releaseId;
    const view = await getCanaryView({ actor: actors.viewer, changeRequest: await crByNumberOrId({ id: crId }), now: at(5) });
    expect(view).toMatchObject({ stageIndex: 0, stagePercent: 1, livePercent: 1, headline: "Canary 1% — stage 1 of 3", asOfKind: "now", canaryReleaseIds: [canaryReleaseId] });
    expect(view.asOf).toEqual(at(5));
    expect(view.judgement!.verdict).toBe("insufficient");
    expect(view.comparison!.canaryRequests).toBe(0);
    expect(view.comparison!.baselineRequests).toBeGreaterThan(1_000);
    expect(view.charts!.bucketMinutes).toBe(1);
    expect(view.charts!.marks.map((m) => m.label)).toEqual(["1%"]);
    expect(view.charts!.metrics.every((m) => m.points.every((p) => p.requests === 0))).toBe(true);
    const resolved = view.charts!.metrics.find((m) => m.metric === "resolved_rate")!;
    expect(resolved.baseline).toBeCloseTo(view.judgement!.metrics.find((m) => m.metric === "resolved_rate")!.baseline!, 12);
    expect(resolved.band!.lo).toBeLessThanOrEqual(resolved.baseline!);
    expect(resolved.band!.hi).toBeGreaterThanOrEqual(resolved.baseline!);
    expect(view.versions).toEqual([]);
  });

  it("after the judge froze it: the verdict at the freeze is the judge's, with the series and the versions behind it", async () => {
    await ingestOutcomeEvents(testDb(), { serviceId, events: canaryEvents({ n: 400, prefix: "spike", from: at(1), to: at(9), resolved: 0.7, falseRefusal: 0.16 }), now: at(10) });
    const judged = await evaluateCanaries(testDb(), at(10));
    expect(judged.rollouts).toEqual([expect.objectContaining({ action: "froze" })]);
    const cr = await crByNumberOrId({ id: crId });

    // Looked at 20 minutes later: still the verdict as it stood at the freeze.
    const view = await getCanaryView({ actor: actors.viewer, changeRequest: cr, now: at(30) });
    expect(view).toMatchObject({ asOfKind: "freeze", livePercent: 0, headline: "Frozen at 1% — stage 1 of 3; canary share back to 0%" });
    expect(view.asOf).toEqual(at(10));
    expect(view.judgement!.verdict).toBe("fail");
    expect(view.judgement!.failing.map((m) => m.reason)).toEqual(cr.rolloutHold!.failing);
    expect(view.judgement!.failing.map((m) => m.metric)).toContain("false_refusal_rate");
    expect(view.ladder.map((s) => `${s.percent}:${s.status}`)).toEqual(["1:frozen", "5:pending", "10:pending", "100:pending"]);

    const resolved = view.charts!.metrics.find((m) => m.metric === "resolved_rate")!;
    expect(resolved.points.reduce((sum, p) => sum + p.requests, 0)).toBe(400);
    expect(resolved.points.at(-1)!.cumulativeRequests).toBe(400);
    expect(view.versions).toEqual([{ versions: { policy: "sec-view-test", prompt: "assist-v8.1.0" }, requests: 400, resolved: 280, falseRefusals: 64, policyViolations: 0 }]);
    expect(view.comparison!.canaryRequests).toBe(400);
  });

  it("an ended rollout from the demo's history: its last stage, the stage starts, judged up to its end", async () => {
    const [refundAbuse] = await testDb().select().from(changeRequests).where(eq(changeRequests.title, "Block refund-abuse patterns and unverified account changes (sec-v13)"));
    expect(refundAbuse).toMatchObject({ state: "rolled_back", canaryStage: null });
    const view = await getCanaryView({ actor: actors.viewer, changeRequest: refundAbuse!, now: at(0) });
    expect(view).toMatchObject({ stageIndex: 1, stagePercent: 5, asOfKind: "end", livePercent: null, headline: "Rolled back at 5% — stage 2 of 3" });
    expect(view.asOf.getTime()).toBeLessThan(SEED_NOW.getTime());
    expect(view.charts!.marks.map((m) => m.label)).toEqual(["1%", "5%"]);
    expect(view.stageStartedAt).toEqual(view.charts!.marks[1]!.at);
    expect(view.comparison!.canaryRequests).toBeGreaterThan(0);
    expect(view.ladder.map((s) => `${s.percent}:${s.status}`)).toEqual(["1:passed", "5:failed", "10:not_reached", "100:not_reached"]);
    // The judged window starts at the stage's first whole minute, and the version breakdown covers
    // exactly that window: it adds up to the verdict's canary requests.
    const { canaryFrom } = view.comparison!;
    expect(canaryFrom.getTime() % 60_000).toBe(0);
    expect(canaryFrom.getTime() - view.stageStartedAt!.getTime()).toBeGreaterThanOrEqual(0);
    expect(canaryFrom.getTime() - view.stageStartedAt!.getTime()).toBeLessThan(60_000);
    expect(view.versions.reduce((n, v) => n + v.requests, 0)).toBe(view.comparison!.canaryRequests);
  });

  it("a stage that began mid-minute is judged from its first whole minute, and so is the version breakdown", async () => {
    // The frozen CR of the tests above, as if its stage had begun at 09:00:30: ten more events in
    // that first partial minute count in neither the verdict nor the breakdown (400 each).
    await testDb().update(changeRequests).set({ canaryStageStartedAt: new Date(START.getTime() + 30_000) }).where(eq(changeRequests.id, crId));
    await ingestOutcomeEvents(testDb(), { serviceId, events: canaryEvents({ n: 10, prefix: "partial", from: new Date(START.getTime() + 35_000), to: at(1), resolved: 1, falseRefusal: 0 }), now: at(30) });
    const view = await getCanaryView({ actor: actors.viewer, changeRequest: await crByNumberOrId({ id: crId }), now: at(30) });
    expect(view.comparison).toMatchObject({ canaryFrom: at(1), canaryRequests: 400 });
    expect(view.versions.reduce((n, v) => n + v.requests, 0)).toBe(400);
  });
});
