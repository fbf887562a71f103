import "server-only";
import { and, eq } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Tx } from "@/db/client";
import {
  activePointers,
  changeRequestRevisions,
  componentChanges,
  componentVersions,
  gateEvidence,
  gates,
  releaseManifestComponents,
  services,
  type ChangeRequest,
} from "@/db/schema";
import { assertTokenForService, type ApiTokenAuth } from "@/lib/api/tokens";
import { recordAudit, type AuditActor } from "@/lib/audit/record";
import { may, refusal } from "@/lib/auth/permissions";
import type { Actor } from "@/lib/auth/session";
import { isRollbackPlanWritten, judgeRollbackPlan, type RollbackPlanVerdict } from "@/lib/changes/rollback-plan";
import { assertCurrentRevision } from "@/lib/changes/stale-revision";
import { AppError } from "@/lib/errors";
import { auditActorFor } from "./actor";
import { rehearsalVersions } from "./lookups";
import { rehearseChangeRequestRollback, type VersionRef } from "./rehearsal";

/**
 * The rollback rehearsal of a change request (issue 4 item 3), recorded on its rollback_plan gate
 * (issue 3 item 4): checks, without changing any release, that the release a rollback of this
 * change would go back to is complete and valid today and restores the versions the change was
 * reviewed against; writes the result as "system" evidence on the current revision's gate, which
 * passes only when the plan is also written. A new revision gets a new, pending gate — an earlier
 * rehearsal never counts for it.
 */

/** Rehearsals feed a gate that matters before the rollout starts, as offline evidence does. */
const REHEARSES_IN: readonly ChangeRequest["state"][] = ["in_review", "changes_requested", "approved"];

/** Who asks: a signed-in user (the button) or a service's operator token (the API). */
export type RehearsalRequester = { user: Actor } | { token: ApiTokenAuth };

export interface RecordedRehearsal {
  changeRequestNumber: number;
  revision: number;
  gate: "rollback_plan";
  status: RollbackPlanVerdict["status"];
  passed: boolean;
  /** The gate's reason after this rehearsal. */
  summary: string;
  /** The rehearsal's own findings, in plain words; empty when it passed. */
  problems: string[];
  targetReleaseId: string | null;
  targets: string[];
}

function auditActorOfRequester(by: RehearsalRequester): AuditActor {
  return "user" in by ? auditActorFor(by.user) : by.token.auditActor;
}


/**
 * Rehearses the rollback of `changeRequest`'s current revision and records the result on its
 * rollback_plan gate. The caller has locked the change request (lockChangeRequest); the service's
 * pointer is only read, so this never waits on a release command.
 */
