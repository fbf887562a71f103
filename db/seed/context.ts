import type { Tx } from "@/db/client";
import type { AuditActor, AuditInput } from "@/lib/audit/record";
import type { ComponentKind } from "@/lib/components/kinds";
import type { DemoPerson, PersonKey } from "./people";

/** What the seed writers share while filling one transaction. */
export interface SeedContext {
  tx: Tx;
  people: Map<PersonKey, DemoPerson & { id: string }>;
  /** Audit entries to append at the end, in time order (the chain must follow time). */
  audit: { at: Date; actor: AuditActor; input: AuditInput }[];
}

/** Ids of what one service's scenario wrote. */
export interface ServiceIds {
  serviceId: string;
  tokenId: string;
  tokenLabel: string;
  /** `${kind}:${label}` -> component version id. */
  versionIds: Map<string, string>;
  /** Change request key -> id. */
  changeRequestIds: Map<string, string>;
}

export function personOf(ctx: SeedContext, key: PersonKey) {
  const person = ctx.people.get(key);
  if (!person) throw new Error(`Demo person ${key} was not written`);
  return person;
}

/** The label the app uses for a user in audit entries and manifests. */
export function userLabel(person: { name: string; email: string }): string {
  return `${person.name} <${person.email}>`;
}

export function userActor(ctx: SeedContext, key: PersonKey): AuditActor {
  const person = personOf(ctx, key);
  return { type: "user", id: person.id, label: userLabel(person) };
}

export const SYSTEM_ACTOR: AuditActor = { type: "system", id: null, label: "Changegate" };

export function versionId(ids: ServiceIds, kind: ComponentKind, label: string): string {
  const id = ids.versionIds.get(`${kind}:${label}`);
  if (!id) throw new Error(`Demo scenario refers to unknown ${kind} version ${label}`);
  return id;
}
