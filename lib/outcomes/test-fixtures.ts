import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { releaseManifests, services, users } from "@/db/schema";
import { createApiToken, type ApiScope } from "@/lib/api/tokens";
import { defaultServiceSettings } from "@/lib/services/settings";
import { rowsOf } from "./partition-store";

/** Test helpers for the outcome-event integration tests (not imported by app code). */

export interface OutcomeTestService {
  id: string;
  slug: string;
  releaseIds: [string, string];
  tokens: Record<"write" | "read" | "operator", string>;
}

/** A service with two releases and one token per scope. */
export async function createOutcomeService(db: Database, name: string, options: { retentionDays?: number } = {}): Promise<OutcomeTestService> {
  const slug = `${name}-${randomUUID().slice(0, 6)}`;
  const settings = { ...defaultServiceSettings(), ...(options.retentionDays ? { outcomeRetentionDays: options.retentionDays } : {}) };
  const [service] = await db.insert(services).values({ slug, name, settings }).returning({ id: services.id });
  const releaseIds: [string, string] = [`rel_${slug}_stable`, `rel_${slug}_canary`];
  await db.insert(releaseManifests).values(
    releaseIds.map((id, i) => ({ id, serviceId: service!.id, kind: i === 0 ? ("initial" as const) : ("deploy" as const), canaryPercent: i === 0 ? 100 : 10, actorType: "system" as const, actorLabel: "test", reason: "test" })),
  );
  const [admin] = await db
    .insert(users)
    .values({ name: "Ada Admin", email: `ada.${randomUUID().slice(0, 8)}@example.com`, role: "admin", passwordHash: "x" })
    .returning({ id: users.id });
  const token = (scope: ApiScope) =>
    db.transaction((tx) => createApiToken(tx, { serviceId: service!.id, name: `${scope} token`, scopes: [scope], createdById: admin!.id })).then((t) => t.token);
  return { id: service!.id, slug, releaseIds, tokens: { write: await token("write"), read: await token("read"), operator: await token("operator") } };
}

/** A small deterministic generator (tests must not depend on Math.random). */
export function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RawOutcomeEvent {
  eventId: string;
  occurredAt: string;
  releaseId: string;
  arm: string;
  tenant: string;
  componentVersions: Record<string, string>;
  resolved: boolean;
  policyViolation: boolean;
  falseRefusal: boolean;
  followUp: boolean;
  fallback: boolean;
  escalated: boolean;
  manualCorrection: boolean;
  costUsd: number;
  latencyMs: number;
  tokensIn: number;
  tokensOut: number;
}

/**
 * `count` valid events as a client would send them: ids `${prefix}-<i>`, spread over `spanMs`
 * before `end`, over both releases, two arms and three tenants.
 */
export function makeEvents(service: Pick<OutcomeTestService, "releaseIds">, options: { count: number; prefix: string; end: Date; spanMs?: number; seed?: number }): RawOutcomeEvent[] {
  const random = mulberry32(options.seed ?? 42);
  const spanMs = options.spanMs ?? 3_600_000;
  const tenants = ["acme", "globex", "initech"];
  return Array.from({ length: options.count }, (_, i) => {
    const canary = random() < 0.2;
    return {
      eventId: `${options.prefix}-${i}`,
      occurredAt: new Date(options.end.getTime() - Math.floor(random() * spanMs)).toISOString(),
      releaseId: service.releaseIds[canary ? 1 : 0],
      arm: canary ? "canary" : "stable",
      tenant: tenants[i % tenants.length]!,
      componentVersions: { prompt: canary ? "assist-v2" : "assist-v1", policy: "sec-v1" },
      resolved: random() < 0.8,
      policyViolation: random() < 0.01,
      falseRefusal: random() < 0.02,
      followUp: random() < 0.1,
      fallback: random() < 0.02,
      escalated: random() < 0.05,
      manualCorrection: random() < 0.01,
      costUsd: Math.round(random() * 10_000) / 1_000_000,
      latencyMs: Math.round(200 + random() * random() * 8_000),
      tokensIn: 500 + Math.floor(random() * 3_000),
      tokensOut: 50 + Math.floor(random() * 500),
    };
  });
}