export async function rehearseChangeRequestRollbackGate(
  tx: Tx,
  input: { changeRequest: ChangeRequest; by: RehearsalRequester; revision?: number; now: Date },
): Promise<RecordedRehearsal> {
  const { changeRequest: cr, by, now } = input;
  // Authorisation here too: the action's or route's check is never the only one.
  if ("user" in by) {
    if (!may(by.user.role, "rollback.rehearse")) throw new AppError("forbidden", refusal(by.user.role, "rollback.rehearse"));
  } else {
    assertTokenForService(by.token, cr.serviceId);
  }
  if (input.revision !== undefined) await assertCurrentRevision(tx, cr, input.revision, "rehearse the rollback of the new revision");
  if (!REHEARSES_IN.includes(cr.state)) {
    throw new AppError(
      "rule_refused",
      `CR-${cr.number} is ${cr.state.replace("_", " ")}; its rollback plan gate is rehearsed while it is in review or approved. To check a rollback now, rehearse it on the service's Releases page.`,
    );
  }
  const [gate] = await tx
    .select()
    .from(gates)
    .where(and(eq(gates.changeRequestId, cr.id), eq(gates.revision, cr.currentRevision), eq(gates.type, "rollback_plan")));
  if (!gate) {
    throw new AppError(
      "rule_refused",
      `CR-${cr.number} revision ${cr.currentRevision} has no rollback plan gate: only high-risk changes need a rollback rehearsal.`,
    );
  }

  const [service] = await tx.select({ id: services.id, slug: services.slug }).from(services).where(eq(services.id, cr.serviceId));
  const [revision] = await tx
    .select({ id: changeRequestRevisions.id, rollbackPlan: changeRequestRevisions.rollbackPlan })
    .from(changeRequestRevisions)
    .where(and(eq(changeRequestRevisions.changeRequestId, cr.id), eq(changeRequestRevisions.revision, cr.currentRevision)));
  const fromVersions = alias(componentVersions, "from_versions");
  const changeRows = await tx
    .select({ kind: componentChanges.kind, fromId: fromVersions.id, fromLabel: fromVersions.label, toId: componentVersions.id, toLabel: componentVersions.label })
    .from(componentChanges)
    .innerJoin(componentVersions, eq(componentVersions.id, componentChanges.toVersionId))
    .leftJoin(fromVersions, eq(fromVersions.id, componentChanges.fromVersionId))
    .where(eq(componentChanges.revisionId, revision!.id));
  const [pointer] = await tx.select({ stableReleaseId: activePointers.stableReleaseId }).from(activePointers).where(eq(activePointers.serviceId, cr.serviceId));
  const stableRows = pointer
    ? await tx
        .select({ kind: releaseManifestComponents.kind, versionId: releaseManifestComponents.versionId, label: componentVersions.label })
        .from(releaseManifestComponents)
        .leftJoin(componentVersions, eq(componentVersions.id, releaseManifestComponents.versionId))
        .where(eq(releaseManifestComponents.releaseId, pointer.stableReleaseId))
    : [];

  const rehearsal = rehearseChangeRequestRollback({
    serviceId: service!.id,
    serviceSlug: service!.slug,
    revision: cr.currentRevision,
    stable: pointer
      ? {
          releaseId: pointer.stableReleaseId,
          components: Object.fromEntries(stableRows.map((r): [string, VersionRef] => [r.kind, { versionId: r.versionId, label: r.label ?? r.versionId }])),
        }
      : null,
    changes: changeRows.map((c) => ({
      kind: c.kind,
      from: c.fromId ? { versionId: c.fromId, label: c.fromLabel! } : null,
      to: { versionId: c.toId, label: c.toLabel },
    })),
    versions: await rehearsalVersions(tx, stableRows.map((r) => r.versionId)),
  });
  const verdict = judgeRollbackPlan({ plan: revision!.rollbackPlan, rehearsal });
  const passed = verdict.status === "passed";

  await tx.insert(gateEvidence).values({
    gateId: gate.id,
    source: "system",
    submittedByUserId: "user" in by ? by.user.id : null,
    submittedByTokenId: "token" in by ? by.token.tokenId : null,
    payload: {
      check: "rollback_rehearsal",
      revision: cr.currentRevision,
      targetRelease: rehearsal.targetReleaseId,
      rollsBackTo: rehearsal.targets,
      checkedKinds: rehearsal.checked,
      planWritten: isRollbackPlanWritten(revision!.rollbackPlan),
      problems: rehearsal.problems,
    },
    passed,
    summary: verdict.reason,
    createdAt: now,
  });
  await tx.update(gates).set({ status: verdict.status, statusReason: verdict.reason, updatedAt: now }).where(eq(gates.id, gate.id));
  await recordAudit(
    tx,
    auditActorOfRequester(by),
    {
      action: passed ? "gate.passed" : "gate.failed",
      targetType: "gate",
      targetId: gate.id,
      serviceId: cr.serviceId,
      before: { status: gate.status },
      after: {
        changeRequestId: cr.id,
        revision: cr.currentRevision,
        gate: "rollback_plan",
        status: verdict.status,
        source: "system",
        rehearsal: { ok: rehearsal.ok, targetRelease: rehearsal.targetReleaseId, problems: rehearsal.problems },
      },
      reason: verdict.reason,
    },
    now,
  );
  return {
    changeRequestNumber: cr.number,
    revision: cr.currentRevision,
    gate: "rollback_plan",
    status: verdict.status,
    passed,
    summary: verdict.reason,
    problems: rehearsal.problems,
    targetReleaseId: rehearsal.targetReleaseId,
    targets: rehearsal.targets,
  };
}
