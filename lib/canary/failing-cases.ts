import "server-only";
import { and, desc, eq, sql, type SQL } from "drizzle-orm";
import type { Tx } from "@/db/client";
import { changeRequests, evalCases, evalSets, gates, releaseManifests, services } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { may, refusal } from "@/lib/auth/permissions";
import type { Actor } from "@/lib/auth/session";
import { AppError } from "@/lib/errors";
import { rowsOf } from "@/lib/outcomes/partition-store";
import { auditActorFor } from "@/lib/releases/actor";
import { METRIC_IDS, type MetricId } from "./metrics";

/**
 * "Add failing cases to an eval set" from a failed canary stage (SPEC §3): the canary's own
 * requests that show the failing metric — falsely refused, unresolved, in violation of policy,
 * slow, costly — become cases of one of the service's eval sets, so the next revision's offline
 * evaluation covers them. Outcome events carry no transcript: each case names the production
 * request (event id, tenant, time, component versions) for the team to pull the conversation
 * from their own logs, and says what the right behaviour is. A request already in the set is
 * not added twice.
 */

/** The events that show a metric failing, and what a case built from one expects instead. */
const FAILURE: Record<MetricId, { where: (ctx: { p95Ms: number | null }) => SQL | null; label: string; expected: string }> = {
  resolved_rate: { where: () => sql`not e.resolved`, label: "unresolved", expected: "Resolves the request; the canary left it unresolved." },
  policy_violation_rate: { where: () => sql`e.policy_violation`, label: "policy_violation", expected: "Stays within policy; the canary's answer violated it." },
  cost_per_resolved_request: { where: () => sql`true`, label: "costly_response", expected: "Resolves the request at the stable release's cost; the canary's answer was among its costliest." },
  p95_latency_ms: {
    where: ({ p95Ms }) => (p95Ms === null ? null : sql`e.latency_ms > ${p95Ms}`),
    label: "slow_response",
    expected: "Answers within the stable release's p95 latency; the canary's answer was slower.",
  },
  false_refusal_rate: { where: () => sql`e.false_refusal`, label: "false_refusal", expected: "Answers the request instead of refusing it: the canary refused a legitimate request." },
  follow_up_rate: { where: () => sql`e.follow_up`, label: "follow_up", expected: "Answers completely the first time; the canary's answer needed a follow-up." },
  fallback_rate: { where: () => sql`e.fallback`, label: "fallback", expected: "Answers without falling back; the canary fell back." },
  escalation_rate: { where: () => sql`e.escalated`, label: "escalation", expected: "Resolves the request without escalating to a person; the canary escalated it." },
  manual_correction_rate: { where: () => sql`e.manual_correction`, label: "manual_correction", expected: "Needs no manual correction; the canary's answer was corrected by hand." },
};

/** The metric ids named in a frozen rollout's failing lines ("false_refusal_rate 14% vs …"). */
export function failingMetricsOf(lines: readonly string[]): MetricId[] {
  return METRIC_IDS.filter((id) => lines.some((line) => line.startsWith(`${id} `) || line.includes(` ${id} `)));
}

export interface FailingCasesAdded {
  evalSetId: string;
  evalSetName: string;
  added: number;
  alreadyThere: number;
  metrics: MetricId[];
}

export const MAX_FAILING_CASES = 50;

