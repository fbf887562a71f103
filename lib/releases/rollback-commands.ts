import "server-only";
import { and, asc, eq } from "drizzle-orm";
import type { Tx } from "@/db/client";
import { changeRequests, gates, rollbacks, type Rollback } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { transition } from "@/lib/changes";
import { lockChangeRequest } from "@/lib/changes/commands";
import { COMPONENT_KINDS, type ComponentKind } from "@/lib/components/kinds";
import { AppError } from "@/lib/errors";
import { enqueueWebhookEvent } from "@/lib/notifications/webhooks";
import { assertMay, auditActorFor, roleOf, userOf, type ReleaseCommandContext } from "./actor";
import { explainForeignVersion, rehearsalVersions, releaseOfService, serviceRow, versionsOfKind } from "./lookups";
import { bundleRollbackPlan, componentRollbackPlan, introducingChangeRequest, sameBundle, versionsLiveBefore, type Bundle } from "./manifest";
import {
  assertPointerRevision,
  bundleOf,
  componentsByKind,
  describeChanges,
  findManifest,
  insertManifest,
  loadHistory,
  lockPointer,
  swapPointer,
  type StoredManifest,
} from "./pointer";
import { rehearseRollback } from "./rehearsal";

/**
 * Rollbacks (SPEC §2): one component, or the whole bundle to an earlier release. One click is
 * one transaction: manifest, pointer compare-and-swap, the `rollbacks` row for the KPI, the
 * change request's `rolled_back`, the audit entry, the pointer notification and the `rollback`
 * webhook. Concurrent clicks serialise on the pointer row; the first wins, the rest are told who.
 */

export interface RollbackOutcome {
  rollbackId: string;
  /** The new manifest the operator sees (the new stable, or the new canary). */
  releaseId: string;
  /** Which share of traffic the rollback changed. */
  arm: "stable" | "canary";
  /** Click to pointer flip, as recorded for the KPI. */
  durationMs: number;
  pointerRevision: number;
  /** Set when an active canary was rebased onto the reverted stable component. */
  canaryReleaseId: string | null;
  from: { releaseId: string; label: string | null };
  to: { releaseId: string; label: string | null };
  /** The change request that became rolled_back, if one did. */
  changeRequestNumbers: number[];
}

interface Timing {
  startedAt: number;
  clickedAt: Date;
}

function startTiming(now: Date, clickedAt: Date | undefined): Timing {
  // A click cannot be after the moment the server handles it.
  const click = clickedAt && clickedAt.getTime() <= now.getTime() ? clickedAt : now;
  return { startedAt: performance.now(), clickedAt: click };
}

/**
 * The flip time: `now` (when the request was taken on) plus the time this command has spent,
 * including waiting for the pointer lock — so the KPI is the time to the flip, not to the start.
 */
function flipTime(now: Date, timing: Timing): Date {
  return new Date(now.getTime() + Math.max(0, Math.round(performance.now() - timing.startedAt)));
}

/** The first alarm for the KPI: the earliest failed canary stage of the change request, before the click. */
async function firstAlarm(tx: Tx, crId: string | null, clickedAt: Date): Promise<Date | null> {
  if (!crId) return null;
  const [cr] = await tx.select({ revision: changeRequests.currentRevision }).from(changeRequests).where(eq(changeRequests.id, crId));
  if (!cr) return null;
  const failed = await tx
    .select({ at: gates.updatedAt })
    .from(gates)
    .where(and(eq(gates.changeRequestId, crId), eq(gates.revision, cr.revision), eq(gates.type, "canary"), eq(gates.status, "failed")))
    .orderBy(asc(gates.updatedAt));
  return failed.find((g) => g.at.getTime() <= clickedAt.getTime())?.at ?? null;
}

/** Moves each change request that is still live to rolled_back (others are left as they are). Locks them in id order. */
async function rollBackChangeRequests(ctx: ReleaseCommandContext, crIds: (string | null)[], rollback: { id: string; releaseId: string; reason: string }) {
  const numbers: number[] = [];
  for (const id of [...new Set(crIds.filter((c): c is string => !!c))].sort()) {
    const cr = await lockChangeRequest(ctx.tx, id);
    const isAuthor = userOf(ctx.actor)?.id === cr.authorId;
    const result = transition({ from: cr.state, action: "roll_back", actorRole: roleOf(ctx.actor), isAuthor });
    if (!result.ok) continue;
    await ctx.tx.update(changeRequests).set({ state: result.to, lockVersion: cr.lockVersion + 1, updatedAt: ctx.now }).where(eq(changeRequests.id, cr.id));
    await recordAudit(ctx.tx, auditActorFor(ctx.actor), {
      action: "change_request.rolled_back",
      targetType: "change_request",
      targetId: cr.id,
      serviceId: cr.serviceId,
      before: { state: cr.state },
      after: { state: result.to, rollbackId: rollback.id, releaseId: rollback.releaseId },
      reason: rollback.reason,
    }, ctx.now);
    numbers.push(cr.number);
  }
  return numbers;
}

