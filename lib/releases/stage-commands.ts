import "server-only";
import { and, eq } from "drizzle-orm";
import type { Tx } from "@/db/client";
import { changeRequests, gates, releaseManifests, type ActivePointer, type ChangeRequest, type RolloutHold } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { canaryLadder } from "@/lib/changes";
import { lockChangeRequest } from "@/lib/changes/commands";
import { AppError } from "@/lib/errors";
import { enqueueWebhookEvent } from "@/lib/notifications/webhooks";
import { actorName, assertMay, auditActorFor, checkCrTransition, hhmm, isSystemActor, type ReleaseCommandContext } from "./actor";
import { assertLockVersion, serviceOfChangeRequest } from "./change-request-guards";
import { assertPointerRevision, lockPointer, swapPointer } from "./pointer";

/**
 * Moving a rollout along its canary ladder (SPEC §3): advance to the next stage, pause and resume
 * (an operator's hold, at the current share), and freeze (Changegate's own move when a canary
 * verdict fails: the canary share goes back to the stable release). Same discipline as the other
 * release commands: pointer row then change-request row locked, compare-and-swap on both, the
 * transition checked by the state machine, one audit entry per change, all in the caller's
 * transaction. Each takes the stage it expects, so a repeated or late evaluation does nothing twice.
 */

export interface StageMoved {
  changeRequestState: ChangeRequest["state"];
  canaryStage: number;
  canaryPercent: number;
  pointerRevision: number;
}

interface Locked {
  serviceId: string;
  pointer: ActivePointer;
  cr: ChangeRequest;
  ladder: number[];
  stage: number;
}

async function lockRollout(
  ctx: ReleaseCommandContext,
  input: { changeRequestId: string; expectedLockVersion?: number; expectedStage?: number; expectedPointerRevision?: number },
): Promise<Locked> {
  const serviceId = await serviceOfChangeRequest(ctx.tx, input.changeRequestId);
  assertMay(ctx.actor, "release.operate", serviceId);
  const pointer = await lockPointer(ctx.tx, serviceId);
  const cr = await lockChangeRequest(ctx.tx, input.changeRequestId);
  assertLockVersion(cr, input.expectedLockVersion);
  await assertPointerRevision(ctx.tx, pointer, input.expectedPointerRevision);
  const ladder = canaryLadder(cr.riskTier);
  const stage = cr.canaryStage ?? -1;
  if (input.expectedStage !== undefined && stage !== input.expectedStage) {
    throw new AppError(
      "conflict",
      `CR-${cr.number} is at ${stage >= 0 ? `the ${ladder[stage]}% stage` : "no canary stage"} now, not ${ladder[input.expectedStage] ?? "?"}% (changed at ${hhmm(cr.updatedAt)}); reload.`,
    );
  }
  return { serviceId, pointer, cr, ladder, stage };
}

/** The canary slot must hold this change request's release, or the command names what runs instead. */
async function assertOwnCanary(tx: Tx, locked: Locked): Promise<string> {
  const { pointer, cr } = locked;
  if (!pointer.canaryReleaseId) {
    throw new AppError("conflict", `CR-${cr.number} has no canary running (the pointer was changed at ${hhmm(pointer.updatedAt)} by ${pointer.updatedBy}); reload.`);
  }
  const [canary] = await tx
    .select({ changeRequestId: releaseManifests.changeRequestId })
    .from(releaseManifests)
    .where(eq(releaseManifests.id, pointer.canaryReleaseId));
  if (canary?.changeRequestId !== cr.id) {
    throw new AppError("conflict", `The canary now running (${pointer.canaryReleaseId}) is not CR-${cr.number}'s; reload to see what runs.`);
  }
  return pointer.canaryReleaseId;
}

async function stageGate(tx: Tx, cr: ChangeRequest, percent: number) {
  const [gate] = await tx
    .select()
    .from(gates)
    .where(and(eq(gates.changeRequestId, cr.id), eq(gates.revision, cr.currentRevision), eq(gates.type, "canary"), eq(gates.canaryPercent, percent)));
  return gate ?? null;
}

/**
 * Advances a rolling-out change request to its ladder's next stage: the stage's canary gate
 * passes (with `verdict` as its reason when Changegate judged it), the canary share rises, and
 * the next stage's clock starts. The last stage is not advanced but promoted (promoteRollout).
 */
