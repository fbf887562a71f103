import { asc, eq, sql, TransactionRollbackError } from "drizzle-orm";
import type { Database, DbHandle } from "@/db/client";
import { activePointers, releaseManifests, services } from "@/db/schema";
import { notifyPointerChanged } from "./notify";

/** Test helpers for the runtime API's integration tests (not imported by app code). */

export interface DemoService {
  id: string;
  slug: string;
  stableReleaseId: string;
  revision: number;
  /** A release of this service other than the stable one, to use as a canary. */
  otherReleaseId: string;
}

export async function demoService(db: Database, slug: string): Promise<DemoService> {
  const [row] = await db
    .select({ id: services.id, slug: services.slug, stableReleaseId: activePointers.stableReleaseId, revision: activePointers.revision })
    .from(services)
    .innerJoin(activePointers, eq(activePointers.serviceId, services.id))
    .where(eq(services.slug, slug));
  if (!row) throw new Error(`No seeded service ${slug}`);
  const releases = await db
    .select({ id: releaseManifests.id })
    .from(releaseManifests)
    .where(eq(releaseManifests.serviceId, row.id))
    .orderBy(asc(releaseManifests.createdAt));
  const other = releases.find((r) => r.id !== row.stableReleaseId);
  if (!other) throw new Error(`Seeded service ${slug} has a single release`);
  return { ...row, otherReleaseId: other.id };
}

export interface PointerChange {
  stableReleaseId?: string;
  canaryReleaseId?: string | null;
  canaryPercent?: number;
  canaryTenants?: string[];
}

/**
 * Changes a service's pointer the way the release commands do: one transaction that bumps the
 * revision and calls notifyPointerChanged. With `rollBack`, the transaction is rolled back after
 * the notify. Returns the new revision (or the unchanged one).
 */
export async function changePointer(db: Database, serviceId: string, change: PointerChange, options: { rollBack?: boolean } = {}): Promise<number> {
  try {
    return await db.transaction(async (tx) => {
      const [row] = await tx
        .update(activePointers)
        .set({ ...change, revision: sql`${activePointers.revision} + 1`, updatedAt: new Date(), updatedBy: "runtime test" })
        .where(eq(activePointers.serviceId, serviceId))
        .returning({ revision: activePointers.revision });
      await notifyPointerChanged(tx, serviceId);
      if (options.rollBack) tx.rollback();
      return row!.revision;
    });
  } catch (err) {
    if (!(err instanceof TransactionRollbackError)) throw err;
    const [row] = await db.select({ revision: activePointers.revision }).from(activePointers).where(eq(activePointers.serviceId, serviceId));
    return row!.revision;
  }
}

/** Polls `check` until it returns true; returns the milliseconds it took, or throws after `timeoutMs`. */
export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 1_000, what = "the condition"): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (await check()) return performance.now() - start;
    if (performance.now() - start > timeoutMs) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Counts every call into the database driver under drizzle (PGlite query/exec/transaction, or
 * the pg Pool's query/connect). Every drizzle query passes through one of these.
 */
export function countDriverCalls(handle: DbHandle): { readonly count: number; restore: () => void } {
  const client = (handle.db as unknown as { $client: Record<string, unknown> }).$client;
  const methods = handle.kind === "pglite" ? ["query", "exec", "transaction"] : ["query", "connect"];
  const originals = new Map<string, { own: boolean; original: unknown }>();
  let count = 0;
  for (const name of methods) {
    const original = client[name];
    if (typeof original !== "function") throw new Error(`The ${handle.kind} driver has no ${name}()`);
    originals.set(name, { own: Object.hasOwn(client, name), original });
    client[name] = function (this: unknown, ...args: unknown[]) {
      count++;
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
  return {
    get count() {
      return count;
    },
    restore: () => {
      for (const [name, { own, original }] of originals) {
        if (own) client[name] = original;
        else delete client[name];
      }
    },
  };
}
