import "server-only";
import { and, asc, eq } from "drizzle-orm";
import type { Tx } from "@/db/client";
import {
  activePointers,
  approvals,
  changeRequestRevisions,
  changeRequests,
  componentChanges,
  componentVersions,
  gates,
  releaseManifestComponents,
  services,
  users,
  type ChangeRequest,
  type Service,
} from "@/db/schema";
import type { AuditActor } from "@/lib/audit/record";
import { recordAudit } from "@/lib/audit/record";
import type { Actor } from "@/lib/auth/session";
import { contentHash } from "@/lib/components/content-hash";
import { kindInfo, type ComponentKind } from "@/lib/components/kinds";
import { componentContentSchemas } from "@/lib/components/schemas";
import { AppError } from "@/lib/errors";
import { enqueueWebhookEvent } from "@/lib/notifications/webhooks";
import { serviceSettingsSchema } from "@/lib/services/settings";
import { approvalStatus, canDecide } from "./approval-policy";
import { describeChangeRequestRef, type ChangeRequestRef } from "./change-request-ref";
import { requiredGates } from "./gates";
import type { DecisionInput, SaveChangeRequestInput } from "./input";
import { checkComponentCount, checkDistinctKinds, checkHighRiskKinds } from "./release-rules";
import { assertCurrentRevision } from "./stale-revision";
import { classifyRisk } from "./risk";
import { judgeRollbackPlan } from "./rollback-plan";
import { transition, type ChangeRequestAction } from "./state-machine";

/**
 * The change-request commands: each runs inside the caller's transaction, takes the acting user,
 * checks the rules with the pure core, writes, and appends its audit entries. Server actions and
 * API routes both call these.
 */
export interface CommandContext {
  tx: Tx;
  actor: Actor;
  now: Date;
}

const auditActorOf = (actor: Actor): AuditActor => ({ type: "user", id: actor.id, label: `${actor.name} <${actor.email}>` });

function hhmm(date: Date): string {
  return `${date.toISOString().slice(11, 16)} UTC`;
}

async function serviceBySlug(tx: Tx, slug: string): Promise<Service> {
  const [service] = await tx.select().from(services).where(eq(services.slug, slug)).limit(1);
  if (!service) throw new AppError("not_found", `There is no service "${slug}".`, { serviceSlug: [`Unknown service "${slug}"`] });
  return service;
}

/** Locks the change request row for this transaction: decisions and revisions on it serialise here. */
export async function lockChangeRequest(tx: Tx, id: string): Promise<ChangeRequest> {
  const [cr] = await tx.select().from(changeRequests).where(eq(changeRequests.id, id)).for("update");
  if (!cr) throw new AppError("not_found", "That change request does not exist.");
  return cr;
}

/**
 * Locks the change request an API caller named by number ("CR-42") or id. The caller then checks
 * that its token's service owns it (assertTokenForService), as for an id.
 */
export async function lockChangeRequestRef(tx: Tx, ref: ChangeRequestRef): Promise<ChangeRequest> {
  if ("id" in ref) return lockChangeRequest(tx, ref.id);
  const [cr] = await tx.select().from(changeRequests).where(eq(changeRequests.number, ref.number)).for("update");
  if (!cr) throw new AppError("not_found", `There is no change request ${describeChangeRequestRef(ref)}.`);
  return cr;
}

function checkTransition(cr: ChangeRequest, actor: Actor, action: ChangeRequestAction, extra: { approvalSatisfied?: boolean } = {}) {
  const result = transition({ from: cr.state, action, actorRole: actor.role, isAuthor: cr.authorId === actor.id, ...extra });
  if (!result.ok) throw new AppError(result.code === "forbidden" ? "forbidden" : "conflict", result.reason);
  return result.to;
}

/** The version of each kind the service runs in its stable release now. */
async function liveVersions(tx: Tx, serviceId: string): Promise<Map<ComponentKind, typeof componentVersions.$inferSelect>> {
  const rows = await tx
    .select({ kind: releaseManifestComponents.kind, version: componentVersions })
    .from(activePointers)
    .innerJoin(releaseManifestComponents, eq(releaseManifestComponents.releaseId, activePointers.stableReleaseId))
    .innerJoin(componentVersions, eq(componentVersions.id, releaseManifestComponents.versionId))
    .where(eq(activePointers.serviceId, serviceId));
  return new Map(rows.map((r) => [r.kind as ComponentKind, r.version]));
}

