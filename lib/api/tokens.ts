import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { and, eq, isNull, lte, or } from "drizzle-orm";
import { getDb, type Tx } from "@/db/client";
import { apiTokens, services, type ApiToken } from "@/db/schema";
import type { AuditActor, AuditInput } from "@/lib/audit/record";
import { AppError } from "@/lib/errors";

/**
 * Per-service API tokens (SPEC §3: "per-service tokens, stored hashed") for CI evidence, outcome
 * events and the runtime API. A token reads `cg_<service-slug>_<40 hex>`; only its sha-256 and a
 * short prefix are stored, so the plaintext is shown once, when it is created.
 */

export const API_SCOPES = ["read", "write", "operator"] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** What each scope allows, in the words the token form shows. */
export const API_SCOPE_LABELS: Record<ApiScope, string> = {
  read: "read: resolve the runtime configuration",
  write: "write: report outcome events and attach gate evidence",
  operator: "operator: pause and roll back releases",
};

/** A token's last use is written at most this often, so a busy caller does not write on every call. */
export const LAST_USED_RESOLUTION_MS = 60_000;

// The slug part is loose on purpose: the hash lookup is what decides, this only catches mistakes.
const TOKEN_SHAPE = /^cg_\S{1,200}_[0-9a-f]{40}$/;
const SECRET_BYTES = 20;
/** Visible part kept for display: `cg_<slug>_` plus 8 hex characters, enough to tell tokens apart. */
const PREFIX_HEX_CHARS = 8;

export interface ApiTokenAuth {
  tokenId: string;
  serviceId: string;
  serviceSlug: string;
  name: string;
  scopes: ApiScope[];
  auditActor: AuditActor;
}

export function hashApiToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export function isApiScope(value: string): value is ApiScope {
  return (API_SCOPES as readonly string[]).includes(value);
}

/** How a token appears in the audit log: its name and visible prefix, never the secret. */
export function apiTokenActor(token: Pick<ApiToken, "id" | "name" | "prefix">): AuditActor {
  return { type: "api_token", id: token.id, label: `${token.name} (${token.prefix}…)` };
}

const SEND_TOKEN = "Send the service's API token as Authorization: Bearer <token>.";

/** The token from `Authorization: Bearer <token>`, or a 401 saying what is wrong with the header. */
function bearerToken(request: Request): string {
  const header = request.headers.get("authorization")?.trim();
  if (!header) throw new AppError("unauthenticated", SEND_TOKEN);
  const match = /^bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new AppError("unauthenticated", `The Authorization header is not a bearer token. ${SEND_TOKEN}`);
  const token = match[1]!;
  if (!TOKEN_SHAPE.test(token)) {
    throw new AppError(
      "unauthenticated",
      `That is not a Changegate API token (they look like cg_<service>_<40 hex characters>). ${SEND_TOKEN}`,
    );
  }
  return token;
}

/**
 * Authenticates the request's bearer token and checks it carries `scope` (scopes are explicit:
 * `operator` does not imply `write`). Throws 401 for a missing, malformed, unknown or revoked
 * token and 403 for a missing scope. Does not check which service the request touches: call
 * `assertTokenForService` once the resource's service is known.
 */
export async function authenticateApiToken(
  request: Request,
  options: { scope: ApiScope; now?: Date },
): Promise<ApiTokenAuth> {
  const token = bearerToken(request);
  const now = options.now ?? new Date();
  const db = await getDb();
  const [row] = await db
    .select({ token: apiTokens, serviceSlug: services.slug })
    .from(apiTokens)
    .innerJoin(services, eq(services.id, apiTokens.serviceId))
    .where(eq(apiTokens.tokenHash, hashApiToken(token)))
    .limit(1);
  if (!row) {
    throw new AppError(
      "unauthenticated",
      "This API token is not known to Changegate. Check that the caller uses the service's current token; an admin can create one under Settings → API tokens.",
    );
  }
  const { token: stored, serviceSlug } = row;
  if (stored.revokedAt) {
    throw new AppError(
      "unauthenticated",
      `This API token ("${stored.name}", ${stored.prefix}…) was revoked on ${stored.revokedAt.toISOString().slice(0, 10)}. Ask an admin for a new one.`,
    );
  }
  const scopes = stored.scopes.filter(isApiScope);
  if (!scopes.includes(options.scope)) {
    throw new AppError(
      "forbidden",
      `This token lacks the ${options.scope} scope (it has ${scopes.length > 0 ? scopes.join(", ") : "none"}). Create a token with the ${options.scope} scope for this use.`,
    );
  }

  await touchLastUsed(stored.id, now);
  return { tokenId: stored.id, serviceId: stored.serviceId, serviceSlug, name: stored.name, scopes, auditActor: apiTokenActor(stored) };
}

