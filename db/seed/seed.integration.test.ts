import { createHash } from "node:crypto";
import { and, asc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import {
  activePointers,
  apiTokens,
  approvals,
  auditLog,
  changeRequests,
  componentVersions,
  evalCases,
  gateEvidence,
  outcomeEventKeys,
  outcomeEvents,
  outcomeRollups,
  releaseManifestComponents,
  releaseManifests,
  rollbacks,
  services,
  users,
} from "@/db/schema";
import { createTestDatabase, testDb, type TestDatabase } from "@/db/testing";
import { GENESIS_HASH, verifyChainPage } from "@/lib/audit/chain";
import { verifyPassword } from "@/lib/auth/password";
import { latencyBucketIndex, mergeHistograms, percentileFromHistogram } from "@/lib/canary/histogram";
import { contentHash } from "@/lib/components/content-hash";
import { COMPONENT_KINDS, isComponentKind } from "@/lib/components/kinds";
import { componentContentSchemas } from "@/lib/components/schemas";
import { defaultServiceSettings } from "@/lib/services/settings";
import { offlineEvalResultSchema } from "@/lib/changes/evidence";
import type { DemoCredentials } from "./credentials";
import { DEMO_PASSWORD, isDatabaseEmpty, seedDemo } from "./index";

const NOW = new Date("2026-11-22T09:41:27.000Z");

/** What must come out the same when the same `now` is seeded twice. */
async function fingerprint(db: Database) {
  const versions = await db
    .select({ slug: services.slug, kind: componentVersions.kind, label: componentVersions.label, hash: componentVersions.contentHash })
    .from(componentVersions)
    .innerJoin(services, eq(services.id, componentVersions.serviceId))
    .orderBy(asc(services.slug), asc(componentVersions.kind), asc(componentVersions.label));
  const releases = await db.select({ id: releaseManifests.id }).from(releaseManifests).orderBy(asc(releaseManifests.id));
  const rollups = await db
    .select({ release: outcomeRollups.releaseId, requests: outcomeRollups.requests, cost: outcomeRollups.costUsd, hist: outcomeRollups.latencyHistogram })
    .from(outcomeRollups)
    .orderBy(asc(outcomeRollups.releaseId), asc(outcomeRollups.tenant), asc(outcomeRollups.arm), asc(outcomeRollups.granularity), asc(outcomeRollups.bucketStart));
  return { versions, releases: releases.map((r) => r.id), rollups };
}

describe("demo seed", () => {
  let db: Database;
  let credentials: DemoCredentials;
  let seedMs: number;

  beforeAll(async () => {
    db = testDb();
    expect(await isDatabaseEmpty(db)).toBe(true);
    const t0 = performance.now();
    credentials = await seedDemo(db, { now: NOW });
    seedMs = performance.now() - t0;
  });

  it("seeds in a few seconds", () => {
    console.info(`[seed] seedDemo took ${Math.round(seedMs)} ms`);
    expect(seedMs).toBeLessThan(15_000);
  });

  it("creates one user per role, all with the demo password", async () => {
    expect(await isDatabaseEmpty(db)).toBe(false);
    const rows = await db.select().from(users);
    expect(rows.map((u) => u.email).sort()).toEqual(
      ["admin", "author", "operator", "reviewer", "security", "viewer"].map((n) => `${n}@example.com`),
    );
    expect(new Set(rows.map((u) => u.role)).size).toBe(6);
    expect(rows.find((u) => u.email === "security@example.com")?.role).toBe("security_reviewer");
    expect(await verifyPassword(DEMO_PASSWORD, rows[0]!.passwordHash)).toBe(true);
    expect(credentials.users).toHaveLength(6);
    expect(credentials.password).toBe("changegate-demo");
  });

  it("stores only the hash of each service's API token", async () => {
    const rows = await db.select({ slug: services.slug, t: apiTokens }).from(apiTokens).innerJoin(services, eq(services.id, apiTokens.serviceId));
    expect(rows).toHaveLength(2);
    for (const { service, token, scopes } of credentials.tokens) {
      expect(token).toMatch(new RegExp(`^cg_${service}_[0-9a-f]{40}$`));
      const row = rows.find((r) => r.slug === service)!.t;
      expect(row.tokenHash).toBe(createHash("sha256").update(token).digest("hex"));
      expect(row.tokenHash).not.toContain(token.slice(-40));
      expect(row.prefix).toBe(token.slice(0, 12));
      expect(scopes).toEqual(["read", "write", "operator"]);
    }
  });

  it("gives both services 3–6 versions of every kind, valid under today's schemas, linked by parent", async () => {
    const svc = await db.select().from(services);
    expect(svc.map((s) => s.slug).sort()).toEqual(["incident-assistant", "support-assistant"]);
    const versions = await db.select().from(componentVersions);
    for (const s of svc) {
      for (const kind of COMPONENT_KINDS) {
        const mine = versions.filter((v) => v.serviceId === s.id && v.kind === kind);
        expect(mine.length, `${s.slug} ${kind}`).toBeGreaterThanOrEqual(3);
        expect(mine.length, `${s.slug} ${kind}`).toBeLessThanOrEqual(6);
        expect(mine.filter((v) => v.parentId === null)).toHaveLength(1);
        for (const v of mine.filter((x) => x.parentId)) {
          const parent = mine.find((p) => p.id === v.parentId);
          expect(parent, `${v.label} has a parent of the same service and kind`).toBeDefined();
          expect(parent!.createdAt.getTime()).toBeLessThan(v.createdAt.getTime());
        }
      }
    }
    for (const v of versions) {
      expect(isComponentKind(v.kind)).toBe(true);
      const parsed = componentContentSchemas[v.kind as (typeof COMPONENT_KINDS)[number]].safeParse(v.content);
      expect(parsed.success, `${v.label}: ${parsed.success ? "" : parsed.error.message}`).toBe(true);
      expect(v.contentHash).toBe(contentHash(v.content));
    }
  });

  it("writes a manifest chain with all five components, rollback targets and one pointer per service", async () => {
    for (const s of await db.select().from(services)) {
      const manifests = await db.select().from(releaseManifests).where(eq(releaseManifests.serviceId, s.id)).orderBy(asc(releaseManifests.createdAt));
      expect(manifests.length).toBeGreaterThanOrEqual(4);
      expect(manifests.length).toBeLessThanOrEqual(6);
      expect(manifests[0]!.kind).toBe("initial");
      expect(manifests.filter((m) => m.kind === "rollback")).toHaveLength(1);
      const components = await db.select().from(releaseManifestComponents);
      manifests.forEach((m, i) => {
        expect(m.id).toMatch(/^rel_\d{8}_\d{4}_[0-9a-f]{4}$/);
        expect(m.replacesReleaseId).toBe(i === 0 ? null : manifests[i - 1]!.id);
        const mine = components.filter((c) => c.releaseId === m.id);
        expect(mine.map((c) => c.kind).sort()).toEqual([...COMPONENT_KINDS].sort());
        for (const c of mine) {
          const previous = i === 0 ? undefined : components.find((p) => p.releaseId === manifests[i - 1]!.id && p.kind === c.kind);
          expect(c.rollbackTargetVersionId).not.toBe(c.versionId);
          if (!previous) expect(c.rollbackTargetVersionId).toBeNull();
          else if (previous.versionId === c.versionId) expect(c.rollbackTargetVersionId).toBe(previous.rollbackTargetVersionId);
          else if (m.kind !== "rollback") expect(c.rollbackTargetVersionId).toBe(previous.versionId);
          // A reverted component must not offer to roll back to the version just rolled back.
          else expect(c.rollbackTargetVersionId).not.toBe(previous.versionId);
        }
      });
      const [pointer] = await db.select().from(activePointers).where(eq(activePointers.serviceId, s.id));
      const stable = manifests.filter((m) => m.canaryPercent === 100).at(-1)!;
      expect(pointer!.stableReleaseId).toBe(stable.id);
      expect(pointer!.canaryReleaseId).toBeNull();
      expect(pointer!.revision).toBeGreaterThanOrEqual(manifests.length);
    }
  });

  it("records one untagged and one tagged rollback, flipped within a second of the click", async () => {
    const rows = await db.select().from(rollbacks);
    expect(rows).toHaveLength(2);
    expect(rows.filter((r) => r.causeTag === null)).toHaveLength(1);
    for (const r of rows) {
      const ms = r.flippedAt.getTime() - r.clickedAt.getTime();
      expect(ms).toBeGreaterThan(0);
      expect(ms).toBeLessThan(1000);
      expect(r.firstAlarmAt!.getTime()).toBeLessThan(r.clickedAt.getTime());
      expect(r.scope).toBe("component");
    }
  });

  it("has change requests in every review state, approved by others than their authors", async () => {
    const crs = await db.select().from(changeRequests);
    const states = new Set(crs.map((c) => c.state));
    for (const s of ["draft", "in_review", "changes_requested", "approved", "rejected", "promoted", "rolled_back"] as const) {
      expect(states.has(s), s).toBe(true);
    }
    const decisions = await db.select().from(approvals);
    for (const a of decisions) {
      expect(crs.find((c) => c.id === a.changeRequestId)!.authorId).not.toBe(a.reviewerId);
    }
    for (const cr of crs.filter((c) => c.riskTier === "high" && ["approved", "promoted", "rolled_back"].includes(c.state))) {
      const ok = decisions.filter((a) => a.changeRequestId === cr.id && a.revision === cr.currentRevision && a.decision === "approved");
      expect(ok.length).toBeGreaterThanOrEqual(2);
      expect(ok.some((a) => a.reviewerRole === "security_reviewer")).toBe(true);
    }
  });

  it("stores offline evaluation evidence in the format the CI API accepts", async () => {
    const rows = await db.select().from(gateEvidence).where(eq(gateEvidence.source, "api"));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(offlineEvalResultSchema.safeParse(row.payload).success).toBe(true);
  });

  it("has 14 days of hourly stable rollups per service with believable rates and p95", async () => {
    for (const s of await db.select().from(services)) {
      const rows = await db.select().from(outcomeRollups).where(and(eq(outcomeRollups.serviceId, s.id), eq(outcomeRollups.granularity, "hour")));
      const stable = rows.filter((r) => r.arm === "stable");
      const hours = new Set(stable.map((r) => r.bucketStart.getTime()));
      expect(hours.size).toBeGreaterThanOrEqual(8 * 24);
      const sum = (f: (r: (typeof rows)[number]) => number) => stable.reduce((acc, r) => acc + f(r), 0);
      const requests = sum((r) => r.requests);
      expect(sum((r) => r.resolved) / requests).toBeGreaterThan(0.77);
      expect(sum((r) => r.resolved) / requests).toBeLessThan(0.86);
      expect(sum((r) => r.policyViolations) / requests).toBeLessThan(0.006);
      expect(sum((r) => r.costUsd) / requests).toBeGreaterThan(0.002);
      expect(sum((r) => r.costUsd) / requests).toBeLessThan(0.01);
      const p95 = percentileFromHistogram(mergeHistograms(...stable.map((r) => r.latencyHistogram)), 0.95)!;
      expect(p95).toBeGreaterThan(1500);
      expect(p95).toBeLessThan(3000);
      for (const r of rows) {
        expect(r.latencyHistogram.reduce((a, b) => a + b, 0)).toBe(r.requests);
        expect(latencyBucketIndex(r.latencyMsSum / r.requests)).toBeGreaterThan(0);
      }
      expect((await db.select().from(evalCases)).length).toBeGreaterThanOrEqual(12);
    }
  });

  it("writes the demo outcomes as raw events through the ingestion path: events, keys and minute/hour rollups agree", async () => {
    for (const s of await db.select().from(services)) {
      const events = await db.$count(outcomeEvents, eq(outcomeEvents.serviceId, s.id));
      expect(events).toBeGreaterThan(5_000);
      expect(await db.$count(outcomeEventKeys, eq(outcomeEventKeys.serviceId, s.id))).toBe(events);
      for (const granularity of ["minute", "hour"]) {
        const [sum] = await db
          .select({ requests: sql<number>`sum(${outcomeRollups.requests})::int`, canary: sql<number>`(sum(${outcomeRollups.requests}) filter (where ${outcomeRollups.arm} = 'canary'))::int` })
          .from(outcomeRollups)
          .where(and(eq(outcomeRollups.serviceId, s.id), eq(outcomeRollups.granularity, granularity)));
        expect(sum!.requests, granularity).toBe(events);
        // support-assistant's refund-abuse canary ran 10 days ago; incident-assistant's are older than the 14 days.
        if (s.slug === "support-assistant") expect(sum!.canary, `${granularity} canary`).toBeGreaterThan(0);
      }
    }
    const [misplaced] = await db.execute<{ n: number }>(sql`select count(*)::int as n from outcome_events_default`).then((r) => (r as unknown as { rows: { n: number }[] }).rows);
    expect(misplaced!.n).toBe(0);
  });

  it("leaves an audit chain that verifies, in time order, ending with demo.seeded", async () => {
    const entries = await db.select().from(auditLog).orderBy(asc(auditLog.id));
    expect(entries.length).toBeGreaterThan(20);
    const result = verifyChainPage(entries, { expectedPrevHash: GENESIS_HASH, checked: 0 });
    expect(result).toEqual({ cursor: { expectedPrevHash: entries.at(-1)!.hash, checked: entries.length } });
    for (let i = 1; i < entries.length; i++) {
      expect(entries[i]!.occurredAt.getTime()).toBeGreaterThanOrEqual(entries[i - 1]!.occurredAt.getTime());
    }
    expect(entries.at(-1)!.action).toBe("demo.seeded");
    expect(entries.filter((e) => e.action === "release.created")).toHaveLength(await db.$count(releaseManifests));
  });

  it("writes nothing when a seed fails halfway (one transaction)", async () => {
    const other = await createTestDatabase();
    try {
      const odb = other.handle.db;
      // The second service's slug is taken: the seed fails after users, the first service and
      // its versions were written, and must take all of them back.
      await odb.insert(services).values({ slug: "incident-assistant", name: "Taken", settings: defaultServiceSettings() });
      await expect(seedDemo(odb, { now: NOW })).rejects.toThrow();
      expect(await odb.$count(services)).toBe(1);
      expect(await odb.$count(users)).toBe(0);
      expect(await odb.$count(componentVersions)).toBe(0);
      expect(await odb.$count(apiTokens)).toBe(0);
      expect(await odb.$count(auditLog)).toBe(0);
    } finally {
      await other.dispose();
    }
  });

  describe("determinism", () => {
    let second: TestDatabase;
    beforeAll(async () => {
      second = await createTestDatabase();
      await seedDemo(second.handle.db, { now: NOW });
    });
    afterAll(async () => {
      await second?.dispose();
    });

    it("gives the same versions, release ids and rollups for the same now", async () => {
      const a = await fingerprint(db);
      const b = await fingerprint(second.handle.db);
      expect(b.versions).toEqual(a.versions);
      expect(b.releases).toEqual(a.releases);
      expect(b.rollups).toEqual(a.rollups);
    });
  });
});
