import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { auditLog, services, users, webhookDeliveries, webhooks } from "@/db/schema";
import { testDb } from "@/db/testing";
import type { Role } from "@/lib/auth/permissions";
import { defaultServiceSettings } from "@/lib/services/settings";
import { createWebhook, deleteWebhook, sendTestWebhook, setWebhookActive } from "./actions";
import { MAX_DELIVERY_ATTEMPTS, retryDelayMs, secretFingerprint, verifyWebhookSignature } from "./signing";
import { listRecentDeliveries, listWebhooks } from "./queries";
import { deliverDueWebhooks, enqueueWebhookEvent, startWebhookWorker, type WebhookEvent } from "./webhooks";

let signedIn: string | null = null;
vi.mock("@/lib/auth/config", () => ({
  auth: async () => (signedIn ? { user: { id: signedIn } } : null),
}));
vi.mock("next/cache", () => ({ revalidatePath: vi.fn() }));

// ---- a local receiver: /ok answers 200, /fail 500, /hang never answers ----

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}
let received: Received[] = [];
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      if (req.url?.startsWith("/ok")) res.writeHead(204).end();
      else if (req.url?.startsWith("/fail")) res.writeHead(500, { "content-type": "text/plain" }).end("boom: database down");
      // /hang: keep the connection open and never answer.
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

// ---- fixtures ----

let serviceA: string;
let serviceB: string;

beforeAll(async () => {
  const rows = await testDb()
    .insert(services)
    .values([
      { slug: `svc-a-${randomUUID().slice(0, 6)}`, name: "Service A", settings: defaultServiceSettings() },
      { slug: `svc-b-${randomUUID().slice(0, 6)}`, name: "Service B", settings: defaultServiceSettings() },
    ])
    .returning({ id: services.id });
  serviceA = rows[0]!.id;
  serviceB = rows[1]!.id;
});

beforeEach(async () => {
  // Each test sees only its own webhooks and deliveries as live.
  await testDb().update(webhookDeliveries).set({ status: "failed" }).where(eq(webhookDeliveries.status, "pending"));
  await testDb().update(webhooks).set({ active: false });
  received = [];
  signedIn = null;
});

async function addWebhook(opts: { path: string; events?: WebhookEvent[]; serviceId?: string | null; active?: boolean }) {
  const secret = `whsec_test_${randomUUID()}`;
  const [hook] = await testDb()
    .insert(webhooks)
    .values({
      url: `${base}${opts.path}`,
      serviceId: opts.serviceId ?? null,
      events: opts.events ?? ["approval_requested", "approved", "rejected"],
      secret,
      active: opts.active ?? true,
    })
    .returning();
  return hook!;
}

async function enqueue(event: WebhookEvent, serviceId: string | null, now: Date, payload: Record<string, unknown> = { changeRequest: 7 }) {
  return testDb().transaction((tx) => enqueueWebhookEvent(tx, { event, serviceId, payload, now }));
}

async function deliveryById(id: string) {
  const [row] = await testDb().select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id));
  return row!;
}

async function createUser(name: string, role: Role) {
  const [user] = await testDb()
    .insert(users)
    .values({ name, email: `${name.toLowerCase()}.${randomUUID().slice(0, 8)}@example.com`, role, passwordHash: "x" })
    .returning();
  return user!;
}

function form(fields: Record<string, string | string[]>) {
  const data = new FormData();
  for (const [k, v] of Object.entries(fields)) for (const item of [v].flat()) data.append(k, item);
  return data;
}

// ---- enqueue + deliver ----

