import "server-only";
import { and, eq } from "drizzle-orm";
import type { Tx } from "@/db/client";
import { changeRequestRevisions, type ChangeRequest } from "@/db/schema";
import { AppError } from "@/lib/errors";

/**
 * Refuses (409) work addressed to a revision that is not the change request's current one — a
 * reviewer's decision, offline results, a rollback rehearsal — naming when it was replaced and
 * what to do: "Revision 1 was replaced by revision 2 at 09:41 UTC — review the new diff."
 */
export async function assertCurrentRevision(
  tx: Tx,
  cr: Pick<ChangeRequest, "id" | "number" | "currentRevision" | "updatedAt">,
  revision: number,
  /** What to do instead, e.g. "review the new diff". */
  nextStep: string,
): Promise<void> {
  if (revision === cr.currentRevision) return;
  if (revision > cr.currentRevision || revision < 1) {
    throw new AppError("conflict", `CR-${cr.number} has no revision ${revision}; its current revision is ${cr.currentRevision}.`);
  }
  const [newer] = await tx
    .select({ createdAt: changeRequestRevisions.createdAt })
    .from(changeRequestRevisions)
    .where(and(eq(changeRequestRevisions.changeRequestId, cr.id), eq(changeRequestRevisions.revision, cr.currentRevision)));
  const at = `${(newer?.createdAt ?? cr.updatedAt).toISOString().slice(11, 16)} UTC`;
  throw new AppError("conflict", `Revision ${revision} was replaced by revision ${cr.currentRevision} at ${at} — ${nextStep}.`);
}