type ResolvedChange = { kind: ComponentKind; from: typeof componentVersions.$inferSelect | null; toVersionId: string; toLabel: string; created: boolean };

/**
 * Turns the author's component choices into versions: existing ones must belong to this service
 * and kind; new content is validated against its kind's schema and stored once (same content,
 * same version). Field errors name the field so the form can show them in place.
 */
async function resolveComponents(ctx: CommandContext, service: Service, input: SaveChangeRequestInput): Promise<ResolvedChange[]> {
  const count = checkComponentCount(input.components.length);
  if (!count.ok) throw new AppError("rule_refused", count.message, { components: [count.message] });
  const distinct = checkDistinctKinds(input.components.map((c) => c.kind));
  if (!distinct.ok) throw new AppError("rule_refused", distinct.message, { components: [distinct.message] });

  const live = await liveVersions(ctx.tx, service.id);
  const fieldErrors: Record<string, string[]> = {};
  const resolved: ResolvedChange[] = [];

  for (const [i, choice] of input.components.entries()) {
    const from = live.get(choice.kind) ?? null;
    const label = kindInfo(choice.kind).label;
    if (choice.source === "existing") {
      const [version] = await ctx.tx.select().from(componentVersions).where(eq(componentVersions.id, choice.versionId)).limit(1);
      if (!version || version.serviceId !== service.id || version.kind !== choice.kind) {
        fieldErrors[`components.${i}.versionId`] = [
          version && version.serviceId !== service.id
            ? `That version belongs to another service; choose a ${label.toLowerCase()} version of ${service.slug}.`
            : `That is not a ${label.toLowerCase()} version of ${service.slug}.`,
        ];
        continue;
      }
      if (from && version.id === from.id) {
        fieldErrors[`components.${i}.versionId`] = [`${version.label} is already live; choose or create a different version.`];
        continue;
      }
      resolved.push({ kind: choice.kind, from, toVersionId: version.id, toLabel: version.label, created: false });
      continue;
    }

    const parsed = componentContentSchemas[choice.kind].safeParse(choice.content);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const key = [`components.${i}.content`, ...issue.path.map(String)].join(".");
        (fieldErrors[key] ??= []).push(issue.message);
      }
      continue;
    }
    const content = parsed.data as Record<string, unknown>;
    const hash = contentHash(content);
    const [same] = await ctx.tx
      .select()
      .from(componentVersions)
      .where(and(eq(componentVersions.serviceId, service.id), eq(componentVersions.kind, choice.kind), eq(componentVersions.contentHash, hash)))
      .limit(1);
    if (same) {
      // The same content in the same service and kind is the same version.
      if (from && same.id === from.id) {
        fieldErrors[`components.${i}.content`] = [`This content is identical to the live version ${from.label}; change something first.`];
        continue;
      }
      resolved.push({ kind: choice.kind, from, toVersionId: same.id, toLabel: same.label, created: false });
      continue;
    }
    const [labelTaken] = await ctx.tx
      .select({ id: componentVersions.id })
      .from(componentVersions)
      .where(and(eq(componentVersions.serviceId, service.id), eq(componentVersions.kind, choice.kind), eq(componentVersions.label, choice.label)))
      .limit(1);
    if (labelTaken) {
      fieldErrors[`components.${i}.label`] = [`${choice.label} is already the label of another ${label.toLowerCase()} version; pick a new one.`];
      continue;
    }
    const [version] = await ctx.tx
      .insert(componentVersions)
      .values({
        serviceId: service.id,
        kind: choice.kind,
        label: choice.label,
        content,
        contentHash: hash,
        parentId: from?.id ?? null,
        authorId: ctx.actor.id,
        notes: choice.notes,
        createdAt: ctx.now,
      })
      .returning();
    await recordAudit(ctx.tx, auditActorOf(ctx.actor), {
      action: "component_version.created",
      targetType: "component_version",
      targetId: version!.id,
      serviceId: service.id,
      after: { kind: choice.kind, label: choice.label, contentHash: hash, parentId: from?.id ?? null },
    }, ctx.now);
    resolved.push({ kind: choice.kind, from, toVersionId: version!.id, toLabel: version!.label, created: true });
  }

  if (Object.keys(fieldErrors).length) {
    throw new AppError("invalid_input", "Some components need attention.", fieldErrors);
  }
  return resolved;
}

