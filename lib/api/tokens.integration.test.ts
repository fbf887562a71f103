import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { apiTokens, services, users } from "@/db/schema";
import { testDb } from "@/db/testing";
import { AppError } from "@/lib/errors";
import { defaultServiceSettings } from "@/lib/services/settings";
import { apiError } from "./http";
import {
  assertTokenForService,
  authenticateApiToken,
  createApiToken,
  hashApiToken,
  LAST_USED_RESOLUTION_MS,
  type ApiScope,
} from "./tokens";

async function createService(slug: string) {
  const [service] = await testDb()
    .insert(services)
    .values({ slug: `${slug}-${randomUUID().slice(0, 6)}`, name: slug, settings: defaultServiceSettings() })
    .returning();
  return service!;
}

async function createAdmin() {
  const [user] = await testDb()
    .insert(users)
    .values({ name: "Ada Admin", email: `ada.${randomUUID().slice(0, 8)}@example.com`, role: "admin", passwordHash: "x" })
    .returning();
  return user!;
}

async function issueToken(serviceId: string, scopes: ApiScope[] = ["read", "write"], name = "CI evidence upload") {
  const admin = await createAdmin();
  return testDb().transaction((tx) => createApiToken(tx, { serviceId, name, scopes, createdById: admin.id }));
}

function request(authorization?: string) {
  return new Request("http://changegate.test/api/v1/change-requests/x/evidence", {
    method: "POST",
    headers: authorization === undefined ? {} : { authorization },
  });
}

/** The AppError a promise rejects with (fails the test if it resolves or throws something else). */
async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

async function storedToken(id: string) {
  const [row] = await testDb().select().from(apiTokens).where(eq(apiTokens.id, id));
  return row!;
}

