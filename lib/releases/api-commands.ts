import "server-only";
import { and, desc, eq } from "drizzle-orm";
import type { Tx } from "@/db/client";
import { componentVersions, type Service } from "@/db/schema";
import type { ApiTokenAuth } from "@/lib/api/tokens";
import type { ComponentKind } from "@/lib/components/kinds";
import { AppError } from "@/lib/errors";
import { tokenActorOf } from "./actor";
import { lockChangeRequestRef } from "@/lib/changes/commands";
import { missingPointerRevision, type ApiRehearsalInput, type ApiRollbackInput } from "./api-input";
import { rehearseRollbackFor, type RehearsalFor } from "./rehearsal-commands";
import { rehearseChangeRequestRollbackGate, type RecordedRehearsal } from "./rehearsal-gate";
import { rollbackBundle, rollbackComponent, type RollbackOutcome } from "./rollback-commands";

/**
 * The operator API's rollback (CLI: `changegate rollback …`): the same commands the Releases
 * page's buttons run, with the service's operator token as the actor. The API names versions by
 * label, so the label is resolved here — within the service and kind — before the command runs.
 */

const LABELS_OFFERED = 8;

/**
 * The id of `service`'s `kind` version labelled `label`, or 422 with a sentence: a label of
 * another kind of this service says which kind it is; an unknown one lists the labels there are.
 * Another service's versions are never looked at (a token sees only its own service).
 */
export async function versionIdForLabel(tx: Tx, input: { service: Service; kind: ComponentKind; label: string }): Promise<string> {
  const { service, kind, label } = input;
  const sameLabel = await tx
    .select({ id: componentVersions.id, kind: componentVersions.kind })
    .from(componentVersions)
    .where(and(eq(componentVersions.serviceId, service.id), eq(componentVersions.label, label)));
  const exact = sameLabel.find((v) => v.kind === kind);
  if (exact) return exact.id;

  const field = (message: string) => new AppError("invalid_input", message, { to: [message] });
  if (sameLabel.length > 0) {
    throw field(`${label} is a ${sameLabel[0]!.kind} version of ${service.slug}, not a ${kind} version.`);
  }
  const labels = await tx
    .select({ label: componentVersions.label })
    .from(componentVersions)
    .where(and(eq(componentVersions.serviceId, service.id), eq(componentVersions.kind, kind)))
    .orderBy(desc(componentVersions.createdAt))
    .limit(LABELS_OFFERED);
  const known = labels.length ? ` Its ${kind} versions, newest first: ${labels.map((l) => l.label).join(", ")}.` : "";
  throw field(`${service.slug} has no ${kind} version labelled "${label}".${known}`);
}

/** Runs the rollback the body asks for, in the caller's transaction. */
export async function rollbackForToken(
  tx: Tx,
  input: { auth: ApiTokenAuth; service: Service; body: ApiRollbackInput; now: Date },
): Promise<RollbackOutcome> {
  const { auth, service, body, now } = input;
  const unguarded = missingPointerRevision(body, service.slug);
  if (unguarded) throw new AppError("bad_request", unguarded, { expectedPointerRevision: [unguarded] });
  const ctx = { tx, actor: tokenActorOf(auth), now };
  const common = { serviceId: service.id, reason: body.reason, expectedPointerRevision: body.expectedPointerRevision };
  if (body.toRelease) return rollbackBundle(ctx, { ...common, toReleaseId: body.toRelease });
  const kind = body.component!;
  const toVersionId = body.to ? await versionIdForLabel(tx, { service, kind, label: body.to }) : undefined;
  return rollbackComponent(ctx, { ...common, kind, toVersionId });
}

/**
 * The operator API's rehearsal: of a change request's rollback (recorded on its rollback_plan
 * gate), or a dry run of a rollback of the service now (nothing written). Token of the service.
 */
export async function rehearseForToken(
  tx: Tx,
  input: { auth: ApiTokenAuth; service: Service; body: ApiRehearsalInput; now: Date },
): Promise<{ recorded: RecordedRehearsal } | { dryRun: RehearsalFor }> {
  const { auth, service, body, now } = input;
  if (body.changeRequest) {
    const cr = await lockChangeRequestRef(tx, body.changeRequest);
    return { recorded: await rehearseChangeRequestRollbackGate(tx, { changeRequest: cr, by: { token: auth }, revision: body.revision, now }) };
  }
  const kind = body.component;
  const toVersionId = kind && body.to ? await versionIdForLabel(tx, { service, kind, label: body.to }) : undefined;
  return { dryRun: await rehearseRollbackFor(tx, { serviceId: service.id, kind, toVersionId, toReleaseId: body.toRelease }) };
}