describe("enqueueWebhookEvent", () => {
  it("sends nothing when the enqueuing transaction rolls back", async () => {
    await addWebhook({ path: "/ok/rollback" });
    const now = new Date();
    await expect(
      testDb().transaction(async (tx) => {
        const ids = await enqueueWebhookEvent(tx, { event: "approved", serviceId: serviceA, payload: {}, now });
        expect(ids).toHaveLength(1);
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");

    expect(await deliverDueWebhooks({ now })).toEqual({ claimed: 0, delivered: 0, retrying: 0, failed: 0 });
    expect(received).toEqual([]);
  });

  it("queues only for active webhooks subscribed to the event and scoped to the service or to all", async () => {
    const all = await addWebhook({ path: "/ok/all" });
    const forA = await addWebhook({ path: "/ok/a", serviceId: serviceA });
    await addWebhook({ path: "/ok/b", serviceId: serviceB });
    await addWebhook({ path: "/ok/unsubscribed", events: ["rollback"] });
    await addWebhook({ path: "/ok/inactive", active: false });
    const now = new Date();

    const ids = await enqueue("approved", serviceA, now);
    const rows = await Promise.all(ids.map(deliveryById));
    expect(rows.map((r) => r.webhookId).sort()).toEqual([all.id, forA.id].sort());

    await deliverDueWebhooks({ now });
    expect(received.map((r) => r.path).sort()).toEqual(["/ok/a", "/ok/all"]);
  });

  it("queues nothing when no webhook wants the event", async () => {
    await addWebhook({ path: "/ok/b-only", serviceId: serviceB, events: ["approved"] });
    await addWebhook({ path: "/ok/rollbacks", events: ["rollback"] });
    expect(await enqueue("approved", serviceA, new Date())).toEqual([]);
    expect(await enqueue("canary_breach", serviceB, new Date())).toEqual([]);
    const [row] = await testDb().select().from(webhookDeliveries).where(eq(webhookDeliveries.status, "pending"));
    expect(row).toBeUndefined();
  });
});

describe("deliverDueWebhooks", () => {
  it("POSTs the JSON body with headers whose signature verifies with the webhook's secret", async () => {
    const hook = await addWebhook({ path: "/ok/signed", serviceId: serviceA });
    const now = new Date();
    const [id] = await enqueue("approval_requested", serviceA, now, { changeRequest: { id: "cr-1", title: "Tone down" } });

    expect(await deliverDueWebhooks({ now })).toEqual({ claimed: 1, delivered: 1, retrying: 0, failed: 0 });
    expect(received).toHaveLength(1);
    const req = received[0]!;
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.headers["changegate-event"]).toBe("approval_requested");
    expect(req.headers["changegate-delivery"]).toBe(id);
    expect(JSON.parse(req.body)).toEqual({
      id,
      event: "approval_requested",
      occurredAt: now.toISOString(),
      serviceId: serviceA,
      data: { changeRequest: { id: "cr-1", title: "Tone down" } },
    });
    const check = {
      secret: hook.secret,
      timestamp: String(req.headers["changegate-timestamp"]),
      body: req.body,
      signature: String(req.headers["changegate-signature"]),
      now,
    };
    expect(verifyWebhookSignature(check)).toEqual({ valid: true });
    expect(verifyWebhookSignature({ ...check, secret: "whsec_wrong" })).toEqual({ valid: false, reason: "mismatch" });
    expect(verifyWebhookSignature({ ...check, body: req.body.replace("Tone", "Tune") })).toEqual({ valid: false, reason: "mismatch" });

    expect(await deliveryById(id!)).toMatchObject({ status: "delivered", attempts: 1, lastStatusCode: 204, lastError: null, deliveredAt: now });
    // Delivered once: a second run finds nothing.
    expect((await deliverDueWebhooks({ now: new Date(now.getTime() + 3_600_000) })).claimed).toBe(0);
  });

  it("retries a 500 on the backoff schedule and marks it failed after the last attempt", async () => {
    await addWebhook({ path: "/fail" });
    const start = new Date();
    const [id] = await enqueue("rejected", serviceA, start);

    expect(await deliverDueWebhooks({ now: start })).toEqual({ claimed: 1, delivered: 0, retrying: 1, failed: 0 });
    expect(await deliveryById(id!)).toMatchObject({
      status: "pending",
      attempts: 1,
      lastStatusCode: 500,
      lastError: "Receiver answered HTTP 500: boom: database down",
      nextAttemptAt: new Date(start.getTime() + retryDelayMs(1)!),
      deliveredAt: null,
    });

    // Not due yet: a run one second early sends nothing.
    expect((await deliverDueWebhooks({ now: new Date(start.getTime() + retryDelayMs(1)! - 1_000) })).claimed).toBe(0);

    for (let attempt = 2; attempt <= MAX_DELIVERY_ATTEMPTS; attempt++) {
      const { nextAttemptAt } = await deliveryById(id!);
      await deliverDueWebhooks({ now: nextAttemptAt });
      const row = await deliveryById(id!);
      expect(row.attempts).toBe(attempt);
      if (attempt < MAX_DELIVERY_ATTEMPTS) {
        expect(row.status).toBe("pending");
        expect(row.nextAttemptAt.getTime() - nextAttemptAt.getTime()).toBe(retryDelayMs(attempt));
      } else {
        expect(row.status).toBe("failed");
      }
    }
    expect(received.filter((r) => r.headers["changegate-delivery"] === id)).toHaveLength(MAX_DELIVERY_ATTEMPTS);
    // Every retry carries the same body and delivery id.
    expect(new Set(received.map((r) => r.body)).size).toBe(1);
    // Failed is final.
    expect((await deliverDueWebhooks({ now: new Date(start.getTime() + 86_400_000) })).claimed).toBe(0);
  });

  it("records a receiver that hangs as a timeout after 5 s, and resolves instead of throwing", async () => {
    await addWebhook({ path: "/hang" });
    const now = new Date();
    const [id] = await enqueue("approved", null, now);

    const began = Date.now();
    const summary = await deliverDueWebhooks({ now });
    const elapsed = Date.now() - began;
    expect(summary).toEqual({ claimed: 1, delivered: 0, retrying: 1, failed: 0 });
    expect(elapsed).toBeGreaterThanOrEqual(4_500);
    expect(elapsed).toBeLessThan(15_000);
    expect(await deliveryById(id!)).toMatchObject({
      status: "pending",
      attempts: 1,
      lastStatusCode: null,
      lastError: "Timed out after 5 s without a response.",
    });
  });

  it("records an unreachable receiver and a throwing fetch without throwing", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await testDb().insert(webhooks).values({ url: `http://127.0.0.1:${port}/nobody`, events: ["freeze"], secret: "whsec_x" });
    const now = new Date();
    const [id] = await enqueue("freeze", serviceA, now);
    await expect(deliverDueWebhooks({ now })).resolves.toMatchObject({ claimed: 1, retrying: 1 });
    expect((await deliveryById(id!)).lastError).toMatch(/^Could not connect: ECONNREFUSED/);

    const later = new Date(now.getTime() + retryDelayMs(1)!);
    const fetchImpl = (() => {
      throw "not even an Error";
    }) as unknown as typeof fetch;
    await expect(deliverDueWebhooks({ now: later, fetchImpl })).resolves.toMatchObject({ claimed: 1, retrying: 1 });
    expect(await deliveryById(id!)).toMatchObject({ attempts: 2, lastError: "Request failed: not even an Error" });
  });

  it("does not follow redirects: a 3xx is retried, not counted as delivered", async () => {
    const fetchImpl = (async (_url: string, init: RequestInit) => {
      expect(init.redirect).toBe("manual");
      return new Response(null, { status: 302, headers: { location: "https://elsewhere.example" } });
    }) as unknown as typeof fetch;
    await addWebhook({ path: "/ok/redirect" });
    const now = new Date();
    const [id] = await enqueue("approved", serviceA, now);
    await deliverDueWebhooks({ now, fetchImpl });
    expect(await deliveryById(id!)).toMatchObject({ status: "pending", lastStatusCode: 302 });
  });

  it("sends each delivery exactly once when several workers run at the same time", async () => {
    for (let i = 0; i < 8; i++) await addWebhook({ path: `/ok/many-${i}` });
    const now = new Date();
    const ids = await enqueue("approved", serviceA, now);
    expect(ids).toHaveLength(8);

    const runs = await Promise.all([1, 2, 3, 4].map(() => deliverDueWebhooks({ now, limit: 3 })));
    const claimed = runs.reduce((sum, r) => sum + r.claimed, 0);
    // Whatever was left over goes out on the next tick.
    while ((await deliverDueWebhooks({ now })).claimed > 0);
    expect(claimed).toBeLessThanOrEqual(8);
    const sent = received.map((r) => r.headers["changegate-delivery"]);
    expect(sent.sort()).toEqual([...ids].sort());
    const rows = await Promise.all(ids.map(deliveryById));
    expect(rows.every((r) => r.status === "delivered" && r.attempts === 1)).toBe(true);
  });
});

// ---- the admin's server actions ----

describe("webhook actions", () => {
  it("creates a webhook from the form, returns the secret once and audits only its fingerprint", async () => {
    const admin = await createUser("Ada", "admin");
    signedIn = admin.id;
    const result = await createWebhook(
      null,
      form({ url: `${base}/ok/created`, serviceId: serviceA, events: ["approved", "approval_requested"] }),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.data.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(result.data.events).toEqual(["approval_requested", "approved"]);

    const [row] = await testDb().select().from(webhooks).where(eq(webhooks.id, result.data.id));
    expect(row).toMatchObject({ secret: result.data.secret, serviceId: serviceA, active: true, createdById: admin.id });
    const [entry] = await testDb()
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.targetType, "webhook"), eq(auditLog.targetId, result.data.id)));
    expect(entry).toMatchObject({ action: "webhook.created", actorId: admin.id, serviceId: serviceA });
    expect(entry!.after).toMatchObject({ secretFingerprint: secretFingerprint(result.data.secret) });
    expect(JSON.stringify(entry)).not.toContain(result.data.secret);

    // "Send test" delivers at once, signed with the secret the admin was shown.
    const test = await sendTestWebhook(null, { id: result.data.id });
    expect(test).toMatchObject({ ok: true, data: { status: "delivered", statusCode: 204, error: null } });
    const req = received.at(-1)!;
    expect(req.headers["changegate-event"]).toBe("test");
    expect(
      verifyWebhookSignature({
        secret: result.data.secret,
        timestamp: String(req.headers["changegate-timestamp"]),
        body: req.body,
        signature: String(req.headers["changegate-signature"]),
        now: new Date(),
      }),
    ).toEqual({ valid: true });
  });

  it.each<[string, Record<string, string | string[]>, string]>([
    ["plain http to another host", { url: "http://hooks.example.com/x", events: "approved" }, "url"],
    ["a relative URL", { url: "/hooks", events: "approved" }, "url"],
    ["credentials in the URL", { url: "https://user:pw@hooks.example.com/x", events: "approved" }, "url"],
    ["a non-http scheme", { url: "ftp://hooks.example.com/x", events: "approved" }, "url"],
    ["no events", { url: "https://hooks.example.com/x" }, "events"],
    ["an unknown event", { url: "https://hooks.example.com/x", events: ["approved", "deleted_everything"] }, "events.1"],
    ["a malformed service id", { url: "https://hooks.example.com/x", serviceId: "svc", events: "approved" }, "serviceId"],
    ["an unknown service", { url: "https://hooks.example.com/x", serviceId: randomUUID(), events: "approved" }, "serviceId"],
  ])("refuses %s at the field and writes nothing", async (_, fields, field) => {
    const admin = await createUser("Ada", "admin");
    signedIn = admin.id;
    const before = await testDb().select().from(webhooks);
    const result = await createWebhook(null, form(fields));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe("invalid_input");
    expect(Object.keys(result.error.fieldErrors ?? {})).toContain(field);
    expect(await testDb().select().from(webhooks)).toHaveLength(before.length);
  });

  it("accepts https anywhere and http on localhost, 127.0.0.1 and [::1]", async () => {
    const admin = await createUser("Ada", "admin");
    signedIn = admin.id;
    for (const url of ["https://hooks.example.com/x", "http://localhost:9000/h", "http://127.0.0.1/h", "http://[::1]:8080/h"]) {
      const result = await createWebhook(null, { url, serviceId: null, events: ["rollback"] });
      expect(result.ok, url).toBe(true);
    }
  });

  it.each<Role>(["viewer", "author", "reviewer", "security_reviewer", "operator"])("refuses a %s", async (role) => {
    const user = await createUser("Nadia", role);
    const hook = await addWebhook({ path: "/ok/guarded" });
    signedIn = user.id;
    const results = await Promise.all([
      createWebhook(null, { url: "https://hooks.example.com/x", serviceId: null, events: ["approved"] }),
      setWebhookActive(null, { id: hook.id, active: false }),
      deleteWebhook(null, { id: hook.id }),
      sendTestWebhook(null, { id: hook.id }),
    ]);
    expect(results.map((r) => !r.ok && r.error.code)).toEqual(["forbidden", "forbidden", "forbidden", "forbidden"]);
    expect(await testDb().select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, hook.id))).toEqual([]);
    expect((await testDb().select().from(webhooks).where(eq(webhooks.id, hook.id)))[0]!.active).toBe(true);
  });

  it("deactivating cancels pending deliveries; a stale toggle is a conflict; a test to an inactive webhook is refused", async () => {
    const admin = await createUser("Ada", "admin");
    signedIn = admin.id;
    const hook = await addWebhook({ path: "/fail/deactivate" });
    const [id] = await enqueue("approved", serviceA, new Date());

    expect(await setWebhookActive(null, form({ id: hook.id, active: "false" }))).toEqual({
      ok: true,
      data: { id: hook.id, active: false, cancelledDeliveries: 1 },
    });
    expect(await deliveryById(id!)).toMatchObject({ status: "failed", attempts: 0 });
    expect(await setWebhookActive(null, { id: hook.id, active: false })).toMatchObject({ ok: false, error: { code: "conflict" } });
    expect(await sendTestWebhook(null, { id: hook.id })).toMatchObject({ ok: false, error: { code: "rule_refused" } });
    expect(await setWebhookActive(null, { id: hook.id, active: true })).toMatchObject({ ok: true, data: { active: true } });
    const actions = await testDb()
      .select({ action: auditLog.action })
      .from(auditLog)
      .where(and(eq(auditLog.targetType, "webhook"), eq(auditLog.targetId, hook.id)));
    expect(actions.map((a) => a.action)).toEqual(["webhook.deactivated", "webhook.activated"]);
  });

  it("deletes a webhook without history, and refuses one whose deliveries are history", async () => {
    const admin = await createUser("Ada", "admin");
    signedIn = admin.id;
    const unused = await addWebhook({ path: "/ok/unused", events: ["rollback"] });
    const used = await addWebhook({ path: "/ok/used" });
    await enqueue("approved", serviceA, new Date());

    expect(await deleteWebhook(null, { id: unused.id })).toEqual({ ok: true, data: { id: unused.id } });
    expect(await testDb().select().from(webhooks).where(eq(webhooks.id, unused.id))).toEqual([]);
    expect(await deleteWebhook(null, { id: used.id })).toMatchObject({
      ok: false,
      error: { code: "rule_refused", message: "This webhook has 1 recorded delivery, kept as history; deactivate it instead." },
    });
    expect(await deleteWebhook(null, { id: randomUUID() })).toMatchObject({ ok: false, error: { code: "not_found" } });
  });
});

