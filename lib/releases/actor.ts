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

/** A signed-in user (server actions) or a service's API token (CLI and API routes). */
export type ReleaseActor = Actor | TokenActor;

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

export function auditActorFor(actor: ReleaseActor): AuditActor {
  return isTokenActor(actor)
    ? { type: "api_token", id: actor.tokenId, label: actor.label }
    : { type: "user", id: actor.id, label: `${actor.name} <${actor.email}>` };
}

/** The role the state machine judges: an operator-scope token acts as an operator. */
export function roleOf(actor: ReleaseActor): Role {
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
  const isAuthor = !isTokenActor(actor) && cr.authorId === actor.id;
  const result = transition({ from: cr.state, action, actorRole: roleOf(actor), isAuthor, rollout });
  if (!result.ok) throw new AppError(result.code === "forbidden" ? "forbidden" : "conflict", `CR-${cr.number}: ${result.reason}`);
  return result.to;
}

/** Tokens may only roll back (operator scope), and only their own service. */
const TOKEN_PERMISSIONS: readonly Permission[] = ["release.rollback"];

/** Authorisation in the data layer: the action checked too, but a command never trusts that. */
export function assertMay(actor: ReleaseActor, permission: Permission, serviceId: string): void {
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

