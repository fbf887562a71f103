import "server-only";
import { and, asc, count, desc, eq, inArray, isNull, type SQL } from "drizzle-orm";
import { getDb } from "@/db/client";
import {
  activePointers,
  changeRequestStateEnum,
  changeRequests,
  componentVersions,
  releaseManifestComponents,
  releaseManifests,
  rollbacks,
  services,
  tenants,
  users,
  type ActivePointer,
  type ReleaseManifest,
  type Service,
} from "@/db/schema";
import type { Actor } from "@/lib/auth/session";
import { assertMayView, rollbackTargetVersions } from "@/lib/components/queries";
import { COMPONENT_KIND_CATALOGUE } from "@/lib/components/kinds";
import { liveSinceByKind } from "@/lib/components/diff";

/**
 * Read access to releases: active pointers, manifests and what they carry, the change requests
 * and rollbacks around them. Every query takes the acting user, checks the role itself and
 * scopes by service in the WHERE clause.
 */

export interface ManifestComponentRow {
  kind: string;
  versionId: string;
  label: string;
  contentHash: string;
  versionCreatedAt: Date;
  rollbackTargetVersionId: string | null;
  rollbackTargetLabel: string | null;
}

export interface LiveComponent extends ManifestComponentRow {
  /** When this version became live in the stable release chain (or the release time, at worst). */
  liveSince: Date;
}

export interface ManifestListRow {
  id: string;
  kind: ReleaseManifest["kind"];
  canaryPercent: number;
  targetTenants: string[];
  reason: string;
  actorLabel: string;
  createdAt: Date;
  replacesReleaseId: string | null;
  changeRequestId: string | null;
  changeRequestNumber: number | null;
}

const kindOrder = (kind: string) => COMPONENT_KIND_CATALOGUE.find((k) => k.kind === kind)?.sortOrder ?? 99;

/** The components of several manifests, with labels and rollback targets, in catalogue order. */
async function componentsOf(releaseIds: string[]): Promise<Map<string, ManifestComponentRow[]>> {
  const out = new Map<string, ManifestComponentRow[]>();
  if (releaseIds.length === 0) return out;
  const db = await getDb();
  const rows = await db
    .select({
      releaseId: releaseManifestComponents.releaseId,
      kind: releaseManifestComponents.kind,
      versionId: releaseManifestComponents.versionId,
      label: componentVersions.label,
      contentHash: componentVersions.contentHash,
      versionCreatedAt: componentVersions.createdAt,
      rollbackTargetVersionId: releaseManifestComponents.rollbackTargetVersionId,
      rollbackTargetLabel: rollbackTargetVersions.label,
    })
    .from(releaseManifestComponents)
    .innerJoin(componentVersions, eq(componentVersions.id, releaseManifestComponents.versionId))
    .leftJoin(rollbackTargetVersions, eq(rollbackTargetVersions.id, releaseManifestComponents.rollbackTargetVersionId))
    .where(inArray(releaseManifestComponents.releaseId, releaseIds));
  for (const { releaseId, ...row } of rows) {
    const list = out.get(releaseId) ?? [];
    list.push(row);
    out.set(releaseId, list);
  }
  for (const list of out.values()) list.sort((a, b) => kindOrder(a.kind) - kindOrder(b.kind));
  return out;
}


export interface ServiceBundle {
  service: Service;
  pointer: ActivePointer | null;
  stable: (ReleaseManifest & { components: LiveComponent[] }) | null;
  canary: (ReleaseManifest & { components: ManifestComponentRow[] }) | null;
}

