import "server-only";
import { randomBytes } from "node:crypto";
import { and, desc, eq, inArray } from "drizzle-orm";
import type { Tx } from "@/db/client";
import {
  activePointers,
  componentVersions,
  releaseManifestComponents,
  releaseManifests,
  rollbacks,
  type ActivePointer,
  type ReleaseManifest,
} from "@/db/schema";
import { COMPONENT_KINDS, isComponentKind, type ComponentKind } from "@/lib/components/kinds";
import { AppError } from "@/lib/errors";
import { notifyPointerChanged } from "@/lib/runtime/notify";
import { auditActorFor, hhmm, personName, type ReleaseActor } from "./actor";
import { releaseId, type Bundle, type CurrentComponent } from "./manifest";
import { rollbackTargets, type ManifestComponent } from "./rollback-targets";

/**
 * The data side of releases shared by the release commands: the active pointer (locked, then
 * swapped by compare-and-swap on its revision), the manifest history and manifest writes.
 * Everything here runs inside the caller's transaction.
 */

/** Locks the service's pointer row: every pointer change of the service serialises here. */
export async function lockPointer(tx: Tx, serviceId: string): Promise<ActivePointer> {
  const [pointer] = await tx.select().from(activePointers).where(eq(activePointers.serviceId, serviceId)).for("update");
  if (!pointer) throw new AppError("rule_refused", "This service has no release yet, so there is nothing to roll out from or back to.");
  return pointer;
}

/** Refuses a click from a page that showed an older pointer, naming who changed it and when. */
export async function assertPointerRevision(tx: Tx, pointer: ActivePointer, expected: number | undefined): Promise<void> {
  if (expected === undefined || expected === pointer.revision) return;
  throw await pointerConflict(tx, pointer, expected);
}

async function pointerConflict(tx: Tx, pointer: ActivePointer, expected: number | undefined): Promise<AppError> {
  const [last] = await tx
    .select()
    .from(rollbacks)
    .where(eq(rollbacks.serviceId, pointer.serviceId))
    .orderBy(desc(rollbacks.flippedAt))
    .limit(1);
  const byRollback =
    last &&
    last.flippedAt.getTime() === pointer.updatedAt.getTime() &&
    (last.toReleaseId === pointer.stableReleaseId || last.toReleaseId === pointer.canaryReleaseId);
  if (byRollback) {
    return new AppError(
      "conflict",
      `Already rolled back by ${personName(last.actorLabel)} at ${hhmm(last.flippedAt)} (release ${last.toReleaseId}). Reload to see what runs now.`,
    );
  }
  const seen = expected === undefined ? "" : `, your page showed revision ${expected}`;
  return new AppError(
    "conflict",
    `The release pointer changed at ${hhmm(pointer.updatedAt)} by ${personName(pointer.updatedBy)} (now revision ${pointer.revision}${seen}); reload and try again.`,
  );
}

/**
 * The compare-and-swap: `revision = revision + 1 where revision = <the one read>`. Zero rows means
 * someone else changed the pointer in between; the caller's transaction is abandoned with a
 * conflict naming them. Announces the change (delivered on commit).
 */
export async function swapPointer(
  tx: Tx,
  input: {
    pointer: ActivePointer;
    set: { stableReleaseId?: string; canaryReleaseId: string | null; canaryPercent: number; canaryTenants: string[] };
    actor: ReleaseActor;
    at: Date;
  },
): Promise<ActivePointer> {
  const { pointer } = input;
  const [swapped] = await tx
    .update(activePointers)
    .set({ ...input.set, revision: pointer.revision + 1, updatedAt: input.at, updatedBy: auditActorFor(input.actor).label })
    .where(and(eq(activePointers.serviceId, pointer.serviceId), eq(activePointers.revision, pointer.revision)))
    .returning();
  if (!swapped) {
    const [now] = await tx.select().from(activePointers).where(eq(activePointers.serviceId, pointer.serviceId));
    throw await pointerConflict(tx, now ?? pointer, pointer.revision);
  }
  await notifyPointerChanged(tx, pointer.serviceId);
  return swapped;
}

export interface StoredComponent {
  kind: ComponentKind;
  versionId: string;
  label: string;
  rollbackTargetVersionId: string | null;
}

export type StoredManifest = ReleaseManifest & { components: StoredComponent[] };

/** How far back the history reaches for rollback targets and "previously live" versions. */
const HISTORY_LIMIT = 500;

