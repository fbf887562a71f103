import "server-only";
import type { Arm } from "./bucketing";
import type { ResolvedConfig, ServiceSnapshot } from "./resolve";
import { runtimeEtag } from "./snapshot";

/**
 * What the cache holds per service: the snapshot plus its answers prepared once — the JSON of the
 * snapshot and of each arm's configuration, with their ETags — so a request only picks one.
 */

export interface ConfigView {
  arm: Arm;
  releaseId: string;
  etag: string;
  /** The JSON answer, serialised once per snapshot rather than once per request. */
  body: string;
}

export interface CachedSnapshot {
  snapshot: ServiceSnapshot;
  /** JSON of `snapshot`. */
  body: string;
  configs: { stable: ConfigView; canary: ConfigView | null };
}

function configView(snapshot: ServiceSnapshot, arm: Arm, release: { releaseId: string; components: ResolvedConfig["components"] }): ConfigView {
  const answer: ResolvedConfig = { releaseId: release.releaseId, arm, pointerRevision: snapshot.pointerRevision, components: release.components };
  // The answer is fixed by these four (manifests are immutable), so they name it.
  const etag = runtimeEtag("cfg", [snapshot.serviceId, snapshot.pointerRevision, release.releaseId, arm]);
  return { arm, releaseId: release.releaseId, etag, body: JSON.stringify(answer) };
}

export function cachedSnapshotOf(snapshot: ServiceSnapshot): CachedSnapshot {
  return {
    snapshot,
    body: JSON.stringify(snapshot),
    configs: {
      stable: configView(snapshot, "stable", snapshot.stable),
      canary: snapshot.canary ? configView(snapshot, "canary", snapshot.canary) : null,
    },
  };
}

