import { eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DbHandle } from "@/db/client";
import { releaseManifestComponents, componentVersions } from "@/db/schema";
import { seedDemo } from "@/db/seed";
import { requestedTestDbKind, testDb, testDbHandle, testDbKind } from "@/db/testing";
import { SnapshotCache, type CachedSnapshot } from "./cache";
import { LISTENER_APPLICATION_NAME } from "./pointer-listener";
import { changePointer, countDriverCalls, demoService, waitUntil, type DemoService } from "./test-fixtures";

const NOW = new Date("2026-11-22T09:41:27.000Z");

let support: DemoService;
let incident: DemoService;
const caches: SnapshotCache[] = [];

/** A cache listening on the test database, stopped after each test. */
function startCache(handle: DbHandle = testDbHandle(), options: ConstructorParameters<typeof SnapshotCache>[1] = {}): SnapshotCache {
  const cache = new SnapshotCache(handle.db, options);
  cache.start(handle);
  caches.push(cache);
  return cache;
}

async function listening(cache: SnapshotCache) {
  await waitUntil(() => cache.isListening, 5_000, "the LISTEN connection");
}

async function revisionOf(cache: SnapshotCache, slug: string) {
  return (await cache.getSnapshot(slug))!.snapshot.pointerRevision;
}

beforeAll(async () => {
  await seedDemo(testDb(), { now: NOW });
  support = await demoService(testDb(), "support-assistant");
  incident = await demoService(testDb(), "incident-assistant");
});

afterEach(async () => {
  await Promise.all(caches.splice(0).map((c) => c.stop()));
});

afterAll(async () => {
  await Promise.all(caches.splice(0).map((c) => c.stop()));
});

describe("loadServiceSnapshot through the cache", () => {
  it("holds the seeded pointer: stable bundle with every kind's version and content, no canary", async () => {
    const cache = startCache();
    const cached = (await cache.getSnapshot("support-assistant"))!;
    const { snapshot } = cached;
    expect(snapshot.service).toBe("support-assistant");
    expect(snapshot.serviceId).toBe(support.id);
    expect(snapshot.pointerRevision).toBe(support.revision);
    expect(snapshot.stable.releaseId).toBe(support.stableReleaseId);
    expect(snapshot.canary).toBeNull();
    expect(Object.keys(snapshot.stable.components)).toEqual(["prompt", "retrieval", "policy", "tool_permission", "routing"]);

    const rows = await testDb()
      .select({ kind: releaseManifestComponents.kind, label: componentVersions.label, hash: componentVersions.contentHash, content: componentVersions.content })
      .from(releaseManifestComponents)
      .innerJoin(componentVersions, eq(componentVersions.id, releaseManifestComponents.versionId))
      .where(eq(releaseManifestComponents.releaseId, support.stableReleaseId));
    for (const row of rows) {
      expect(snapshot.stable.components[row.kind]).toMatchObject({ version: row.label, hash: row.hash, content: row.content });
    }
    expect(snapshot.etag).toMatch(/^"snap-[A-Za-z0-9_-]{22}"$/);
    expect(JSON.parse(cached.body)).toEqual(snapshot);
    expect(JSON.parse(cached.configs.stable.body)).toEqual({
      releaseId: support.stableReleaseId,
      arm: "stable",
      pointerRevision: support.revision,
      components: snapshot.stable.components,
    });
  });

  it("answers null for a service that does not exist, and does not remember it", async () => {
    const cache = startCache();
    expect(await cache.getSnapshot("no-such-service")).toBeNull();
    expect(cache.peek("no-such-service")).toBeUndefined();
  });
});

