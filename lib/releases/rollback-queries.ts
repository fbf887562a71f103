import "server-only";
import { and, asc, eq, gte, lte, type SQL } from "drizzle-orm";
import { getDb } from "@/db/client";
import { rollbacks, services } from "@/db/schema";
import type { Actor } from "@/lib/auth/session";
import { assertMayView } from "@/lib/components/queries";
import { rollbackTimeKpi, type RollbackTimeKpi } from "./rollback-kpi";

/**
 * Read side of rollbacks for the Overview: the rollback-time KPI per service, and the rollbacks
 * still waiting for their regression cause tag (the query lives in ./queries, re-exported here).
 */

export { listUntaggedRollbacks } from "./queries";

export const KPI_WINDOW_DAYS = 30;

export interface ServiceRollbackKpi extends RollbackTimeKpi {
  serviceId: string;
  serviceSlug: string;
  serviceName: string;
}

/**
 * Median and worst time from click to pointer flip, and from the first alarm to the flip (over the
 * rollbacks that had one), per service, over the `days` before `now`. Every service is listed,
 * with count 0 and null figures when it had no rollback in the window.
 */
export async function rollbackTimeKpiByService(params: {
  actor: Actor;
  now?: Date;
  days?: number;
  serviceId?: string;
}): Promise<ServiceRollbackKpi[]> {
  assertMayView(params.actor);
  const now = params.now ?? new Date();
  const since = new Date(now.getTime() - (params.days ?? KPI_WINDOW_DAYS) * 86_400_000);
  const db = await getDb();
  const conditions: SQL[] = [gte(rollbacks.flippedAt, since), lte(rollbacks.flippedAt, now)];
  if (params.serviceId) conditions.push(eq(rollbacks.serviceId, params.serviceId));
  const [allServices, rows] = await Promise.all([
    db
      .select({ id: services.id, slug: services.slug, name: services.name })
      .from(services)
      .where(params.serviceId ? eq(services.id, params.serviceId) : undefined)
      .orderBy(asc(services.slug)),
    db
      .select({ serviceId: rollbacks.serviceId, clickedAt: rollbacks.clickedAt, firstAlarmAt: rollbacks.firstAlarmAt, flippedAt: rollbacks.flippedAt })
      .from(rollbacks)
      .where(and(...conditions)),
  ]);
  return allServices.map((s) => ({
    serviceId: s.id,
    serviceSlug: s.slug,
    serviceName: s.name,
    ...rollbackTimeKpi(rows.filter((r) => r.serviceId === s.id)),
  }));
}

/** The same KPI over every service together (the Overview's headline figure). */
export async function rollbackTimeKpiOverall(params: { actor: Actor; now?: Date; days?: number }): Promise<RollbackTimeKpi> {
  assertMayView(params.actor);
  const now = params.now ?? new Date();
  const since = new Date(now.getTime() - (params.days ?? KPI_WINDOW_DAYS) * 86_400_000);
  const db = await getDb();
  const rows = await db
    .select({ clickedAt: rollbacks.clickedAt, firstAlarmAt: rollbacks.firstAlarmAt, flippedAt: rollbacks.flippedAt })
    .from(rollbacks)
    .where(and(gte(rollbacks.flippedAt, since), lte(rollbacks.flippedAt, now)));
  return rollbackTimeKpi(rows);
}