async function bundleOf(service: Service): Promise<ServiceBundle> {
  const db = await getDb();
  const [pointer] = await db.select().from(activePointers).where(eq(activePointers.serviceId, service.id)).limit(1);
  if (!pointer) return { service, pointer: null, stable: null, canary: null };

  // The service's recent manifests: enough to find each component's "live since".
  const manifests = await db
    .select()
    .from(releaseManifests)
    .where(eq(releaseManifests.serviceId, service.id))
    .orderBy(desc(releaseManifests.createdAt))
    .limit(200);
  const byId = new Map(manifests.map((m) => [m.id, m]));
  const components = await componentsOf(manifests.map((m) => m.id));
  const stableManifest = byId.get(pointer.stableReleaseId) ?? null;
  const canaryManifest = pointer.canaryReleaseId ? (byId.get(pointer.canaryReleaseId) ?? null) : null;

  let stable: ServiceBundle["stable"] = null;
  if (stableManifest) {
    const history = new Map(manifests.map((m) => [m.id, { ...m, components: components.get(m.id) ?? [] }]));
    const since = liveSinceByKind(stableManifest.id, history);
    stable = {
      ...stableManifest,
      components: (components.get(stableManifest.id) ?? []).map((c) => ({ ...c, liveSince: since.get(c.kind) ?? stableManifest.createdAt })),
    };
  }
  const canary = canaryManifest ? { ...canaryManifest, components: components.get(canaryManifest.id) ?? [] } : null;
  return { service, pointer, stable, canary };
}

/** Every service with what it serves now: the pointer, the stable bundle and the canary. */
export async function listServiceBundles(params: { actor: Actor }): Promise<ServiceBundle[]> {
  assertMayView(params.actor);
  const db = await getDb();
  const all = await db.select().from(services).orderBy(asc(services.slug));
  return Promise.all(all.map((s) => bundleOf(s)));
}

/** All services, by slug (for filters and pickers). */
export async function listServices(params: { actor: Actor }): Promise<Service[]> {
  assertMayView(params.actor);
  const db = await getDb();
  return db.select().from(services).orderBy(asc(services.slug));
}

/** The services for the Releases index: pointer state and how many manifests each has. */
export async function listServicesForReleases(params: { actor: Actor }) {
  assertMayView(params.actor);
  const db = await getDb();
  const [all, pointers, counts, tenantCounts] = await Promise.all([
    db.select().from(services).orderBy(asc(services.slug)),
    db.select().from(activePointers),
    db.select({ serviceId: releaseManifests.serviceId, n: count() }).from(releaseManifests).groupBy(releaseManifests.serviceId),
    db.select({ serviceId: tenants.serviceId, n: count() }).from(tenants).groupBy(tenants.serviceId),
  ]);
  return all.map((service) => ({
    service,
    pointer: pointers.find((p) => p.serviceId === service.id) ?? null,
    manifestCount: counts.find((c) => c.serviceId === service.id)?.n ?? 0,
    tenantCount: tenantCounts.find((c) => c.serviceId === service.id)?.n ?? 0,
  }));
}

/** A service's manifests, newest first, with the change request that made each. */
export async function listRecentManifests(params: { actor: Actor; serviceId: string; limit?: number }): Promise<ManifestListRow[]> {
  assertMayView(params.actor);
  const db = await getDb();
  return db
    .select({
      id: releaseManifests.id,
      kind: releaseManifests.kind,
      canaryPercent: releaseManifests.canaryPercent,
      targetTenants: releaseManifests.targetTenants,
      reason: releaseManifests.reason,
      actorLabel: releaseManifests.actorLabel,
      createdAt: releaseManifests.createdAt,
      replacesReleaseId: releaseManifests.replacesReleaseId,
      changeRequestId: releaseManifests.changeRequestId,
      changeRequestNumber: changeRequests.number,
    })
    .from(releaseManifests)
    .leftJoin(changeRequests, eq(changeRequests.id, releaseManifests.changeRequestId))
    .where(eq(releaseManifests.serviceId, params.serviceId))
    .orderBy(desc(releaseManifests.createdAt), desc(releaseManifests.id))
    .limit(params.limit ?? 50);
}

