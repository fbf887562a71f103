import "server-only";
import { and, desc, eq } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { getDb } from "@/db/client";
import { activePointers, componentVersions, releaseManifestComponents, services, users } from "@/db/schema";
import type { Actor } from "@/lib/auth/session";
import { may, refusal } from "@/lib/auth/permissions";
import { AppError } from "@/lib/errors";
import { type ComponentKind, isComponentKind } from "./kinds";

/**
 * Read access to component versions. Every query takes the acting user and checks the role
 * itself (a page's check is not the only one), and scopes by service in the WHERE clause.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A string that can be looked up as a uuid (PostgreSQL refuses to compare anything else). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Read queries need the dashboard permission, whoever calls them. */
export function assertMayView(actor: Actor): void {
  if (!may(actor.role, "dashboard.view")) throw new AppError("forbidden", refusal(actor.role, "dashboard.view"));
}

export interface ComponentVersionSummary {
  id: string;
  label: string;
  contentHash: string;
  parentId: string | null;
  createdAt: Date;
  authorName: string | null;
}

export interface ComponentVersionDetail extends ComponentVersionSummary {
  serviceId: string;
  kind: ComponentKind;
  content: Record<string, unknown>;
  notes: string;
  authorEmail: string | null;
}

export async function getServiceBySlug(params: { actor: Actor; slug: string }) {
  assertMayView(params.actor);
  const db = await getDb();
  const [service] = await db.select().from(services).where(eq(services.slug, params.slug)).limit(1);
  return service ?? null;
}

const detailColumns = {
  id: componentVersions.id,
  serviceId: componentVersions.serviceId,
  kind: componentVersions.kind,
  label: componentVersions.label,
  contentHash: componentVersions.contentHash,
  content: componentVersions.content,
  parentId: componentVersions.parentId,
  notes: componentVersions.notes,
  createdAt: componentVersions.createdAt,
  authorName: users.name,
  authorEmail: users.email,
};

/** One version of one component of one service, or null if it is not that service's and kind's. */
export async function getComponentVersion(params: {
  actor: Actor;
  serviceId: string;
  kind: ComponentKind;
  versionId: string;
}): Promise<ComponentVersionDetail | null> {
  assertMayView(params.actor);
  if (!isUuid(params.versionId)) return null;
  const db = await getDb();
  const [row] = await db
    .select(detailColumns)
    .from(componentVersions)
    .leftJoin(users, eq(users.id, componentVersions.authorId))
    .where(
      and(
        eq(componentVersions.serviceId, params.serviceId),
        eq(componentVersions.kind, params.kind),
        eq(componentVersions.id, params.versionId),
      ),
    )
    .limit(1);
  if (!row || !isComponentKind(row.kind)) return null;
  return { ...row, kind: row.kind };
}

/**
 * What the component version page needs: the service, the version, its parent, the other
 * versions of the same component (for "compare with") and whether it is live now.
 * Null when the service, kind or version does not exist or do not belong together.
 */
export async function getComponentVersionPage(params: {
  actor: Actor;
  serviceSlug: string;
  kind: string;
  versionId: string;
}) {
  assertMayView(params.actor);
  if (!isComponentKind(params.kind)) return null;
  const kind = params.kind;
  const service = await getServiceBySlug({ actor: params.actor, slug: params.serviceSlug });
  if (!service) return null;
  const version = await getComponentVersion({ actor: params.actor, serviceId: service.id, kind, versionId: params.versionId });
  if (!version) return null;
  const [versions, liveIn] = await Promise.all([
    listComponentVersions({ actor: params.actor, serviceId: service.id, kind }),
    activeReleasesUsing({ actor: params.actor, serviceId: service.id, kind, versionId: version.id }),
  ]);
  const parent = versions.find((v) => v.id === version.parentId) ?? null;
  const children = versions.filter((v) => v.parentId === version.id);
  return { service, kind, version, parent, children, versions, liveIn };
}

/** Every version of one component of a service, newest first. */
export async function listComponentVersions(params: {
  actor: Actor;
  serviceId: string;
  kind: ComponentKind;
  limit?: number;
}): Promise<ComponentVersionSummary[]> {
  assertMayView(params.actor);
  const db = await getDb();
  return db
    .select({
      id: componentVersions.id,
      label: componentVersions.label,
      contentHash: componentVersions.contentHash,
      parentId: componentVersions.parentId,
      createdAt: componentVersions.createdAt,
      authorName: users.name,
    })
    .from(componentVersions)
    .leftJoin(users, eq(users.id, componentVersions.authorId))
    .where(and(eq(componentVersions.serviceId, params.serviceId), eq(componentVersions.kind, params.kind)))
    .orderBy(desc(componentVersions.createdAt), desc(componentVersions.label))
    .limit(params.limit ?? 200);
}

/** Whether the version is in the service's stable and/or canary release right now. */
export async function activeReleasesUsing(params: {
  actor: Actor;
  serviceId: string;
  kind: ComponentKind;
  versionId: string;
}): Promise<{ stable: string | null; canary: string | null }> {
  assertMayView(params.actor);
  const db = await getDb();
  const [pointer] = await db.select().from(activePointers).where(eq(activePointers.serviceId, params.serviceId)).limit(1);
  if (!pointer) return { stable: null, canary: null };
  const uses = async (releaseId: string | null) => {
    if (!releaseId) return false;
    const [row] = await db
      .select({ versionId: releaseManifestComponents.versionId })
      .from(releaseManifestComponents)
      .where(and(eq(releaseManifestComponents.releaseId, releaseId), eq(releaseManifestComponents.kind, params.kind)))
      .limit(1);
    return row?.versionId === params.versionId;
  };
  const [inStable, inCanary] = await Promise.all([uses(pointer.stableReleaseId), uses(pointer.canaryReleaseId)]);
  return {
    stable: inStable ? pointer.stableReleaseId : null,
    canary: inCanary ? pointer.canaryReleaseId : null,
  };
}

/** The two versions a diff compares, both checked to be this service's and kind's. */
export async function getVersionsForDiff(params: {
  actor: Actor;
  serviceId: string;
  kind: ComponentKind;
  baseId: string;
  headId: string;
}) {
  const [base, head] = await Promise.all([
    getComponentVersion({ actor: params.actor, serviceId: params.serviceId, kind: params.kind, versionId: params.baseId }),
    getComponentVersion({ actor: params.actor, serviceId: params.serviceId, kind: params.kind, versionId: params.headId }),
  ]);
  return { base, head };
}

/** For joins elsewhere: the same table under another name (a manifest's rollback target). */
export const rollbackTargetVersions = alias(componentVersions, "rollback_target_versions");