export interface OutcomeTotals {
  requests: number;
  resolved: number;
  policyViolations: number;
  falseRefusals: number;
  followUps: number;
  fallbacks: number;
  escalations: number;
  manualCorrections: number;
  costUsd: number;
  costUsdSq: number;
  costUsdResolved: number;
  latencyMsSum: number;
  tokensIn: number;
  tokensOut: number;
}

const num = (row: Record<string, unknown>) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])) as unknown as OutcomeTotals;

/** Totals over the service's raw events. */
export async function rawTotals(db: Database, serviceId: string): Promise<OutcomeTotals> {
  const result = await db.execute(sql`
    select count(*) as "requests", count(*) filter (where resolved) as "resolved", count(*) filter (where policy_violation) as "policyViolations",
      count(*) filter (where false_refusal) as "falseRefusals", count(*) filter (where follow_up) as "followUps",
      count(*) filter (where fallback) as "fallbacks", count(*) filter (where escalated) as "escalations",
      count(*) filter (where manual_correction) as "manualCorrections", coalesce(sum(cost_usd), 0) as "costUsd",
      coalesce(sum(cost_usd * cost_usd), 0) as "costUsdSq",
      coalesce(sum(cost_usd) filter (where resolved), 0) as "costUsdResolved", coalesce(sum(latency_ms), 0) as "latencyMsSum",
      coalesce(sum(tokens_in), 0) as "tokensIn", coalesce(sum(tokens_out), 0) as "tokensOut"
    from outcome_events where service_id = ${serviceId}`);
  return num(rowsOf<Record<string, unknown>>(result)[0]!);
}

/** Totals over the service's rollups of one granularity. */
export async function rollupTotals(db: Database, serviceId: string, granularity: "minute" | "hour"): Promise<OutcomeTotals & { histogramTotal: number }> {
  const result = await db.execute(sql`
    select coalesce(sum(requests), 0) as "requests", coalesce(sum(resolved), 0) as "resolved", coalesce(sum(policy_violations), 0) as "policyViolations",
      coalesce(sum(false_refusals), 0) as "falseRefusals", coalesce(sum(follow_ups), 0) as "followUps", coalesce(sum(fallbacks), 0) as "fallbacks",
      coalesce(sum(escalations), 0) as "escalations", coalesce(sum(manual_corrections), 0) as "manualCorrections",
      coalesce(sum(cost_usd), 0) as "costUsd", coalesce(sum(cost_usd_sq), 0) as "costUsdSq",
      coalesce(sum(cost_usd_resolved), 0) as "costUsdResolved", coalesce(sum(latency_ms_sum), 0) as "latencyMsSum",
      coalesce(sum(tokens_in), 0) as "tokensIn", coalesce(sum(tokens_out), 0) as "tokensOut",
      coalesce((select sum(c) from outcome_rollups r2, unnest(r2.latency_histogram) as c where r2.service_id = ${serviceId} and r2.granularity = ${granularity}), 0) as "histogramTotal"
    from outcome_rollups where service_id = ${serviceId} and granularity = ${granularity}`);
  return num(rowsOf<Record<string, unknown>>(result)[0]!) as OutcomeTotals & { histogramTotal: number };
}

/** How many keys the service has stored. */
export async function keyCount(db: Database, serviceId: string): Promise<number> {
  const result = await db.execute(sql`select count(*)::int as n from outcome_event_keys where service_id = ${serviceId}`);
  return Number(rowsOf<{ n: number }>(result)[0]!.n);
}

/** The service's settings with a different event retention. */
export async function setRetention(db: Database, serviceId: string, days: number): Promise<void> {
  const [row] = await db.select({ settings: services.settings }).from(services).where(eq(services.id, serviceId));
  await db.update(services).set({ settings: { ...row!.settings, outcomeRetentionDays: days } }).where(eq(services.id, serviceId));
}

export interface OutcomeTableCounts {
  events: number;
  keys: number;
  rollups: number;
  partitions: number;
}

/** Rows in the three outcome tables (all services) and how many partitions the events table has. */
export async function outcomeTableCounts(db: Database): Promise<OutcomeTableCounts> {
  const result = await db.execute(sql`
    select (select count(*) from outcome_events)::int as events, (select count(*) from outcome_event_keys)::int as keys,
      (select count(*) from outcome_rollups)::int as rollups,
      (select count(*) from pg_inherits where inhparent = 'outcome_events'::regclass)::int as partitions`);
  return num(rowsOf<Record<string, unknown>>(result)[0]!) as unknown as OutcomeTableCounts;
}
