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

/** A component version as a change request's rehearsal names it. */
export interface VersionRef {
  versionId: string;
  label: string;
}

export interface ChangeRequestRehearsal extends RehearsalResult {
  /** The release a rollback of this change would go back to (the stable now), or null if there is none. */
  targetReleaseId: string | null;
  /** Each changed component with the version a rollback restores, in the words the gate shows: "Policy → sec-v12". */
  targets: string[];
}

/**
 * The rehearsal behind a change request's rollback_plan gate (SPEC §2, issue 3 item 4): if this
 * change rolled out now and had to be rolled back, the service would go back to its stable
 * release — so that bundle must be a complete, valid release today, and each changed component
 * must roll back to the version the change was reviewed against (a stable that moved since means
 * the diff under review is no longer what would be reverted). Pure: the caller loads the stable
 * bundle, the change's components and the referenced versions.
 */
export function rehearseChangeRequestRollback(input: {
  serviceId: string;
  serviceSlug: string;
  revision: number;
  /** The stable release now, kind → its version; null when the service has no release yet. */
  stable: { releaseId: string; components: Partial<Record<string, VersionRef>> } | null;
  /** The revision's component changes: from the version live when proposed (null: none was) to the new one. */
  changes: readonly { kind: string; from: VersionRef | null; to: VersionRef }[];
  versions: ReadonlyMap<string, RehearsalVersion>;
  kinds?: readonly ComponentKind[];
  schemas?: Schemas;
}): ChangeRequestRehearsal {
  if (!input.stable) {
    return {
      ok: false,
      problems: [`${input.serviceSlug} has no release yet, so there is nothing a rollback could go back to.`],
      checked: 0,
      targetReleaseId: null,
      targets: [],
    };
  }
  const stable = input.stable;
  const problems: string[] = [];
  const targets: string[] = [];
  for (const change of input.changes) {
    const name = isComponentKind(change.kind) ? kindInfo(change.kind).label : change.kind;
    const live = stable.components[change.kind];
    if (!change.from) {
      problems.push(`${name} has no previous version: the service ran no ${change.kind} version when revision ${input.revision} was proposed, so a rollback could not restore one.`);
      continue;
    }
    if (!live) {
      problems.push(`${name} ${change.from.label} is not in the stable release ${stable.releaseId} any more, so a rollback could not restore it.`);
      continue;
    }
    if (live.versionId !== change.from.versionId) {
      problems.push(
        `The live ${change.kind} is now ${live.label}, not ${change.from.label} that revision ${input.revision} was proposed against: a rollback would restore ${live.label}. Submit a new revision on top of ${live.label}.`,
      );
      continue;
    }
    targets.push(`${name} → ${live.label}`);
  }
  const bundle: Partial<Record<string, string>> = {};
  for (const [kind, version] of Object.entries(stable.components)) if (version) bundle[kind] = version.versionId;
  const bundleCheck = rehearseRollback({ serviceId: input.serviceId, targetComponents: bundle, versions: input.versions, kinds: input.kinds, schemas: input.schemas });
  problems.push(...bundleCheck.problems.map((p) => `In ${stable.releaseId}, ${p.charAt(0).toLowerCase()}${p.slice(1)}`));
  return { ok: problems.length === 0, problems, checked: bundleCheck.checked, targetReleaseId: stable.releaseId, targets };
}
