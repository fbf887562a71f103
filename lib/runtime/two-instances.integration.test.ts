import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "@/db/seed";
import { requestedTestDbKind, testDb, testDbHandle } from "@/db/testing";

/**
 * Issue 4 acceptance: two app instances on one PostgreSQL database; a rollback through one is
 * visible through the runtime API and the stream of the other within a second. Each instance is
 * its own process (lib/runtime/testing/instance-server.ts: the server's boot, LISTEN and the real
 * route handlers). PostgreSQL only: PGlite is one process by design.
 */

const onPostgres = requestedTestDbKind() === "postgres";
const SERVICE = "support-assistant";
const instances: { child: ChildProcess; base: string }[] = [];
let token = "";

function startInstance(databaseUrl: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(
    process.execPath,
    [path.resolve("node_modules/tsx/dist/cli.mjs"), "--conditions=react-server", "lib/runtime/testing/instance-server.ts"],
    {
      env: { ...process.env, DATABASE_URL: databaseUrl, INSTANCE_PORT: "0", AUTH_SECRET: "two-instances-test-secret", CHANGEGATE_DEMO: "off", NODE_ENV: "production" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`instance did not start within 60 s:\n${output}`)), 60_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, base: `http://127.0.0.1:${match[1]}` });
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("exit", (code) => reject(new Error(`instance exited (${code}):\n${output}`)));
  });
}

const auth = () => ({ authorization: `Bearer ${token}` });

async function configOf(base: string): Promise<{ releaseId: string; components: Record<string, { version: string }> }> {
  const response = await fetch(`${base}/api/v1/services/${SERVICE}/config?subject=user-1`, { headers: auth() });
  expect(response.status).toBe(200);
  return (await response.json()) as { releaseId: string; components: Record<string, { version: string }> };
}

/** Collects the `data:` of every SSE event the stream sends. */
function follow(base: string) {
  const controller = new AbortController();
  const events: { at: number; data: string }[] = [];
  const done = (async () => {
    const response = await fetch(`${base}/api/v1/services/${SERVICE}/stream`, { headers: auth(), signal: controller.signal });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done: end } = await reader.read();
      if (end) return;
      buffer += decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const data = block
          .split("\n")
          .filter((l) => l.startsWith("data:"))
          .map((l) => l.slice(5).trim())
          .join("\n");
        if (data) events.push({ at: performance.now(), data });
      }
    }
  })().catch(() => undefined);
  return { events, stop: () => controller.abort(), done };
}

describe.skipIf(!onPostgres)("two app instances on one PostgreSQL", () => {
  beforeAll(async () => {
    const credentials = await seedDemo(testDb(), { now: new Date("2026-11-20T10:00:00Z") });
    token = credentials.tokens.find((t) => t.service === SERVICE)!.token;
    const url = testDbHandle().url!;
    instances.push(...(await Promise.all([startInstance(url), startInstance(url)])));
  }, 120_000);

  afterAll(() => {
    for (const { child } of instances) child.kill("SIGTERM");
  });

  it("a rollback through instance A is served by instance B's runtime API and stream within a second", async () => {
    const [a, b] = [instances[0]!, instances[1]!];
    const before = await configOf(b.base);
    expect(await configOf(a.base)).toEqual(before);
    const stream = follow(b.base);
    // The stream's first event is the pointer now; the rollback's comes after it.
    await expect.poll(() => stream.events.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(1);
    const seen = stream.events.length;

    const status = (await (await fetch(`${a.base}/api/v1/services/${SERVICE}/status`, { headers: auth() })).json()) as { pointer: { revision: number } };
    const clicked = performance.now();
    const response = await fetch(`${a.base}/api/v1/services/${SERVICE}/rollbacks`, {
      method: "POST",
      headers: { ...auth(), "content-type": "application/json" },
      body: JSON.stringify({ component: "prompt", reason: "latency regression", expectedPointerRevision: status.pointer.revision }),
    });
    const committed = performance.now();
    expect(response.status, await response.clone().text()).toBe(201);
    const { releaseId } = (await response.json()) as { releaseId: string };
    expect(releaseId).not.toBe(before.releaseId);

    // B's runtime API answers with the new release within a second of the commit.
    let servedAt = 0;
    await expect
      .poll(
        async () => {
          const now = (await configOf(b.base)).releaseId;
          if (now === releaseId && !servedAt) servedAt = performance.now();
          return now;
        },
        { timeout: 1_000, interval: 20 },
      )
      .toBe(releaseId);
    // …and B's stream has pushed it.
    await expect.poll(() => stream.events.slice(seen).some((e) => e.data.includes(releaseId)), { timeout: 1_000, interval: 20 }).toBe(true);
    const pushedAt = stream.events.slice(seen).find((e) => e.data.includes(releaseId))!.at;
    stream.stop();
    console.log(`[two instances] rollback answered in ${(committed - clicked).toFixed(0)} ms; B served it ${(servedAt - committed).toFixed(0)} ms and streamed it ${(pushedAt - committed).toFixed(0)} ms after the answer`);
    expect(pushedAt - committed).toBeLessThan(1_000);
    expect(servedAt - committed).toBeLessThan(1_000);
  });
});
