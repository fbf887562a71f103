import "server-only";
import { inArray } from "drizzle-orm";
import { getDb } from "@/db/client";
import { changeRequests, componentVersions } from "@/db/schema";
import type { AuditListEntry } from "@/lib/audit/queries";
import { may, refusal } from "@/lib/auth/permissions";
import type { Actor } from "@/lib/auth/session";
import { AppError } from "@/lib/errors";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The key a target's label is stored under in the map `auditTargetLabels` returns. */
export function targetKey(targetType: string, targetId: string): string {
  return `${targetType}:${targetId}`;
}

function idsOf(entries: AuditListEntry[], targetType: string): string[] {
  return [...new Set(entries.filter((e) => e.targetType === targetType && UUID.test(e.targetId)).map((e) => e.targetId))];
}

/**
 * Readable names for the change-request and component-version targets of one page of entries
 * ("CR-12", "ret-v4" instead of a UUID prefix): one query per target type, by the ids on the page.
 * Ids that no longer resolve are simply left out.
 */
export async function auditTargetLabels(params: { actor: Actor; entries: AuditListEntry[] }): Promise<Map<string, string>> {
  if (!may(params.actor.role, "audit.view")) throw new AppError("forbidden", refusal(params.actor.role, "audit.view"));
  const crIds = idsOf(params.entries, "change_request");
  const versionIds = idsOf(params.entries, "component_version");
  if (crIds.length === 0 && versionIds.length === 0) return new Map();

  const db = await getDb();
  const [crs, versions] = await Promise.all([
    crIds.length
      ? db.select({ id: changeRequests.id, number: changeRequests.number }).from(changeRequests).where(inArray(changeRequests.id, crIds))
      : [],
    versionIds.length
      ? db
          .select({ id: componentVersions.id, label: componentVersions.label })
          .from(componentVersions)
          .where(inArray(componentVersions.id, versionIds))
      : [],
  ]);

  const labels = new Map<string, string>();
  for (const cr of crs) labels.set(targetKey("change_request", cr.id), `CR-${cr.number}`);
  for (const v of versions) labels.set(targetKey("component_version", v.id), v.label);
  return labels;
}
