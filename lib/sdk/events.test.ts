import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createOutcomeEventBatcher, outcomeFieldsOf, type EventBatcherOptions, type OutcomeEvent, type OutcomeEventInput } from "./events";
import { bundle, SERVICE, TOKEN } from "./fake-changegate";

/** The outcome-event batcher against a node:http receiver standing in for the ingestion API. */

type Answer = (batch: OutcomeEvent[], req: IncomingMessage) => { status: number; headers?: Record<string, string>; body?: unknown };

class Receiver {
  readonly batches: OutcomeEvent[][] = [];
  readonly stored = new Map<string, OutcomeEvent>();
  readonly paths: string[] = [];
  attempts = 0;
  answer: Answer = () => ({ status: 202, body: { accepted: 0 } });
  port = 0;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  get baseUrl() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start() {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  async stop() {
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  }

  /** Every event the receiver stored, by id (a retried event is stored once: the API is idempotent). */
  get storedIds() {
    return [...this.stored.keys()];
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    this.attempts++;
    this.paths.push(req.url ?? "");
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { events: OutcomeEvent[] };
    expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req.headers["content-type"]).toBe("application/json");
    const answer = this.answer(body.events, req);
    if (answer.status >= 200 && answer.status < 300) {
      this.batches.push(body.events);
      for (const e of body.events) this.stored.set(e.eventId, e);
    }
    res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
    res.end(JSON.stringify(answer.body ?? {}));
  }
}

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function receiver() {
  const r = await new Receiver().start();
  cleanups.push(() => r.stop());
  return r;
}

function batcher(baseUrl: string, options: EventBatcherOptions = {}) {
  const errors: Error[] = [];
  const b = createOutcomeEventBatcher(
    { baseUrl, service: SERVICE, token: TOKEN, fetch: (input, init) => fetch(input, init), onError: (e) => errors.push(e) },
    { flushIntervalMs: 50, initialBackoffMs: 20, maxBackoffMs: 100, ...options },
  );
  cleanups.push(() => b.close(200));
  return Object.assign(b, { errors });
}

const event = (n: number): OutcomeEventInput => ({
  eventId: `evt-${n}`,
  releaseId: "rel_20261122_0900_0001",
  arm: "stable",
  tenant: "acme",
  componentVersions: { prompt: "assist-v8.1.0" },
  resolved: n % 2 === 0,
  latencyMs: 900 + n,
});