describe("createApiToken", () => {
  it("returns the plaintext once and stores only its hash and a prefix that tells tokens apart", async () => {
    const service = await createService("support-assistant");
    const first = await issueToken(service.id, ["write", "read"]);
    const second = await issueToken(service.id);

    expect(first.token).toMatch(new RegExp(`^cg_${service.slug}_[0-9a-f]{40}$`));
    const row = await storedToken(first.apiToken.id);
    expect(row.tokenHash).toBe(hashApiToken(first.token));
    expect(row.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(first.token.slice(-40));
    expect(first.token.startsWith(row.prefix)).toBe(true);
    expect(row.prefix).not.toBe(second.apiToken.prefix);
    expect(row.scopes).toEqual(["read", "write"]);
    expect(first.audit).toEqual({
      action: "api_token.created",
      targetType: "api_token",
      targetId: row.id,
      serviceId: service.id,
      after: { name: "CI evidence upload", prefix: row.prefix, scopes: ["read", "write"] },
    });
  });

  it.each<[string, { name: string; scopes: string[] }, string]>([
    ["a blank name", { name: "  ", scopes: ["read"] }, "name"],
    ["no scope", { name: "CI", scopes: [] }, "scopes"],
    ["an unknown scope", { name: "CI", scopes: ["read", "admin"] }, "scopes"],
  ])("refuses %s and writes nothing", async (_name, input, field) => {
    const service = await createService("refusals");
    const err = await refusal(testDb().transaction((tx) => createApiToken(tx, { serviceId: service.id, ...input, createdById: null })));
    expect(err.code).toBe("invalid_input");
    expect(Object.keys(err.fieldErrors ?? {})).toEqual([field]);
    expect(await testDb().$count(apiTokens, eq(apiTokens.serviceId, service.id))).toBe(0);
  });

  it("refuses a service that does not exist", async () => {
    const err = await refusal(
      testDb().transaction((tx) => createApiToken(tx, { serviceId: randomUUID(), name: "CI", scopes: ["read"], createdById: null })),
    );
    expect(err.code).toBe("not_found");
  });
});

describe("authenticateApiToken", () => {
  it("authenticates a token with the scope, naming its service and audit actor", async () => {
    const service = await createService("incident-assistant");
    const { token, apiToken } = await issueToken(service.id, ["read", "write"]);
    for (const scheme of ["Bearer", "bearer", "BEARER"]) {
      const auth = await authenticateApiToken(request(`${scheme} ${token}`), { scope: "write" });
      expect(auth).toEqual({
        tokenId: apiToken.id,
        serviceId: service.id,
        serviceSlug: service.slug,
        name: "CI evidence upload",
        scopes: ["read", "write"],
        auditActor: { type: "api_token", id: apiToken.id, label: `CI evidence upload (${apiToken.prefix}…)` },
      });
    }
  });

  it.each<[string, string | undefined, string]>([
    ["no Authorization header", undefined, "Send the service's API token as Authorization: Bearer <token>."],
    ["an empty header", "", "Send the service's API token as Authorization: Bearer <token>."],
    ["another scheme", "Basic dXNlcjpwYXNz", "not a bearer token"],
    ["Bearer with nothing after it", "Bearer ", "Authorization: Bearer <token>"],
    ["a token of the wrong shape", "Bearer sk-live-1234", "not a Changegate API token"],
    ["a well-formed token nobody issued", `Bearer cg_support-assistant_${"ab".repeat(20)}`, "not known to Changegate"],
  ])("refuses %s with 401", async (_name, header, message) => {
    const err = await refusal(authenticateApiToken(request(header), { scope: "read" }));
    expect(err.code).toBe("unauthenticated");
    expect(err.status).toBe(401);
    expect(err.message).toContain(message);
    const response = apiError(err);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="changegate"');
    expect(await response.json()).toEqual({ error: { code: "unauthenticated", message: err.message } });
  });

  it("refuses a revoked token with 401, saying when it was revoked", async () => {
    const service = await createService("revoked");
    const { token, apiToken } = await issueToken(service.id);
    await authenticateApiToken(request(`Bearer ${token}`), { scope: "read" });
    await testDb().update(apiTokens).set({ revokedAt: new Date("2026-03-02T10:00:00Z") }).where(eq(apiTokens.id, apiToken.id));

    const err = await refusal(authenticateApiToken(request(`Bearer ${token}`), { scope: "read" }));
    expect(err.code).toBe("unauthenticated");
    expect(err.message).toContain("was revoked on 2026-03-02");
  });

  it.each<[ApiScope[], ApiScope, string]>([
    [["read"], "write", "This token lacks the write scope (it has read)"],
    [["read", "write"], "operator", "This token lacks the operator scope (it has read, write)"],
    // Scopes are explicit: operator does not imply write.
    [["operator"], "write", "This token lacks the write scope (it has operator)"],
  ])("a token with %j asking for %s gets 403", async (scopes, scope, message) => {
    const service = await createService("scopes");
    const { token } = await issueToken(service.id, scopes);
    const err = await refusal(authenticateApiToken(request(`Bearer ${token}`), { scope }));
    expect(err.code).toBe("forbidden");
    expect(err.status).toBe(403);
    expect(err.message).toContain(message);
  });

  it("writes lastUsedAt at most once a minute", async () => {
    const service = await createService("throttle");
    const { token, apiToken } = await issueToken(service.id);
    const use = (at: Date) => authenticateApiToken(request(`Bearer ${token}`), { scope: "read", now: at });
    const t0 = new Date("2026-03-03T19:00:00.000Z");
    const after = (ms: number) => new Date(t0.getTime() + ms);

    expect((await storedToken(apiToken.id)).lastUsedAt).toBeNull();
    await use(t0);
    expect((await storedToken(apiToken.id)).lastUsedAt).toEqual(t0);
    await use(after(30_000));
    await use(after(LAST_USED_RESOLUTION_MS - 1));
    expect((await storedToken(apiToken.id)).lastUsedAt).toEqual(t0);
    await use(after(LAST_USED_RESOLUTION_MS));
    expect((await storedToken(apiToken.id)).lastUsedAt).toEqual(after(LAST_USED_RESOLUTION_MS));
    // Concurrent callers in the same minute: still one value, the first writer's.
    await Promise.all([1, 2, 3, 4, 5].map((s) => use(after(LAST_USED_RESOLUTION_MS * 2 + s * 1000))));
    const written = (await storedToken(apiToken.id)).lastUsedAt!.getTime();
    expect(written).toBeGreaterThanOrEqual(after(LAST_USED_RESOLUTION_MS * 2 + 1000).getTime());
    expect(written).toBeLessThanOrEqual(after(LAST_USED_RESOLUTION_MS * 2 + 5000).getTime());
    await use(after(LAST_USED_RESOLUTION_MS * 2 + 10_000));
    expect((await storedToken(apiToken.id)).lastUsedAt!.getTime()).toBe(written);
  });
});

describe("assertTokenForService", () => {
  it("lets a token touch its own service and refuses another service's resource with 403", async () => {
    const support = await createService("support-assistant");
    const incident = await createService("incident-assistant");
    const { token } = await issueToken(support.id);
    const auth = await authenticateApiToken(request(`Bearer ${token}`), { scope: "write" });

    expect(() => assertTokenForService(auth, support.id)).not.toThrow();
    const named = (() => {
      try {
        assertTokenForService(auth, incident.id, incident.slug);
      } catch (err) {
        return err as AppError;
      }
      throw new Error("another service's token was accepted");
    })();
    expect(named.code).toBe("forbidden");
    expect(named.message).toBe(`This token belongs to service "${support.slug}", not "${incident.slug}". Use that service's token.`);
    expect(() => assertTokenForService(auth, incident.id)).toThrow(`This token belongs to service "${support.slug}"`);
  });
});
