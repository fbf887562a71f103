import { createServer } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { resolveConfig, type ServiceSnapshot } from "../runtime/resolve";
import { createChangegateClient, type ChangegateClient, type ChangegateClientOptions } from "./client";
import { ChangegateUnavailableError } from "./errors";
import { bundle, FakeChangegate, makeSnapshot, SERVICE, TOKEN } from "./fake-changegate";

/**
 * The SDK against a fake Changegate on loopback: local resolution, the stream, the fall back to
 * polling, and what it serves when Changegate is gone.
 */

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function fake(snapshot: ServiceSnapshot = makeSnapshot({ revision: 1, stable: "rel_20261122_0900_0001" })) {
  const server = await new FakeChangegate(snapshot).start();
  cleanups.push(() => server.stop());
  return server;
}

function client(baseUrl: string, options: Partial<ChangegateClientOptions> = {}) {
  const errors: Error[] = [];
  const c = createChangegateClient({
    baseUrl,
    service: SERVICE,
    token: TOKEN,
    pollIntervalMs: 100,
    readyTimeoutMs: 300,
    onError: (e) => errors.push(e),
    events: { flushIntervalMs: 60_000 },
    ...options,
  });
  cleanups.push(() => c.close());
  return Object.assign(c, { errors });
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const releaseOf = (c: ChangegateClient, subject = "user-1", tenant: string | null = "acme") => c.resolve({ subject, tenant }).releaseId;

describe("createChangegateClient", () => {
  it("resolves locally with the server's resolveConfig: same arms, no request per call", async () => {
    const snapshot = makeSnapshot({ revision: 4, stable: "rel_20261122_0900_0001", canary: { releaseId: "rel_20261122_0930_0002", percent: 30, tenants: ["acme", "globex"] } });
    const server = await fake(snapshot);
    const c = client(server.baseUrl);
    await c.ready();
    await vi.waitFor(() => expect(server.openStreams).toBe(1));
    const before = server.requests.length;

    const arms = { stable: 0, canary: 0 };
    for (let i = 0; i < 5_000; i++) {
      for (const tenant of ["acme", "initech", null]) {
        const who = { subject: `user-${i}`, tenant };
        const got = c.resolve(who);
        expect(got).toEqual(resolveConfig(snapshot, who));
        if (tenant === "acme") arms[got.arm]++;
        else expect(got.arm).toBe("stable");
      }
    }
    expect(server.requests.length).toBe(before);
    // About 30% of the targeted tenant (a test that cannot pass with everyone in one arm).
    expect(arms.canary / 5_000).toBeGreaterThan(0.27);
    expect(arms.canary / 5_000).toBeLessThan(0.33);
    expect(c.health()).toMatchObject({ state: "live", pointerRevision: 4, streamConnected: true, lastError: null });
  });

  it("switches release when the stream pushes a new snapshot, and tells onChange", async () => {
    const server = await fake();
    const c = client(server.baseUrl, { pollIntervalMs: 60_000 });
    const changes: [number, number | null][] = [];
    c.onChange((next, previous) => changes.push([next.pointerRevision, previous?.pointerRevision ?? null]));
    await c.ready();
    await vi.waitFor(() => expect(server.openStreams).toBe(1));
    // The stream was opened with Last-Event-ID = the held revision, so nothing was resent.
    expect(server.requestsTo("/stream")[0]!.headers["last-event-id"]).toBe("1");

    const started = performance.now();
    server.setSnapshot(makeSnapshot({ revision: 2, stable: "rel_20261122_1000_0003" }));
    await vi.waitFor(() => expect(releaseOf(c)).toBe("rel_20261122_1000_0003"), { timeout: 1_000, interval: 1 });
    expect(performance.now() - started).toBeLessThan(500);
    expect(changes).toEqual([
      [1, null],
      [2, 1],
    ]);
    // Only the first snapshot came by GET: the change came by the stream (polling is idle).
    expect(server.requestsTo("/snapshot")).toHaveLength(1);
  });

  it("keeps the last good snapshot when an event is malformed, or older than what it holds", async () => {
    const server = await fake(makeSnapshot({ revision: 5, stable: "rel_20261122_0900_0001" }));
    const c = client(server.baseUrl, { pollIntervalMs: 60_000 });
    await c.ready();
    await vi.waitFor(() => expect(server.openStreams).toBe(1));
    server.writeRaw('id: 6\nevent: snapshot\ndata: {"service": "support-assistant", "truncated\n\n');
    server.writeRaw(`id: 6\nevent: snapshot\ndata: ${JSON.stringify({ ...makeSnapshot({ revision: 6, stable: "rel_20261122_1100_0009" }), stable: null })}\n\n`);
    server.setSnapshot(makeSnapshot({ revision: 3, stable: "rel_20261122_0800_0004" }));
    await vi.waitFor(() => expect(c.errors.filter((e) => /valid snapshot/.test(e.message))).toHaveLength(2));
    expect(releaseOf(c)).toBe("rel_20261122_0900_0001");
    expect(c.snapshot()!.pointerRevision).toBe(5);
  });

  it("stays live while a poll is in flight when the last one was answered (stream down)", async () => {
    const server = await fake();
    server.streamMode = "fail";
    let holding = false;
    let release: (() => void) | null = null;
    const gatedFetch: typeof fetch = async (input, init) => {
      if (holding && String(input).endsWith("/snapshot")) await new Promise<void>((resolve) => (release = resolve));
      return fetch(input, init);
    };
    const c = client(server.baseUrl, { fetch: gatedFetch, maxReconnectDelayMs: 300 });
    await c.ready();
    await vi.waitFor(() => expect(server.requestsTo("/snapshot").filter((r) => r.status === 304).length).toBeGreaterThanOrEqual(1), { timeout: 5_000 });
    holding = true;
    await vi.waitFor(() => expect(release).not.toBeNull(), { timeout: 5_000 });
    // A poll is on its way: the answer to the previous one still stands.
    expect(c.health()).toMatchObject({ state: "live", streamConnected: false });
    holding = false;
    (release as unknown as () => void)();
  });

  it("falls back to polling with If-None-Match when the stream fails, and takes changes from the poll", async () => {
    const server = await fake();
    server.streamMode = "fail";
    const c = client(server.baseUrl, { maxReconnectDelayMs: 300 });
    await c.ready();
    await vi.waitFor(() => expect(server.requestsTo("/snapshot").filter((r) => r.status === 304).length).toBeGreaterThanOrEqual(2), { timeout: 5_000 });
    const polls = server.requestsTo("/snapshot");
    expect(polls[0]!.headers["if-none-match"]).toBeUndefined();
    for (const poll of polls.slice(1)) expect(poll.headers["if-none-match"]).toBe(makeSnapshot({ revision: 1, stable: "rel_20261122_0900_0001" }).etag);
    expect(c.errors.some((e) => /stream was refused: stream broken \(HTTP 500\)/.test(e.message))).toBe(true);
    expect(c.health()).toMatchObject({ state: "live", streamConnected: false });

    server.setSnapshot(makeSnapshot({ revision: 2, stable: "rel_20261122_1000_0003" }), { push: false });
    await vi.waitFor(() => expect(releaseOf(c)).toBe("rel_20261122_1000_0003"), { timeout: 5_000 });
    // The stream keeps being retried, so it takes over when it works again.
    server.streamMode = "ok";
    await vi.waitFor(() => expect(c.health().streamConnected).toBe(true), { timeout: 5_000 });
  });

  it("with stream: false, only polls (If-None-Match) and never opens the stream", async () => {
    const server = await fake();
    const c = client(server.baseUrl, { stream: false });
    await c.ready();
    server.setSnapshot(makeSnapshot({ revision: 2, stable: "rel_20261122_1000_0003" }));
    await vi.waitFor(() => expect(releaseOf(c)).toBe("rel_20261122_1000_0003"));
    expect(server.requestsTo("/stream")).toEqual([]);
    expect(server.requestsTo("/snapshot").slice(1).every((r) => r.headers["if-none-match"])).toBe(true);
  });

  it("reconnects a silent stream (no heartbeat within streamIdleTimeoutMs)", async () => {
    const server = await fake();
    server.streamMode = "hang";
    const c = client(server.baseUrl, { streamIdleTimeoutMs: 150, pollIntervalMs: 60_000 });
    await c.ready();
    await vi.waitFor(() => expect(server.requestsTo("/stream").length).toBeGreaterThanOrEqual(2), { timeout: 3_000 });
    expect(c.errors.some((e) => /silent for 150 ms/.test(e.message))).toBe(true);
  });

  it("keeps serving the last snapshot while Changegate is down, and recovers when it returns", async () => {
    const server = await fake(makeSnapshot({ revision: 7, stable: "rel_20261122_0900_0001" }));
    const c = client(server.baseUrl, { maxReconnectDelayMs: 200 });
    await c.ready();
    await vi.waitFor(() => expect(c.health().streamConnected).toBe(true));

    await server.stop();
    await vi.waitFor(() => expect(c.errors.some((e) => /ECONNREFUSED/.test(e.message))).toBe(true), { timeout: 3_000 });
    await vi.waitFor(() => expect(c.health().state).toBe("stale"), { timeout: 3_000 });
    for (let i = 0; i < 100; i++) expect(releaseOf(c, `user-${i}`)).toBe("rel_20261122_0900_0001");
    expect(c.health().lastError).toMatch(/could not reach/);

    server.snapshot = makeSnapshot({ revision: 8, stable: "rel_20261122_1200_0005" });
    await server.start();
    await vi.waitFor(() => expect(releaseOf(c)).toBe("rel_20261122_1200_0005"), { timeout: 3_000 });
    await vi.waitFor(() => expect(c.health()).toMatchObject({ state: "live", streamConnected: true, lastError: null }), { timeout: 3_000 });
    const reconnect = server.requestsTo("/stream").at(-1)!;
    expect(["7", "8"]).toContain(reconnect.headers["last-event-id"]);
  });

  it("on a cold start with no server: ready() and resolve() fail with a clear ChangegateUnavailableError", async () => {
    const port = await closedPort();
    const c = client(`http://127.0.0.1:${port}`);
    const failure = await c.ready().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ChangegateUnavailableError);
    expect((failure as Error).message).toMatch(/has not delivered support-assistant's configuration and no fallbackBundle is configured/);
    expect((failure as Error).message).toMatch(new RegExp(`could not reach http://127.0.0.1:${port}/.*ECONNREFUSED`));
    expect(() => c.resolve({ subject: "u" })).toThrow(ChangegateUnavailableError);
    expect(c.health().state).toBe("unavailable");
  });

  it("on a cold start with no server and a fallback bundle: serves the fallback, then the live snapshot once Changegate answers", async () => {
    const port = await closedPort();
    const fallback = { releaseId: "built-in", components: bundle("fb") };
    const c = client(`http://127.0.0.1:${port}`, { fallbackBundle: fallback });
    await c.ready();
    expect(c.resolve({ subject: "u", tenant: "acme" })).toEqual({ releaseId: "built-in", arm: "stable", pointerRevision: 0, components: fallback.components });
    expect(c.health().state).toBe("fallback");

    const server = new FakeChangegate(makeSnapshot({ revision: 3, stable: "rel_20261122_0900_0001" }));
    server.port = port;
    await server.start();
    cleanups.push(() => server.stop());
    await vi.waitFor(() => expect(releaseOf(c)).toBe("rel_20261122_0900_0001"), { timeout: 2_000 });
    await vi.waitFor(() => expect(server.openStreams).toBe(1));
  });

  it("does not retry a refused token at start: ready() fails at once with the server's message", async () => {
    const server = await fake();
    const c = client(server.baseUrl, { token: `cg_${SERVICE}_${"0".repeat(40)}`, readyTimeoutMs: 10_000 });
    const started = performance.now();
    const failure = (await c.ready().catch((e: unknown) => e)) as Error;
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(failure).toBeInstanceOf(ChangegateUnavailableError);
    expect(failure.message).toMatch(/This API token is not known to Changegate\. \(HTTP 401\)/);
  });

  it("retries a failing first load until readyTimeoutMs (a 503 at start is not final)", async () => {
    const server = await fake();
    server.snapshotMode = "fail";
    const c = client(server.baseUrl, { readyTimeoutMs: 2_000 });
    setTimeout(() => {
      server.snapshotMode = "ok";
    }, 300);
    await c.ready();
    expect(releaseOf(c)).toBe("rel_20261122_0900_0001");
    expect(server.requestsTo("/snapshot").filter((r) => r.status === 503).length).toBeGreaterThanOrEqual(2);
  });

  it("stops everything on close(): no more requests, the stream is released", async () => {
    const server = await fake();
    const c = client(server.baseUrl);
    await c.ready();
    await vi.waitFor(() => expect(server.openStreams).toBe(1));
    await c.close();
    await vi.waitFor(() => expect(server.openStreams).toBe(0));
    const count = server.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.requests.length).toBe(count);
    // The last snapshot is still served after close.
    expect(releaseOf(c)).toBe("rel_20261122_0900_0001");
  });
});
