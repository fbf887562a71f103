import "server-only";
import { and, desc, eq, inArray } from "drizzle-orm";
import { getDb } from "@/db/client";
import {
  activePointers,
  changeRequests,
  componentVersions,
  releaseManifestComponents,
  releaseManifests,
  services,
  type Service,
} from "@/db/schema";
import { assertTokenForService, type ApiTokenAuth } from "@/lib/api/tokens";
import { canaryLadder } from "@/lib/changes";
import { rollbackTargetVersions } from "@/lib/components/queries";
import { COMPONENT_KIND_CATALOGUE, type RiskTier } from "@/lib/components/kinds";
import { AppError } from "@/lib/errors";

/**
 * Read access for the operator API (token auth, used by the CLI): what a service serves now and
 * its manifest history. The user-facing queries in ./queries take a signed-in user; these take
 * the authenticated token and only ever read the token's own service.
 */

const kindOrder = new Map(COMPONENT_KIND_CATALOGUE.map((k) => [k.kind as string, k.sortOrder]));
const byKindOrder = (a: { kind: string }, b: { kind: string }) => (kindOrder.get(a.kind) ?? 99) - (kindOrder.get(b.kind) ?? 99);

/**
 * The service named in the URL, if this token may act on it: 404 when there is no such service,
 * 403 when it is another service's token.
 */
export async function serviceForToken(params: { auth: ApiTokenAuth; serviceSlug: string }): Promise<Service> {
  const db = await getDb();
  const [service] = await db.select().from(services).where(eq(services.slug, params.serviceSlug)).limit(1);
  if (!service) throw new AppError("not_found", `There is no service "${params.serviceSlug}". Check the service slug.`);
  assertTokenForService(params.auth, service.id, service.slug);
  return service;
}

export interface ApiComponent {
  version: string;
  versionId: string;
  hash: string;
  /** The label a component rollback goes to by default, or null when there is none. */
  rollbackTarget: string | null;
}

export interface ServiceStatus {
  service: { slug: string; name: string };
  pointer: {
    revision: number;
    stableReleaseId: string;
    canaryReleaseId: string | null;
    canaryPercent: number;
    canaryTenants: string[];
    updatedAt: string;
    updatedBy: string;
  } | null;
  stable: { releaseId: string; createdAt: string; components: Record<string, ApiComponent> } | null;
  canary: { releaseId: string; percent: number; tenants: string[]; createdAt: string; components: Record<string, ApiComponent> } | null;
  rollout: {
    changeRequest: { number: number; title: string; state: string; riskTier: string };
    /** 1-based stage of the tier's canary ladder, with its percent, e.g. 2 of 3 at 5%. */
    stage: { number: number; of: number; percent: number | null } | null;
  } | null;
}

/** kind → component of each release, with the rollback target's label. */
async function componentsOf(releaseIds: string[]): Promise<Map<string, Record<string, ApiComponent>>> {
  const out = new Map<string, Record<string, ApiComponent>>();
  if (releaseIds.length === 0) return out;
  const db = await getDb();
  const rows = await db
    .select({
      releaseId: releaseManifestComponents.releaseId,
      kind: releaseManifestComponents.kind,
      versionId: componentVersions.id,
      label: componentVersions.label,
      hash: componentVersions.contentHash,
      rollbackTarget: rollbackTargetVersions.label,
    })
    .from(releaseManifestComponents)
    .innerJoin(componentVersions, eq(componentVersions.id, releaseManifestComponents.versionId))
    .leftJoin(rollbackTargetVersions, eq(rollbackTargetVersions.id, releaseManifestComponents.rollbackTargetVersionId))
    .where(inArray(releaseManifestComponents.releaseId, releaseIds));
  rows.sort(byKindOrder);
  for (const row of rows) {
    const bundle = out.get(row.releaseId) ?? {};
    bundle[row.kind] = { version: row.label, versionId: row.versionId, hash: row.hash, rollbackTarget: row.rollbackTarget ?? null };
    out.set(row.releaseId, bundle);
  }
  return out;
}

