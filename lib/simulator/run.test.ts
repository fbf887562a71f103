import { afterEach, describe, expect, it, vi } from "vitest";
import { createChangegateClient, resolveConfig, type ChangegateClient, type OutcomeEvent, type ResolvedConfig } from "@/lib/sdk";
import { FakeChangegate, makeSnapshot, SERVICE, TOKEN } from "@/lib/sdk/fake-changegate";
import { emptyTally, tallyingFetch } from "./ingest-tally";
import { canaryShare, everyEventStored, formatProgress, formatSummary } from "./report";
import { runSimulation, type SimulationProgress, type SimulatorClient, type SimulatorClock } from "./run";
import { SERVICE_PROFILES } from "./scenarios";

/**
 * The run loop against the SDK's fake Changegate (snapshot and stream over loopback). The fake
 * has no ingestion API, so the fetch handed to the SDK answers POST /api/v1/events the way the
 * real route does — idempotent on eventId, `{ accepted, duplicates, rejected }` — and passes
 * every other request to the fake.
 */

const STABLE = "rel_20261122_0900_0001";
const CANARY = "rel_20261122_0930_0002";
const profile = SERVICE_PROFILES["support-assistant"]!;
const defaults = { profile, scenario: "healthy" as const, rate: 200, seed: "test" };

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** A stand-in for POST /api/v1/events: stores events by id, refuses unknown releases per event. */
class Ingestion {
  readonly stored = new Map<string, OutcomeEvent>();
  /** Every event in the order received (retries included). */
  readonly received: OutcomeEvent[] = [];
  batches = 0;
  /** Answer the next n batches with 503 AFTER storing them (a lost answer: the SDK retries). */
  failAfterStoring = 0;
  knownReleases = new Set([STABLE, CANARY]);

  handle(body: string): Response {
    this.batches++;
    const events = (JSON.parse(body) as { events: OutcomeEvent[] }).events;
    let accepted = 0;
    let duplicates = 0;
    const rejected: { index: number; eventId: string; reason: string }[] = [];
    events.forEach((event, index) => {
      this.received.push(event);
      if (!this.knownReleases.has(event.releaseId)) return rejected.push({ index, eventId: event.eventId, reason: `releaseId "${event.releaseId}" is not a release of ${SERVICE}.` });
      if (this.stored.has(event.eventId)) return duplicates++;
      this.stored.set(event.eventId, event);
      accepted++;
    });
    if (this.failAfterStoring > 0) {
      this.failAfterStoring--;
      return Response.json({ error: { code: "unavailable", message: "answer lost" } }, { status: 503 });
    }
    return Response.json({ accepted, duplicates, rejected }, { status: 200 });
  }

  /** What the SDK is given as fetch: events here, everything else to the fake Changegate. */
  fetch: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.pathname !== "/api/v1/events") return globalThis.fetch(input, init);
    expect(init?.method).toBe("POST");
    expect((init?.headers as Record<string, string>).authorization).toBe(`Bearer ${TOKEN}`);
    return this.handle(String(init?.body));
  };

  get storedEvents(): OutcomeEvent[] {
    return [...this.stored.values()];
  }
}