/**
 * Creates the gate checklist of one revision, every gate pending. The rollback_plan gate waits
 * for a rollback rehearsal of this revision (lib/releases/rehearsal-gate.ts): an earlier
 * revision's rehearsal stays with that revision's gate.
 */
async function createGates(
  tx: Tx,
  input: { changeRequestId: string; revision: number; tier: "low" | "medium" | "high"; rollbackPlan: string; now: Date },
) {
  const plan = judgeRollbackPlan({ plan: input.rollbackPlan, rehearsal: null });
  await tx.insert(gates).values(
    requiredGates(input.tier).map((gate, position) => ({
      changeRequestId: input.changeRequestId,
      revision: input.revision,
      position,
      type: gate.type,
      canaryPercent: gate.canaryPercent ?? null,
      status: gate.type === "rollback_plan" ? plan.status : ("pending" as const),
      statusReason: gate.type === "rollback_plan" ? plan.reason : gate.passesWhen,
      updatedAt: input.now,
    })),
  );
}

export interface SavedChangeRequest {
  id: string;
  number: number;
  revision: number;
  state: ChangeRequest["state"];
  tier: "low" | "medium" | "high";
  riskReasons: string[];
}

/**
 * Creates a change request, edits a draft in place, or adds a new revision to a submitted one
 * (which drops its approvals and re-runs classification). `intent: "submit"` sends it to review.
 */