/** The service's manifests with their components, newest first (plus `mustInclude`, wherever they are). */
export async function loadHistory(tx: Tx, serviceId: string, mustInclude: (string | null)[] = []): Promise<StoredManifest[]> {
  const manifests = await tx
    .select()
    .from(releaseManifests)
    .where(eq(releaseManifests.serviceId, serviceId))
    .orderBy(desc(releaseManifests.createdAt), desc(releaseManifests.id))
    .limit(HISTORY_LIMIT);
  const missing = mustInclude.filter((id): id is string => !!id && !manifests.some((m) => m.id === id));
  if (missing.length) {
    manifests.push(...(await tx.select().from(releaseManifests).where(inArray(releaseManifests.id, missing))));
  }
  const ids = manifests.map((m) => m.id);
  const rows = ids.length
    ? await tx
        .select({
          releaseId: releaseManifestComponents.releaseId,
          kind: releaseManifestComponents.kind,
          versionId: releaseManifestComponents.versionId,
          rollbackTargetVersionId: releaseManifestComponents.rollbackTargetVersionId,
          label: componentVersions.label,
        })
        .from(releaseManifestComponents)
        .innerJoin(componentVersions, eq(componentVersions.id, releaseManifestComponents.versionId))
        .where(inArray(releaseManifestComponents.releaseId, ids))
    : [];
  const byRelease = new Map<string, StoredComponent[]>();
  for (const { releaseId: rid, kind, ...c } of rows) {
    if (!isComponentKind(kind)) continue;
    (byRelease.get(rid) ?? byRelease.set(rid, []).get(rid)!).push({ kind, ...c });
  }
  return manifests.map((m) => ({ ...m, components: byRelease.get(m.id) ?? [] }));
}

export function findManifest(history: readonly StoredManifest[], id: string): StoredManifest {
  const m = history.find((h) => h.id === id);
  if (!m) throw new Error(`Release ${id} is missing from the loaded history`);
  return m;
}

/** kind → component, as the pure rollback rules take it. */
export function componentsByKind(m: StoredManifest): Partial<Record<ComponentKind, CurrentComponent>> {
  return Object.fromEntries(m.components.map((c) => [c.kind, c]));
}

export function bundleOf(m: StoredManifest): Partial<Bundle> {
  return Object.fromEntries(m.components.map((c) => [c.kind, c.versionId]));
}

function targetsOf(m: StoredManifest): Partial<Record<ComponentKind, ManifestComponent>> {
  return Object.fromEntries(m.components.map((c) => [c.kind, { versionId: c.versionId, rollbackTargetVersionId: c.rollbackTargetVersionId }]));
}

/**
 * Writes one immutable manifest: a fresh release id (a new random suffix on the rare collision),
 * the bundle with rollback targets computed from the release it replaces and the history, and
 * its components. Returns it as stored.
 */
export async function insertManifest(
  tx: Tx,
  input: {
    serviceId: string;
    kind: ReleaseManifest["kind"];
    canaryPercent: number;
    targetTenants: string[];
    changeRequestId: string | null;
    replaces: StoredManifest;
    bundle: Bundle;
    history: readonly StoredManifest[];
    actor: ReleaseActor;
    reason: string;
    now: Date;
  },
): Promise<StoredManifest> {
  const absent = COMPONENT_KINDS.filter((k) => !input.bundle[k]);
  if (absent.length) {
    throw new AppError("rule_refused", `A release needs a version of every component; this one would have no ${absent.join(", ")}.`);
  }
  const components = rollbackTargets(
    targetsOf(input.replaces),
    input.bundle,
    input.history.filter((m) => m.id !== input.replaces.id).map(targetsOf),
  );
  const actor = auditActorFor(input.actor);
  let manifest: ReleaseManifest | undefined;
  for (let attempt = 0; attempt < 8 && !manifest; attempt += 1) {
    [manifest] = await tx
      .insert(releaseManifests)
      .values({
        id: releaseId(input.now, randomBytes(2).toString("hex")),
        serviceId: input.serviceId,
        kind: input.kind,
        canaryPercent: input.canaryPercent,
        targetTenants: input.targetTenants,
        changeRequestId: input.changeRequestId,
        replacesReleaseId: input.replaces.id,
        actorType: actor.type,
        actorId: actor.id,
        actorLabel: actor.label,
        reason: input.reason,
        createdAt: input.now,
      })
      .onConflictDoNothing({ target: releaseManifests.id })
      .returning();
  }
  if (!manifest) throw new Error("Could not find a free release id in 8 attempts");
  await tx.insert(releaseManifestComponents).values(COMPONENT_KINDS.map((kind) => ({ releaseId: manifest.id, kind, ...components[kind] })));

  const labels = new Map<string, string>();
  for (const m of [input.replaces, ...input.history]) for (const c of m.components) labels.set(c.versionId, c.label);
  const missing = COMPONENT_KINDS.map((k) => components[k].versionId).filter((id) => !labels.has(id));
  if (missing.length) {
    const rows = await tx.select({ id: componentVersions.id, label: componentVersions.label }).from(componentVersions).where(inArray(componentVersions.id, missing));
    for (const r of rows) labels.set(r.id, r.label);
  }
  return {
    ...manifest,
    components: COMPONENT_KINDS.map((kind) => ({ kind, ...components[kind], label: labels.get(components[kind].versionId) ?? "" })),
  };
}

/** "policy sec-v12 → sec-v13, prompt assist-v8.1.0 → assist-v8.2.0": what changed between two manifests. */
export function describeChanges(from: StoredManifest, to: StoredManifest): string {
  const parts: string[] = [];
  for (const kind of COMPONENT_KINDS) {
    const a = from.components.find((c) => c.kind === kind);
    const b = to.components.find((c) => c.kind === kind);
    if (a?.versionId !== b?.versionId) parts.push(`${kind} ${a?.label ?? "(none)"} → ${b?.label ?? "(none)"}`);
  }
  return parts.join(", ") || "no component changes";
}