/** Virtual time: sleeping moves the clock at once (after letting pending I/O run). */
function virtualClock(start = Date.UTC(2026, 10, 22, 10, 0, 0)): SimulatorClock & { sleeps: number } {
  let now = start;
  const clock = {
    sleeps: 0,
    now: () => now,
    sleep: async (ms: number) => {
      clock.sleeps++;
      now += ms;
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
  return clock;
}

async function setUp(options: { canaryPercent?: number | null; events?: Parameters<typeof createChangegateClient>[0]["events"] } = {}) {
  const percent = options.canaryPercent === undefined ? 30 : options.canaryPercent;
  const fake = await new FakeChangegate(makeSnapshot({ revision: 1, stable: STABLE, canary: percent === null ? null : { releaseId: CANARY, percent } })).start();
  cleanups.push(() => fake.stop());
  const ingestion = new Ingestion();
  const tally = emptyTally();
  const client = createChangegateClient({
    baseUrl: fake.baseUrl,
    service: SERVICE,
    token: TOKEN,
    fetch: tallyingFetch(ingestion.fetch, tally),
    readyTimeoutMs: 1_000,
    onError: () => undefined,
    events: { initialBackoffMs: 5, maxBackoffMs: 20, ...options.events },
  });
  cleanups.push(() => client.close());
  await client.ready();
  // Every resolve() the loop makes, in order, to compare with the events sent.
  const resolved: { subject: string; tenant: string; config: ResolvedConfig }[] = [];
  const spy: SimulatorClient = {
    events: client.events,
    close: () => client.close(),
    resolve: (who) => {
      const config = client.resolve(who);
      resolved.push({ subject: who.subject, tenant: who.tenant!, config });
      return config;
    },
  };
  return { fake, ingestion, tally, client: client as ChangegateClient, spy, resolved, base: { ...defaults, tally } };
}

describe("runSimulation", () => {
  it("sends exactly --requests events, each with the release, arm and versions the SDK resolved for it", async () => {
    const { ingestion, tally, spy, resolved, fake, base } = await setUp();
    const summary = await runSimulation(spy, virtualClock(), { ...base, scenario: "false-refusal-spike", maxRequests: 2_000 });

    expect(summary.stoppedBy).toBe("requests");
    expect(summary.requests).toBe(2_000);
    expect(resolved).toHaveLength(2_000);
    expect(ingestion.stored.size).toBe(2_000);
    // The batcher keeps the order of record(): event i is request i.
    const events = ingestion.storedEvents;
    const snapshot = fake.snapshot;
    events.forEach((event, i) => {
      const { subject, tenant, config } = resolved[i]!;
      expect(config).toEqual(resolveConfig(snapshot, { subject, tenant }));
      expect(event).toMatchObject({ releaseId: config.releaseId, arm: config.arm, tenant });
      expect(event.componentVersions).toEqual(Object.fromEntries(Object.entries(config.components).map(([kind, c]) => [kind, c.version])));
    });
    // Both arms, at about the canary's share; the scenario shows on the canary only.
    const canary = events.filter((e) => e.arm === "canary");
    expect(canary.every((e) => e.releaseId === CANARY)).toBe(true);
    expect(events.filter((e) => e.arm === "stable").every((e) => e.releaseId === STABLE)).toBe(true);
    expect(canary.length / events.length).toBeGreaterThan(0.25);
    expect(canary.length / events.length).toBeLessThan(0.35);
    expect(summary.arms.canary.requests).toBe(canary.length);
    expect(canaryShare(summary)).toBe(canary.length / 2_000);
    const refusalRate = (list: OutcomeEvent[]) => list.filter((e) => e.falseRefusal).length / list.length;
    expect(refusalRate(canary)).toBeGreaterThan(0.1);
    expect(refusalRate(events.filter((e) => e.arm === "stable"))).toBeLessThan(0.05);
    // Tenants of the service, subjects that repeat per tenant.
    expect(new Set(events.map((e) => e.tenant))).toEqual(new Set(profile.tenants.map((t) => t.slug)));
    expect(resolved.every((r) => r.subject.startsWith(`${r.tenant}-user-`))).toBe(true);

    expect(tally).toMatchObject({ accepted: 2_000, duplicates: 0, rejected: 0 });
    expect(summary.ingest).toMatchObject({ accepted: 2_000, duplicates: 0, rejected: 0 });
    expect(summary.batcher).toMatchObject({ sent: 2_000, queued: 0, dropped: 0, refused: 0 });
    expect(summary.releases).toEqual({ [STABLE]: 2_000 - canary.length, [CANARY]: canary.length });
    expect(everyEventStored(summary)).toBe(true);
  });

  it("paces requests at the rate and stops at --duration", async () => {
    const { ingestion, spy, base } = await setUp();
    const clock = virtualClock();
    const start = clock.now();
    const summary = await runSimulation(spy, clock, { ...base, rate: 50, durationMs: 10_000 });
    expect(summary.stoppedBy).toBe("duration");
    expect(summary.requests).toBeGreaterThanOrEqual(499);
    expect(summary.requests).toBeLessThanOrEqual(500);
    expect(ingestion.stored.size).toBe(summary.requests);
    // Times follow the clock: spread over the 10 s, never ahead of it.
    const times = ingestion.storedEvents.map((e) => Date.parse(e.occurredAt) - start);
    expect(Math.min(...times)).toBe(0);
    expect(Math.max(...times)).toBeGreaterThan(9_000);
    expect(Math.max(...times)).toBeLessThan(10_000);
    // Each second has about rate requests.
    const perSecond = new Array<number>(10).fill(0);
    for (const t of times) perSecond[Math.floor(t / 1000)]!++;
    for (const n of perSecond) expect(Math.abs(n - 50)).toBeLessThanOrEqual(1);
  });

  it("stops when the signal aborts and sends what is still queued", async () => {
    // Nothing would be sent before the stop: a long flush interval and a huge batch size.
    const { ingestion, spy, base } = await setUp({ events: { flushIntervalMs: 60_000, maxBatchSize: 5_000 } });
    const stop = new AbortController();
    const clock = virtualClock();
    const progress: SimulationProgress[] = [];
    const summary = await runSimulation(spy, clock, {
      ...base,
      signal: stop.signal,
      progressIntervalMs: 1_000,
      onProgress: (p) => {
        progress.push(p);
        if (p.requests >= 600) stop.abort();
      },
    });
    expect(summary.stoppedBy).toBe("signal");
    expect(progress.length).toBeGreaterThanOrEqual(3);
    // Nothing had left before the stop; all of it left at the stop.
    expect(progress.at(-1)!.batcher.sent).toBe(0);
    expect(progress.at(-1)!.batcher.queued).toBe(progress.at(-1)!.requests);
    expect(ingestion.batches).toBe(1);
    expect(ingestion.stored.size).toBe(summary.requests);
    expect(summary.batcher).toMatchObject({ queued: 0, sent: summary.requests });
  });

  it("stops at once on a signal that already aborted, still closing the client", async () => {
    const { ingestion, spy, base } = await setUp();
    const close = vi.spyOn(spy, "close");
    const summary = await runSimulation(spy, virtualClock(), { ...base, signal: AbortSignal.abort() });
    expect(summary).toMatchObject({ stoppedBy: "signal", requests: 0 });
    expect(ingestion.batches).toBe(0);
    expect(close).toHaveBeenCalledOnce();
  });

  it("follows the pointer live: after a freeze takes the canary away every request goes to stable", async () => {
    const { fake, ingestion, spy, client, resolved, base } = await setUp({ canaryPercent: 50 });
    await vi.waitFor(() => expect(fake.openStreams).toBe(1));
    const clock = virtualClock();
    let frozeAt: number | null = null;
    const freezingClock: SimulatorClock = {
      now: clock.now,
      sleep: async (ms, signal) => {
        if (frozeAt === null && resolved.length >= 500) {
          frozeAt = resolved.length;
          fake.setSnapshot(makeSnapshot({ revision: 2, stable: STABLE, canary: null }));
          await vi.waitFor(() => expect(client.snapshot()?.pointerRevision).toBe(2));
        }
        await clock.sleep(ms, signal);
      },
    };
    const summary = await runSimulation(spy, freezingClock, { ...base, maxRequests: 1_000 });
    expect(summary.requests).toBe(1_000);
    expect(frozeAt).not.toBeNull();
    const events = ingestion.storedEvents;
    expect(events).toHaveLength(1_000);
    expect(events.slice(0, frozeAt!).filter((e) => e.arm === "canary").length).toBeGreaterThan(frozeAt! * 0.4);
    expect(events.slice(frozeAt!).every((e) => e.arm === "stable" && e.releaseId === STABLE)).toBe(true);
  });

  it("counts duplicates when a batch's answer was lost and the SDK sent it again, and rejected events with their reason", async () => {
    const { ingestion, tally, spy, base } = await setUp({ events: { maxBatchSize: 100 } });
    ingestion.failAfterStoring = 1;
    ingestion.knownReleases.delete(CANARY);
    const summary = await runSimulation(spy, virtualClock(), { ...base, maxRequests: 300 });
    const canary = summary.arms.canary.requests;
    expect(canary).toBeGreaterThan(0);
    // The first batch was stored but its answer lost, so the SDK sent it again: its stable events
    // come back as duplicates (the lost answer counted nothing), its canary events rejected once.
    const firstStable = ingestion.received.slice(0, 100).filter((e) => e.arm === "stable").length;
    expect(ingestion.received).toHaveLength(400);
    expect(tally.failedBatches).toBe(1);
    expect(tally.duplicates).toBe(firstStable);
    expect(tally.accepted).toBe(300 - canary - firstStable);
    expect(tally.rejected).toBe(canary);
    expect(tally.reasons).toEqual([`releaseId "${CANARY}" is not a release of ${SERVICE}.`]);
    expect(ingestion.stored.size).toBe(300 - canary);
    expect(everyEventStored(summary)).toBe(false);
    expect(formatSummary(summary, { service: SERVICE, scenario: "healthy", seed: "test" })).toContain(`rejected because: releaseId "${CANARY}"`);
  });

  it("is repeatable: the same seed draws the same traffic", async () => {
    const once = async () => {
      const { ingestion, spy, base } = await setUp();
      await runSimulation(spy, virtualClock(), { ...base, maxRequests: 300, seed: "same" });
      return ingestion.storedEvents.map(({ eventId: _id, ...rest }) => rest);
    };
    expect(await once()).toEqual(await once());
  });

  it("refuses a rate that is not positive", async () => {
    const { spy, base } = await setUp();
    await expect(runSimulation(spy, virtualClock(), { ...base, rate: 0 })).rejects.toThrow(/rate must be a positive number/);
  });
});

describe("report", () => {
  it("prints a progress line and a summary with the per-arm figures", async () => {
    const { spy, base } = await setUp();
    let line = "";
    const summary = await runSimulation(spy, virtualClock(), { ...base, maxRequests: 1_000, progressIntervalMs: 2_000, onProgress: (p) => (line = formatProgress(p)) });
    expect(line).toMatch(/^0:0\d {2}\d[\d,]* requests \(\d+\/s\) {2}canary \d+\.\d% \(\d+\) {2}events: [\d,]+ accepted, 0 duplicates, 0 rejected/);
    const text = formatSummary(summary, { service: SERVICE, scenario: "healthy", seed: "test" });
    expect(text).toMatch(/^Simulated 1,000 requests in 0:0\d \(\d+\/s\) for support-assistant, scenario healthy, seed test \(request limit reached\)\./);
    expect(text).toMatch(/\n {2}arm +requests +share +resolved +false refusals +policy violations +cost\/resolved +p95 latency\n {2}stable +[\d,]+ +\d+\.\d% +\d+\.\d% /);
    expect(text).toContain("events: 1,000 accepted, 0 duplicates, 0 rejected; 0 refused, 0 dropped, 0 unsent");
  });
});
