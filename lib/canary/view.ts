import "server-only";
import { and, asc, eq, inArray, or } from "drizzle-orm";
import { getDb, type Database } from "@/db/client";
import { activePointers, auditLog, gates, releaseManifests, services, type ChangeRequest } from "@/db/schema";
import type { Actor } from "@/lib/auth/session";
import { canaryLadder } from "@/lib/changes";
import { assertMayView } from "@/lib/components/queries";
import { serviceSettingsSchema, type ServiceSettings } from "@/lib/services/settings";
import { describeMethod, judgeStage, type StageJudgement } from "./analysis";
import { judgeRolloutStage } from "./evaluator";
import { rollupSeries, stageComparisonTotals, versionBreakdown } from "./store";
import type { MetricTotals } from "./totals";
import {
  chartBucketMinutes,
  currentStageIndex,
  dailyWindows,
  ladderSteps,
  metricCharts,
  rollupGranularityFor,
  rolloutHeadline,
  stageBuckets,
  type ChartMark,
  type LadderStep,
  type MetricChart,
  type VersionCount,
} from "./view-model";

/**
 * Everything the canary page of a change request shows (issue 5 item 5): the ladder, the
 * verdict of the current (or last) stage exactly as the canary judge computes it, the canary
 * against its 7-day baseline over time, and the canary's traffic by component version. Anyone
 * who may view the dashboard may read it; acting is the release commands' business.
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/** The charts go back at most this far from the end of the rollout. */
const CHART_MAX_SPAN_MS = 7 * DAY_MS;

export interface CanaryView {
  service: { id: string; slug: string; name: string };
  settings: Pick<ServiceSettings, "canary" | "canaryAdvance" | "outcomeRetentionDays">;
  ladder: LadderStep[];
  headline: string;
  /** Index of the stage the rollout is at (or ended at); null when no canary has run. */
  stageIndex: number | null;
  stagePercent: number | null;
  stageCount: number;
  /** The canary's share of traffic on the pointer now, when the canary is this change request's. */
  livePercent: number | null;
  /** The verdict is as of: now while it runs; the freeze; the end of the rollout. */
  asOf: Date;
  asOfKind: "now" | "freeze" | "end";
  /** The canary releases of this change request, oldest first (more than one after a component rollback). */
  canaryReleaseIds: string[];
  rolloutStartedAt: Date | null;
  stageStartedAt: Date | null;
  /** The judged windows: the canary's from the stage's first whole minute, the stable release's 7 days before its hour. */
  comparison: { canaryRequests: number; canaryFrom: Date; baselineRequests: number; baselineFrom: Date; baselineTo: Date } | null;
  judgement: StageJudgement | null;
  /** One sentence naming the statistical method, for this service's alpha. */
  method: string;
  charts: { from: Date; to: Date; bucketMinutes: number; marks: ChartMark[]; metrics: MetricChart[] } | null;
  /** The stage's canary traffic by the component versions its events carried (raw events). */
  versions: VersionCount[];
}

/** The canary page's data for a change request the actor has loaded (see getChangeRequestDetail). */
export async function getCanaryView(params: { actor: Actor; changeRequest: ChangeRequest; now: Date }): Promise<CanaryView> {
  assertMayView(params.actor);
  return loadCanaryView(await getDb(), params.changeRequest, params.now);
}

