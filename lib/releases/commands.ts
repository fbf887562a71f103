import "server-only";
import { and, eq, inArray, ne } from "drizzle-orm";
import {
  changeRequestRevisions,
  changeRequests,
  componentChanges,
  gates,
  services,
  tenants,
  type ChangeRequest,
} from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { may } from "@/lib/auth/permissions";
import { canaryLadder, checkOneRolloutInFlight, checkRolloutStart, preCanaryGates } from "@/lib/changes";
import { lockChangeRequest } from "@/lib/changes/commands";
import { isComponentKind } from "@/lib/components/kinds";
import { AppError } from "@/lib/errors";
import { serviceSettingsSchema } from "@/lib/services/settings";
import type { Bundle } from "./manifest";
import { actorName, assertMay, auditActorFor, checkCrTransition, hhmm, isSystemActor, personName, roleOf, type ReleaseCommandContext } from "./actor";
import { assertLockVersion, serviceOfChangeRequest } from "./change-request-guards";
import { assertPointerRevision, bundleOf, describeChanges, findManifest, insertManifest, loadHistory, lockPointer, swapPointer } from "./pointer";

/**
 * Release commands (SPEC §2): start a rollout, promote it, roll back a component or the whole
 * bundle. Each runs in the caller's transaction and writes, together, the immutable manifest,
 * the pointer compare-and-swap, the change request's transition, the audit entry and the
 * pointer notification. Lock order everywhere: the service's pointer row, then the change
 * request row — so two release commands on one service never deadlock.
 */

export type { ReleaseActor, ReleaseCommandContext, TokenActor } from "./actor";
export { tokenActorOf } from "./actor";
export { rollbackBundle, rollbackComponent, type RollbackOutcome } from "./rollback-commands";
export { CAUSE_TAG_PATTERN, tagRollbackCause } from "./rollback-tags";
export { rehearseRollbackFor, type RehearsalFor } from "./rehearsal-commands";
export { advanceStage, freezeRollout, pauseRollout, resumeRollout, type StageMoved } from "./stage-commands";

export interface RolloutStarted {
  releaseId: string;
  canaryPercent: number;
  targetTenants: string[];
  pointerRevision: number;
  emergency: boolean;
  changeRequestState: ChangeRequest["state"];
}

/**
 * Starts the rollout of an approved change request: its pre-canary gates passed, no other rollout
 * in flight on the service, inside the deploy window (or an operator's emergency override with a
 * reason — which still starts at the first canary stage). Writes a "deploy" manifest: the stable
 * bundle with the change request's components applied, at the first canary percent.
 */
