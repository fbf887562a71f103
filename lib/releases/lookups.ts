import "server-only";
import { and, asc, eq, inArray } from "drizzle-orm";
import type { Tx } from "@/db/client";
import { componentVersions, releaseManifests, services } from "@/db/schema";
import type { ComponentKind } from "@/lib/components/kinds";
import { AppError } from "@/lib/errors";
import type { RehearsalVersion } from "./rehearsal";

/** Reads the release commands and the rehearsal share, each answering a refusal with a sentence. */

export async function serviceRow(tx: Tx, serviceId: string) {
  const [service] = await tx.select().from(services).where(eq(services.id, serviceId));
  if (!service) throw new AppError("not_found", "That service does not exist.");
  return service;
}

export async function versionsOfKind(tx: Tx, serviceId: string, kind: ComponentKind) {
  return tx
    .select({ id: componentVersions.id, label: componentVersions.label, parentId: componentVersions.parentId })
    .from(componentVersions)
    .where(and(eq(componentVersions.serviceId, serviceId), eq(componentVersions.kind, kind)))
    .orderBy(asc(componentVersions.createdAt));
}

export async function rehearsalVersions(tx: Tx, ids: string[]): Promise<Map<string, RehearsalVersion>> {
  const rows = ids.length ? await tx.select().from(componentVersions).where(inArray(componentVersions.id, ids)) : [];
  return new Map(rows.map((v) => [v.id, v]));
}

/** A `toVersionId` that is not this service's version of this kind gets a sentence saying whose it is. */
export async function explainForeignVersion(tx: Tx, serviceSlug: string, kind: ComponentKind, versionId: string): Promise<AppError> {
  const [row] = await tx
    .select({ label: componentVersions.label, kind: componentVersions.kind, serviceSlug: services.slug })
    .from(componentVersions)
    .innerJoin(services, eq(services.id, componentVersions.serviceId))
    .where(eq(componentVersions.id, versionId));
  if (!row) return new AppError("not_found", `There is no component version ${versionId}.`);
  if (row.serviceSlug !== serviceSlug) {
    return new AppError("rule_refused", `${row.label} is a version of ${row.serviceSlug}, not ${serviceSlug}; a rollback stays within its service.`);
  }
  return new AppError("rule_refused", `${row.label} is a ${row.kind} version, not a ${kind} version.`);
}

/** Loads a release for a bundle rollback or rehearsal: 404 if unknown, 422 if another service's. */
export async function releaseOfService(tx: Tx, service: { id: string; slug: string }, releaseId: string) {
  const [row] = await tx
    .select({ id: releaseManifests.id, serviceId: releaseManifests.serviceId, serviceSlug: services.slug })
    .from(releaseManifests)
    .innerJoin(services, eq(services.id, releaseManifests.serviceId))
    .where(eq(releaseManifests.id, releaseId));
  if (!row) throw new AppError("not_found", `There is no release ${releaseId}.`);
  if (row.serviceId !== service.id) {
    throw new AppError("rule_refused", `${releaseId} is a release of ${row.serviceSlug}, not ${service.slug}; a bundle rollback stays within its service.`);
  }
  return row;
}
