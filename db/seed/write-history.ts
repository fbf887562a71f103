import { randomUUID } from "node:crypto";
import {
  activePointers,
  componentVersions,
  releaseManifestComponents,
  releaseManifests,
  rollbacks,
  services,
  tenants,
} from "@/db/schema";
import { contentHash } from "@/lib/components/content-hash";
import { COMPONENT_KINDS, type ComponentKind } from "@/lib/components/kinds";
import { type ManifestComponent, rollbackTargets } from "@/lib/releases/rollback-targets";
import { componentContentSchemas } from "@/lib/components/schemas";
import { releaseIdFor } from "./clock";
import { personOf, type SeedContext, type ServiceIds, userActor, userLabel, versionId } from "./context";
import { Prng } from "./prng";
import type { ReleaseSpec, ServiceScenario } from "./types";

/** Writes the service, its tenants and its component version history. */
export async function writeServiceAndVersions(ctx: SeedContext, scenario: ServiceScenario) {
  const [service] = await ctx.tx
    .insert(services)
    .values({
      slug: scenario.slug,
      name: scenario.name,
      description: scenario.description,
      owners: scenario.owners,
      timeZone: scenario.timeZone,
      settings: scenario.settings,
      createdAt: scenario.createdAt,
    })
    .returning({ id: services.id });
  const serviceId = service!.id;
  await ctx.tx.insert(tenants).values(scenario.tenants.map((t) => ({ serviceId, ...t, createdAt: scenario.createdAt })));

  const versionIds = new Map<string, string>();
  const lastOfKind = new Map<string, string>();
  const rows = scenario.versions.map((v) => {
    // A seeded version that the app would refuse is a bug in the demo: fail loudly.
    const parsed = componentContentSchemas[v.kind].safeParse(v.content);
    if (!parsed.success) throw new Error(`Demo ${v.kind} version ${v.label} is not valid: ${parsed.error.message}`);
    // Store what the app would store: the parsed content (defaults filled in).
    const content = parsed.data as Record<string, unknown>;
    const id = randomUUID();
    const parentLabel = v.parent === undefined ? lastOfKind.get(v.kind) : v.parent;
    const parentId = parentLabel ? versionIds.get(`${v.kind}:${parentLabel}`) : undefined;
    if (parentLabel && !parentId) throw new Error(`Demo version ${v.label} names unknown parent ${parentLabel}`);
    versionIds.set(`${v.kind}:${v.label}`, id);
    lastOfKind.set(v.kind, v.label);
    return {
      id,
      serviceId,
      kind: v.kind,
      label: v.label,
      content,
      contentHash: contentHash(content),
      parentId: parentId ?? null,
      authorId: personOf(ctx, v.author).id,
      notes: v.notes,
      createdAt: v.at,
    };
  });
  await ctx.tx.insert(componentVersions).values(rows);
  for (const row of rows) {
    ctx.audit.push({
      at: row.createdAt,
      actor: userActor(ctx, scenario.versions.find((v) => v.label === row.label && v.kind === row.kind)!.author),
      input: {
        action: "component_version.created",
        targetType: "component_version",
        targetId: row.id,
        serviceId,
        after: { kind: row.kind, label: row.label, contentHash: row.contentHash, parentId: row.parentId },
        reason: row.notes,
      },
    });
  }
  return { serviceId, versionIds };
}

export type WrittenRelease = ReleaseSpec & { id: string };

/**
 * Writes the manifest chain (each with all five components and their rollback targets), the
 * rollbacks, and the active pointer at the last stable release.
 */
