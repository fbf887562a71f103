import { sql } from "drizzle-orm";
import type { Tx } from "@/db/client";

/** The PostgreSQL channel on which every change of a service's active pointer is announced. */
export const POINTER_CHANNEL = "changegate_pointer";

/**
 * Announces that a service's pointer changed. Call it inside the transaction that changes the
 * pointer: PostgreSQL delivers the notification on commit (and never for a rolled-back one), to
 * every app instance listening — PGlite likewise, within its process.
 */
export async function notifyPointerChanged(tx: Tx, serviceId: string): Promise<void> {
  await tx.execute(sql`select pg_notify(${POINTER_CHANNEL}, ${serviceId})`);
}
