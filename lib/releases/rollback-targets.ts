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
 * A component restored to a version it ran before (a rollback) takes back the target it had then:
 * after reverting policy sec-v13 → sec-v12, the next rollback goes to sec-v11, never to the
 * version that was just rolled back.
 *
 * `history` lists earlier manifests, newest first (the one before `previous` onwards).
 */
export function rollbackTargets(
  previous: Partial<Record<ComponentKind, ManifestComponent>> | null,
  next: Record<ComponentKind, string>,
  history: readonly Partial<Record<ComponentKind, ManifestComponent>>[] = [],
): Record<ComponentKind, ManifestComponent> {
  const out = {} as Record<ComponentKind, ManifestComponent>;
  for (const kind of Object.keys(next) as ComponentKind[]) {
    const before = previous?.[kind];
    const versionId = next[kind];
    let rollbackTargetVersionId: string | null;
    if (!before) rollbackTargetVersionId = null;
    else if (before.versionId === versionId) rollbackTargetVersionId = before.rollbackTargetVersionId;
    else {
      const restored = history.find((m) => m[kind]?.versionId === versionId)?.[kind];
      rollbackTargetVersionId = restored ? restored.rollbackTargetVersionId : before.versionId;
    }
    out[kind] = { versionId, rollbackTargetVersionId };
  }
  return out;
}