async function loadCanaryView(db: Database, cr: ChangeRequest, now: Date): Promise<CanaryView> {
  const ladder = canaryLadder(cr.riskTier);
  const [[service], manifests, stageGates, [pointer]] = await Promise.all([
    db.select({ id: services.id, slug: services.slug, name: services.name, settings: services.settings }).from(services).where(eq(services.id, cr.serviceId)),
    db
      .select({ id: releaseManifests.id, canaryPercent: releaseManifests.canaryPercent, createdAt: releaseManifests.createdAt })
      .from(releaseManifests)
      .where(eq(releaseManifests.changeRequestId, cr.id))
      .orderBy(asc(releaseManifests.createdAt), asc(releaseManifests.id)),
    db
      .select({ canaryPercent: gates.canaryPercent, status: gates.status, statusReason: gates.statusReason })
      .from(gates)
      .where(and(eq(gates.changeRequestId, cr.id), eq(gates.revision, cr.currentRevision), eq(gates.type, "canary"))),
    db.select().from(activePointers).where(eq(activePointers.serviceId, cr.serviceId)),
  ]);
  if (!service) throw new Error(`CR-${cr.number} names a service that does not exist`);
  const settings = serviceSettingsSchema.parse(service.settings ?? {});
  const hold = cr.rolloutHold ?? null;

  // A canary release of this CR serves a share below 100%: the deploy, and any rebased canary.
  const canaryReleases = manifests.filter((m) => m.canaryPercent < 100);
  const started = canaryReleases.length > 0;
  const stageIndex = currentStageIndex({ ladder, canaryStage: cr.canaryStage, state: cr.state, started, gates: stageGates });
  const live = started && !!pointer?.canaryReleaseId && canaryReleases.some((m) => m.id === pointer.canaryReleaseId) && (cr.state === "rolling_out" || cr.state === "paused");
  const livePercent = live ? pointer!.canaryPercent : null;
  const base: CanaryView = {
    service: { id: service.id, slug: service.slug, name: service.name },
    settings: { canary: settings.canary, canaryAdvance: settings.canaryAdvance, outcomeRetentionDays: settings.outcomeRetentionDays },
    ladder: ladderSteps({ ladder, stage: stageIndex, state: cr.state, gates: stageGates, hold }),
    headline: rolloutHeadline({ ladder, stage: stageIndex, state: cr.state, hold, livePercent }),
    stageIndex,
    stagePercent: stageIndex === null ? null : ladder[stageIndex]!,
    stageCount: ladder.length,
    livePercent,
    asOf: now,
    asOfKind: "now",
    canaryReleaseIds: canaryReleases.map((m) => m.id),
    rolloutStartedAt: null,
    stageStartedAt: null,
    comparison: null,
    judgement: null,
    method: describeMethod(settings.canary.alpha),
    charts: null,
    versions: [],
  };
  if (!started || stageIndex === null) return base;

  // When the verdict stands: now while the canary runs; at the freeze (its share is 0 since); at
  // the manifest that ended the rollout (promotion, or the rollback that ended the canary).
  const rolloutStartedAt = canaryReleases[0]!.createdAt;
  const ending = manifests.find((m) => m.canaryPercent >= 100 && m.createdAt >= rolloutStartedAt);
  // A hold is cleared on resume, so a frozen one is this stage's freeze (also once rolled back).
  const frozenAt = hold?.kind === "frozen" ? new Date(Date.parse(hold.at)) : null;
  const endedAt = live ? now : (ending?.createdAt ?? (cr.state === "rolling_out" || cr.state === "paused" ? now : cr.updatedAt));
  const [asOf, asOfKind]: [Date, CanaryView["asOfKind"]] =
    frozenAt && frozenAt < endedAt ? [frozenAt, "freeze"] : [endedAt, live ? "now" : "end"];

  const releaseIds = canaryReleases.map((m) => m.id);
  const stageMarks = await stageStarts(db, cr, releaseIds, { at: rolloutStartedAt, percent: canaryReleases[0]!.canaryPercent }, asOf);
  const stageStartedAt = cr.canaryStageStartedAt ?? stageMarks.at(-1)!.at;
  // A resumed stage is judged again from the resume: mark it when it is not the stage's start.
  const marks: ChartMark[] = stageMarks.map((m) => ({ at: m.at, label: `${m.percent}%` }));
  if (stageStartedAt.getTime() - marks.at(-1)!.at.getTime() >= MINUTE_MS) marks.push({ at: stageStartedAt, label: "judged from" });

  // The verdict exactly as the judge sees it while the canary is ours; afterwards the same
  // computation on the last canary release over the last stage.
  const judged = live ? await judgeRolloutStage(db, cr, asOf) : null;
  const comparison = judged
    ? judged.totals
    : await stageComparisonTotals(db, { serviceId: cr.serviceId, canaryReleaseId: releaseIds.at(-1)!, stageStartedAt, now: asOf });
  const judgement = judged?.judgement ?? judgeStage({ canary: comparison.canary, baseline: comparison.baseline, stageStartedAt, now: asOf, settings });

  const [charts, versions] = await Promise.all([
    chartData(db, { serviceId: cr.serviceId, releaseIds, marks, asOf, baseline: comparison }),
    // The same window as the verdict's, so the breakdown adds up to its canary requests.
    versionCounts(db, { serviceId: cr.serviceId, releaseIds, from: comparison.canaryFrom, to: new Date(asOf.getTime() + MINUTE_MS) }),
  ]);
  return {
    ...base,
    asOf,
    asOfKind,
    rolloutStartedAt,
    stageStartedAt,
    comparison: {
      canaryRequests: comparison.canary.requests,
      canaryFrom: comparison.canaryFrom,
      baselineRequests: comparison.baseline.requests,
      baselineFrom: comparison.baselineFrom,
      baselineTo: comparison.baselineTo,
    },
    judgement,
    charts,
    versions,
  };
}

