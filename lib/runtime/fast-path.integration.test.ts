import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "@/db/seed";
import { testDb, testDbHandle } from "@/db/testing";
import { GET as routeGet } from "@/app/api/v1/services/[service]/config/route";
import { forgetRuntimeTokens } from "./access";
import { assignArm } from "./bucketing";
import { runtimeCache, stopRuntimeCache } from "./cache";
import { handleRuntimeFastPath } from "./fast-path";
import type { ResolvedConfig } from "./resolve";
import { changePointer, countDriverCalls, demoService, waitUntil, type DemoService } from "./test-fixtures";

/**
 * The fast path in front of the route, as lib/launcher/server.mjs puts it: every request is
 * offered to handleRuntimeFastPath first, and what it declines goes to the App Router's handler
 * (here called directly). Answers must not depend on which of the two gave them.
 */

const NOW = new Date("2026-11-22T09:41:27.000Z");

let server: http.Server;
let base: string;
let support: DemoService;
let supportToken: string;
let incidentToken: string;

interface Answer {
  status: number;
  body: string;
  etag: string | null;
  contentType: string | null;
  cacheControl: string | null;
  servedBy: "fast" | "route";
}

async function toNodeResponse(response: Response, res: http.ServerResponse) {
  const headers: Record<string, string> = { "x-served-by": "route" };
  response.headers.forEach((value, key) => (headers[key] = value));
  res.writeHead(response.status, headers);
  res.end(Buffer.from(await response.arrayBuffer()));
}

beforeAll(async () => {
  const credentials = await seedDemo(testDb(), { now: NOW });
  supportToken = credentials.tokens.find((t) => t.service === "support-assistant")!.token;
  incidentToken = credentials.tokens.find((t) => t.service === "incident-assistant")!.token;
  support = await demoService(testDb(), "support-assistant");
  const cache = await runtimeCache();
  await waitUntil(() => cache.isListening, 5_000, "the LISTEN connection");

  server = http.createServer((req, res) => {
    if (handleRuntimeFastPath(req, res)) return;
    const url = new URL(req.url!, "http://changegate.test");
    const service = decodeURIComponent(url.pathname.split("/")[4] ?? "");
    const headers = new Headers();
    for (const [key, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(key, value);
    void routeGet(new Request(url, { headers }), { params: Promise.resolve({ service }) }).then((response) => toNodeResponse(response, res));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/services`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await stopRuntimeCache();
  forgetRuntimeTokens();
});

async function get(path: string, headers: Record<string, string> = {}, token: string | null = supportToken): Promise<Answer> {
  const response = await fetch(`${base}/${path}`, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
  return {
    status: response.status,
    body: await response.text(),
    etag: response.headers.get("etag"),
    contentType: response.headers.get("content-type"),
    cacheControl: response.headers.get("cache-control"),
    servedBy: response.headers.get("x-served-by") === "route" ? "route" : "fast",
  };
}

const config = (subject: string, tenant = "acme", headers: Record<string, string> = {}, token?: string | null) =>
  get(`support-assistant/config?subject=${encodeURIComponent(subject)}&tenant=${tenant}`, headers, token);

describe("the runtime fast path", () => {
  it("declines a token it has not seen authenticate; the route authenticates it, then the fast path answers", async () => {
    forgetRuntimeTokens();
    const first = await config("user-1");
    expect(first).toMatchObject({ status: 200, servedBy: "route" });
    const second = await config("user-1");
    expect(second.servedBy).toBe("fast");
    // Same answer, byte for byte, whichever gave it.
    expect({ ...second, servedBy: "route" }).toEqual(first);
  });

  it("gives every subject the same arm, body and ETag as the route, canary included", async () => {
    const revision = await changePointer(testDb(), support.id, { canaryReleaseId: support.otherReleaseId, canaryPercent: 30, canaryTenants: ["acme"] });
    const cache = await runtimeCache();
    await waitUntil(() => cache.peekCurrent("support-assistant")?.snapshot.pointerRevision === revision, 2_000, "the canary");
    await config("warm-up");

    const arms = { canary: 0, stable: 0 };
    for (let i = 0; i < 120; i++) {
      for (const tenant of ["acme", "initech"]) {
        const fast = await config(`user-${i}`, tenant);
        expect(fast.servedBy, `user-${i}@${tenant}`).toBe("fast");
        const body = JSON.parse(fast.body) as ResolvedConfig;
        const expected = assignArm({ service: "support-assistant", canaryReleaseId: support.otherReleaseId, canaryPercent: 30, canaryTenants: ["acme"], subject: `user-${i}`, tenant });
        expect(body.arm).toBe(expected);
        expect(body.pointerRevision).toBe(revision);
        arms[body.arm]++;

        forgetRuntimeTokens(); // the next call goes to the route
        const route = await config(`user-${i}`, tenant);
        expect(route.servedBy).toBe("route");
        expect({ ...fast, servedBy: "route" }).toEqual(route);
      }
    }
    expect(arms.canary).toBeGreaterThan(20); // ~30% of the 120 acme subjects
    expect(arms.stable).toBeGreaterThan(120);
  });

  it("answers 304 for a matching If-None-Match, like the route", async () => {
    const first = await config("user-304");
    const again = await config("user-304", "acme", { "if-none-match": `"other", W/${first.etag}` });
    expect(again).toMatchObject({ status: 304, servedBy: "fast", etag: first.etag, body: "" });
    expect((await config("user-304", "acme", { "if-none-match": '"cfg-nope"' })).status).toBe(200);
  });

  it("leaves every error to the route: bad query, another service's token, no token", async () => {
    await config("warm");
    const noSubject = await get("support-assistant/config?tenant=acme");
    expect(noSubject).toMatchObject({ status: 422, servedBy: "route" });
    expect((await get(`support-assistant/config?subject=${"x".repeat(513)}`)).servedBy).toBe("route");
    expect(await config("u", "acme", {}, null)).toMatchObject({ status: 401, servedBy: "route" });
    await get("incident-assistant/config?subject=warm", {}, incidentToken);
    const crossed = await config("u", "acme", {}, incidentToken);
    expect(crossed).toMatchObject({ status: 403, servedBy: "route" });
    expect((await get("support-assistant/snapshot")).servedBy).toBe("route");
  });

  it("does not serve a snapshot announced as changed: the route waits for the reload", async () => {
    await config("warm");
    const cache = await runtimeCache();
    const before = cache.peekCurrent("support-assistant")!.snapshot.pointerRevision;
    const revision = await changePointer(testDb(), support.id, { canaryPercent: 0, canaryReleaseId: null, canaryTenants: [] });
    // Whichever answers, nobody gets the old revision once the change is heard.
    await waitUntil(() => cache.peekCurrent("support-assistant")?.snapshot.pointerRevision !== before, 2_000, "the reload");
    const after = JSON.parse((await config("user-after")).body) as ResolvedConfig;
    expect(after.pointerRevision).toBe(revision);
    expect(after.arm).toBe("stable");
  });

  it("answers warm requests without touching the database", async () => {
    await config("warm");
    const calls = countDriverCalls(testDbHandle());
    try {
      for (let i = 0; i < 100; i++) expect((await config(`user-${i}`)).servedBy).toBe("fast");
      expect(calls.count).toBe(0);
    } finally {
      calls.restore();
    }
  });
});