/** The service's pointer, the stable and canary bundles, and the rollout in flight (if any). */
export async function getServiceStatus(params: { auth: ApiTokenAuth; serviceSlug: string }): Promise<ServiceStatus> {
  const service = await serviceForToken(params);
  const db = await getDb();
  const [pointer] = await db.select().from(activePointers).where(eq(activePointers.serviceId, service.id)).limit(1);
  const [inFlight] = await db
    .select({
      number: changeRequests.number,
      title: changeRequests.title,
      state: changeRequests.state,
      riskTier: changeRequests.riskTier,
      canaryStage: changeRequests.canaryStage,
    })
    .from(changeRequests)
    .where(and(eq(changeRequests.serviceId, service.id), inArray(changeRequests.state, ["rolling_out", "paused"])))
    .orderBy(desc(changeRequests.updatedAt))
    .limit(1);
  const rollout: ServiceStatus["rollout"] = inFlight
    ? { changeRequest: { number: inFlight.number, title: inFlight.title, state: inFlight.state, riskTier: inFlight.riskTier }, stage: stageOf(inFlight.riskTier, inFlight.canaryStage) }
    : null;
  const head = { service: { slug: service.slug, name: service.name }, rollout };
  if (!pointer) return { ...head, pointer: null, stable: null, canary: null };

  const ids = pointer.canaryReleaseId ? [pointer.stableReleaseId, pointer.canaryReleaseId] : [pointer.stableReleaseId];
  const [manifests, components] = await Promise.all([
    db
      .select({ id: releaseManifests.id, createdAt: releaseManifests.createdAt })
      .from(releaseManifests)
      .where(and(eq(releaseManifests.serviceId, service.id), inArray(releaseManifests.id, ids))),
    componentsOf(ids),
  ]);
  const createdAt = (id: string) => manifests.find((m) => m.id === id)?.createdAt.toISOString() ?? "";
  return {
    ...head,
    pointer: {
      revision: pointer.revision,
      stableReleaseId: pointer.stableReleaseId,
      canaryReleaseId: pointer.canaryReleaseId,
      canaryPercent: pointer.canaryPercent,
      canaryTenants: pointer.canaryTenants,
      updatedAt: pointer.updatedAt.toISOString(),
      updatedBy: pointer.updatedBy,
    },
    stable: { releaseId: pointer.stableReleaseId, createdAt: createdAt(pointer.stableReleaseId), components: components.get(pointer.stableReleaseId) ?? {} },
    canary: pointer.canaryReleaseId
      ? {
          releaseId: pointer.canaryReleaseId,
          percent: pointer.canaryPercent,
          tenants: pointer.canaryTenants,
          createdAt: createdAt(pointer.canaryReleaseId),
          components: components.get(pointer.canaryReleaseId) ?? {},
        }
      : null,
  };
}

function stageOf(tier: RiskTier, index: number | null): { number: number; of: number; percent: number | null } | null {
  if (index === null) return null;
  const ladder = canaryLadder(tier);
  return { number: index + 1, of: ladder.length, percent: ladder[index] ?? null };
}

export interface ReleaseListItem {
  id: string;
  kind: string;
  canaryPercent: number;
  targetTenants: string[];
  changeRequest: { number: number; title: string } | null;
  actor: string;
  reason: string;
  createdAt: string;
  replaces: string | null;
  /** kind → version label. */
  components: Record<string, string>;
  /** Where the pointer has this release now, if anywhere. */
  live: "stable" | "canary" | null;
}

/** The service's manifests, newest first, with each one's components by label. */
export async function listServiceReleases(params: { auth: ApiTokenAuth; serviceSlug: string; limit: number }) {
  const service = await serviceForToken(params);
  const db = await getDb();
  const [manifests, [pointer]] = await Promise.all([
    db
      .select({
        id: releaseManifests.id,
        kind: releaseManifests.kind,
        canaryPercent: releaseManifests.canaryPercent,
        targetTenants: releaseManifests.targetTenants,
        actor: releaseManifests.actorLabel,
        reason: releaseManifests.reason,
        createdAt: releaseManifests.createdAt,
        replaces: releaseManifests.replacesReleaseId,
        crNumber: changeRequests.number,
        crTitle: changeRequests.title,
      })
      .from(releaseManifests)
      .leftJoin(changeRequests, eq(changeRequests.id, releaseManifests.changeRequestId))
      .where(eq(releaseManifests.serviceId, service.id))
      .orderBy(desc(releaseManifests.createdAt), desc(releaseManifests.id))
      .limit(params.limit),
    db.select().from(activePointers).where(eq(activePointers.serviceId, service.id)).limit(1),
  ]);
  const components = await componentsOf(manifests.map((m) => m.id));
  const releases: ReleaseListItem[] = manifests.map(({ crNumber, crTitle, ...m }) => ({
    ...m,
    createdAt: m.createdAt.toISOString(),
    changeRequest: crNumber !== null && crTitle !== null ? { number: crNumber, title: crTitle } : null,
    components: Object.fromEntries(Object.entries(components.get(m.id) ?? {}).map(([kind, c]) => [kind, c.version])),
    live: pointer?.stableReleaseId === m.id ? "stable" : pointer?.canaryReleaseId === m.id ? "canary" : null,
  }));
  return { service: { slug: service.slug, name: service.name }, pointerRevision: pointer?.revision ?? null, releases };
}