describe("createOutcomeEventBatcher", () => {
  it("sends a batch as soon as maxBatchSize events wait, the rest on the timer; fills eventId and occurredAt", async () => {
    const r = await receiver();
    const b = batcher(r.baseUrl, { maxBatchSize: 3, flushIntervalMs: 1_500 });
    for (let i = 1; i <= 6; i++) b.record(event(i));
    await vi.waitFor(() => expect(r.batches.map((x) => x.length)).toEqual([3, 3]), { timeout: 500 });
    b.record({ ...event(7), eventId: undefined, occurredAt: new Date("2026-11-22T09:41:00Z") });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(r.batches).toHaveLength(2); // one event waits for the timer
    await vi.waitFor(() => expect(r.batches.map((x) => x.length)).toEqual([3, 3, 1]), { timeout: 3_000 });
    const last = r.batches[2]![0]!;
    expect(last.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(last.occurredAt).toBe("2026-11-22T09:41:00.000Z");
    expect(r.batches[0]![0]!.occurredAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(r.batches[0]![1]).toMatchObject({ eventId: "evt-2", resolved: true, latencyMs: 902, componentVersions: { prompt: "assist-v8.1.0" } });
    // The receiver records a batch before it answers: the batcher counts it sent on the answer.
    await vi.waitFor(() => expect(b.stats()).toMatchObject({ queued: 0, sent: 7, dropped: 0, refused: 0 }));
    expect(r.paths[0]).toBe("/api/v1/events");
  });

  it("keeps events while the receiver is down and delivers every one, once, when it is back", async () => {
    const r = await receiver();
    await r.stop();
    const b = batcher(r.baseUrl, { maxBatchSize: 10 });
    for (let i = 1; i <= 35; i++) b.record(event(i));
    await vi.waitFor(() => expect(b.stats().failedAttempts).toBeGreaterThanOrEqual(3));
    expect(b.stats()).toMatchObject({ queued: 35, sent: 0, dropped: 0 });
    expect(b.errors.at(-1)!.message).toMatch(/Could not send 10 outcome event\(s\): could not reach .*ECONNREFUSED/);

    await r.start();
    await vi.waitFor(() => expect(b.stats()).toMatchObject({ queued: 0, sent: 35 }), { timeout: 2_000 });
    expect(r.storedIds.sort()).toEqual(Array.from({ length: 35 }, (_, i) => `evt-${i + 1}`).sort());
    expect(r.batches.flat()).toHaveLength(35); // nothing sent twice
  });

  it("retries 5xx, 429 and 404 (ingestion not deployed yet) with backoff, honouring Retry-After", async () => {
    const r = await receiver();
    const statuses = [503, 429, 404];
    const times: number[] = [];
    r.answer = () => {
      times.push(performance.now());
      const status = statuses.shift();
      if (status === 429) return { status, headers: { "retry-after": "1" }, body: { error: { code: "rate_limited", message: "Slow down" } } };
      return status ? { status, body: { error: { code: "x", message: `failure ${status}` } } } : { status: 202 };
    };
    const b = batcher(r.baseUrl);
    b.record(event(1));
    await vi.waitFor(() => expect(b.stats().sent).toBe(1), { timeout: 3_000 });
    expect(b.stats().failedAttempts).toBe(3);
    expect(b.errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/failure 503 \(HTTP 503\)/),
      expect.stringMatching(/Slow down \(HTTP 429\)/),
      expect.stringMatching(/failure 404 \(HTTP 404\)/),
    ]);
    // Retry-After: 1 s between the 429 and the next attempt.
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(950);
    expect(r.storedIds).toEqual(["evt-1"]);
  });

  it("bounds the queue: beyond maxQueueSize the OLDEST events are dropped and counted", async () => {
    const r = await receiver();
    await r.stop();
    const b = batcher(r.baseUrl, { maxBatchSize: 2, maxQueueSize: 5 });
    for (let i = 1; i <= 8; i++) b.record(event(i));
    // evt-1 and 2 are on the wire: evicted, but dropped only once that send has failed.
    expect(b.stats()).toMatchObject({ queued: 5, dropped: 1 });
    await vi.waitFor(() => expect(b.stats().failedAttempts).toBeGreaterThanOrEqual(1));
    expect(b.stats()).toMatchObject({ queued: 5, dropped: 3 });
    await r.start();
    await vi.waitFor(() => expect(b.stats()).toMatchObject({ queued: 0, sent: 5, dropped: 3 }), { timeout: 2_000 });
    expect(r.storedIds.sort()).toEqual(["evt-4", "evt-5", "evt-6", "evt-7", "evt-8"]);
  });

  it("counts evicted events as sent, not dropped, when the batch on the wire gets through", async () => {
    const r = await receiver();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const errors: Error[] = [];
    // The first send waits until the queue has overflowed.
    const slowFetch: typeof fetch = async (input, init) => {
      if (calls++ === 0) await held;
      return fetch(input, init);
    };
    const b = createOutcomeEventBatcher(
      { baseUrl: r.baseUrl, service: SERVICE, token: TOKEN, fetch: slowFetch, onError: (e) => errors.push(e) },
      { maxBatchSize: 2, maxQueueSize: 3, flushIntervalMs: 60_000 },
    );
    cleanups.push(() => b.close(200));
    for (let i = 1; i <= 6; i++) b.record(event(i)); // evt-1, 2 on the wire; 4, 5, 6 queued; evt-3 dropped
    expect(b.stats()).toMatchObject({ queued: 3, dropped: 1 });
    release();
    await vi.waitFor(() => expect(b.stats()).toMatchObject({ queued: 0, sent: 5, dropped: 1 }));
    expect(r.storedIds.sort()).toEqual(["evt-1", "evt-2", "evt-4", "evt-5", "evt-6"]);
    expect(errors).toEqual([]);
  });

  it("drops a batch the server refuses as malformed (422), reports it, and goes on with the next", async () => {
    const r = await receiver();
    r.answer = (batch) =>
      batch.some((e) => e.eventId === "evt-2") ? { status: 422, body: { error: { code: "invalid_input", message: "events.0.tenant: Required" } } } : { status: 202 };
    const b = batcher(r.baseUrl, { maxBatchSize: 2 });
    for (let i = 1; i <= 4; i++) b.record(event(i));
    await vi.waitFor(() => expect(b.stats()).toMatchObject({ queued: 0, sent: 2, refused: 2 }));
    expect(r.storedIds).toEqual(["evt-3", "evt-4"]);
    expect(b.errors[0]!.message).toMatch(/did not take 2 outcome event\(s\): events\.0\.tenant: Required \(HTTP 422\)/);
  });

  it("close() sends what is left, and counts events recorded afterwards as dropped", async () => {
    const r = await receiver();
    const b = batcher(r.baseUrl, { flushIntervalMs: 60_000 });
    b.record(event(1));
    b.record(event(2));
    expect(r.batches).toHaveLength(0);
    expect(await b.close()).toMatchObject({ queued: 0, sent: 2 });
    b.record(event(3));
    expect(b.stats()).toMatchObject({ dropped: 1, queued: 0 });
  });

  it("puts the service slug into a configured path", async () => {
    const r = await receiver();
    const b = batcher(r.baseUrl, { path: "/api/v1/services/{service}/events" });
    b.record(event(1));
    await vi.waitFor(() => expect(r.paths).toEqual([`/api/v1/services/${SERVICE}/events`]));
  });
});

describe("outcomeFieldsOf", () => {
  it("takes the release, arm and component labels from a resolved configuration", () => {
    const components = bundle("0001");
    expect(outcomeFieldsOf({ releaseId: "rel_20261122_0900_0001", arm: "canary", components }, "acme")).toEqual({
      releaseId: "rel_20261122_0900_0001",
      arm: "canary",
      tenant: "acme",
      componentVersions: { prompt: "prompt-0001", retrieval: "retrieval-0001", policy: "policy-0001", tool_permission: "tool_permission-0001", routing: "routing-0001" },
    });
  });
});