export async function writeReleases(ctx: SeedContext, scenario: ServiceScenario, ids: ServiceIds): Promise<WrittenRelease[]> {
  const rng = new Prng(`changegate-demo:${scenario.slug}:releases`);
  const written: WrittenRelease[] = [];
  let pointerChanges = 0;
  let previousComponents: Record<ComponentKind, ManifestComponent> | null = null;
  const history: Record<ComponentKind, ManifestComponent>[] = [];
  for (const spec of scenario.releases) {
    const id = releaseIdFor(spec.at, rng.hex(4));
    const replaced = written.at(-1);
    const actor = personOf(ctx, spec.actor);
    const changeRequestId = spec.changeRequest ? ids.changeRequestIds.get(spec.changeRequest) : undefined;
    if (spec.changeRequest && !changeRequestId) throw new Error(`Release names unknown change request ${spec.changeRequest}`);
    await ctx.tx.insert(releaseManifests).values({
      id,
      serviceId: ids.serviceId,
      kind: spec.kind,
      canaryPercent: spec.canaryPercent,
      targetTenants: spec.targetTenants ?? [],
      changeRequestId: changeRequestId ?? null,
      replacesReleaseId: replaced?.id ?? null,
      actorType: "user",
      actorId: actor.id,
      actorLabel: userLabel(actor),
      reason: spec.reason,
      createdAt: spec.at,
    });
    const components: Record<ComponentKind, ManifestComponent> = rollbackTargets(
      previousComponents,
      Object.fromEntries(COMPONENT_KINDS.map((kind) => [kind, versionId(ids, kind, spec.bundle[kind])])) as Record<
        ComponentKind,
        string
      >,
      [...history].reverse().slice(1),
    );
    history.push(components);
    previousComponents = components;
    await ctx.tx.insert(releaseManifestComponents).values(
      COMPONENT_KINDS.map((kind) => ({ releaseId: id, kind, ...components[kind] })),
    );
    pointerChanges += 1;
    ctx.audit.push({
      at: spec.at,
      actor: userActor(ctx, spec.actor),
      input: {
        action: "release.created",
        targetType: "release",
        targetId: id,
        serviceId: ids.serviceId,
        after: { kind: spec.kind, canaryPercent: spec.canaryPercent, bundle: spec.bundle, replacesReleaseId: replaced?.id ?? null },
        reason: spec.reason,
      },
    });
    for (const stage of spec.canaryStages ?? []) {
      pointerChanges += 1;
      ctx.audit.push({
        at: stage.at,
        actor: userActor(ctx, spec.actor),
        input: {
          action: "release.canary_advanced",
          targetType: "release",
          targetId: id,
          serviceId: ids.serviceId,
          before: { canaryPercent: spec.canaryPercent },
          after: { canaryPercent: stage.percent },
          reason: `Stage ${spec.canaryPercent}% passed; advanced to ${stage.percent}%.`,
        },
      });
    }
    if (spec.rollback && replaced) await writeRollback(ctx, ids, spec, id, replaced, changeRequestId ?? null);
    written.push({ ...spec, id });
  }

  const stable = written.filter((r) => r.canaryPercent >= 100).at(-1);
  const last = written.at(-1);
  if (!stable || !last) throw new Error(`Demo service ${scenario.slug} has no stable release`);
  await ctx.tx.insert(activePointers).values({
    serviceId: ids.serviceId,
    stableReleaseId: stable.id,
    canaryReleaseId: null,
    canaryPercent: 0,
    canaryTenants: [],
    revision: pointerChanges,
    updatedAt: last.at,
    updatedBy: userLabel(personOf(ctx, last.actor)),
  });
  return written;
}

async function writeRollback(
  ctx: SeedContext,
  ids: ServiceIds,
  spec: ReleaseSpec,
  toReleaseId: string,
  from: WrittenRelease,
  changeRequestId: string | null,
) {
  const r = spec.rollback!;
  const actor = personOf(ctx, r.actor);
  const [row] = await ctx.tx
    .insert(rollbacks)
    .values({
      serviceId: ids.serviceId,
      changeRequestId,
      scope: r.scope,
      kind: r.kind ?? null,
      fromReleaseId: from.id,
      toReleaseId,
      reason: r.reason,
      causeTag: r.causeTag ?? null,
      taggedById: r.taggedBy ? personOf(ctx, r.taggedBy).id : null,
      taggedAt: r.taggedAt ?? null,
      actorId: actor.id,
      actorLabel: userLabel(actor),
      clickedAt: r.clickedAt,
      firstAlarmAt: r.firstAlarmAt,
      flippedAt: r.flippedAt,
    })
    .returning({ id: rollbacks.id });
  ctx.audit.push({
    at: r.flippedAt,
    actor: userActor(ctx, r.actor),
    input: {
      action: "release.rolled_back",
      targetType: "rollback",
      targetId: row!.id,
      serviceId: ids.serviceId,
      before: { releaseId: from.id, [r.kind ?? "bundle"]: r.kind ? from.bundle[r.kind] : from.id },
      after: { releaseId: toReleaseId, [r.kind ?? "bundle"]: r.kind ? spec.bundle[r.kind] : toReleaseId },
      reason: r.reason,
    },
  });
  if (r.causeTag && r.taggedBy && r.taggedAt) {
    ctx.audit.push({
      at: r.taggedAt,
      actor: userActor(ctx, r.taggedBy),
      input: {
        action: "rollback.tagged",
        targetType: "rollback",
        targetId: row!.id,
        serviceId: ids.serviceId,
        before: { causeTag: null },
        after: { causeTag: r.causeTag },
      },
    });
  }
}