export async function advanceStage(
  ctx: ReleaseCommandContext,
  input: { changeRequestId: string; expectedStage: number; expectedLockVersion?: number; expectedPointerRevision?: number; verdict?: string },
): Promise<StageMoved> {
  const { tx, actor, now } = ctx;
  const locked = await lockRollout(ctx, input);
  const { cr, ladder, stage, pointer, serviceId } = locked;
  const to = checkCrTransition(cr, actor, "advance", { stageIndex: stage, stageCount: ladder.length });
  const canaryReleaseId = await assertOwnCanary(tx, locked);
  const from = ladder[stage]!;
  const next = ladder[stage + 1]!;

  const gate = await stageGate(tx, cr, from);
  if (gate?.status === "failed") {
    throw new AppError("rule_refused", `CR-${cr.number}'s ${from}% stage failed (${gate.statusReason.replace(/\.$/, "")}); it cannot advance. Roll it back, or resume it to judge the stage again.`);
  }
  // A person advances a stage whose verdict passed (manual mode); Changegate advances on its own verdict.
  if (!isSystemActor(actor) && gate && gate.status !== "passed") {
    throw new AppError(
      "rule_refused",
      `CR-${cr.number}'s ${from}% stage has not passed its canary verdict yet; it can advance once it does (see the canary analysis).`,
    );
  }
  const reason = input.verdict ?? `Advanced to ${next}% by ${actorName(actor)} at ${hhmm(now)} after the stage passed.`;
  if (gate) await tx.update(gates).set({ status: "passed", statusReason: reason, updatedAt: now }).where(eq(gates.id, gate.id));
  const swapped = await swapPointer(tx, {
    pointer,
    set: { canaryReleaseId, canaryPercent: next, canaryTenants: pointer.canaryTenants },
    actor,
    at: now,
  });
  await tx
    .update(changeRequests)
    .set({ state: to, canaryStage: stage + 1, canaryStageStartedAt: now, lockVersion: cr.lockVersion + 1, updatedAt: now })
    .where(eq(changeRequests.id, cr.id));
  await recordAudit(
    tx,
    auditActorFor(actor),
    {
      action: "release.stage_advanced",
      targetType: "change_request",
      targetId: cr.id,
      serviceId,
      before: { canaryStage: stage, canaryPercent: from, pointerRevision: pointer.revision },
      after: { canaryStage: stage + 1, canaryPercent: next, pointerRevision: swapped.revision, releaseId: canaryReleaseId },
      reason,
    },
    now,
  );
  return { changeRequestState: to, canaryStage: stage + 1, canaryPercent: next, pointerRevision: swapped.revision };
}

/** An operator holds the rollout at its current share: nothing advances or promotes until resumed. */
export async function pauseRollout(
  ctx: ReleaseCommandContext,
  input: { changeRequestId: string; reason: string; expectedLockVersion?: number },
): Promise<StageMoved> {
  const { tx, actor, now } = ctx;
  const { cr, ladder, stage, pointer, serviceId } = await lockRollout(ctx, input);
  const to = checkCrTransition(cr, actor, "pause");
  const reason = input.reason.trim();
  const hold: RolloutHold = { kind: "paused", reason, at: now.toISOString(), by: actorName(actor), stagePercent: ladder[stage] };
  await tx.update(changeRequests).set({ state: to, rolloutHold: hold, lockVersion: cr.lockVersion + 1, updatedAt: now }).where(eq(changeRequests.id, cr.id));
  await recordAudit(
    tx,
    auditActorFor(actor),
    {
      action: "release.paused",
      targetType: "change_request",
      targetId: cr.id,
      serviceId,
      before: { state: cr.state, canaryPercent: pointer.canaryPercent },
      after: { state: to, canaryPercent: pointer.canaryPercent },
      reason,
    },
    now,
  );
  return { changeRequestState: to, canaryStage: stage, canaryPercent: pointer.canaryPercent, pointerRevision: pointer.revision };
}

/**
 * Resumes a paused or frozen rollout. After a freeze the canary share is restored to the stage's
 * percent and the stage is judged anew from now (its failed gate goes back to pending); after a
 * pause the stage's clock also restarts, so the verdict rests on data seen since the resume.
 */