export async function startRollout(
  ctx: ReleaseCommandContext,
  input: {
    changeRequestId: string;
    expectedLockVersion: number;
    expectedPointerRevision?: number;
    emergency?: { reason: string };
    targetTenants?: string[];
    reason?: string;
  },
): Promise<RolloutStarted> {
  const { tx, actor, now } = ctx;
  const serviceId = await serviceOfChangeRequest(tx, input.changeRequestId);
  assertMay(actor, "release.operate", serviceId);
  const pointer = await lockPointer(tx, serviceId);
  const cr = await lockChangeRequest(tx, input.changeRequestId);
  assertLockVersion(cr, input.expectedLockVersion);
  const to = checkCrTransition(cr, actor, "start_rollout");
  await assertPointerRevision(tx, pointer, input.expectedPointerRevision);

  // Gates of the revision that was approved: the pre-canary ones must all have passed.
  const revisionGates = await tx.select().from(gates).where(and(eq(gates.changeRequestId, cr.id), eq(gates.revision, cr.currentRevision)));
  const open = preCanaryGates(cr.riskTier).flatMap((required) => {
    const row = revisionGates.find((g) => g.type === required.type);
    if (row && (row.status === "passed" || row.status === "waived")) return [];
    return [`${required.label} (${row?.status ?? "missing"}${row?.statusReason ? `: ${row.statusReason.replace(/\.$/, "")}` : ""})`];
  });
  if (open.length) {
    throw new AppError("rule_refused", `CR-${cr.number} cannot start rolling out: ${open.length === 1 ? "a gate is" : `${open.length} gates are`} still open — ${open.join("; ")}.`);
  }

  const inFlight = await tx
    .select({ crNumber: changeRequests.number })
    .from(changeRequests)
    .where(and(eq(changeRequests.serviceId, serviceId), inArray(changeRequests.state, ["rolling_out", "paused"]), ne(changeRequests.id, cr.id)));
  const one = checkOneRolloutInFlight({ serviceRolloutsInFlight: inFlight });
  if (!one.ok) throw new AppError("rule_refused", one.message);
  if (pointer.canaryReleaseId) {
    throw new AppError(
      "rule_refused",
      `${pointer.canaryReleaseId} is still the canary at ${pointer.canaryPercent}%. Promote it or roll it back before starting another rollout.`,
    );
  }

  const [service] = await tx.select().from(services).where(eq(services.id, serviceId));
  const settings = serviceSettingsSchema.parse(service!.settings);
  const role = roleOf(actor);
  const start = checkRolloutStart({
    tier: cr.riskTier,
    now,
    service: { timeZone: service!.timeZone, settings },
    emergency: input.emergency ? { reason: input.emergency.reason, actorRole: role } : undefined,
  });
  if (!start.ok) {
    const forbidden = start.rule === "emergency_override" && !may(role, "release.emergencyOverride");
    throw new AppError(forbidden ? "forbidden" : "rule_refused", start.message);
  }

  const targetTenants = [...new Set(input.targetTenants ?? [])];
  if (targetTenants.length) {
    const known = await tx.select({ slug: tenants.slug }).from(tenants).where(eq(tenants.serviceId, serviceId));
    const unknown = targetTenants.filter((t) => !known.some((k) => k.slug === t));
    if (unknown.length) {
      const message = `${service!.slug} has no tenant ${unknown.map((t) => `"${t}"`).join(", ")}; it has ${known.map((k) => k.slug).join(", ") || "none"}.`;
      throw new AppError("invalid_input", message, { targetTenants: [message] });
    }
  }

  const history = await loadHistory(tx, serviceId, [pointer.stableReleaseId]);
  const stable = findManifest(history, pointer.stableReleaseId);
  const changes = await tx
    .select({ kind: componentChanges.kind, fromVersionId: componentChanges.fromVersionId, toVersionId: componentChanges.toVersionId })
    .from(componentChanges)
    .innerJoin(changeRequestRevisions, eq(changeRequestRevisions.id, componentChanges.revisionId))
    .where(and(eq(changeRequestRevisions.changeRequestId, cr.id), eq(changeRequestRevisions.revision, cr.currentRevision)));
  if (changes.length === 0) throw new AppError("rule_refused", `CR-${cr.number} revision ${cr.currentRevision} changes no component.`);
  const bundle = bundleOf(stable);
  for (const change of changes) {
    if (!isComponentKind(change.kind)) throw new Error(`Unknown component kind ${change.kind} on CR-${cr.number}`);
    const live = stable.components.find((c) => c.kind === change.kind);
    if (change.fromVersionId && live && live.versionId !== change.fromVersionId) {
      throw new AppError(
        "rule_refused",
        `The live ${change.kind} is now ${live.label}, not the version CR-${cr.number} was reviewed against. Submit a new revision on top of ${live.label}.`,
      );
    }
    if (live?.versionId === change.toVersionId) {
      throw new AppError("rule_refused", `The stable release already runs this ${change.kind} version; CR-${cr.number} would change nothing.`);
    }
    bundle[change.kind] = change.toVersionId;
  }

  const canaryPercent = canaryLadder(cr.riskTier)[start.startStage]!;
  const emergencyReason = start.emergency ? input.emergency!.reason.trim() : null;
  const reason =
    input.reason?.trim() ||
    `Canary ${canaryPercent}% for CR-${cr.number}: ${cr.title}.${emergencyReason ? ` Emergency override: ${emergencyReason}` : ""}`;
  const manifest = await insertManifest(tx, {
    serviceId,
    kind: "deploy",
    canaryPercent,
    targetTenants,
    changeRequestId: cr.id,
    replaces: stable,
    bundle: bundle as Bundle,
    history,
    actor,
    reason,
    now,
  });
  const swapped = await swapPointer(tx, {
    pointer,
    set: { canaryReleaseId: manifest.id, canaryPercent, canaryTenants: targetTenants },
    actor,
    at: now,
  });
  await tx
    .update(changeRequests)
    .set({ state: to, canaryStage: start.startStage, canaryStageStartedAt: now, rolloutHold: null, emergencyReason, lockVersion: cr.lockVersion + 1, updatedAt: now })
    .where(eq(changeRequests.id, cr.id));

  const who = auditActorFor(actor);
  const summary = describeChanges(stable, manifest);
  await recordAudit(tx, who, {
    action: "release.rollout_started",
    targetType: "release",
    targetId: manifest.id,
    serviceId,
    before: { pointerRevision: pointer.revision, stableReleaseId: stable.id, canaryReleaseId: null },
    after: {
      pointerRevision: swapped.revision,
      canaryReleaseId: manifest.id,
      canaryPercent,
      targetTenants,
      changes: summary,
      changeRequest: { id: cr.id, number: cr.number },
      emergency: start.emergency,
    },
    reason: emergencyReason ? `Emergency override: ${emergencyReason}` : reason,
  }, now);
  await recordAudit(tx, who, {
    action: "change_request.rollout_started",
    targetType: "change_request",
    targetId: cr.id,
    serviceId,
    before: { state: cr.state },
    after: { state: to, canaryStage: start.startStage, canaryPercent, releaseId: manifest.id, emergency: start.emergency },
    reason: emergencyReason ?? "",
  }, now);

  return { releaseId: manifest.id, canaryPercent, targetTenants, pointerRevision: swapped.revision, emergency: start.emergency, changeRequestState: to };
}

export interface RolloutPromoted {
  releaseId: string;
  pointerRevision: number;
  changeRequestState: ChangeRequest["state"];
}