/**
 * Records the token's use, at most once a minute whatever the number of callers or app
 * instances: the condition is in the UPDATE itself. Bookkeeping only, so a failure is logged
 * and does not refuse an authenticated request.
 */
async function touchLastUsed(tokenId: string, now: Date): Promise<void> {
  try {
    const db = await getDb();
    const staleBefore = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
    await db
      .update(apiTokens)
      .set({ lastUsedAt: now })
      .where(and(eq(apiTokens.id, tokenId), or(isNull(apiTokens.lastUsedAt), lte(apiTokens.lastUsedAt, staleBefore))));
  } catch (err) {
    console.error(`[changegate] could not record the last use of API token ${tokenId}`, err);
  }
}

/**
 * Refuses (403) a token of one service touching another service's resource. Pass the resource's
 * service slug when it is at hand, so the message can name both services.
 */
export function assertTokenForService(auth: ApiTokenAuth, serviceId: string, serviceSlug?: string): void {
  if (auth.serviceId === serviceId) return;
  const other = serviceSlug ? `"${serviceSlug}"` : "the one this resource belongs to";
  throw new AppError("forbidden", `This token belongs to service "${auth.serviceSlug}", not ${other}. Use that service's token.`);
}

export interface CreatedApiToken {
  /** The plaintext: show it once, it is not stored. */
  token: string;
  apiToken: ApiToken;
  /** The audit entry for the caller to record in the same transaction (it knows the actor). */
  audit: AuditInput;
}

/**
 * Creates a token for a service inside the caller's transaction and returns its plaintext once.
 * The caller authorises (admin) and records `audit` with its actor.
 */
export async function createApiToken(
  tx: Tx,
  input: { serviceId: string; name: string; scopes: readonly string[]; createdById: string | null; now?: Date },
): Promise<CreatedApiToken> {
  const name = input.name.trim();
  const fieldErrors: Record<string, string[]> = {};
  if (name.length === 0) fieldErrors.name = ["Give the token a name, e.g. \"CI evidence upload\""];
  else if (name.length > 100) fieldErrors.name = ["Keep the name under 100 characters"];
  const unknown = input.scopes.filter((s) => !isApiScope(s));
  if (unknown.length > 0) fieldErrors.scopes = [`Unknown scope ${unknown.map((s) => `"${s}"`).join(", ")}: use read, write or operator`];
  else if (input.scopes.length === 0) fieldErrors.scopes = ["Choose at least one scope"];
  if (Object.keys(fieldErrors).length > 0) throw new AppError("invalid_input", "Some fields need attention.", fieldErrors);

  const [service] = await tx.select({ slug: services.slug }).from(services).where(eq(services.id, input.serviceId)).limit(1);
  if (!service) throw new AppError("not_found", "That service does not exist (any more).");

  const secret = randomBytes(SECRET_BYTES).toString("hex");
  const token = `cg_${service.slug}_${secret}`;
  // Keep the canonical order, whatever order the form sent.
  const scopes = API_SCOPES.filter((s) => input.scopes.includes(s));
  const [apiToken] = await tx
    .insert(apiTokens)
    .values({
      serviceId: input.serviceId,
      name,
      prefix: `cg_${service.slug}_${secret.slice(0, PREFIX_HEX_CHARS)}`,
      tokenHash: hashApiToken(token),
      scopes,
      createdById: input.createdById,
      ...(input.now ? { createdAt: input.now } : {}),
    })
    .returning();
  return {
    token,
    apiToken: apiToken!,
    audit: {
      action: "api_token.created",
      targetType: "api_token",
      targetId: apiToken!.id,
      serviceId: input.serviceId,
      after: { name, prefix: apiToken!.prefix, scopes },
    },
  };
}