export async function resumeRollout(
  ctx: ReleaseCommandContext,
  input: { changeRequestId: string; reason: string; expectedLockVersion?: number },
): Promise<StageMoved> {
  const { tx, actor, now } = ctx;
  const locked = await lockRollout(ctx, input);
  const { cr, ladder, stage, pointer, serviceId } = locked;
  const to = checkCrTransition(cr, actor, "resume");
  const canaryReleaseId = await assertOwnCanary(tx, locked);
  const percent = ladder[stage]!;
  const reason = input.reason.trim();
  let revision = pointer.revision;
  if (pointer.canaryPercent !== percent) {
    const swapped = await swapPointer(tx, { pointer, set: { canaryReleaseId, canaryPercent: percent, canaryTenants: pointer.canaryTenants }, actor, at: now });
    revision = swapped.revision;
  }
  const gate = await stageGate(tx, cr, percent);
  // The stage is judged again on data from the resume on: an earlier verdict, failed or passed, no longer counts.
  if (gate && gate.status !== "pending") {
    await tx
      .update(gates)
      .set({ status: "pending", statusReason: `Resumed by ${actorName(actor)} at ${hhmm(now)}: judged again from then. Earlier: ${gate.statusReason}`, updatedAt: now })
      .where(eq(gates.id, gate.id));
  }
  await tx
    .update(changeRequests)
    .set({ state: to, rolloutHold: null, canaryStageStartedAt: now, lockVersion: cr.lockVersion + 1, updatedAt: now })
    .where(eq(changeRequests.id, cr.id));
  await recordAudit(
    tx,
    auditActorFor(actor),
    {
      action: "release.resumed",
      targetType: "change_request",
      targetId: cr.id,
      serviceId,
      before: { state: cr.state, canaryPercent: pointer.canaryPercent, hold: cr.rolloutHold },
      after: { state: to, canaryPercent: percent, pointerRevision: revision },
      reason,
    },
    now,
  );
  return { changeRequestState: to, canaryStage: stage, canaryPercent: percent, pointerRevision: revision };
}

/**
 * Changegate freezes a rollout whose canary verdict failed: the canary share goes back to the
 * stable release (pointer at 0% for the canary, its release kept so it can be resumed or rolled
 * back), the stage's gate fails with the failing metrics as its reason, the change request shows
 * why, and the `freeze` and `canary_breach` webhooks fire (delivered after commit).
 */
export async function freezeRollout(
  ctx: ReleaseCommandContext,
  input: { changeRequestId: string; expectedStage: number; expectedLockVersion?: number; failing: string[]; reason: string },
): Promise<StageMoved> {
  const { tx, actor, now } = ctx;
  if (!isSystemActor(actor)) throw new AppError("forbidden", "Only Changegate freezes a rollout, when a canary verdict fails; to stop it by hand, pause it.");
  const locked = await lockRollout(ctx, input);
  const { cr, ladder, stage, pointer, serviceId } = locked;
  const to = checkCrTransition(cr, actor, "freeze");
  const canaryReleaseId = await assertOwnCanary(tx, locked);
  const percent = ladder[stage]!;
  const swapped = await swapPointer(tx, { pointer, set: { canaryReleaseId, canaryPercent: 0, canaryTenants: pointer.canaryTenants }, actor, at: now });
  const gate = await stageGate(tx, cr, percent);
  if (gate) await tx.update(gates).set({ status: "failed", statusReason: input.reason, updatedAt: now }).where(eq(gates.id, gate.id));
  const hold: RolloutHold = { kind: "frozen", reason: input.reason, at: now.toISOString(), by: actor.label, failing: input.failing, stagePercent: percent };
  await tx.update(changeRequests).set({ state: to, rolloutHold: hold, lockVersion: cr.lockVersion + 1, updatedAt: now }).where(eq(changeRequests.id, cr.id));
  await recordAudit(
    tx,
    auditActorFor(actor),
    {
      action: "release.frozen",
      targetType: "change_request",
      targetId: cr.id,
      serviceId,
      before: { state: cr.state, canaryPercent: pointer.canaryPercent, pointerRevision: pointer.revision },
      after: { state: to, canaryPercent: 0, pointerRevision: swapped.revision, failing: input.failing },
      reason: input.reason,
    },
    now,
  );
  const payload = {
    changeRequest: { id: cr.id, number: cr.number, title: cr.title },
    releaseId: canaryReleaseId,
    stagePercent: percent,
    failing: input.failing,
    reason: input.reason,
  };
  await enqueueWebhookEvent(tx, { event: "canary_breach", serviceId, payload, now });
  await enqueueWebhookEvent(tx, { event: "freeze", serviceId, payload, now });
  return { changeRequestState: to, canaryStage: stage, canaryPercent: 0, pointerRevision: swapped.revision };
}
