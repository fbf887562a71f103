import "server-only";
import { and, eq, sql } from "drizzle-orm";
import { getDb, type Database, type Tx } from "@/db/client";
import { activePointers, changeRequests, gates, releaseManifests, services, type ChangeRequest } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { canaryLadder } from "@/lib/changes";
import { AppError } from "@/lib/errors";
import { advanceStage, freezeRollout, promoteRollout } from "@/lib/releases/commands";
import { CANARY_JUDGE } from "@/lib/releases/actor";
import { serverEnv } from "@/lib/env";
import { serviceSettingsSchema } from "@/lib/services/settings";
import { judgeStage, type StageJudgement } from "./analysis";
import { stageComparisonTotals } from "./store";

/**
 * The canary judge (SPEC §3, issue 5 item 4): every few seconds, in the server process, each
 * rolling-out change request's current stage is compared with the 7-day baseline, and the
 * rollout is advanced, promoted or frozen by itself — nobody has to have a page open.
 *
 * Several app instances: each run takes a PostgreSQL advisory lock for its transaction
 * (pg_try_advisory_xact_lock); an instance that does not get it skips the run, so exactly one
 * acts. Crash-safe and idempotent: each rollout is judged and moved inside one savepoint of that
 * transaction, and every move is a compare-and-swap on the stage and lock version the judge read
 * (the release commands refuse a stale one), so a repeated or interrupted run never moves a
 * rollout twice.
 */

/** Advisory lock key of the canary judge. Keys in use: 727274001 migrations, …002 audit chain, …003 user admin, …004 retention, …005 partitions, …006 this. */
export const CANARY_JUDGE_LOCK_KEY = 727_274_006;

export type EvaluationAction = "froze" | "advanced" | "promoted" | "passed_waiting" | "waiting" | "skipped";

export interface RolloutEvaluation {
  changeRequestNumber: number;
  stagePercent: number;
  verdict: StageJudgement["verdict"] | null;
  action: EvaluationAction;
  detail: string;
}

export interface EvaluationRun {
  /** False when another instance holds the judge's lock: this one did nothing. */
  acted: boolean;
  rollouts: RolloutEvaluation[];
}

function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}

/** Judges every rolling-out change request once. */
export async function evaluateCanaries(db: Database, now: Date = new Date()): Promise<EvaluationRun> {
  return db.transaction(async (tx) => {
    const [lock] = rowsOf<{ ok: boolean }>(await tx.execute(sql`select pg_try_advisory_xact_lock(${CANARY_JUDGE_LOCK_KEY}) as ok`));
    if (!lock?.ok) return { acted: false, rollouts: [] };
    const rolling = await tx.select().from(changeRequests).where(eq(changeRequests.state, "rolling_out")).orderBy(changeRequests.number);
    const rollouts: RolloutEvaluation[] = [];
    for (const cr of rolling) {
      try {
        rollouts.push(await tx.transaction((sp) => evaluateRollout(sp, cr, now)));
      } catch (err) {
        // A refused move (someone acted meanwhile) or a broken rollout must not stop the others.
        const detail = err instanceof AppError ? err.message : String(err);
        if (!(err instanceof AppError)) console.error(`[canary judge] CR-${cr.number}:`, err);
        rollouts.push({ changeRequestNumber: cr.number, stagePercent: canaryLadder(cr.riskTier)[cr.canaryStage ?? 0] ?? 0, verdict: null, action: "skipped", detail });
      }
    }
    return { acted: true, rollouts };
  });
}

/** The stage verdict of one rolling-out change request now, with what it was judged on. */
export async function judgeRolloutStage(db: Database | Tx, cr: ChangeRequest, now: Date) {
  const ladder = canaryLadder(cr.riskTier);
  const stage = cr.canaryStage ?? 0;
  const [service] = await db.select({ settings: services.settings }).from(services).where(eq(services.id, cr.serviceId));
  const settings = serviceSettingsSchema.parse(service?.settings ?? {});
  const [pointer] = await db.select().from(activePointers).where(eq(activePointers.serviceId, cr.serviceId));
  const [canary] = pointer?.canaryReleaseId
    ? await db
        .select({ id: releaseManifests.id, changeRequestId: releaseManifests.changeRequestId })
        .from(releaseManifests)
        .where(eq(releaseManifests.id, pointer.canaryReleaseId))
    : [];
  if (!pointer || !canary || canary.changeRequestId !== cr.id) return null;
  const stageStartedAt = cr.canaryStageStartedAt ?? cr.updatedAt;
  const totals = await stageComparisonTotals(db, { serviceId: cr.serviceId, canaryReleaseId: canary.id, stageStartedAt, now });
  const judgement = judgeStage({ canary: totals.canary, baseline: totals.baseline, stageStartedAt, now, settings });
  return { settings, pointer, canaryReleaseId: canary.id, stage, stagePercent: ladder[stage]!, isLastStage: stage === ladder.length - 1, stageStartedAt, totals, judgement };
}

