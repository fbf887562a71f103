import { randomUUID } from "node:crypto";
import {
  approvals,
  changeRequestRevisions,
  changeRequests,
  componentChanges,
  gateEvidence,
  gates,
} from "@/db/schema";
import type { AuditActor } from "@/lib/audit/record";
import { personOf, SYSTEM_ACTOR, type SeedContext, type ServiceIds, userActor, versionId } from "./context";
import { classifyRisk, requiredGates } from "@/lib/changes";
import type { ChangeRequestSpec, ServiceScenario } from "./types";

const PENDING_REASON: Record<string, string> = {
  security_review: "Waiting for a security reviewer's approval",
  offline_eval: "Waiting for offline eval results from CI",
  offline_smoke: "Waiting for smoke eval results from CI",
  canary: "Not started",
  rollback_plan: "Waiting for a rollback rehearsal",
};

const REVIEWER_ROLES = new Set(["reviewer", "security_reviewer", "admin"]);

/**
 * Writes every scenario's change requests, oldest first across services (so CR numbers follow
 * time), with revisions, component changes, gates, evidence and approvals. Fills
 * `ids.changeRequestIds` for the release writer.
 */
export async function writeChangeRequests(ctx: SeedContext, entries: { scenario: ServiceScenario; ids: ServiceIds }[]) {
  const all = entries.flatMap(({ scenario, ids }) => scenario.changeRequests.map((cr) => ({ scenario, ids, cr })));
  all.sort((a, b) => a.cr.revisions[0]!.at.getTime() - b.cr.revisions[0]!.at.getTime());
  for (const { scenario, ids, cr } of all) await writeChangeRequest(ctx, scenario, ids, cr);
}