describe("startWebhookWorker", () => {
  it("runs once per process and sends what is due on its own", async () => {
    await addWebhook({ path: "/ok/worker" });
    const [id] = await enqueue("approved", serviceA, new Date());
    const setIntervalSpy = vi.spyOn(globalThis, "setInterval");
    const stop = startWebhookWorker({ intervalMs: 50 });
    const again = startWebhookWorker({ intervalMs: 50 });
    expect(setIntervalSpy).toHaveBeenCalledTimes(1);
    setIntervalSpy.mockRestore();
    try {
      await vi.waitFor(async () => expect((await deliveryById(id!)).status).toBe("delivered"), { timeout: 10_000, interval: 50 });
    } finally {
      stop();
      again();
    }
    expect(received.map((r) => r.path)).toEqual(["/ok/worker"]);
  });
});

describe("queries", () => {
  it("list webhooks without their secret, and mark deliveries cancelled by a deactivation", async () => {
    const admin = await createUser("Ada", "admin");
    const hook = await addWebhook({ path: "/fail/listed", serviceId: serviceB });
    const [id] = await enqueue("approved", serviceB, new Date());
    signedIn = admin.id;
    await setWebhookActive(null, { id: hook.id, active: false });

    const actor = { id: admin.id, email: admin.email, name: admin.name, role: "admin" as const };
    const listed = (await listWebhooks({ actor })).find((w) => w.id === hook.id)!;
    expect(listed).toMatchObject({ serviceName: "Service B", active: false, deliveryCount: 1, secretFingerprint: secretFingerprint(hook.secret) });
    expect(JSON.stringify(listed)).not.toContain(hook.secret);
    expect(listed).not.toHaveProperty("secret");

    const deliveries = await listRecentDeliveries({ actor, webhookId: hook.id });
    expect(deliveries).toEqual([expect.objectContaining({ id, status: "failed", cancelled: true, webhookUrl: hook.url })]);

    await expect(listWebhooks({ actor: { ...actor, role: "operator" } })).rejects.toMatchObject({ code: "forbidden" });
    await expect(listRecentDeliveries({ actor: { ...actor, role: "viewer" } })).rejects.toMatchObject({ code: "forbidden" });
  });
});
