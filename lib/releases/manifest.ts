import { COMPONENT_KINDS, kindInfo, type ComponentKind } from "@/lib/components/kinds";

/**
 * The release-manifest core (SPEC §2): release ids, what a component or bundle rollback would
 * write, and where a manifest's versions came from. Pure: data in, data out, no clock, no I/O.
 * The rehearsal lives beside it in ./rehearsal.
 */

/** A bundle: the version id of each component kind. */
export type Bundle = Record<ComponentKind, string>;

/** One component of a manifest as the rollback rules need it. */
export interface CurrentComponent {
  versionId: string;
  label: string;
  rollbackTargetVersionId: string | null;
}

/** A version of the component being rolled back (the service's versions of that kind). */
export interface VersionOfKind {
  id: string;
  label: string;
  parentId: string | null;
}

const HEX4 = /^[0-9a-f]{4}$/;

/** `rel_<yyyymmdd>_<hhmm>_<4 hex>`, the time in UTC. The caller retries with new hex on a collision. */
export function releaseId(now: Date, random4hex: string): string {
  if (Number.isNaN(now.getTime())) throw new RangeError("releaseId needs a valid time.");
  if (!HEX4.test(random4hex)) throw new RangeError(`releaseId needs 4 lowercase hex characters, not "${random4hex}".`);
  const iso = now.toISOString();
  return `rel_${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}_${iso.slice(11, 13)}${iso.slice(14, 16)}_${random4hex}`;
}

export const RELEASE_ID_PATTERN = /^rel_\d{8}_\d{4}_[0-9a-f]{4}$/;

export type Plan<T> = ({ ok: true } & T) | { ok: false; reason: string };

export interface ComponentRollbackPlan {
  bundle: Bundle;
  from: { versionId: string; label: string };
  to: { versionId: string; label: string };
}

/**
 * A component rollback: the current bundle with ONLY `kind` changed — to its rollback target by
 * default, or to `toVersionId` when that is a previous version of the component: an ancestor of
 * the running version (via parentId), or a version that ran in an earlier stable release of the
 * service (`liveBefore`). Anything else would be a roll-forward that skips review, so it is
 * refused with the reason.
 */
export function componentRollbackPlan(input: {
  current: Partial<Record<ComponentKind, CurrentComponent>>;
  kind: ComponentKind;
  toVersionId?: string;
  /** Every version of `kind` in this service. */
  versionsOfKind: readonly VersionOfKind[];
  /** Version ids of `kind` that served in earlier stable releases of this service. */
  liveBefore?: readonly string[];
}): Plan<ComponentRollbackPlan> {
  const { current, kind, toVersionId, versionsOfKind } = input;
  const name = kindInfo(kind).label;
  const running = current[kind];
  if (!running) return { ok: false, reason: `The release has no ${kind} component to roll back.` };

  const targetId = toVersionId ?? running.rollbackTargetVersionId;
  if (!targetId) {
    return { ok: false, reason: `${name} ${running.label} has no previous version to roll back to; choose a version or roll back the whole bundle.` };
  }
  const target = versionsOfKind.find((v) => v.id === targetId);
  if (!target) return { ok: false, reason: `That version is not a ${kind} version of this service.` };
  if (target.id === running.versionId) return { ok: false, reason: `${name} already runs ${running.label}; there is nothing to roll back.` };

  if (toVersionId !== undefined) {
    const previous = previousVersions({ running, versionsOfKind, liveBefore: input.liveBefore ?? [] });
    if (!previous.some((v) => v.id === target.id)) {
      const offer = previous.slice(0, 5).map((v) => v.label);
      const hint = offer.length ? ` Previous versions: ${offer.join(", ")}.` : " It has no previous version.";
      return { ok: false, reason: `${target.label} is not a previous version of ${kind} (it runs ${running.label}).${hint}` };
    }
  }

  const bundle = {} as Bundle;
  for (const k of COMPONENT_KINDS) {
    const c = current[k];
    if (c) bundle[k] = c.versionId;
  }
  bundle[kind] = target.id;
  return { ok: true, bundle, from: { versionId: running.versionId, label: running.label }, to: { versionId: target.id, label: target.label } };
}

/**
 * The versions a component may be rolled back to, nearest first: its rollback target, then its
 * ancestors (parent, grandparent, …), then any other version that served in an earlier stable
 * release. Never the running version itself.
 */
export function previousVersions(input: {
  running: CurrentComponent;
  versionsOfKind: readonly VersionOfKind[];
  liveBefore: readonly string[];
}): VersionOfKind[] {
  const byId = new Map(input.versionsOfKind.map((v) => [v.id, v]));
  const out: VersionOfKind[] = [];
  const add = (id: string | null | undefined) => {
    const v = id ? byId.get(id) : undefined;
    if (v && v.id !== input.running.versionId && !out.includes(v)) out.push(v);
  };
  add(input.running.rollbackTargetVersionId);
  // A corrupt parent chain with a cycle must not hang: each version is visited once.
  const seen = new Set<string>([input.running.versionId]);
  let parentId = byId.get(input.running.versionId)?.parentId ?? null;
  while (parentId && !seen.has(parentId)) {
    seen.add(parentId);
    add(parentId);
    parentId = byId.get(parentId)?.parentId ?? null;
  }
  for (const id of input.liveBefore) add(id);
  return out;
}