async function recordRollback(
  ctx: ReleaseCommandContext,
  row: Omit<typeof rollbacks.$inferInsert, "actorId" | "actorLabel">,
): Promise<Rollback> {
  const who = auditActorFor(ctx.actor);
  const [inserted] = await ctx.tx
    .insert(rollbacks)
    .values({ ...row, actorId: userOf(ctx.actor)?.id ?? null, actorLabel: who.label })
    .returning();
  return inserted!;
}

/**
 * Rolls back ONE component of the release the operator sees: the canary's, when a canary is
 * running with a different version of that kind (a new canary manifest at the same percent — or,
 * when nothing else differs from stable any more, a new stable and no canary), else the stable's
 * (an active canary is rebased onto the reverted version, so its subjects are rolled back too).
 */
export async function rollbackComponent(
  ctx: ReleaseCommandContext,
  input: {
    serviceId: string;
    kind: ComponentKind;
    toVersionId?: string;
    reason: string;
    expectedPointerRevision?: number;
    clickedAt?: Date;
    firstAlarmAt?: Date;
  },
): Promise<RollbackOutcome> {
  const { tx, actor, now } = ctx;
  const timing = startTiming(now, input.clickedAt);
  assertMay(actor, "release.rollback", input.serviceId);
  const service = await serviceRow(tx, input.serviceId);
  const pointer = await lockPointer(tx, service.id);
  await assertPointerRevision(tx, pointer, input.expectedPointerRevision);

  const history = await loadHistory(tx, service.id, [pointer.stableReleaseId, pointer.canaryReleaseId]);
  const stable = findManifest(history, pointer.stableReleaseId);
  const canary = pointer.canaryReleaseId ? findManifest(history, pointer.canaryReleaseId) : null;
  const versionIn = (m: StoredManifest) => m.components.find((c) => c.kind === input.kind)?.versionId;
  const onCanary = !!canary && versionIn(canary) !== versionIn(stable);
  const from = onCanary ? canary! : stable;

  const versions = await versionsOfKind(tx, service.id, input.kind);
  if (input.toVersionId && !versions.some((v) => v.id === input.toVersionId)) {
    throw await explainForeignVersion(tx, service.slug, input.kind, input.toVersionId);
  }
  const plan = componentRollbackPlan({
    current: componentsByKind(from),
    kind: input.kind,
    toVersionId: input.toVersionId,
    versionsOfKind: versions,
    liveBefore: versionsLiveBefore(history, input.kind, from.id),
  });
  if (!plan.ok) throw new AppError("rule_refused", plan.reason);
  const check = rehearseRollback({
    serviceId: service.id,
    targetComponents: { [input.kind]: plan.to.versionId },
    versions: await rehearsalVersions(tx, [plan.to.versionId]),
    kinds: [input.kind],
  });
  if (!check.ok) throw new AppError("rule_refused", `Cannot roll back to ${plan.to.label}: ${check.problems.join(" ")}`);

  const crId = introducingChangeRequest(history, from.id, input.kind);
  const reason = input.reason.trim();
  const manifestReason = `Rolled back ${input.kind} to ${plan.to.label}: ${reason}`;
  const base = { serviceId: service.id, kind: "rollback" as const, changeRequestId: crId, history, actor, reason: manifestReason, now };

  let manifest: StoredManifest;
  let rebasedCanary: StoredManifest | null = null;
  let set: Parameters<typeof swapPointer>[1]["set"];
  if (onCanary && sameBundle(plan.bundle, bundleOf(stable))) {
    // Nothing else differs from stable: the canary ends; its share goes back to the same versions.
    manifest = await insertManifest(tx, { ...base, canaryPercent: 100, targetTenants: [], replaces: canary!, bundle: plan.bundle });
    set = { stableReleaseId: manifest.id, canaryReleaseId: null, canaryPercent: 0, canaryTenants: [] };
  } else if (onCanary) {
    manifest = await insertManifest(tx, { ...base, canaryPercent: pointer.canaryPercent, targetTenants: pointer.canaryTenants, replaces: canary!, bundle: plan.bundle });
    set = { canaryReleaseId: manifest.id, canaryPercent: pointer.canaryPercent, canaryTenants: pointer.canaryTenants };
  } else {
    manifest = await insertManifest(tx, { ...base, canaryPercent: 100, targetTenants: [], replaces: stable, bundle: plan.bundle });
    set = { stableReleaseId: manifest.id, canaryReleaseId: pointer.canaryReleaseId, canaryPercent: pointer.canaryPercent, canaryTenants: pointer.canaryTenants };
    if (canary) {
      rebasedCanary = await insertManifest(tx, {
        ...base,
        history: [manifest, ...history],
        changeRequestId: canary.changeRequestId,
        canaryPercent: pointer.canaryPercent,
        targetTenants: pointer.canaryTenants,
        replaces: canary,
        bundle: { ...(bundleOf(canary) as Bundle), [input.kind]: plan.to.versionId },
        reason: `${manifestReason} (the canary carried the same ${input.kind} and was rebased)`,
      });
      set.canaryReleaseId = rebasedCanary.id;
    }
  }
  const flippedAt = flipTime(now, timing);
  const swapped = await swapPointer(tx, { pointer, set, actor, at: flippedAt });
  const firstAlarmAt = input.firstAlarmAt ?? (await firstAlarm(tx, crId, timing.clickedAt));
  const rollback = await recordRollback(ctx, {
    serviceId: service.id,
    changeRequestId: crId,
    scope: "component",
    kind: input.kind,
    fromReleaseId: from.id,
    toReleaseId: manifest.id,
    reason,
    clickedAt: timing.clickedAt,
    firstAlarmAt,
    flippedAt,
  });
  const durationMs = flippedAt.getTime() - timing.clickedAt.getTime();
  const crNumbers = await rollBackChangeRequests(ctx, [crId], { id: rollback.id, releaseId: manifest.id, reason });

  await recordAudit(tx, auditActorFor(actor), {
    action: "release.rolled_back",
    targetType: "rollback",
    targetId: rollback.id,
    serviceId: service.id,
    before: { releaseId: from.id, arm: onCanary ? "canary" : "stable", [input.kind]: plan.from.label, pointerRevision: pointer.revision },
    after: {
      releaseId: manifest.id,
      [input.kind]: plan.to.label,
      pointerRevision: swapped.revision,
      canaryReleaseId: swapped.canaryReleaseId,
      durationMs,
      changeRequests: crNumbers.map((n) => `CR-${n}`),
    },
    reason,
  }, now);
  await enqueueWebhookEvent(tx, {
    event: "rollback",
    serviceId: service.id,
    now,
    payload: {
      rollback: { id: rollback.id, scope: "component", kind: input.kind, from: { releaseId: from.id, version: plan.from.label }, to: { releaseId: manifest.id, version: plan.to.label }, reason, durationMs },
      service: service.slug,
      changeRequests: crNumbers.map((n) => `CR-${n}`),
      rolledBackBy: auditActorFor(actor).label,
    },
  });
  return {
    rollbackId: rollback.id,
    releaseId: manifest.id,
    arm: onCanary ? "canary" : "stable",
    durationMs,
    pointerRevision: swapped.revision,
    canaryReleaseId: rebasedCanary?.id ?? null,
    from: { releaseId: from.id, label: plan.from.label },
    to: { releaseId: manifest.id, label: plan.to.label },
    changeRequestNumbers: crNumbers,
  };
}

