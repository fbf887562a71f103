import type { ComponentBundle, ServiceSnapshot } from "../runtime/resolve";

/**
 * Checks that a JSON value from the network is a snapshot resolve() can use: a truncated body or
 * a proxy's error page must never replace the last known good snapshot.
 */

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function isBundle(v: unknown): v is ComponentBundle {
  if (!isObject(v)) return false;
  return Object.values(v).every((c) => isObject(c) && typeof c.version === "string" && typeof c.hash === "string" && isObject(c.content));
}

export function isServiceSnapshot(v: unknown): v is ServiceSnapshot {
  if (!isObject(v)) return false;
  if (typeof v.service !== "string" || typeof v.serviceId !== "string" || typeof v.etag !== "string") return false;
  if (typeof v.pointerRevision !== "number" || !Number.isFinite(v.pointerRevision)) return false;
  const { stable, canary } = v;
  if (!isObject(stable) || typeof stable.releaseId !== "string" || !isBundle(stable.components)) return false;
  if (canary === null) return true;
  return (
    isObject(canary) &&
    typeof canary.releaseId === "string" &&
    typeof canary.percent === "number" &&
    Array.isArray(canary.tenants) &&
    canary.tenants.every((t) => typeof t === "string") &&
    isBundle(canary.components)
  );
}

/**
 * Whether `next` should replace `held`: a newer pointer revision (the stream and a poll may
 * answer out of order, so an older one is ignored), or another service id (the database was
 * rebuilt and revisions started again).
 */
export function supersedes(next: ServiceSnapshot, held: ServiceSnapshot | null): boolean {
  if (!held) return true;
  if (next.serviceId !== held.serviceId) return true;
  return next.pointerRevision > held.pointerRevision || (next.pointerRevision === held.pointerRevision && next.etag !== held.etag);
}
