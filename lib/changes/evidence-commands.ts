import "server-only";
import { and, eq } from "drizzle-orm";
import type { Tx } from "@/db/client";
import { gateEvidence, gates, services, type ChangeRequest } from "@/db/schema";
import { recordAudit, type AuditActor } from "@/lib/audit/record";
import { AppError } from "@/lib/errors";
import { serviceSettingsSchema } from "@/lib/services/settings";
import { assertCurrentRevision } from "./stale-revision";
import { isOfflineGate, judgeOfflineEvidence, thresholdsFromSettings, type EvidenceVerdict, type OfflineEvalResult } from "./evidence";

/** Evidence is attached while reviewers still decide: after rollout starts it would change nothing. */
const ACCEPTS_EVIDENCE: readonly ChangeRequest["state"][] = ["in_review", "changes_requested", "approved"];

export interface RecordedEvidence {
  gateType: "offline_eval" | "offline_smoke";
  revision: number;
  verdict: EvidenceVerdict;
}

/**
 * Records offline evaluation results on the current revision's offline gate, judged against the
 * service's thresholds; the gate passes or fails with the verdict's summary. The caller has locked
 * the change request (lockChangeRequest) and checked who submits.
 */
export async function recordOfflineEvidence(
  tx: Tx,
  input: {
    changeRequest: ChangeRequest;
    /** The revision the results were computed for; null: the current one (form upload). */
    revision: number | null;
    result: OfflineEvalResult;
    source: "api" | "upload";
    submittedBy: { userId: string } | { tokenId: string };
    auditActor: AuditActor;
    now: Date;
  },
): Promise<RecordedEvidence> {
  const cr = input.changeRequest;
  if (input.revision !== null) await assertCurrentRevision(tx, cr, input.revision, "run the evaluation on the new revision");
  if (!ACCEPTS_EVIDENCE.includes(cr.state)) {
    throw new AppError(
      "rule_refused",
      `CR-${cr.number} is ${cr.state.replace("_", " ")}; offline evaluation results are accepted while it is in review or approved.`,
    );
  }
  const revisionGates = await tx
    .select()
    .from(gates)
    .where(and(eq(gates.changeRequestId, cr.id), eq(gates.revision, cr.currentRevision)));
  const gate = revisionGates.find((g) => isOfflineGate(g.type));
  if (!gate || !isOfflineGate(gate.type)) {
    throw new AppError("rule_refused", `CR-${cr.number} revision ${cr.currentRevision} has no offline evaluation gate.`);
  }

  const [service] = await tx.select().from(services).where(eq(services.id, cr.serviceId));
  const thresholds = thresholdsFromSettings(serviceSettingsSchema.parse(service!.settings));
  const verdict = judgeOfflineEvidence({ gate: gate.type, result: input.result, thresholds });

  await tx.insert(gateEvidence).values({
    gateId: gate.id,
    source: input.source,
    submittedByUserId: "userId" in input.submittedBy ? input.submittedBy.userId : null,
    submittedByTokenId: "tokenId" in input.submittedBy ? input.submittedBy.tokenId : null,
    payload: input.result as unknown as Record<string, unknown>,
    passed: verdict.passed,
    summary: verdict.summary,
    createdAt: input.now,
  });
  await tx
    .update(gates)
    .set({ status: verdict.passed ? "passed" : "failed", statusReason: verdict.summary, updatedAt: input.now })
    .where(eq(gates.id, gate.id));
  await recordAudit(
    tx,
    input.auditActor,
    {
      action: verdict.passed ? "gate.passed" : "gate.failed",
      targetType: "gate",
      targetId: gate.id,
      serviceId: cr.serviceId,
      before: { status: gate.status },
      after: { changeRequestId: cr.id, revision: cr.currentRevision, gate: gate.type, status: verdict.passed ? "passed" : "failed", source: input.source },
      reason: verdict.summary,
    },
    input.now,
  );
  return { gateType: gate.type, revision: cr.currentRevision, verdict };
}