/**
 * Promotes a rollout after its last canary stage: a "promotion" manifest with the canary's bundle
 * at 100% becomes the stable release and the canary slot is cleared. The canary stage gates still
 * pending are passed by the operator's decision (a failed one refuses the promotion).
 */
export async function promoteRollout(
  ctx: ReleaseCommandContext,
  input: { changeRequestId: string; expectedLockVersion?: number; expectedPointerRevision?: number; reason?: string },
): Promise<RolloutPromoted> {
  const { tx, actor, now } = ctx;
  const serviceId = await serviceOfChangeRequest(tx, input.changeRequestId);
  assertMay(actor, "release.operate", serviceId);
  const pointer = await lockPointer(tx, serviceId);
  const cr = await lockChangeRequest(tx, input.changeRequestId);
  assertLockVersion(cr, input.expectedLockVersion);
  const ladder = canaryLadder(cr.riskTier);
  const to = checkCrTransition(cr, actor, "promote", { stageIndex: cr.canaryStage ?? -1, stageCount: ladder.length });
  await assertPointerRevision(tx, pointer, input.expectedPointerRevision);

  const history = await loadHistory(tx, serviceId, [pointer.stableReleaseId, pointer.canaryReleaseId]);
  const canary = pointer.canaryReleaseId ? findManifest(history, pointer.canaryReleaseId) : null;
  if (!canary || canary.changeRequestId !== cr.id) {
    throw new AppError(
      "conflict",
      canary
        ? `The canary now running (${canary.id}) is not CR-${cr.number}'s; reload to see what runs.`
        : `CR-${cr.number} has no canary running (the pointer was changed at ${hhmm(pointer.updatedAt)} by ${personName(pointer.updatedBy)}); reload.`,
    );
  }
  const stageGates = await tx
    .select()
    .from(gates)
    .where(and(eq(gates.changeRequestId, cr.id), eq(gates.revision, cr.currentRevision), eq(gates.type, "canary")));
  // A person promotes once the last stage's canary verdict passed (as they advance); Changegate promotes on its own verdict.
  const lastPercent = ladder[ladder.length - 1];
  const lastGate = stageGates.find((g) => g.canaryPercent === lastPercent);
  if (!isSystemActor(actor) && lastGate && lastGate.status === "pending") {
    throw new AppError(
      "rule_refused",
      `CR-${cr.number}'s last stage (${lastPercent}%) has not passed its canary verdict yet; it can be promoted once it does (see the canary analysis).`,
    );
  }
  const failed = stageGates.filter((g) => g.status === "failed");
  if (failed.length) {
    throw new AppError(
      "rule_refused",
      `CR-${cr.number} cannot be promoted: canary ${failed.map((g) => `${g.canaryPercent}%`).join(", ")} failed (${failed[0]!.statusReason}). Roll it back instead.`,
    );
  }

  const stable = findManifest(history, pointer.stableReleaseId);
  const name = actorName(actor);
  const manifest = await insertManifest(tx, {
    serviceId,
    kind: "promotion",
    canaryPercent: 100,
    targetTenants: [],
    changeRequestId: cr.id,
    replaces: canary,
    bundle: bundleOf(canary) as Bundle,
    history,
    actor,
    reason: input.reason?.trim() || `Promoted CR-${cr.number} to 100% after its last canary stage (${ladder.at(-1)}%).`,
    now,
  });
  const swapped = await swapPointer(tx, {
    pointer,
    set: { stableReleaseId: manifest.id, canaryReleaseId: null, canaryPercent: 0, canaryTenants: [] },
    actor,
    at: now,
  });
  const pending = stageGates.filter((g) => g.status === "pending");
  if (pending.length) {
    await tx
      .update(gates)
      .set({ status: "passed", statusReason: `Promoted by ${name} at ${hhmm(now)}.`, updatedAt: now })
      .where(inArray(gates.id, pending.map((g) => g.id)));
  }
  await tx.update(changeRequests).set({ state: to, lockVersion: cr.lockVersion + 1, updatedAt: now }).where(eq(changeRequests.id, cr.id));

  const who = auditActorFor(actor);
  await recordAudit(tx, who, {
    action: "release.promoted",
    targetType: "release",
    targetId: manifest.id,
    serviceId,
    before: { pointerRevision: pointer.revision, stableReleaseId: stable.id, canaryReleaseId: canary.id, canaryPercent: pointer.canaryPercent },
    after: { pointerRevision: swapped.revision, stableReleaseId: manifest.id, canaryReleaseId: null, changes: describeChanges(stable, manifest), changeRequest: { id: cr.id, number: cr.number } },
    reason: manifest.reason,
  }, now);
  await recordAudit(tx, who, {
    action: "change_request.promoted",
    targetType: "change_request",
    targetId: cr.id,
    serviceId,
    before: { state: cr.state, canaryStage: cr.canaryStage },
    after: { state: to, releaseId: manifest.id, gatesPassedByOperator: pending.map((g) => `canary:${g.canaryPercent}`) },
  }, now);
  return { releaseId: manifest.id, pointerRevision: swapped.revision, changeRequestState: to };
}