/** A manifest as the bundle-rollback rules see it. */
export interface ManifestRef {
  id: string;
  serviceId: string;
  createdAt: Date;
  components: readonly { kind: string; versionId: string }[];
}

/**
 * A bundle rollback: the target manifest's bundle, if the target is an earlier release of the
 * same service — or the stable release itself while a canary is active (which clears the canary).
 * A release newer than the stable one would be a roll-forward and is refused.
 */
export function bundleRollbackPlan(input: {
  target: ManifestRef;
  serviceId: string;
  stable: { id: string; createdAt: Date; bundle?: Partial<Bundle> };
  canaryReleaseId: string | null;
}): Plan<{ bundle: Partial<Bundle> }> {
  const { target, stable } = input;
  if (target.serviceId !== input.serviceId) {
    return { ok: false, reason: `${target.id} is a release of another service; a bundle rollback stays within its service.` };
  }
  if (target.id === stable.id && !input.canaryReleaseId) {
    return { ok: false, reason: `${target.id} is already the stable release and no canary is running; there is nothing to roll back.` };
  }
  if (target.id !== stable.id && target.createdAt.getTime() >= stable.createdAt.getTime()) {
    return {
      ok: false,
      reason: `${target.id} is not earlier than the stable release ${stable.id}; a bundle rollback goes back to an earlier release.`,
    };
  }
  const bundle: Partial<Bundle> = {};
  for (const c of target.components) {
    if ((COMPONENT_KINDS as readonly string[]).includes(c.kind)) bundle[c.kind as ComponentKind] = c.versionId;
  }
  if (!input.canaryReleaseId && stable.bundle && sameBundle(bundle, stable.bundle)) {
    return { ok: false, reason: `The stable release ${stable.id} already runs the same versions as ${target.id}; there is nothing to roll back.` };
  }
  return { ok: true, bundle };
}

/** A manifest in the service's history, newest first, as the provenance walk needs it. */
export interface HistoryManifest {
  id: string;
  kind: string;
  canaryPercent: number;
  changeRequestId: string | null;
  replacesReleaseId: string | null;
  components: readonly { kind: string; versionId: string }[];
}

/**
 * The change request that brought `kind`'s version in `fromReleaseId` into the releases: walk
 * back the releases it replaced while the kind keeps that version, and take the change request
 * of the earliest one — when that one is a deploy or promotion. A version that came back by a
 * rollback, or was there from the start, has no change request to blame.
 */
export function introducingChangeRequest(history: readonly HistoryManifest[], fromReleaseId: string, kind: ComponentKind): string | null {
  const byId = new Map(history.map((m) => [m.id, m]));
  let current = byId.get(fromReleaseId);
  const versionId = current?.components.find((c) => c.kind === kind)?.versionId;
  if (!current || !versionId) return null;
  const seen = new Set([current.id]);
  while (current.replacesReleaseId && !seen.has(current.replacesReleaseId)) {
    const previous = byId.get(current.replacesReleaseId);
    if (!previous || previous.components.find((c) => c.kind === kind)?.versionId !== versionId) break;
    seen.add(previous.id);
    current = previous;
  }
  return current.kind === "deploy" || current.kind === "promotion" ? current.changeRequestId : null;
}

/** Version ids of `kind` that served in stable releases (100%) of the history, other than `exceptReleaseId`. */
export function versionsLiveBefore(history: readonly HistoryManifest[], kind: ComponentKind, exceptReleaseId: string): string[] {
  const out: string[] = [];
  for (const m of history) {
    if (m.id === exceptReleaseId || m.canaryPercent < 100) continue;
    const v = m.components.find((c) => c.kind === kind)?.versionId;
    if (v && !out.includes(v)) out.push(v);
  }
  return out;
}

/** True when two bundles carry the same version of every kind. */
export function sameBundle(a: Partial<Bundle>, b: Partial<Bundle>): boolean {
  return COMPONENT_KINDS.every((k) => a[k] === b[k]);
}

/** Rollback time recorded for the KPI: the click, clamped so a forged or skewed client clock cannot fake it. */
export const MAX_CLICK_AGE_MS = 10 * 60_000;

/** Clamps a client-reported click time into [now − maxAgeMs, now]; an invalid or missing one is `now`. */
export function clampClickedAt(clickedAt: Date | undefined, now: Date, maxAgeMs = MAX_CLICK_AGE_MS): Date {
  if (!clickedAt || Number.isNaN(clickedAt.getTime())) return now;
  const t = Math.min(now.getTime(), Math.max(now.getTime() - maxAgeMs, clickedAt.getTime()));
  return new Date(t);
}

export { rehearseRollback, type RehearsalResult, type RehearsalVersion } from "./rehearsal";
