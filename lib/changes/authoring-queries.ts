import "server-only";
import { and, asc, desc, eq, inArray } from "drizzle-orm";
import { getDb } from "@/db/client";
import {
  activePointers,
  changeRequestRevisions,
  changeRequests,
  componentChanges,
  componentVersions,
  releaseManifestComponents,
  services,
} from "@/db/schema";
import type { Actor } from "@/lib/auth/session";
import { may, refusal } from "@/lib/auth/permissions";
import { COMPONENT_KIND_CATALOGUE, COMPONENT_KINDS, isComponentKind, type ComponentKind } from "@/lib/components/kinds";
import { AppError } from "@/lib/errors";
import { serviceSettingsSchema } from "@/lib/services/settings";
import type { ChangeRequestState } from "./state-machine";

/**
 * Read access for the authoring form: what a new or edited change request can point at. Every
 * query takes the acting user and checks the authoring permission itself. The shapes are plain
 * (ISO strings, no Dates) because they go straight to a client component.
 */

/** How many versions per kind the form offers; older ones are reachable from the component pages. */
const VERSIONS_PER_KIND = 50;

export interface AuthoringVersion {
  id: string;
  label: string;
  createdAt: string;
  notes: string;
  /** For prefilling a new version from this one. */
  content: Record<string, unknown>;
}

export interface AuthoringKind {
  /** The version the stable release runs now, or null when the service has none of this kind. */
  liveVersionId: string | null;
  /** Newest first. */
  versions: AuthoringVersion[];
}

export interface AuthoringService {
  slug: string;
  name: string;
  description: string;
  sensitiveDomains: string[];
  kinds: Record<ComponentKind, AuthoringKind>;
}

function assertMayAuthor(actor: Actor): void {
  if (!may(actor.role, "changeRequest.create")) throw new AppError("forbidden", refusal(actor.role, "changeRequest.create"));
}

/** Every service with its sensitive domains, live versions and the versions of each kind. */
export async function listAuthoringServices(params: { actor: Actor }): Promise<AuthoringService[]> {
  assertMayAuthor(params.actor);
  const db = await getDb();
  const all = await db.select().from(services).orderBy(asc(services.slug));
  if (all.length === 0) return [];
  const serviceIds = all.map((s) => s.id);

  const [versions, live] = await Promise.all([
    db
      .select({
        id: componentVersions.id,
        serviceId: componentVersions.serviceId,
        kind: componentVersions.kind,
        label: componentVersions.label,
        createdAt: componentVersions.createdAt,
        notes: componentVersions.notes,
        content: componentVersions.content,
      })
      .from(componentVersions)
      .where(inArray(componentVersions.serviceId, serviceIds))
      .orderBy(desc(componentVersions.createdAt), desc(componentVersions.label)),
    db
      .select({ serviceId: activePointers.serviceId, kind: releaseManifestComponents.kind, versionId: releaseManifestComponents.versionId })
      .from(activePointers)
      .innerJoin(releaseManifestComponents, eq(releaseManifestComponents.releaseId, activePointers.stableReleaseId))
      .where(inArray(activePointers.serviceId, serviceIds)),
  ]);

  return all.map((service) => {
    const kinds = {} as Record<ComponentKind, AuthoringKind>;
    for (const kind of COMPONENT_KINDS) kinds[kind] = { liveVersionId: null, versions: [] };
    for (const row of live) {
      if (row.serviceId === service.id && isComponentKind(row.kind)) kinds[row.kind].liveVersionId = row.versionId;
    }
    for (const v of versions) {
      if (v.serviceId !== service.id || !isComponentKind(v.kind)) continue;
      const list = kinds[v.kind].versions;
      // Keep the live version even when it is older than the newest VERSIONS_PER_KIND.
      if (list.length >= VERSIONS_PER_KIND && v.id !== kinds[v.kind].liveVersionId) continue;
      list.push({ id: v.id, label: v.label, createdAt: v.createdAt.toISOString(), notes: v.notes, content: v.content });
    }
    const settings = serviceSettingsSchema.safeParse(service.settings);
    return {
      slug: service.slug,
      name: service.name,
      description: service.description,
      sensitiveDomains: settings.success ? settings.data.sensitiveDomains : serviceSettingsSchema.parse({}).sensitiveDomains,
      kinds,
    };
  });
}

export interface ChangeRequestForEditing {
  id: string;
  number: number;
  serviceSlug: string;
  authorId: string;
  state: ChangeRequestState;
  lockVersion: number;
  currentRevision: number;
  riskTier: "low" | "medium" | "high";
  title: string;
  description: string;
  touchedDomains: string[];
  securityImpact: boolean;
  expectedMetricShift: string;
  rollbackPlan: string;
  /** The current revision's component changes, in catalogue order. */
  components: { kind: ComponentKind; fromVersionId: string | null; toVersionId: string; toLabel: string }[];
}

/** A change request with its current revision, for the edit form. Null when there is no such number. */
export async function getChangeRequestForEditing(params: { actor: Actor; number: number }): Promise<ChangeRequestForEditing | null> {
  assertMayAuthor(params.actor);
  if (!Number.isSafeInteger(params.number) || params.number < 1 || params.number > 2_147_483_647) return null;
  const db = await getDb();
  const [row] = await db
    .select({ cr: changeRequests, serviceSlug: services.slug, revision: changeRequestRevisions })
    .from(changeRequests)
    .innerJoin(services, eq(services.id, changeRequests.serviceId))
    .innerJoin(
      changeRequestRevisions,
      and(eq(changeRequestRevisions.changeRequestId, changeRequests.id), eq(changeRequestRevisions.revision, changeRequests.currentRevision)),
    )
    .where(eq(changeRequests.number, params.number))
    .limit(1);
  if (!row) return null;

  const changes = await db
    .select({
      kind: componentChanges.kind,
      fromVersionId: componentChanges.fromVersionId,
      toVersionId: componentChanges.toVersionId,
      toLabel: componentVersions.label,
    })
    .from(componentChanges)
    .innerJoin(componentVersions, eq(componentVersions.id, componentChanges.toVersionId))
    .where(eq(componentChanges.revisionId, row.revision.id));
  const order = (kind: string) => COMPONENT_KIND_CATALOGUE.find((k) => k.kind === kind)?.sortOrder ?? 99;

  const { cr, revision } = row;
  return {
    id: cr.id,
    number: cr.number,
    serviceSlug: row.serviceSlug,
    authorId: cr.authorId,
    state: cr.state,
    lockVersion: cr.lockVersion,
    currentRevision: cr.currentRevision,
    riskTier: revision.riskTier,
    title: revision.title,
    description: revision.description,
    touchedDomains: revision.touchedDomains,
    securityImpact: revision.securityImpact,
    expectedMetricShift: revision.expectedMetricShift,
    rollbackPlan: revision.rollbackPlan,
    components: changes
      .flatMap((c) => (isComponentKind(c.kind) ? [{ ...c, kind: c.kind }] : []))
      .sort((a, b) => order(a.kind) - order(b.kind)),
  };
}
