import "server-only";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { services } from "@/db/schema";
import { assertTokenForService, authenticateApiToken, hashApiToken, type ApiTokenAuth } from "@/lib/api/tokens";
import { AppError } from "@/lib/errors";
import { RuntimeUnavailableError } from "./errors";

/**
 * Who may call the runtime API: a token of that very service with the read scope. Resolving is
 * the hot path, so a token that authenticated is remembered for a few seconds: the runtime API
 * then needs the database neither for the token nor for the snapshot. The price: a revoked
 * token keeps resolving for up to TOKEN_MEMORY_MS on an instance that saw it just before.
 */

export const TOKEN_MEMORY_MS = 10_000;
const MAX_REMEMBERED = 1_000;

interface Remembered {
  auth: ApiTokenAuth;
  until: number;
}

const globalForTokens = globalThis as unknown as { __changegateRuntimeTokens?: Map<string, Remembered> };
const remembered = (globalForTokens.__changegateRuntimeTokens ??= new Map());

/** Forgets every remembered token (tests; after a revocation, if the caller wants it immediate). */
export function forgetRuntimeTokens(): void {
  remembered.clear();
}

/**
 * The caller already authenticated on this instance in the last TOKEN_MEMORY_MS: its auth, read
 * synchronously from memory (the runtime fast path). Undefined otherwise; the caller then takes
 * authenticateRuntimeToken's path, which checks the token and remembers it.
 */
export function rememberedRuntimeAuth(authorization: string | undefined, now = Date.now()): ApiTokenAuth | undefined {
  if (!authorization) return undefined;
  const hit = remembered.get(hashApiToken(authorization));
  return hit && hit.until > now ? hit.auth : undefined;
}

/** Authenticates a runtime caller's bearer token with the read scope (401/403 as for any API token). */
export async function authenticateRuntimeToken(request: Request, now = Date.now()): Promise<ApiTokenAuth> {
  const header = request.headers.get("authorization");
  // Keyed by a hash, so no plaintext token outlives its request in memory.
  const key = header ? hashApiToken(header) : null;
  const hit = key ? remembered.get(key) : undefined;
  if (hit && hit.until > now) return hit.auth;

  let auth: ApiTokenAuth;
  try {
    auth = await authenticateApiToken(request, { scope: "read" });
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new RuntimeUnavailableError("Changegate cannot check this API token right now: its database is unreachable. Retry shortly.", err);
  }
  if (key) {
    remembered.delete(key);
    if (remembered.size >= MAX_REMEMBERED) remembered.delete(remembered.keys().next().value!);
    remembered.set(key, { auth, until: now + TOKEN_MEMORY_MS });
  }
  return auth;
}

/**
 * The caller may read `serviceSlug`'s runtime configuration: its token belongs to that service
 * (403 naming both otherwise) — or 404 when there is no such service at all.
 */
export async function authorizeRuntimeRequest(request: Request, serviceSlug: string): Promise<ApiTokenAuth> {
  const auth = await authenticateRuntimeToken(request);
  if (auth.serviceSlug === serviceSlug) return auth;
  let other: { id: string } | undefined;
  try {
    const db = await getDb();
    [other] = await db.select({ id: services.id }).from(services).where(eq(services.slug, serviceSlug)).limit(1);
  } catch (err) {
    throw new RuntimeUnavailableError("Changegate cannot look this service up right now: its database is unreachable. Retry shortly.", err);
  }
  if (!other) throw unknownService(serviceSlug);
  assertTokenForService(auth, other.id, serviceSlug);
  return auth;
}

export function unknownService(serviceSlug: string): AppError {
  return new AppError("not_found", `There is no service "${serviceSlug}". Check the service slug in the URL.`);
}