export async function saveChangeRequest(ctx: CommandContext, input: SaveChangeRequestInput): Promise<SavedChangeRequest> {
  const { tx, actor, now } = ctx;
  const existing = input.changeRequestId ? await lockChangeRequest(tx, input.changeRequestId) : null;
  if (existing) {
    // A draft is edited in place, so any save since the page loaded makes it stale. A submitted
    // request is stale only when someone added a revision: reviews may land meanwhile.
    const stale =
      existing.state === "draft"
        ? input.expectedLockVersion !== undefined && existing.lockVersion !== input.expectedLockVersion
        : existing.currentRevision !== input.expectedRevision;
    if (stale) {
      throw new AppError(
        "conflict",
        existing.state === "draft"
          ? `This draft was saved again at ${hhmm(existing.updatedAt)} (in another tab?). Reload it and make your edit again.`
          : `CR-${existing.number} is now at revision ${existing.currentRevision} (updated at ${hhmm(existing.updatedAt)}); you were editing revision ${input.expectedRevision ?? "?"}. Reload it and make your edit again.`,
      );
    }
  }
  const service = await serviceBySlug(tx, input.serviceSlug);
  if (existing && existing.serviceId !== service.id) {
    throw new AppError("invalid_input", "A change request stays with its service; start a new one for another service.", {
      serviceSlug: ["The service of an existing change request cannot change"],
    });
  }

  // Which lifecycle step this save is: a new request, a draft edit, or a new revision.
  const action: ChangeRequestAction | null = !existing ? null : existing.state === "draft" ? "edit" : "revise";
  if (existing && action) checkTransition(existing, actor, action);
  const submitting = input.intent === "submit" || action === "revise";
  if (existing?.state === "draft" && submitting) checkTransition({ ...existing, state: "draft" }, actor, "submit");

  const settings = serviceSettingsSchema.parse(service.settings);
  const resolved = await resolveComponents(ctx, service, input);
  const highRisk = checkHighRiskKinds({ kinds: resolved.map((c) => c.kind), touchedDomains: input.touchedDomains }, settings);
  if (!highRisk.ok) throw new AppError("rule_refused", highRisk.message, { components: [highRisk.message] });

  const risk = classifyRisk(
    { components: resolved.map((c) => ({ kind: c.kind })), touchedDomains: input.touchedDomains, securityImpact: input.securityImpact },
    settings,
  );
  const state = submitting ? ("in_review" as const) : ("draft" as const);
  const revisionFields = {
    title: input.title,
    description: input.description,
    touchedDomains: input.touchedDomains,
    securityImpact: input.securityImpact,
    expectedMetricShift: input.expectedMetricShift,
    rollbackPlan: input.rollbackPlan,
    riskTier: risk.tier,
    riskReasons: risk.reasons,
  };

  let cr: ChangeRequest;
  let revisionId: string;
  let revision: number;
  if (!existing) {
    [cr] = (await tx
      .insert(changeRequests)
      .values({ serviceId: service.id, authorId: actor.id, title: input.title, state, riskTier: risk.tier, createdAt: now, updatedAt: now })
      .returning()) as [ChangeRequest];
    revision = 1;
    const [row] = await tx
      .insert(changeRequestRevisions)
      .values({ changeRequestId: cr.id, revision, authorId: actor.id, createdAt: now, ...revisionFields })
      .returning({ id: changeRequestRevisions.id });
    revisionId = row!.id;
  } else if (action === "edit") {
    revision = existing.currentRevision;
    const [row] = await tx
      .update(changeRequestRevisions)
      .set({ ...revisionFields, authorId: actor.id, createdAt: now })
      .where(and(eq(changeRequestRevisions.changeRequestId, existing.id), eq(changeRequestRevisions.revision, revision)))
      .returning({ id: changeRequestRevisions.id });
    revisionId = row!.id;
    await tx.delete(componentChanges).where(eq(componentChanges.revisionId, revisionId));
    [cr] = (await tx
      .update(changeRequests)
      .set({ title: input.title, state, riskTier: risk.tier, lockVersion: existing.lockVersion + 1, updatedAt: now })
      .where(eq(changeRequests.id, existing.id))
      .returning()) as [ChangeRequest];
  } else {
    revision = existing!.currentRevision + 1;
    const [row] = await tx
      .insert(changeRequestRevisions)
      .values({ changeRequestId: existing!.id, revision, authorId: actor.id, createdAt: now, ...revisionFields })
      .returning({ id: changeRequestRevisions.id });
    revisionId = row!.id;
    [cr] = (await tx
      .update(changeRequests)
      .set({
        title: input.title,
        state: "in_review",
        riskTier: risk.tier,
        currentRevision: revision,
        lockVersion: existing!.lockVersion + 1,
        updatedAt: now,
      })
      .where(eq(changeRequests.id, existing!.id))
      .returning()) as [ChangeRequest];
  }

  await tx.insert(componentChanges).values(
    resolved.map((c) => ({ revisionId, kind: c.kind, fromVersionId: c.from?.id ?? null, toVersionId: c.toVersionId })),
  );
  // Gates belong to a submitted revision; a draft shows the gates it would need, live.
  if (cr.state === "in_review") {
    await createGates(tx, { changeRequestId: cr.id, revision, tier: risk.tier, rollbackPlan: input.rollbackPlan, now });
  }

  const summary = {
    revision,
    state: cr.state,
    riskTier: risk.tier,
    riskReasons: risk.reasons,
    components: resolved.map((c) => ({ kind: c.kind, from: c.from?.label ?? null, to: c.toLabel })),
  };
  const auditAction = !existing ? "change_request.created" : action === "edit" ? "change_request.edited" : "change_request.revised";
  await recordAudit(tx, auditActorOf(actor), {
    action: auditAction,
    targetType: "change_request",
    targetId: cr.id,
    serviceId: service.id,
    before: existing ? { state: existing.state, revision: existing.currentRevision, riskTier: existing.riskTier } : null,
    after: summary,
  }, now);
  if (existing?.state !== "in_review" && cr.state === "in_review") {
    if (existing?.state === "draft" || !existing) {
      await recordAudit(tx, auditActorOf(actor), {
        action: "change_request.submitted",
        targetType: "change_request",
        targetId: cr.id,
        serviceId: service.id,
        before: { state: existing?.state ?? "draft" },
        after: { state: "in_review", revision },
      }, now);
    }
  }
  if (cr.state === "in_review") {
    await enqueueWebhookEvent(tx, {
      event: "approval_requested",
      serviceId: service.id,
      now,
      payload: { changeRequest: { id: cr.id, number: cr.number, title: cr.title, revision, riskTier: risk.tier, service: service.slug }, requestedBy: actor.email },
    });
  }
  return { id: cr.id, number: cr.number, revision, state: cr.state, tier: risk.tier, riskReasons: risk.reasons };
}