describe("invalidation through LISTEN/NOTIFY", () => {
  it("reflects a committed pointer change within a second, without being asked to reload", async () => {
    const cache = startCache();
    await listening(cache);
    const before = await revisionOf(cache, "support-assistant");
    const seen: CachedSnapshot[] = [];
    const unsubscribe = cache.subscribe("support-assistant", (c) => seen.push(c));

    const revision = await changePointer(testDb(), support.id, {
      canaryReleaseId: support.otherReleaseId,
      canaryPercent: 25,
      canaryTenants: ["acme"],
    });
    expect(revision).toBe(before + 1);
    // peek() never loads: only the notification can change what it shows.
    const ms = await waitUntil(() => cache.peek("support-assistant")?.snapshot.pointerRevision === revision, 1_000, "the new revision");
    console.info(`[runtime cache/${testDbKind()}] pointer change visible after ${ms.toFixed(1)} ms`);

    const { snapshot } = (await cache.getSnapshot("support-assistant"))!;
    expect(snapshot.canary).toMatchObject({ releaseId: support.otherReleaseId, percent: 25, tenants: ["acme"] });
    expect(Object.keys(snapshot.canary!.components)).toHaveLength(5);
    expect(seen.map((c) => c.snapshot.pointerRevision)).toEqual([revision]);
    unsubscribe();

    // Back to no canary, for the tests after this one.
    const cleared = await changePointer(testDb(), support.id, { canaryReleaseId: null, canaryPercent: 0, canaryTenants: [] });
    await waitUntil(() => cache.peek("support-assistant")?.snapshot.pointerRevision === cleared, 1_000, "the cleared pointer");
    expect(cache.peek("support-assistant")!.snapshot.canary).toBeNull();
    expect(seen).toHaveLength(1);
  });

  it("ignores a rolled-back change (its notification is never delivered)", async () => {
    const cache = startCache();
    await listening(cache);
    const supportBefore = (await cache.getSnapshot("support-assistant"))!;
    const incidentBefore = await revisionOf(cache, "incident-assistant");
    const seen: number[] = [];
    cache.subscribe("support-assistant", (c) => seen.push(c.snapshot.pointerRevision));

    await changePointer(testDb(), support.id, { canaryReleaseId: support.otherReleaseId, canaryPercent: 50 }, { rollBack: true });
    // Notifications arrive in commit order: once a later commit's has arrived, the rolled-back one would have too.
    const barrier = await changePointer(testDb(), incident.id, { canaryPercent: 0 });
    expect(barrier).toBe(incidentBefore + 1);
    await waitUntil(() => cache.peek("incident-assistant")?.snapshot.pointerRevision === barrier, 1_000, "the barrier change");

    expect(cache.peek("support-assistant")).toBe(supportBefore);
    expect((await cache.getSnapshot("support-assistant"))!.snapshot.canary).toBeNull();
    expect(seen).toEqual([]);
  });

  it("answers from memory: no database call for a cached snapshot", async () => {
    const handle = testDbHandle();
    const cache = startCache();
    await listening(cache);
    const calls = countDriverCalls(handle);
    try {
      // The counter sees a cold load (so it could catch one)…
      await cache.getSnapshot("incident-assistant");
      const coldCalls = calls.count;
      expect(coldCalls).toBeGreaterThanOrEqual(2);
      // …and nothing for ten thousand warm ones.
      for (let i = 0; i < 10_000; i++) await cache.getSnapshot("incident-assistant");
      expect(calls.count).toBe(coldCalls);
    } finally {
      calls.restore();
    }
  });
});

describe.runIf(requestedTestDbKind() === "postgres")("PostgreSQL faults", () => {
  it("reconnects a dropped LISTEN connection and reloads what it may have missed", async () => {
    // A slow first retry, so the change below surely lands while nobody listens.
    const cache = startCache(testDbHandle(), { listener: { firstRetryMs: 800 } });
    await listening(cache);
    const before = await revisionOf(cache, "support-assistant");

    const db = testDb();
    const terminated = (await db.execute(
      sql`select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name = ${LISTENER_APPLICATION_NAME} and datname = current_database()`,
    )) as unknown as { rows: { ok: boolean }[] };
    expect(terminated.rows.map((r) => r.ok)).toContain(true);
    await waitUntil(() => !cache.isListening, 2_000, "the listener to notice the drop");

    const revision = await changePointer(db, support.id, { canaryReleaseId: support.otherReleaseId, canaryPercent: 5 });
    expect(revision).toBe(before + 1);
    // peek() does not load: the new revision can only come from the reconnect's full reload.
    await waitUntil(() => cache.peek("support-assistant")?.snapshot.pointerRevision === revision, 5_000, "the reload after reconnecting");
    expect(cache.isListening).toBe(true);

    // Heard again: the next change arrives by notification.
    const cleared = await changePointer(db, support.id, { canaryReleaseId: null, canaryPercent: 0 });
    await waitUntil(() => cache.peek("support-assistant")?.snapshot.pointerRevision === cleared, 1_000, "a change after reconnecting");
  });

  it("keeps serving the last known snapshot when its database connection is gone", async () => {
    // An instance with its own pool, which we then shut: its queries fail, its LISTEN still hears.
    const own = await openDatabase({ url: testDbHandle().url!, dataDir: "/tmp" });
    const cache = startCache(own, { freshWaitMs: 300 });
    await listening(cache);
    const known = (await cache.getSnapshot("incident-assistant"))!;
    await own.close();

    const revision = await changePointer(testDb(), incident.id, { canaryReleaseId: incident.otherReleaseId, canaryPercent: 10 });
    expect(revision).toBe(known.snapshot.pointerRevision + 1);
    // The notification arrives, the reload fails: the answer is the last known snapshot, not an error.
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (let i = 0; i < 3; i++) expect(await cache.getSnapshot("incident-assistant")).toBe(known);
    // A service it never loaded cannot be answered: that is an error, not a wrong answer.
    await expect(cache.getSnapshot("support-assistant")).rejects.toThrow(/database is unreachable/);

    await changePointer(testDb(), incident.id, { canaryReleaseId: null, canaryPercent: 0 });
  });
});
