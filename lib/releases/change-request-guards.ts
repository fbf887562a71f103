import "server-only";
import { eq } from "drizzle-orm";
import type { Tx } from "@/db/client";
import { changeRequests, type ChangeRequest } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { hhmm } from "./actor";

/** Reads a change request's service before anything is locked (the pointer is locked first). */
export async function serviceOfChangeRequest(tx: Tx, changeRequestId: string): Promise<string> {
  const [row] = await tx.select({ serviceId: changeRequests.serviceId }).from(changeRequests).where(eq(changeRequests.id, changeRequestId));
  if (!row) throw new AppError("not_found", "That change request does not exist.");
  return row.serviceId;
}

export function assertLockVersion(cr: ChangeRequest, expected: number | undefined) {
  if (expected === undefined || cr.lockVersion === expected) return;
  throw new AppError(
    "conflict",
    `CR-${cr.number} changed since you loaded it (now ${cr.state.replace("_", " ")}, updated at ${hhmm(cr.updatedAt)}). Reload to see what changed.`,
  );
}