async function writeChangeRequest(ctx: SeedContext, scenario: ServiceScenario, ids: ServiceIds, cr: ChangeRequestSpec) {
  const author = personOf(ctx, cr.author);
  const crId = randomUUID();
  const serviceId = ids.serviceId;
  const events: SeedContext["audit"] = [];
  const push = (at: Date, actor: AuditActor, action: string, extra: { before?: unknown; after?: unknown; reason?: string; targetType?: string; targetId?: string } = {}) =>
    events.push({ at, actor, input: { action, targetType: extra.targetType ?? "change_request", targetId: extra.targetId ?? crId, serviceId, before: extra.before, after: extra.after, reason: extra.reason } });
  const tokenActor: AuditActor = { type: "api_token", id: ids.tokenId, label: ids.tokenLabel };

  const revisions = cr.revisions.map((rev, i) => {
    const risk = classifyRisk(
      {
        components: rev.changes.map((c) => ({ kind: c.kind })),
        touchedDomains: rev.touchedDomains,
        securityImpact: rev.securityImpact ?? false,
      },
      scenario.settings,
    );
    return { rev, number: i + 1, id: randomUUID(), risk };
  });
  const latest = revisions.at(-1)!;

  push(revisions[0]!.rev.at, userActor(ctx, cr.author), "change_request.created", { after: { title: cr.title, revision: 1, riskTier: revisions[0]!.risk.tier } });
  const gateRows: (typeof gates.$inferInsert)[] = [];
  const evidenceRows: (typeof gateEvidence.$inferInsert)[] = [];
  const approvalRows: (typeof approvals.$inferInsert)[] = [];

  for (const { rev, number, risk } of revisions) {
    if (number > 1) push(rev.at, userActor(ctx, cr.author), "change_request.revised", { after: { revision: number, riskTier: risk.tier }, reason: rev.description });
    if (rev.submittedAt) push(rev.submittedAt, userActor(ctx, cr.author), "change_request.submitted", { after: { state: "in_review", revision: number } });

    for (const a of rev.approvals) {
      const reviewer = personOf(ctx, a.by);
      // The demo must obey the rules it demonstrates.
      if (a.by === cr.author) throw new Error(`Demo CR "${cr.title}": the author cannot review their own change`);
      if (!REVIEWER_ROLES.has(reviewer.role)) throw new Error(`Demo CR "${cr.title}": ${reviewer.email} may not review`);
      approvalRows.push({ changeRequestId: crId, revision: number, reviewerId: reviewer.id, reviewerRole: reviewer.role, decision: a.decision, comment: a.comment, createdAt: a.at });
      push(a.at, userActor(ctx, a.by), `change_request.${a.decision}`, { after: { revision: number, decision: a.decision }, reason: a.comment });
    }

    // Gates belong to submitted revisions; a draft previews them (as the app does).
    if (!rev.submittedAt) continue;
    requiredGates(risk.tier).forEach((gate, position) => {
      const outcome = rev.gates.find((g) => g.gate === gate.key);
      const gateId = randomUUID();
      gateRows.push({
        id: gateId,
        changeRequestId: crId,
        revision: number,
        position,
        type: gate.type,
        canaryPercent: gate.canaryPercent,
        status: outcome?.status ?? "pending",
        statusReason: outcome?.reason ?? PENDING_REASON[gate.type] ?? "",
        updatedAt: outcome?.at ?? rev.at,
      });
      if (!outcome || gate.type === "security_review") return;
      const ev = outcome.evidence;
      if (ev) {
        evidenceRows.push({
          gateId,
          source: ev.source,
          submittedByUserId: ev.source === "upload" ? author.id : null,
          submittedByTokenId: ev.source === "api" ? ids.tokenId : null,
          payload: ev.payload,
          passed: outcome.status === "passed",
          summary: ev.summary,
          createdAt: new Date(outcome.at.getTime() - 120_000),
        });
      }
      push(outcome.at, ev?.source === "api" ? tokenActor : SYSTEM_ACTOR, `gate.${outcome.status}`, {
        targetType: "gate",
        targetId: gateId,
        after: { changeRequestId: crId, revision: number, gate: gate.key, status: outcome.status },
        reason: outcome.reason,
      });
    });
    for (const key of rev.gates.map((g) => g.gate)) {
      if (!requiredGates(risk.tier).some((g) => g.key === key)) {
        throw new Error(`Demo CR "${cr.title}" sets gate ${key}, which a ${risk.tier}-risk change does not have`);
      }
    }
  }

  const approvedBy = latest.rev.approvals.filter((a) => a.decision === "approved");
  const approvedStates = ["approved", "rolling_out", "paused", "promoted", "rolled_back"];
  if (approvedStates.includes(cr.state)) {
    const needed = latest.risk.tier === "high" ? 2 : 1;
    const hasSecurity = approvedBy.some((a) => personOf(ctx, a.by).role === "security_reviewer");
    if (approvedBy.length < needed || (latest.risk.tier === "high" && !hasSecurity)) {
      throw new Error(`Demo CR "${cr.title}" is ${cr.state} without the approvals its ${latest.risk.tier} risk needs`);
    }
  }

  for (const release of scenario.releases.filter((r) => r.changeRequest === cr.key)) {
    const actor = userActor(ctx, release.actor);
    if (release.kind === "deploy") push(release.at, actor, "change_request.rollout_started", { before: { state: "approved" }, after: { state: "rolling_out", canaryPercent: release.canaryPercent } });
    if (release.kind === "promotion") push(release.at, actor, "change_request.promoted", { before: { state: "rolling_out" }, after: { state: "promoted" }, reason: release.reason });
    if (release.kind === "rollback") push(release.at, actor, "change_request.rolled_back", { before: { state: "rolling_out" }, after: { state: "rolled_back" }, reason: release.rollback?.reason ?? release.reason });
  }

  // Every event but creation and gate results changed the CR row: that is its lock version.
  const rowChanges = events.filter((e) => e.input.targetType === "change_request" && e.input.action !== "change_request.created");
  const updatedAt = new Date(Math.max(...events.map((e) => e.at.getTime())));
  await ctx.tx.insert(changeRequests).values({
    id: crId,
    serviceId,
    authorId: author.id,
    title: cr.title,
    state: cr.state,
    riskTier: latest.risk.tier,
    currentRevision: latest.number,
    lockVersion: 1 + rowChanges.length,
    canaryStage: null,
    createdAt: revisions[0]!.rev.at,
    updatedAt,
  });
  await ctx.tx.insert(changeRequestRevisions).values(
    revisions.map(({ rev, number, id, risk }) => ({
      id,
      changeRequestId: crId,
      revision: number,
      title: rev.title ?? cr.title,
      description: rev.description,
      touchedDomains: rev.touchedDomains,
      securityImpact: rev.securityImpact ?? false,
      expectedMetricShift: rev.expectedMetricShift,
      rollbackPlan: rev.rollbackPlan,
      riskTier: risk.tier,
      riskReasons: risk.reasons,
      authorId: author.id,
      createdAt: rev.at,
    })),
  );
  await ctx.tx.insert(componentChanges).values(
    revisions.flatMap(({ rev, id }) =>
      rev.changes.map((c) => ({
        revisionId: id,
        kind: c.kind,
        fromVersionId: versionId(ids, c.kind, cr.liveBundle[c.kind]),
        toVersionId: versionId(ids, c.kind, c.to),
      })),
    ),
  );
  if (gateRows.length > 0) await ctx.tx.insert(gates).values(gateRows);
  if (evidenceRows.length > 0) await ctx.tx.insert(gateEvidence).values(evidenceRows);
  if (approvalRows.length > 0) await ctx.tx.insert(approvals).values(approvalRows);
  ids.changeRequestIds.set(cr.key, crId);
  ctx.audit.push(...events);
}