async function evaluateRollout(tx: Tx, cr: ChangeRequest, now: Date): Promise<RolloutEvaluation> {
  const judged = await judgeRolloutStage(tx, cr, now);
  const base = { changeRequestNumber: cr.number, stagePercent: canaryLadder(cr.riskTier)[cr.canaryStage ?? 0] ?? 0 };
  if (!judged) return { ...base, verdict: null, action: "skipped", detail: "Its release is not the canary on the pointer." };
  const { judgement, stage, stagePercent, isLastStage, settings } = judged;
  const ctx = { tx, actor: CANARY_JUDGE, now };

  if (judgement.verdict === "fail") {
    const failing = judgement.failing.map((m) => m.reason);
    const metrics = judgement.failing.map((m) => m.metric).join(", ");
    await freezeRollout(ctx, {
      changeRequestId: cr.id,
      expectedStage: stage,
      expectedLockVersion: cr.lockVersion,
      failing,
      reason: `Canary ${stagePercent}% failed on ${metrics}: ${failing.join(" ")}`,
    });
    return { ...base, verdict: "fail", action: "froze", detail: failing.join(" ") };
  }
  if (judgement.verdict === "insufficient") {
    return { ...base, verdict: "insufficient", action: "waiting", detail: judgement.reasons.join(" ") };
  }

  const verdict = `Canary ${stagePercent}% passed: ${judgement.reasons.join(" ")}`;
  if (settings.canaryAdvance === "manual") {
    await markStagePassed(tx, cr, stagePercent, `${verdict} Waiting for an operator to ${isLastStage ? "promote" : "advance"} (manual mode).`, now);
    return { ...base, verdict: "pass", action: "passed_waiting", detail: verdict };
  }
  if (isLastStage) {
    await markStagePassed(tx, cr, stagePercent, verdict, now);
    await promoteRollout(ctx, { changeRequestId: cr.id, expectedLockVersion: cr.lockVersion, reason: verdict });
    return { ...base, verdict: "pass", action: "promoted", detail: verdict };
  }
  await advanceStage(ctx, { changeRequestId: cr.id, expectedStage: stage, expectedLockVersion: cr.lockVersion, verdict });
  return { ...base, verdict: "pass", action: "advanced", detail: verdict };
}

/** The stage's gate passes with the verdict as its reason (once: a passed gate is left alone). */
async function markStagePassed(tx: Tx, cr: ChangeRequest, percent: number, reason: string, now: Date) {
  const [gate] = await tx
    .select()
    .from(gates)
    .where(and(eq(gates.changeRequestId, cr.id), eq(gates.revision, cr.currentRevision), eq(gates.type, "canary"), eq(gates.canaryPercent, percent)));
  if (!gate || gate.status !== "pending") return;
  await tx.update(gates).set({ status: "passed", statusReason: reason, updatedAt: now }).where(and(eq(gates.id, gate.id), eq(gates.status, "pending")));
  await recordAudit(
    tx,
    { type: "system", id: null, label: CANARY_JUDGE.label },
    {
      action: "gate.passed",
      targetType: "gate",
      targetId: gate.id,
      serviceId: cr.serviceId,
      before: { status: gate.status },
      after: { changeRequestId: cr.id, revision: cr.currentRevision, gate: `canary:${percent}`, status: "passed", source: "system" },
      reason,
    },
    now,
  );
}

const globalForJudge = globalThis as unknown as { __changegateCanaryJudge?: ReturnType<typeof setInterval> };

/**
 * Starts the periodic judge in this server process (interval: CHANGEGATE_CANARY_INTERVAL_MS,
 * default 15 s). Runs never overlap; a failed run is logged and the next one tries again.
 */
export function startCanaryJudge(options: { intervalMs?: number } = {}): () => void {
  if (!globalForJudge.__changegateCanaryJudge) {
    const intervalMs = options.intervalMs ?? serverEnv().CHANGEGATE_CANARY_INTERVAL_MS;
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      getDb()
        .then((db) => evaluateCanaries(db))
        .then((run) => {
          for (const r of run.rollouts) {
            if (r.action === "froze" || r.action === "advanced" || r.action === "promoted") console.log(`[canary judge] CR-${r.changeRequestNumber} ${r.action} at ${r.stagePercent}%: ${r.detail}`);
          }
        })
        .catch((err) => console.error("[canary judge] run failed", err))
        .finally(() => {
          running = false;
        });
    }, intervalMs);
    timer.unref();
    globalForJudge.__changegateCanaryJudge = timer;
  }
  return () => {
    if (globalForJudge.__changegateCanaryJudge) clearInterval(globalForJudge.__changegateCanaryJudge);
    globalForJudge.__changegateCanaryJudge = undefined;
  };
}