/**
 * Rolls the whole bundle back to an earlier release of the same service (or to the stable one,
 * ending an active canary). The target must pass its rehearsal: a bundle that today's schemas
 * refuse is not served.
 */
export async function rollbackBundle(
  ctx: ReleaseCommandContext,
  input: { serviceId: string; toReleaseId: string; reason: string; expectedPointerRevision?: number; clickedAt?: Date; firstAlarmAt?: Date },
): Promise<RollbackOutcome> {
  const { tx, actor, now } = ctx;
  const timing = startTiming(now, input.clickedAt);
  assertMay(actor, "release.rollback", input.serviceId);
  const service = await serviceRow(tx, input.serviceId);
  const pointer = await lockPointer(tx, service.id);
  await assertPointerRevision(tx, pointer, input.expectedPointerRevision);
  await releaseOfService(tx, service, input.toReleaseId);

  const history = await loadHistory(tx, service.id, [pointer.stableReleaseId, pointer.canaryReleaseId, input.toReleaseId]);
  const stable = findManifest(history, pointer.stableReleaseId);
  const canary = pointer.canaryReleaseId ? findManifest(history, pointer.canaryReleaseId) : null;
  const target = findManifest(history, input.toReleaseId);
  const plan = bundleRollbackPlan({ target, serviceId: service.id, stable: { ...stable, bundle: bundleOf(stable) }, canaryReleaseId: pointer.canaryReleaseId });
  if (!plan.ok) throw new AppError("rule_refused", plan.reason);
  const ids = Object.values(plan.bundle);
  const check = rehearseRollback({ serviceId: service.id, targetComponents: plan.bundle, versions: await rehearsalVersions(tx, ids) });
  if (!check.ok) throw new AppError("rule_refused", `${target.id} fails its rollback rehearsal: ${check.problems.join(" ")}`);

  // Who is rolled back: the canary's change request, and those that brought each reverted version.
  const reverted = COMPONENT_KINDS.filter((k) => plan.bundle[k] !== bundleOf(stable)[k]);
  const crIds = [canary?.changeRequestId ?? null, ...reverted.map((k) => introducingChangeRequest(history, stable.id, k))].filter((c): c is string => !!c);
  const reason = input.reason.trim();
  const manifest = await insertManifest(tx, {
    serviceId: service.id,
    kind: "rollback",
    canaryPercent: 100,
    targetTenants: [],
    changeRequestId: crIds[0] ?? null,
    replaces: stable,
    bundle: plan.bundle as Bundle,
    history,
    actor,
    reason: `Rolled back the bundle to ${target.id}: ${reason}`,
    now,
  });
  const flippedAt = flipTime(now, timing);
  const swapped = await swapPointer(tx, {
    pointer,
    set: { stableReleaseId: manifest.id, canaryReleaseId: null, canaryPercent: 0, canaryTenants: [] },
    actor,
    at: flippedAt,
  });
  const firstAlarmAt = input.firstAlarmAt ?? (await firstAlarm(tx, crIds[0] ?? null, timing.clickedAt));
  const rollback = await recordRollback(ctx, {
    serviceId: service.id,
    changeRequestId: crIds[0] ?? null,
    scope: "bundle",
    kind: null,
    fromReleaseId: canary?.id ?? stable.id,
    toReleaseId: manifest.id,
    reason,
    clickedAt: timing.clickedAt,
    firstAlarmAt,
    flippedAt,
  });
  const durationMs = flippedAt.getTime() - timing.clickedAt.getTime();
  const crNumbers = await rollBackChangeRequests(ctx, crIds, { id: rollback.id, releaseId: manifest.id, reason });
  const changes = describeChanges(stable, manifest);

  await recordAudit(tx, auditActorFor(actor), {
    action: "release.rolled_back",
    targetType: "rollback",
    targetId: rollback.id,
    serviceId: service.id,
    before: { releaseId: stable.id, canaryReleaseId: canary?.id ?? null, pointerRevision: pointer.revision },
    after: { releaseId: manifest.id, restored: target.id, changes, pointerRevision: swapped.revision, durationMs, changeRequests: crNumbers.map((n) => `CR-${n}`) },
    reason,
  }, now);
  await enqueueWebhookEvent(tx, {
    event: "rollback",
    serviceId: service.id,
    now,
    payload: {
      rollback: { id: rollback.id, scope: "bundle", from: { releaseId: canary?.id ?? stable.id }, to: { releaseId: manifest.id, restored: target.id }, changes, reason, durationMs },
      service: service.slug,
      changeRequests: crNumbers.map((n) => `CR-${n}`),
      rolledBackBy: auditActorFor(actor).label,
    },
  });
  return {
    rollbackId: rollback.id,
    releaseId: manifest.id,
    arm: "stable",
    durationMs,
    pointerRevision: swapped.revision,
    canaryReleaseId: null,
    from: { releaseId: canary?.id ?? stable.id, label: null },
    to: { releaseId: manifest.id, label: null },
    changeRequestNumbers: crNumbers,
  };
}
