import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { services } from "@/db/schema";
import { seedDemo } from "@/db/seed";
import { testDb, testDbHandle } from "@/db/testing";
import { createApiToken } from "@/lib/api/tokens";
import { defaultServiceSettings } from "@/lib/services/settings";
import { forgetRuntimeTokens } from "@/lib/runtime/access";
import { assignArm } from "@/lib/runtime/bucketing";
import { runtimeCache, stopRuntimeCache } from "@/lib/runtime/cache";
import type { ResolvedConfig, ServiceSnapshot } from "@/lib/runtime/resolve";
import { changePointer, countDriverCalls, demoService, waitUntil, type DemoService } from "@/lib/runtime/test-fixtures";
import { GET as getConfig } from "./config/route";
import { GET as getSnapshot } from "./snapshot/route";
import { GET as getStream } from "./stream/route";

const NOW = new Date("2026-11-22T09:41:27.000Z");
const BASE = "http://changegate.test/api/v1/services";

let support: DemoService;
let supportToken: string;
let incidentToken: string;

type Handler = typeof getConfig;

function call(handler: Handler, service: string, path: string, init: { token?: string | null; headers?: Record<string, string>; signal?: AbortSignal } = {}) {
  const headers = new Headers(init.headers);
  const token = init.token === undefined ? supportToken : init.token;
  if (token) headers.set("authorization", `Bearer ${token}`);
  const request = new Request(`${BASE}/${encodeURIComponent(service)}/${path}`, { headers, signal: init.signal });
  return handler(request, { params: Promise.resolve({ service }) });
}

const config = (subject: string | null, init: Parameters<typeof call>[3] & { tenant?: string; service?: string } = {}) => {
  const query = new URLSearchParams();
  if (subject !== null) query.set("subject", subject);
  if (init.tenant) query.set("tenant", init.tenant);
  return call(getConfig, init.service ?? "support-assistant", `config?${query}`, init);
};

async function errorOf(response: Response) {
  const body = (await response.json()) as { error: { code: string; message: string } };
  return { status: response.status, code: body.error.code, message: body.error.message };
}