/** Sends a draft (or a change request sent back for changes) to review without a new revision. */
export async function submitChangeRequest(ctx: CommandContext, input: { changeRequestId: string; expectedLockVersion: number }) {
  const { tx, actor, now } = ctx;
  const cr = await lockChangeRequest(tx, input.changeRequestId);
  assertLockVersion(cr, input.expectedLockVersion);
  const to = checkTransition(cr, actor, "submit");
  const [revisionRow] = await tx
    .select()
    .from(changeRequestRevisions)
    .where(and(eq(changeRequestRevisions.changeRequestId, cr.id), eq(changeRequestRevisions.revision, cr.currentRevision)));
  const [gateCount] = await tx.select({ id: gates.id }).from(gates).where(and(eq(gates.changeRequestId, cr.id), eq(gates.revision, cr.currentRevision))).limit(1);
  if (!gateCount && revisionRow) {
    await createGates(tx, { changeRequestId: cr.id, revision: cr.currentRevision, tier: revisionRow.riskTier, rollbackPlan: revisionRow.rollbackPlan, now });
  }
  const [updated] = await tx
    .update(changeRequests)
    .set({ state: to, lockVersion: cr.lockVersion + 1, updatedAt: now })
    .where(eq(changeRequests.id, cr.id))
    .returning();
  await recordAudit(tx, auditActorOf(actor), {
    action: "change_request.submitted",
    targetType: "change_request",
    targetId: cr.id,
    serviceId: cr.serviceId,
    before: { state: cr.state },
    after: { state: to, revision: cr.currentRevision },
  }, now);
  const [service] = await tx.select({ slug: services.slug }).from(services).where(eq(services.id, cr.serviceId));
  await enqueueWebhookEvent(tx, {
    event: "approval_requested",
    serviceId: cr.serviceId,
    now,
    payload: { changeRequest: { id: cr.id, number: cr.number, title: cr.title, revision: cr.currentRevision, riskTier: cr.riskTier, service: service?.slug }, requestedBy: actor.email },
  });
  return updated!;
}

function assertLockVersion(cr: ChangeRequest, expected: number) {
  if (cr.lockVersion !== expected) {
    throw new AppError(
      "conflict",
      `CR-${cr.number} changed since you loaded it (now ${cr.state.replace("_", " ")}, revision ${cr.currentRevision}, updated at ${hhmm(cr.updatedAt)}). Reload to see what changed.`,
    );
  }
}

export interface DecisionOutcome {
  state: ChangeRequest["state"];
  /** False when this reviewer had already recorded the same decision on this revision. */
  recorded: boolean;
  needs: string[];
}

/**
 * Records a reviewer's approve / reject / request-changes on the revision they looked at.
 * A decision on a superseded revision is refused; the same reviewer's repeated clicks count once.
 */