export async function addFailingCasesToEvalSet(
  ctx: { tx: Tx; actor: Actor; now: Date },
  input: { changeRequestId: string; evalSetId: string; limit?: number },
): Promise<FailingCasesAdded> {
  const { tx, actor, now } = ctx;
  if (!may(actor.role, "evalSet.manage")) throw new AppError("forbidden", refusal(actor.role, "evalSet.manage"));
  const [cr] = await tx.select().from(changeRequests).where(eq(changeRequests.id, input.changeRequestId));
  if (!cr) throw new AppError("not_found", "That change request does not exist.");
  const [set] = await tx.select().from(evalSets).where(eq(evalSets.id, input.evalSetId)).for("update");
  if (!set || set.serviceId !== cr.serviceId) {
    throw new AppError("invalid_input", "Choose one of this service's eval sets.", { evalSetId: ["Choose one of this service's eval sets"] });
  }
  const [failedGate] = await tx
    .select()
    .from(gates)
    .where(and(eq(gates.changeRequestId, cr.id), eq(gates.revision, cr.currentRevision), eq(gates.type, "canary"), eq(gates.status, "failed")))
    .orderBy(desc(gates.updatedAt))
    .limit(1);
  if (!failedGate) throw new AppError("rule_refused", `CR-${cr.number} has no failed canary stage: failing cases come from a stage whose verdict failed.`);
  const metrics = failingMetricsOf(cr.rolloutHold?.failing ?? [failedGate.statusReason]);
  if (metrics.length === 0) throw new AppError("rule_refused", `CR-${cr.number}'s failed stage names no metric to take failing cases from.`);
  const [canary] = await tx
    .select({ id: releaseManifests.id })
    .from(releaseManifests)
    .where(and(eq(releaseManifests.changeRequestId, cr.id), eq(releaseManifests.kind, "deploy")))
    .orderBy(desc(releaseManifests.createdAt))
    .limit(1);
  if (!canary) throw new AppError("rule_refused", `CR-${cr.number} never ran a canary.`);
  const from = cr.canaryStageStartedAt ?? cr.createdAt;
  const to = cr.rolloutHold?.at ? new Date(cr.rolloutHold.at) : now;

  const p95 = rowsOf<{ p95: number | null }>(
    await tx.execute(sql`select percentile_cont(0.95) within group (order by e.latency_ms) as p95 from outcome_events e
      where e.service_id = ${cr.serviceId} and e.arm = 'stable' and e.occurred_at >= ${new Date(from.getTime() - 7 * 86_400_000).toISOString()}::timestamptz and e.occurred_at < ${from.toISOString()}::timestamptz`),
  )[0]?.p95;
  const limit = Math.min(input.limit ?? 25, MAX_FAILING_CASES);
  let added = 0;
  let alreadyThere = 0;
  const [service] = await tx.select({ slug: services.slug }).from(services).where(eq(services.id, cr.serviceId));
  for (const metric of metrics) {
    const failure = FAILURE[metric];
    const condition = failure.where({ p95Ms: p95 === null || p95 === undefined ? null : Number(p95) });
    if (!condition) continue;
    const rows = rowsOf<{ event_id: string; occurred_at: Date | string; tenant: string; component_versions: Record<string, string> | string; latency_ms: number; cost_usd: number; known: boolean }>(
      await tx.execute(sql`select e.event_id, e.occurred_at, e.tenant, e.component_versions, e.latency_ms, e.cost_usd,
          exists (select 1 from eval_cases c where c.eval_set_id = ${set.id} and c.input->>'eventId' = e.event_id) as known
        from outcome_events e
        where e.service_id = ${cr.serviceId} and e.release_id = ${canary.id} and e.arm = 'canary'
          and e.occurred_at >= ${from.toISOString()}::timestamptz and e.occurred_at <= ${to.toISOString()}::timestamptz and ${condition}
        order by ${metric === "cost_per_resolved_request" ? sql`e.cost_usd desc` : metric === "p95_latency_ms" ? sql`e.latency_ms desc` : sql`e.occurred_at`}, e.event_id
        limit ${limit}`),
    );
    const fresh = rows.filter((r) => !r.known);
    alreadyThere += rows.length - fresh.length;
    if (fresh.length === 0) continue;
    await tx.insert(evalCases).values(
      fresh.map((r) => ({
        evalSetId: set.id,
        input: {
          eventId: r.event_id,
          service: service!.slug,
          tenant: r.tenant,
          occurredAt: new Date(r.occurred_at).toISOString(),
          componentVersions: typeof r.component_versions === "string" ? (JSON.parse(r.component_versions) as Record<string, string>) : r.component_versions,
          latencyMs: Number(r.latency_ms),
          costUsd: Number(r.cost_usd),
        },
        expectedBehavior: failure.expected,
        failureLabel: failure.label,
        source: "canary" as const,
        sourceRef: `CR-${cr.number} canary ${failedGate.canaryPercent}% (${canary.id}): ${metric}`,
        createdAt: now,
      })),
    );
    added += fresh.length;
  }
  if (added > 0) {
    await recordAudit(
      tx,
      auditActorFor(actor),
      {
        action: "eval_set.cases_added",
        targetType: "eval_set",
        targetId: set.id,
        serviceId: cr.serviceId,
        before: null,
        after: { added, metrics, changeRequestId: cr.id, releaseId: canary.id, stagePercent: failedGate.canaryPercent },
        reason: `Failing cases of CR-${cr.number}'s ${failedGate.canaryPercent}% canary stage`,
      },
      now,
    );
  }
  return { evalSetId: set.id, evalSetName: set.name, added, alreadyThere, metrics };
}