/** Everything the service's Releases page shows. Null for an unknown service. */
export async function getServiceReleases(params: { actor: Actor; serviceSlug: string; historyLimit?: number }) {
  assertMayView(params.actor);
  const db = await getDb();
  const [service] = await db.select().from(services).where(eq(services.slug, params.serviceSlug)).limit(1);
  if (!service) return null;
  const [bundle, history, serviceTenants] = await Promise.all([
    bundleOf(service),
    listRecentManifests({ actor: params.actor, serviceId: service.id, limit: params.historyLimit ?? 100 }),
    db.select().from(tenants).where(eq(tenants.serviceId, service.id)).orderBy(asc(tenants.slug)),
  ]);
  return { ...bundle, history, tenants: serviceTenants };
}

/** One manifest of one service with its components, or null if it is not that service's. */
export async function getManifestWithComponents(params: { actor: Actor; serviceId: string; releaseId: string }) {
  assertMayView(params.actor);
  const db = await getDb();
  const [manifest] = await db
    .select()
    .from(releaseManifests)
    .where(and(eq(releaseManifests.serviceId, params.serviceId), eq(releaseManifests.id, params.releaseId)))
    .limit(1);
  if (!manifest) return null;
  const components = await componentsOf([manifest.id]);
  return { ...manifest, components: components.get(manifest.id) ?? [] };
}

/** The change request states, in lifecycle order (from the schema enum). */
export const CHANGE_REQUEST_STATES = changeRequestStateEnum.enumValues;
export type ChangeRequestState = (typeof CHANGE_REQUEST_STATES)[number];

export function isChangeRequestState(value: string): value is ChangeRequestState {
  return (CHANGE_REQUEST_STATES as readonly string[]).includes(value);
}

// Change requests are listed here until the change-request workflow brings lib/changes/.
/** Change requests, most recently updated first, optionally for one service and/or one state. */
export async function listChangeRequests(params: {
  actor: Actor;
  serviceId?: string;
  state?: ChangeRequestState;
  limit?: number;
}) {
  assertMayView(params.actor);
  const db = await getDb();
  const conditions: SQL[] = [];
  if (params.serviceId) conditions.push(eq(changeRequests.serviceId, params.serviceId));
  if (params.state) conditions.push(eq(changeRequests.state, params.state));
  return db
    .select({
      id: changeRequests.id,
      number: changeRequests.number,
      title: changeRequests.title,
      state: changeRequests.state,
      riskTier: changeRequests.riskTier,
      canaryStage: changeRequests.canaryStage,
      currentRevision: changeRequests.currentRevision,
      createdAt: changeRequests.createdAt,
      updatedAt: changeRequests.updatedAt,
      authorName: users.name,
      serviceSlug: services.slug,
      serviceName: services.name,
    })
    .from(changeRequests)
    .innerJoin(services, eq(services.id, changeRequests.serviceId))
    .leftJoin(users, eq(users.id, changeRequests.authorId))
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(changeRequests.updatedAt), desc(changeRequests.number))
    .limit(params.limit ?? 200);
}

/** Rollbacks still waiting for their regression cause tag, newest first, optionally for one service. */
export async function listUntaggedRollbacks(params: { actor: Actor; serviceId?: string; limit?: number }) {
  assertMayView(params.actor);
  const db = await getDb();
  const conditions: SQL[] = [isNull(rollbacks.causeTag)];
  if (params.serviceId) conditions.push(eq(rollbacks.serviceId, params.serviceId));
  return db
    .select({
      id: rollbacks.id,
      scope: rollbacks.scope,
      kind: rollbacks.kind,
      reason: rollbacks.reason,
      actorLabel: rollbacks.actorLabel,
      fromReleaseId: rollbacks.fromReleaseId,
      toReleaseId: rollbacks.toReleaseId,
      clickedAt: rollbacks.clickedAt,
      firstAlarmAt: rollbacks.firstAlarmAt,
      flippedAt: rollbacks.flippedAt,
      serviceSlug: services.slug,
      serviceName: services.name,
      changeRequestNumber: changeRequests.number,
    })
    .from(rollbacks)
    .innerJoin(services, eq(services.id, rollbacks.serviceId))
    .leftJoin(changeRequests, eq(changeRequests.id, rollbacks.changeRequestId))
    .where(and(...conditions))
    .orderBy(desc(rollbacks.flippedAt))
    .limit(params.limit ?? 50);
}