/**
 * When each stage began: the rollout's start, then each advance (recorded by the release
 * commands on the change request; by the demo's history on the release). Up to `asOf`.
 */
async function stageStarts(db: Database, cr: ChangeRequest, releaseIds: string[], first: { at: Date; percent: number }, asOf: Date) {
  const rows = await db
    .select({ at: auditLog.occurredAt, after: auditLog.after })
    .from(auditLog)
    .where(
      or(
        and(eq(auditLog.action, "release.stage_advanced"), eq(auditLog.targetType, "change_request"), eq(auditLog.targetId, cr.id)),
        and(eq(auditLog.action, "release.canary_advanced"), eq(auditLog.targetType, "release"), inArray(auditLog.targetId, releaseIds)),
      ),
    )
    .orderBy(asc(auditLog.occurredAt), asc(auditLog.id));
  const starts = [first];
  for (const row of rows) {
    const percent = (row.after as { canaryPercent?: unknown } | null)?.canaryPercent;
    if (typeof percent === "number" && row.at > first.at && row.at <= asOf) starts.push({ at: row.at, percent });
  }
  return starts;
}

async function chartData(
  db: Database,
  input: { serviceId: string; releaseIds: string[]; marks: ChartMark[]; asOf: Date; baseline: { baseline: MetricTotals; baselineFrom: Date; baselineTo: Date } },
): Promise<CanaryView["charts"]> {
  const to = input.asOf;
  const earliest = new Date(to.getTime() - CHART_MAX_SPAN_MS);
  // Marks before the charted span collapse into its start, labelled with the stage then running.
  const before = input.marks.filter((m) => m.at <= earliest).at(-1);
  const marks = [...(before ? [{ at: earliest, label: before.label }] : []), ...input.marks.filter((m) => m.at > earliest)];
  const from = marks[0]!.at;
  const bucketMinutes = chartBucketMinutes(to.getTime() - from.getTime());
  const granularity = rollupGranularityFor(bucketMinutes);
  const unit = granularity === "minute" ? MINUTE_MS : HOUR_MS;
  const [canarySeries, baselineHourly] = await Promise.all([
    Promise.all(
      input.releaseIds.map((releaseId) =>
        rollupSeries(db, { serviceId: input.serviceId, arm: "canary", releaseId, granularity, from: new Date(Math.floor(from.getTime() / unit) * unit), to: new Date(to.getTime() + unit), step: granularity }),
      ),
    ),
    rollupSeries(db, { serviceId: input.serviceId, arm: "stable", granularity: "hour", from: input.baseline.baselineFrom, to: input.baseline.baselineTo, step: "hour" }),
  ]);
  const shaped = stageBuckets({ series: canarySeries.flat(), marks, to, bucketMinutes });
  const metrics = metricCharts({
    buckets: shaped.buckets,
    baselineDays: dailyWindows(baselineHourly, input.baseline.baselineFrom),
    baseline: input.baseline.baseline.requests > 0 ? input.baseline.baseline : null,
  });
  return { from, to, bucketMinutes, marks: shaped.marks, metrics };
}

async function versionCounts(db: Database, input: { serviceId: string; releaseIds: string[]; from: Date; to: Date }): Promise<VersionCount[]> {
  const perRelease = await Promise.all(input.releaseIds.map((releaseId) => versionBreakdown(db, { serviceId: input.serviceId, releaseId, from: input.from, to: input.to, limit: 20 })));
  return perRelease.flat();
}

