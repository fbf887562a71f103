import { assignArm, type Arm } from "./bucketing";

/**
 * The runtime contract (SPEC §2): what a service's snapshot holds and how a (subject, tenant)
 * resolves against it. Pure, so the server and the TypeScript SDK resolve alike.
 */

export interface RuntimeComponent {
  /** The version's label, e.g. "assist-v8.1.0". */
  version: string;
  versionId: string;
  /** sha-256 (hex) of the canonical JSON of `content`. */
  hash: string;
  content: Record<string, unknown>;
}

/** Component kind ("prompt", "policy", …) → the version the release carries. */
export type ComponentBundle = Record<string, RuntimeComponent>;

export interface ServiceSnapshot {
  /** The service's slug. */
  service: string;
  serviceId: string;
  /** The active pointer's revision: it grows with every change of the pointer. */
  pointerRevision: number;
  /** When the pointer last changed (ISO 8601). */
  updatedAt: string;
  stable: { releaseId: string; components: ComponentBundle };
  canary: null | { releaseId: string; percent: number; tenants: string[]; components: ComponentBundle };
  /** Strong ETag (quoted) naming this exact pointer state. */
  etag: string;
}

export interface ResolvedConfig {
  releaseId: string;
  arm: Arm;
  pointerRevision: number;
  components: ComponentBundle;
}

export interface Subject {
  subject: string;
  tenant?: string | null;
}

/** Which arm a subject of a tenant is in under this snapshot. */
export function armFor(snapshot: Pick<ServiceSnapshot, "service" | "canary">, who: Subject): Arm {
  const { canary } = snapshot;
  if (!canary) return "stable";
  return assignArm({
    service: snapshot.service,
    canaryReleaseId: canary.releaseId,
    canaryPercent: canary.percent,
    canaryTenants: canary.tenants,
    subject: who.subject,
    tenant: who.tenant,
  });
}

/** The release and components a subject of a tenant gets under this snapshot. */
export function resolveConfig(snapshot: ServiceSnapshot, who: Subject): ResolvedConfig {
  const arm = armFor(snapshot, who);
  const release = arm === "canary" && snapshot.canary ? snapshot.canary : snapshot.stable;
  return { releaseId: release.releaseId, arm, pointerRevision: snapshot.pointerRevision, components: release.components };
}

/**
 * Whether an If-None-Match header names `etag` (RFC 9110 §13.1.2: weak comparison, a list of
 * tags, or "*").
 */
export function etagMatches(ifNoneMatch: string | null | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const header = ifNoneMatch.trim();
  if (header === "*") return true;
  const opaque = (tag: string) => (tag.startsWith("W/") ? tag.slice(2) : tag);
  const wanted = opaque(etag);
  return header.split(",").some((tag) => opaque(tag.trim()) === wanted);
}
