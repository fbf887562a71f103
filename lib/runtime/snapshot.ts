import "server-only";
import { createHash } from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import type { Database } from "@/db/client";
import { activePointers, componentVersions, releaseManifestComponents, services } from "@/db/schema";
import { COMPONENT_KIND_CATALOGUE } from "@/lib/components/kinds";
import type { ComponentBundle, ServiceSnapshot } from "./resolve";

/**
 * Reads what a service serves now — its active pointer and the full bundles of the stable and
 * canary releases — in two queries. Manifests are immutable, so the bundles read in the second
 * query always belong to the pointer read in the first, even if the pointer moves in between.
 */

const kindOrder = new Map(COMPONENT_KIND_CATALOGUE.map((k) => [k.kind as string, k.sortOrder]));

/** A short strong ETag from the parts that identify a state. */
export function runtimeEtag(prefix: string, parts: readonly (string | number | null)[]): string {
  const digest = createHash("sha256").update(JSON.stringify(parts)).digest("base64url").slice(0, 22);
  return `"${prefix}-${digest}"`;
}

/**
 * The service's snapshot, or null when there is no such service or it has no active pointer yet
 * (nothing released). Scoped to the service: component versions of another service never leak
 * in, even through a corrupt manifest.
 */
export async function loadServiceSnapshot(db: Database, serviceSlug: string): Promise<ServiceSnapshot | null> {
  const [row] = await db
    .select({
      serviceId: services.id,
      slug: services.slug,
      stableReleaseId: activePointers.stableReleaseId,
      canaryReleaseId: activePointers.canaryReleaseId,
      canaryPercent: activePointers.canaryPercent,
      canaryTenants: activePointers.canaryTenants,
      revision: activePointers.revision,
      updatedAt: activePointers.updatedAt,
    })
    .from(services)
    .innerJoin(activePointers, eq(activePointers.serviceId, services.id))
    .where(eq(services.slug, serviceSlug))
    .limit(1);
  if (!row) return null;

  const releaseIds = row.canaryReleaseId ? [row.stableReleaseId, row.canaryReleaseId] : [row.stableReleaseId];
  const components = await db
    .select({
      releaseId: releaseManifestComponents.releaseId,
      kind: releaseManifestComponents.kind,
      versionId: componentVersions.id,
      label: componentVersions.label,
      hash: componentVersions.contentHash,
      content: componentVersions.content,
    })
    .from(releaseManifestComponents)
    .innerJoin(componentVersions, eq(componentVersions.id, releaseManifestComponents.versionId))
    .where(and(inArray(releaseManifestComponents.releaseId, releaseIds), eq(componentVersions.serviceId, row.serviceId)));
  components.sort((a, b) => (kindOrder.get(a.kind) ?? 99) - (kindOrder.get(b.kind) ?? 99) || a.kind.localeCompare(b.kind));

  const bundleOf = (releaseId: string): ComponentBundle => {
    const bundle: ComponentBundle = {};
    for (const c of components) {
      if (c.releaseId === releaseId) bundle[c.kind] = { version: c.label, versionId: c.versionId, hash: c.hash, content: c.content };
    }
    return bundle;
  };

  const canary = row.canaryReleaseId
    ? { releaseId: row.canaryReleaseId, percent: row.canaryPercent, tenants: [...row.canaryTenants], components: bundleOf(row.canaryReleaseId) }
    : null;
  return {
    service: row.slug,
    serviceId: row.serviceId,
    pointerRevision: row.revision,
    updatedAt: row.updatedAt.toISOString(),
    stable: { releaseId: row.stableReleaseId, components: bundleOf(row.stableReleaseId) },
    canary,
    etag: runtimeEtag("snap", [
      row.serviceId,
      row.revision,
      row.stableReleaseId,
      row.canaryReleaseId,
      canary?.percent ?? null,
      canary ? canary.tenants.join(",") : null,
    ]),
  };
}
