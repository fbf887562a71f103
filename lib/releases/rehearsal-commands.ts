import "server-only";
import { eq } from "drizzle-orm";
import type { Tx } from "@/db/client";
import { activePointers } from "@/db/schema";
import { COMPONENT_KINDS, kindInfo, type ComponentKind } from "@/lib/components/kinds";
import { AppError } from "@/lib/errors";
import { explainForeignVersion, rehearsalVersions, releaseOfService, serviceRow, versionsOfKind } from "./lookups";
import { componentRollbackPlan, versionsLiveBefore, type Bundle } from "./manifest";
import { bundleOf, componentsByKind, findManifest, loadHistory, type StoredManifest } from "./pointer";
import { rehearseRollback, type RehearsalResult } from "./rehearsal";

export interface RehearsalFor extends RehearsalResult {
  /** What was rehearsed: the bundle the rollback would serve, and the release it derives from. */
  target: {
    description: string;
    basedOnReleaseId: string | null;
    components: { kind: string; versionId: string; label: string | null }[];
  };
}

/**
 * Rehearses a rollback without changing anything: for `kind`, the bundle the operator sees with
 * that component reverted (to `toVersionId` or its rollback target); for `toReleaseId`, that
 * release; with neither, the release a rollback would go back to (the stable while a canary
 * runs, else the release the stable replaced).
 */
export async function rehearseRollbackFor(
  tx: Tx,
  input: { serviceId: string; kind?: ComponentKind; toVersionId?: string; toReleaseId?: string },
): Promise<RehearsalFor> {
  const service = await serviceRow(tx, input.serviceId);
  const [pointer] = await tx.select().from(activePointers).where(eq(activePointers.serviceId, service.id));
  if (!pointer) throw new AppError("rule_refused", "This service has no release yet, so there is nothing to roll back to.");
  if (input.toReleaseId) await releaseOfService(tx, service, input.toReleaseId);
  const history = await loadHistory(tx, service.id, [pointer.stableReleaseId, pointer.canaryReleaseId, input.toReleaseId ?? null]);
  const stable = findManifest(history, pointer.stableReleaseId);
  const canary = pointer.canaryReleaseId ? findManifest(history, pointer.canaryReleaseId) : null;

  let bundle: Partial<Bundle>;
  let basedOn: StoredManifest | null;
  let description: string;
  if (input.toReleaseId) {
    basedOn = findManifest(history, input.toReleaseId);
    bundle = bundleOf(basedOn);
    description = `the bundle of ${basedOn.id}`;
  } else if (input.kind) {
    const kind = input.kind;
    const versionIn = (m: StoredManifest) => m.components.find((c) => c.kind === kind)?.versionId;
    basedOn = canary && versionIn(canary) !== versionIn(stable) ? canary : stable;
    const versions = await versionsOfKind(tx, service.id, kind);
    if (input.toVersionId && !versions.some((v) => v.id === input.toVersionId)) {
      const refused = await explainForeignVersion(tx, service.slug, kind, input.toVersionId);
      return refusedRehearsal(refused.message, basedOn);
    }
    const plan = componentRollbackPlan({
      current: componentsByKind(basedOn),
      kind,
      toVersionId: input.toVersionId,
      versionsOfKind: versions,
      liveBefore: versionsLiveBefore(history, kind, basedOn.id),
    });
    if (!plan.ok) return refusedRehearsal(plan.reason, basedOn);
    bundle = plan.bundle;
    description = `${basedOn.id} with ${kindInfo(kind).label.toLowerCase()} rolled back to ${plan.to.label}`;
  } else {
    basedOn = canary ? stable : stable.replacesReleaseId ? (history.find((m) => m.id === stable.replacesReleaseId) ?? null) : null;
    if (!basedOn) return refusedRehearsal(`${stable.id} replaced no earlier release; there is nothing to roll back to.`, null);
    bundle = bundleOf(basedOn);
    description = `the bundle of ${basedOn.id}`;
  }

  const versions = await rehearsalVersions(tx, Object.values(bundle));
  const result = rehearseRollback({ serviceId: service.id, targetComponents: bundle, versions });
  return {
    ...result,
    target: {
      description,
      basedOnReleaseId: basedOn.id,
      components: COMPONENT_KINDS.flatMap((kind) => {
        const versionId = bundle[kind];
        return versionId ? [{ kind, versionId, label: versions.get(versionId)?.label ?? null }] : [];
      }),
    },
  };
}

function refusedRehearsal(problem: string, basedOn: StoredManifest | null): RehearsalFor {
  return { ok: false, problems: [problem], checked: 0, target: { description: "no rollback target", basedOnReleaseId: basedOn?.id ?? null, components: [] } };
}