export async function decideChangeRequest(ctx: CommandContext, input: DecisionInput): Promise<DecisionOutcome> {
  const { tx, actor, now } = ctx;
  const cr = await lockChangeRequest(tx, input.changeRequestId);

  await assertCurrentRevision(tx, cr, input.revision, "review the new diff");

  const allow = canDecide({ actorId: actor.id, actorRole: actor.role, authorId: cr.authorId, tier: cr.riskTier, decision: input.decision });
  if (!allow.ok) throw new AppError("forbidden", allow.reason);

  const previous = await tx
    .select()
    .from(approvals)
    .where(and(eq(approvals.changeRequestId, cr.id), eq(approvals.revision, cr.currentRevision)))
    .orderBy(asc(approvals.createdAt));
  const mine = previous.find((a) => a.reviewerId === actor.id);
  const decisions = () =>
    previous.map((a) => ({ reviewerId: a.reviewerId, reviewerRole: a.reviewerRole, decision: a.decision, revision: a.revision }));
  if (mine) {
    if (mine.decision === input.decision) {
      // A double click or a retry: the decision already counts, once.
      const status = approvalStatus({ tier: cr.riskTier, authorId: cr.authorId, revision: cr.currentRevision, decisions: decisions() });
      return { state: cr.state, recorded: false, needs: status.needs };
    }
    throw new AppError(
      "conflict",
      `You already ${mine.decision.replace("_", " ")} revision ${mine.revision} at ${hhmm(mine.createdAt)}; a reviewer decides once per revision.`,
    );
  }

  const action = ({ approved: "approve", rejected: "reject", changes_requested: "request_changes" } as const)[input.decision];
  previous.push({
    id: "",
    changeRequestId: cr.id,
    revision: cr.currentRevision,
    reviewerId: actor.id,
    reviewerRole: actor.role,
    decision: input.decision,
    comment: input.comment,
    createdAt: now,
  });
  const status = approvalStatus({ tier: cr.riskTier, authorId: cr.authorId, revision: cr.currentRevision, decisions: decisions() });
  const to = checkTransition(cr, actor, action, { approvalSatisfied: status.satisfied });

  const inserted = await tx
    .insert(approvals)
    .values({
      changeRequestId: cr.id,
      revision: cr.currentRevision,
      reviewerId: actor.id,
      reviewerRole: actor.role,
      decision: input.decision,
      comment: input.comment,
      createdAt: now,
    })
    .onConflictDoNothing()
    .returning({ id: approvals.id });
  if (inserted.length === 0) return { state: cr.state, recorded: false, needs: status.needs };

  if (allow.countsAsSecurityApproval) {
    await tx
      .update(gates)
      .set({ status: "passed", statusReason: `Approved by ${actor.name} (security reviewer) at ${hhmm(now)}.`, updatedAt: now })
      .where(and(eq(gates.changeRequestId, cr.id), eq(gates.revision, cr.currentRevision), eq(gates.type, "security_review")));
  }
  await tx.update(changeRequests).set({ state: to, lockVersion: cr.lockVersion + 1, updatedAt: now }).where(eq(changeRequests.id, cr.id));
  await recordAudit(tx, auditActorOf(actor), {
    action: `change_request.${input.decision}`,
    targetType: "change_request",
    targetId: cr.id,
    serviceId: cr.serviceId,
    before: { state: cr.state },
    after: { state: to, revision: cr.currentRevision, decision: input.decision, approvals: status.approvals, needs: status.needs },
    reason: input.comment,
  }, now);

  if (to !== cr.state && (to === "approved" || to === "rejected")) {
    const [author] = await tx.select({ email: users.email }).from(users).where(eq(users.id, cr.authorId));
    const [service] = await tx.select({ slug: services.slug }).from(services).where(eq(services.id, cr.serviceId));
    await enqueueWebhookEvent(tx, {
      event: to,
      serviceId: cr.serviceId,
      now,
      payload: {
        changeRequest: { id: cr.id, number: cr.number, title: cr.title, revision: cr.currentRevision, riskTier: cr.riskTier, service: service?.slug, author: author?.email },
        decidedBy: actor.email,
        comment: input.comment,
      },
    });
  }
  return { state: to, recorded: true, needs: status.needs };
}

/** Withdraws a change request (author or admin; an operator may abandon a paused rollout). */
export async function cancelChangeRequest(ctx: CommandContext, input: { changeRequestId: string; expectedLockVersion: number; reason: string }) {
  const { tx, actor, now } = ctx;
  const cr = await lockChangeRequest(tx, input.changeRequestId);
  assertLockVersion(cr, input.expectedLockVersion);
  const to = checkTransition(cr, actor, "cancel");
  await tx.update(changeRequests).set({ state: to, lockVersion: cr.lockVersion + 1, updatedAt: now }).where(eq(changeRequests.id, cr.id));
  await recordAudit(tx, auditActorOf(actor), {
    action: "change_request.cancelled",
    targetType: "change_request",
    targetId: cr.id,
    serviceId: cr.serviceId,
    before: { state: cr.state },
    after: { state: to },
    reason: input.reason,
  }, now);
  return { state: to };
}