/** Reads Server-Sent Events from a response body. */
function sseReader(response: Response) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const blocks: string[] = [];
  // A read that outlived a timeout is kept, so the chunk it brings is not lost.
  let pending: ReturnType<typeof reader.read> | null = null;
  return {
    /** The next event or comment block, or null if none arrives within `timeoutMs`. */
    async next(timeoutMs = 1_000): Promise<{ event?: string; id?: string; data?: string; comment?: string; retry?: string } | null> {
      const deadline = Date.now() + timeoutMs;
      while (blocks.length === 0) {
        const left = deadline - Date.now();
        if (left <= 0) return null;
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise<"timeout">((resolve) => {
          timer = setTimeout(() => resolve("timeout"), left);
        });
        pending ??= reader.read();
        const chunk = await Promise.race([pending, timeout]);
        clearTimeout(timer);
        if (chunk === "timeout") return null;
        pending = null;
        if (chunk.done) throw new Error("The stream ended");
        buffer += decoder.decode(chunk.value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          blocks.push(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
      const out: Record<string, string> = {};
      for (const line of blocks.shift()!.split("\n")) {
        if (line.startsWith(":")) out.comment = line.slice(1).trim();
        else {
          const at = line.indexOf(":");
          out[line.slice(0, at)] = line.slice(at + 1).trimStart();
        }
      }
      return out;
    },
    /** The next `snapshot` event, skipping retry hints and heartbeats. */
    async nextSnapshot(timeoutMs = 1_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const block = await this.next(Math.max(0, deadline - Date.now()));
        if (!block) return null;
        if (block.event === "snapshot") return { id: block.id!, snapshot: JSON.parse(block.data!) as ServiceSnapshot };
      }
    },
    read: () => pending ?? reader.read(),
    cancel: () => reader.cancel(),
  };
}

beforeAll(async () => {
  const credentials = await seedDemo(testDb(), { now: NOW });
  supportToken = credentials.tokens.find((t) => t.service === "support-assistant")!.token;
  incidentToken = credentials.tokens.find((t) => t.service === "incident-assistant")!.token;
  support = await demoService(testDb(), "support-assistant");
  const cache = await runtimeCache();
  await waitUntil(() => cache.isListening, 5_000, "the LISTEN connection");
});

afterAll(async () => {
  await stopRuntimeCache();
  forgetRuntimeTokens();
});

describe("GET /api/v1/services/{service}/config", () => {
  it("answers the stable release to everyone when there is no canary", async () => {
    const response = await config("user-1", { tenant: "acme" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(response.headers.get("cache-control")).toBe("no-cache");
    expect(response.headers.get("etag")).toMatch(/^"cfg-/);
    const body = (await response.json()) as ResolvedConfig;
    expect(body).toMatchObject({ releaseId: support.stableReleaseId, arm: "stable", pointerRevision: support.revision });
    expect(Object.keys(body.components)).toEqual(["prompt", "retrieval", "policy", "tool_permission", "routing"]);
    expect(body.components.prompt).toEqual({
      version: expect.any(String),
      versionId: expect.any(String),
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      content: expect.any(Object),
    });
  });

  it("assigns each subject the arm the shared bucketing gives, honouring tenants", async () => {
    const revision = await changePointer(testDb(), support.id, { canaryReleaseId: support.otherReleaseId, canaryPercent: 30, canaryTenants: ["acme", "globex"] });
    const cache = await runtimeCache();
    await waitUntil(() => cache.peek("support-assistant")?.snapshot.pointerRevision === revision, 1_000, "the canary");

    const arms = { canary: 0, stable: 0 };
    for (let i = 0; i < 200; i++) {
      const subject = `user-${i}`;
      for (const tenant of ["acme", "initech"]) {
        const expected = assignArm({ service: "support-assistant", canaryReleaseId: support.otherReleaseId, canaryPercent: 30, canaryTenants: ["acme", "globex"], subject, tenant });
        const body = (await (await config(subject, { tenant })).json()) as ResolvedConfig;
        expect(body.arm, `${subject}@${tenant}`).toBe(expected);
        expect(body.releaseId).toBe(expected === "canary" ? support.otherReleaseId : support.stableReleaseId);
        expect(body.pointerRevision).toBe(revision);
        if (tenant === "initech") expect(body.arm).toBe("stable");
        else arms[body.arm]++;
      }
    }
    // About 30% of the targeted tenant's subjects (a test that cannot pass with everyone in one arm).
    expect(arms.canary).toBeGreaterThan(40);
    expect(arms.stable).toBeGreaterThan(100);
  });

  it("answers 304 to a caller holding the current ETag, and 200 again after the pointer moves", async () => {
    const first = await config("user-304", { tenant: "acme" });
    const etag = first.headers.get("etag")!;
    const again = await config("user-304", { tenant: "acme", headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get("etag")).toBe(etag);
    expect(await again.text()).toBe("");
    // A list, a weak form and * match too; another arm's tag does not.
    expect((await config("user-304", { tenant: "acme", headers: { "if-none-match": `"other", W/${etag}` } })).status).toBe(304);
    expect((await config("user-304", { tenant: "acme", headers: { "if-none-match": "*" } })).status).toBe(304);
    expect((await config("user-304", { tenant: "acme", headers: { "if-none-match": '"cfg-something-else"' } })).status).toBe(200);

    const revision = await changePointer(testDb(), support.id, { canaryPercent: 0, canaryReleaseId: null, canaryTenants: [] });
    const cache = await runtimeCache();
    await waitUntil(() => cache.peek("support-assistant")?.snapshot.pointerRevision === revision, 1_000, "the change");
    const after = await config("user-304", { tenant: "acme", headers: { "if-none-match": etag } });
    expect(after.status).toBe(200);
    expect(after.headers.get("etag")).not.toBe(etag);
  });

  it("serves a warm request without touching the database (token and snapshot from memory)", async () => {
    expect((await config("warm-up")).status).toBe(200);
    const calls = countDriverCalls(testDbHandle());
    try {
      for (let i = 0; i < 200; i++) expect((await config(`user-${i}`, { tenant: "acme" })).status).toBe(200);
      expect(calls.count).toBe(0);
      forgetRuntimeTokens();
      expect((await config("user-cold-token")).status).toBe(200);
      expect(calls.count).toBeGreaterThan(0); // the counter does see the token lookup
    } finally {
      calls.restore();
    }
  });

  it.each<[string, () => Promise<Response>, number, string, RegExp]>([
    ["no token", () => config("u", { token: null }), 401, "unauthenticated", /Bearer/],
    ["an unknown token", () => config("u", { token: `cg_support-assistant_${"0".repeat(40)}` }), 401, "unauthenticated", /not known/],
    ["another service's token", () => config("u", { token: incidentToken }), 403, "forbidden", /belongs to service "incident-assistant", not "support-assistant"/],
    ["an unknown service", () => config("u", { service: "no-such-service" }), 404, "not_found", /no service "no-such-service"/],
    ["no subject", () => config(null), 422, "invalid_input", /subject/],
    ["an empty subject", () => config(""), 422, "invalid_input", /subject/],
    ["a subject of 513 characters", () => config("x".repeat(513)), 422, "invalid_input", /512/],
  ])("refuses %s", async (_name, request, status, code, message) => {
    const response = await request();
    const error = await errorOf(response);
    expect(error).toMatchObject({ status, code });
    expect(error.message).toMatch(message);
  });

  it("refuses a token without the read scope (403), and answers 404 for a service with nothing released", async () => {
    const [service] = await testDb()
      .insert(services)
      .values({ slug: `unreleased-${randomUUID().slice(0, 6)}`, name: "Unreleased", settings: defaultServiceSettings() })
      .returning();
    const writeOnly = await testDb().transaction((tx) => createApiToken(tx, { serviceId: service!.id, name: "CI", scopes: ["write"], createdById: null }));
    const reader = await testDb().transaction((tx) => createApiToken(tx, { serviceId: service!.id, name: "runtime", scopes: ["read"], createdById: null }));

    expect(await errorOf(await config("u", { service: service!.slug, token: writeOnly.token }))).toMatchObject({ status: 403, code: "forbidden" });
    const unreleased = await errorOf(await config("u", { service: service!.slug, token: reader.token }));
    expect(unreleased).toMatchObject({ status: 404, code: "not_found" });
    expect(unreleased.message).toMatch(/no active release/);
  });
});

describe("GET /api/v1/services/{service}/snapshot", () => {
  it("answers the whole snapshot with its ETag, and 304 when the caller holds it", async () => {
    const response = await call(getSnapshot, "support-assistant", "snapshot");
    expect(response.status).toBe(200);
    const snapshot = (await response.json()) as ServiceSnapshot;
    expect(response.headers.get("etag")).toBe(snapshot.etag);
    expect(snapshot).toMatchObject({ service: "support-assistant", serviceId: support.id, stable: { releaseId: support.stableReleaseId } });
    const again = await call(getSnapshot, "support-assistant", "snapshot", { headers: { "if-none-match": snapshot.etag } });
    expect(again.status).toBe(304);
    expect((await call(getSnapshot, "support-assistant", "snapshot", { token: incidentToken })).status).toBe(403);
  });
});

describe("GET /api/v1/services/{service}/stream", () => {
  it("sends the snapshot on connect, then every change, and unsubscribes when the client goes away", async () => {
    const cache = await runtimeCache();
    const abort = new AbortController();
    const response = await call(getStream, "support-assistant", "stream", { signal: abort.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(response.headers.get("cache-control")).toContain("no-transform");
    const events = sseReader(response);

    const first = (await events.nextSnapshot())!;
    const current = cache.peek("support-assistant")!.snapshot;
    expect(first.id).toBe(String(current.pointerRevision));
    expect(first.snapshot).toEqual(current);
    expect(cache.subscriberCount("support-assistant")).toBe(1);

    const started = performance.now();
    const revision = await changePointer(testDb(), support.id, { canaryReleaseId: support.otherReleaseId, canaryPercent: 10, canaryTenants: [] });
    const pushed = (await events.nextSnapshot(1_000))!;
    console.info(`[runtime stream] change pushed ${(performance.now() - started).toFixed(1)} ms after the commit began`);
    expect(pushed.id).toBe(String(revision));
    expect(pushed.snapshot.canary).toMatchObject({ releaseId: support.otherReleaseId, percent: 10 });

    abort.abort();
    await waitUntil(() => cache.subscriberCount("support-assistant") === 0, 1_000, "the unsubscribe");
    expect((await events.read()).done).toBe(true);
  });

  it("does not resend what a reconnecting client holds (Last-Event-ID), but sends the next change", async () => {
    const cache = await runtimeCache();
    const held = cache.peek("support-assistant")!.snapshot.pointerRevision;
    const abort = new AbortController();
    const response = await call(getStream, "support-assistant", "stream", { signal: abort.signal, headers: { "last-event-id": String(held) } });
    const events = sseReader(response);
    expect(await events.nextSnapshot(300)).toBeNull();

    const revision = await changePointer(testDb(), support.id, { canaryReleaseId: null, canaryPercent: 0 });
    expect((await events.nextSnapshot(1_000))!.id).toBe(String(revision));
    abort.abort();

    // An older Last-Event-ID gets the current snapshot at once.
    const stale = new AbortController();
    const again = sseReader(await call(getStream, "support-assistant", "stream", { signal: stale.signal, headers: { "last-event-id": String(held) } }));
    expect((await again.nextSnapshot(1_000))!.id).toBe(String(revision));
    stale.abort();
    await waitUntil(() => cache.subscriberCount("support-assistant") === 0, 1_000, "the unsubscribes");
  });

  it("refuses before streaming: another service's token, an unknown service", async () => {
    expect((await call(getStream, "support-assistant", "stream", { token: incidentToken })).status).toBe(403);
    expect((await call(getStream, "no-such-service", "stream")).status).toBe(404);
  });
});
