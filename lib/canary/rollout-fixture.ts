import { and, eq } from "drizzle-orm";
import type { Tx } from "@/db/client";
import { activePointers, componentVersions, releaseManifestComponents, services, users } from "@/db/schema";
import { seedDemo } from "@/db/seed";
import { testDb } from "@/db/testing";
import type { Actor } from "@/lib/auth/session";
import { decideChangeRequest, lockChangeRequest, saveChangeRequest } from "@/lib/changes/commands";
import { recordOfflineEvidence } from "@/lib/changes/evidence-commands";
import type { ReleaseCommandContext } from "@/lib/releases/commands";
import { rehearseChangeRequestRollbackGate } from "@/lib/releases/rehearsal-gate";

/**
 * The canary integration tests' world (imported by *.integration.test.ts only): the demo seeded
 * at SEED_NOW, its people as actors, and a high-risk policy change on support-assistant made
 * ready to roll out at START — approved by a reviewer and a security reviewer, offline evidence
 * passed, rollback rehearsed.
 */

export const MINUTE = 60_000;
export const SEED_NOW = new Date("2026-11-19T08:00:00Z");
/** Thursday 10:00 in Berlin: inside support-assistant's deploy window. */
export const START = new Date("2026-11-19T09:00:00Z");
export const at = (minutes: number) => new Date(START.getTime() + minutes * MINUTE);

export type Person = "viewer" | "author" | "reviewer" | "security" | "operator";
export type CommandRun = <T>(who: Person, now: Date, fn: (ctx: ReleaseCommandContext & { tx: Tx; actor: Actor }) => Promise<T>) => Promise<T>;

export interface CanaryTestWorld {
  actors: Record<Person, Actor>;
  serviceId: string;
  /** Runs a command as `who` at `now`, in one transaction. */
  run: CommandRun;
}

/** Seeds the demo into the test database and returns its people and support-assistant's id. */
export async function seedCanaryTestWorld(): Promise<CanaryTestWorld> {
  await seedDemo(testDb(), { now: SEED_NOW });
  const actors = {} as Record<Person, Actor>;
  for (const row of await testDb().select().from(users)) {
    const key = row.email.split("@")[0] as Person;
    actors[key] = { id: row.id, email: row.email, name: row.name, role: row.role as Actor["role"] };
  }
  const [svc] = await testDb().select().from(services).where(eq(services.slug, "support-assistant"));
  const run: CommandRun = (who, now, fn) => testDb().transaction((tx) => fn({ tx, actor: actors[who], now }));
  return { actors, serviceId: svc!.id, run };
}

/**
 * Saves a change of support-assistant's live policy (version label `label`) and takes it to
 * "approved" with every pre-canary gate passed, at START. Returns the change request's id.
 */
export async function approvedPolicyChange(world: CanaryTestWorld, label: string): Promise<string> {
  const { run, serviceId } = world;
  const [live] = await testDb()
    .select({ content: componentVersions.content })
    .from(activePointers)
    .innerJoin(releaseManifestComponents, and(eq(releaseManifestComponents.releaseId, activePointers.stableReleaseId), eq(releaseManifestComponents.kind, "policy")))
    .innerJoin(componentVersions, eq(componentVersions.id, releaseManifestComponents.versionId))
    .where(eq(activePointers.serviceId, serviceId));
  const saved = await run("author", START, (ctx) =>
    saveChangeRequest(ctx, {
      serviceSlug: "support-assistant",
      title: "Stricter refund policy",
      description: "",
      touchedDomains: [],
      securityImpact: false,
      expectedMetricShift: "",
      rollbackPlan: "Roll the policy back to the live version with one click on the Releases page.",
      components: [{ source: "new", kind: "policy", label, notes: "", content: { ...live!.content, refusalMessage: "I can't do that here." } }],
      intent: "submit",
    }),
  );
  const crId = saved.id;
  await run("reviewer", START, (ctx) => decideChangeRequest(ctx, { changeRequestId: crId, revision: 1, decision: "approved", comment: "" }));
  await run("security", START, (ctx) => decideChangeRequest(ctx, { changeRequestId: crId, revision: 1, decision: "approved", comment: "" }));
  await run("author", START, async ({ tx, actor }) => {
    await recordOfflineEvidence(tx, {
      changeRequest: await lockChangeRequest(tx, crId),
      revision: 1,
      result: { segments: [{ name: "all", total: 200, passed: 197 }], regressions: [], latencyDeltaPct: 1, tokenCostDeltaPct: 0, userVisibleChanges: [] },
      source: "upload",
      submittedBy: { userId: actor.id },
      auditActor: { type: "user", id: actor.id, label: actor.name },
      now: START,
    });
    await rehearseChangeRequestRollbackGate(tx, { changeRequest: await lockChangeRequest(tx, crId), by: { user: actor }, revision: 1, now: START });
  });
  return crId;
}
