import type { ComponentKind } from "@/lib/components/kinds";

/** One component of a release manifest: the version it runs and the version it would roll back to. */
export interface ManifestComponent {
  versionId: string;
  rollbackTargetVersionId: string | null;
}

/**
 * Rollback targets for a new manifest (SPEC §2: "the previous version of each component").
 * A component that changes rolls back to the version it replaces; one that stays the same keeps
 * the target it already had, so "previous version" always means the version before the current one.
 */
export function rollbackTargets(
  previous: Partial<Record<ComponentKind, ManifestComponent>> | null,
  next: Record<ComponentKind, string>,
): Record<ComponentKind, ManifestComponent> {
  const out = {} as Record<ComponentKind, ManifestComponent>;
  for (const kind of Object.keys(next) as ComponentKind[]) {
    const before = previous?.[kind];
    const versionId = next[kind];
    out[kind] = {
      versionId,
      rollbackTargetVersionId: !before
        ? null
        : before.versionId !== versionId
          ? before.versionId
          : before.rollbackTargetVersionId,
    };
  }
  return out;
}
