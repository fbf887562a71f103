import type { z } from "zod";
import { COMPONENT_KINDS, isComponentKind, kindInfo, type ComponentKind } from "@/lib/components/kinds";
import { componentContentSchemas } from "@/lib/components/schemas";

/**
 * Rollback rehearsal (SPEC §2): would this target bundle be a complete, valid release today?
 * Every kind present, every referenced version present, of this service and of that kind, and
 * its content valid under today's schema for its kind (naming the field that is now missing or
 * wrong). Pure: the caller loads the versions; nothing is written or flipped.
 */

export interface RehearsalVersion {
  id: string;
  serviceId: string;
  kind: string;
  label: string;
  content: unknown;
}

export interface RehearsalResult {
  ok: boolean;
  /** One sentence per problem, in catalogue order. Empty when ok. */
  problems: string[];
  /** How many component kinds were checked. */
  checked: number;
}

type Schemas = Record<ComponentKind, z.ZodType>;

export function rehearseRollback(input: {
  serviceId: string;
  /** kind → version id of the bundle the rollback would serve. */
  targetComponents: Partial<Record<string, string>>;
  /** The referenced versions, by id (whichever service they belong to). */
  versions: ReadonlyMap<string, RehearsalVersion>;
  kinds?: readonly ComponentKind[];
  schemas?: Schemas;
}): RehearsalResult {
  const kinds = input.kinds ?? COMPONENT_KINDS;
  const schemas = input.schemas ?? componentContentSchemas;
  const problems: string[] = [];

  for (const kind of kinds) {
    const name = kindInfo(kind).label;
    const versionId = input.targetComponents[kind];
    if (!versionId) {
      problems.push(`${name} is missing: the target release has no ${kind} version.`);
      continue;
    }
    const version = input.versions.get(versionId);
    if (!version) {
      problems.push(`${name} version ${versionId} no longer exists.`);
      continue;
    }
    if (version.serviceId !== input.serviceId) {
      problems.push(`${name} ${version.label} belongs to another service.`);
      continue;
    }
    if (version.kind !== kind) {
      problems.push(`${name} ${version.label} is a ${version.kind} version, not a ${kind} version.`);
      continue;
    }
    const parsed = schemas[kind].safeParse(version.content);
    if (!parsed.success) {
      const details = parsed.error.issues.slice(0, 3).map((issue) => describeIssue(version.content, issue));
      const more = parsed.error.issues.length > 3 ? ` (and ${parsed.error.issues.length - 3} more)` : "";
      problems.push(`${name} ${version.label} is not valid under today's schema: ${details.join("; ")}${more}.`);
    }
  }
  for (const kind of Object.keys(input.targetComponents)) {
    if (!isComponentKind(kind)) problems.push(`The target release has a component of unknown kind "${kind}".`);
  }
  return { ok: problems.length === 0, problems, checked: kinds.length };
}

/** "missing required field refusalMessage", or the field and zod's message. */
function describeIssue(content: unknown, issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join(".");
  if (issue.code === "invalid_type" && valueAt(content, issue.path) === undefined) {
    return `missing required field ${path || "(content)"}`;
  }
  return `${path || "content"}: ${issue.message}`;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let at: unknown = value;
  for (const key of path) {
    if (at === null || typeof at !== "object") return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}
