import "server-only";
import type { Tx } from "@/db/client";
import type { ChangeRequest } from "@/db/schema";
import type { ApiTokenAuth } from "@/lib/api/tokens";
import type { AuditActor } from "@/lib/audit/record";
import { may, refusal, type Permission, type Role } from "@/lib/auth/permissions";
import type { Actor } from "@/lib/auth/session";
import { transition, type ChangeRequestAction } from "@/lib/changes";
import { AppError } from "@/lib/errors";

/**
 * Who runs a release command: a signed-in user (server actions) or a service's API token with the
 * operator scope (CLI and API routes), and what each may do. Commands check this themselves;
 * the action's or route's own check is never the only one.
 */

/** A service's API token acting through the public API (operator scope: roll back only). */
export interface TokenActor {
  type: "api_token";
  tokenId: string;
  serviceId: string;
  serviceSlug: string;
  label: string;
}

/** Changegate itself: the canary judge advancing, freezing or promoting a rollout. */
export interface SystemActor {
  type: "system";
  label: string;
}

export const CANARY_JUDGE: SystemActor = { type: "system", label: "Changegate canary judge" };

/** A signed-in user (server actions), a service's API token (CLI and API routes), or Changegate itself. */
export type ReleaseActor = Actor | TokenActor | SystemActor;

export interface ReleaseCommandContext {
  tx: Tx;
  actor: ReleaseActor;
  now: Date;
}

/** The token actor for a request authenticated with `authenticateApiToken(request, { scope: "operator" })`. */
export function tokenActorOf(auth: ApiTokenAuth): TokenActor {
  return { type: "api_token", tokenId: auth.tokenId, serviceId: auth.serviceId, serviceSlug: auth.serviceSlug, label: auth.auditActor.label };
}

export function isTokenActor(actor: ReleaseActor): actor is TokenActor {
  return "type" in actor && actor.type === "api_token";
}

export function isSystemActor(actor: ReleaseActor): actor is SystemActor {
  return "type" in actor && actor.type === "system";
}

/** The signed-in user behind the command, if a person runs it. */
export function userOf(actor: ReleaseActor): Actor | null {
  return isTokenActor(actor) || isSystemActor(actor) ? null : actor;
}

export function auditActorFor(actor: ReleaseActor): AuditActor {
  if (isTokenActor(actor)) return { type: "api_token", id: actor.tokenId, label: actor.label };
  if (isSystemActor(actor)) return { type: "system", id: null, label: actor.label };
  return { type: "user", id: actor.id, label: `${actor.name} <${actor.email}>` };
}

/** How a command names who acted, in sentences: a person's name, a token's label, "Changegate canary judge". */
export function actorName(actor: ReleaseActor): string {
  return isTokenActor(actor) || isSystemActor(actor) ? actor.label : actor.name;
}

/**
 * The role the permission table judges: an operator-scope token acts as an operator. Changegate
 * itself has no role; commands it may run check isSystemActor first (assertMay does).
 */
export function roleOf(actor: ReleaseActor): Role {
  if (isSystemActor(actor)) throw new Error("Changegate itself has no role; check isSystemActor first");
  return isTokenActor(actor) ? "operator" : actor.role;
}

/** "Jonas Weber" from "Jonas Weber <operator@example.com>". */
export function personName(label: string): string {
  return label.replace(/\s*<[^>]*>\s*$/, "") || label;
}

export function hhmm(date: Date): string {
  return `${date.toISOString().slice(11, 16)} UTC`;
}

/** The change request's next state for `action`, or a refusal (403 for who, 409 for the state). */
export function checkCrTransition(
  cr: ChangeRequest,
  actor: ReleaseActor,
  action: ChangeRequestAction,
  rollout?: { stageIndex: number; stageCount: number },
) {
  const isAuthor = userOf(actor)?.id === cr.authorId;
  const actorRole = isSystemActor(actor) ? "system" : roleOf(actor);
  const result = transition({ from: cr.state, action, actorRole, isAuthor, rollout });
  if (!result.ok) throw new AppError(result.code === "forbidden" ? "forbidden" : "conflict", `CR-${cr.number}: ${result.reason}`);
  return result.to;
}

/** Tokens may only roll back (operator scope), and only their own service. */
const TOKEN_PERMISSIONS: readonly Permission[] = ["release.rollback"];
/** Changegate itself advances, freezes and promotes rollouts (the state machine says which). */
const SYSTEM_PERMISSIONS: readonly Permission[] = ["release.operate"];

/** Authorisation in the data layer: the action checked too, but a command never trusts that. */
export function assertMay(actor: ReleaseActor, permission: Permission, serviceId: string): void {
  if (isSystemActor(actor)) {
    if (!SYSTEM_PERMISSIONS.includes(permission)) throw new Error(`Changegate itself never needs ${permission}`);
    return;
  }
  if (isTokenActor(actor)) {
    if (!TOKEN_PERMISSIONS.includes(permission)) {
      throw new AppError("forbidden", `An API token cannot ${permissionVerb(permission)}; an operator does that in Changegate.`);
    }
    if (actor.serviceId !== serviceId) {
      throw new AppError("forbidden", `This token belongs to service "${actor.serviceSlug}", not the one this release belongs to. Use that service's token.`);
    }
    return;
  }
  if (!may(actor.role, permission)) throw new AppError("forbidden", refusal(actor.role, permission));
}

function permissionVerb(permission: Permission): string {
  return permission === "release.operate" ? "start, advance or promote rollouts" : "do this";
}

