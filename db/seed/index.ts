import { createHash, randomBytes, randomUUID } from "node:crypto";
import { count } from "drizzle-orm";
import type { Database } from "@/db/client";
import { eq } from "drizzle-orm";
import { apiTokens, evalCases, evalSets, services, users } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { hashPassword } from "@/lib/auth/password";
import { OUTCOME_BATCH_LIMITS } from "@/lib/outcomes/event-schema";
import { ingestOutcomeEvents } from "@/lib/outcomes/ingest";
import { floorToHour } from "./clock";
import { type SeedContext, type ServiceIds, SYSTEM_ACTOR, userActor } from "./context";
import type { DemoCredentials } from "./credentials";
import { buildDemoEvents } from "./metrics";
import { DEMO_PASSWORD, DEMO_PEOPLE } from "./people";
import { incidentScenario } from "./scenarios/incident-assistant";
import { supportScenario } from "./scenarios/support-assistant";
import type { ServiceScenario } from "./types";
import { writeChangeRequests } from "./write-changes";
import { writeReleases, writeServiceAndVersions } from "./write-history";

export { DEMO_PASSWORD, DEMO_PEOPLE } from "./people";

const TOKEN_SCOPES = ["read", "write", "operator"];

/** True when nothing has been set up yet: no services and no users. */
export async function isDatabaseEmpty(db: Database): Promise<boolean> {
  const [s] = await db.select({ n: count() }).from(services);
  const [u] = await db.select({ n: count() }).from(users);
  return (s?.n ?? 0) === 0 && (u?.n ?? 0) === 0;
}

/** The demo scenarios for an anchor time (exported for tests and docs). */
export function demoScenarios(now: Date): ServiceScenario[] {
  return [supportScenario(now), incidentScenario(now)];
}

/**
 * Fills an empty database with the demo: users for every role, two services with version
 * histories, release manifests, rollbacks, change requests in every state, 14 days of outcome
 * events (through the ingestion core, so raw partitions and minute/hour rollups are what the API
 * would have written), eval sets, API tokens and the audit trail. One transaction: all or nothing.
 * Deterministic for a given `now` (except ids, password salts and the API tokens).
 */
export async function seedDemo(db: Database, opts: { now?: Date } = {}): Promise<DemoCredentials> {
  const now = opts.now ?? new Date();
  const anchor = floorToHour(now);
  const scenarios = demoScenarios(now);
  const passwordHash = await Promise.all(DEMO_PEOPLE.map(() => hashPassword(DEMO_PASSWORD)));
  // Real secrets: from the OS, never from the demo's seeded generator.
  const tokens = scenarios.map((s) => ({ service: s.slug, token: `cg_${s.slug}_${randomBytes(20).toString("hex")}`, scopes: TOKEN_SCOPES }));
  const usersCreatedAt = new Date(anchor.getTime() - 95 * 86_400_000);

  await db.transaction(async (tx) => {
    const people: SeedContext["people"] = new Map();
    const inserted = await tx
      .insert(users)
      .values(DEMO_PEOPLE.map((p, i) => ({ email: p.email, name: p.name, role: p.role, passwordHash: passwordHash[i]!, createdAt: usersCreatedAt, updatedAt: usersCreatedAt })))
      .returning({ id: users.id, email: users.email });
    for (const p of DEMO_PEOPLE) people.set(p.key, { ...p, id: inserted.find((u) => u.email === p.email)!.id });
    const ctx: SeedContext = { tx, people, audit: [] };

    const entries: { scenario: ServiceScenario; ids: ServiceIds }[] = [];
    for (const [i, scenario] of scenarios.entries()) {
      const { serviceId, versionIds } = await writeServiceAndVersions(ctx, scenario);
      const token = tokens[i]!;
      const tokenId = randomUUID();
      const tokenName = `${scenario.slug} CI and runtime (demo)`;
      const tokenCreatedAt = new Date(scenario.createdAt.getTime() + 86_400_000);
      await tx.insert(apiTokens).values({
        id: tokenId,
        serviceId,
        name: tokenName,
        prefix: token.token.slice(0, 12),
        tokenHash: createHash("sha256").update(token.token).digest("hex"),
        scopes: token.scopes,
        createdById: people.get("admin")!.id,
        createdAt: tokenCreatedAt,
      });
      ctx.audit.push({
        at: tokenCreatedAt,
        actor: userActor(ctx, "admin"),
        input: { action: "api_token.created", targetType: "api_token", targetId: tokenId, serviceId, after: { name: tokenName, prefix: token.token.slice(0, 12), scopes: token.scopes } },
      });
      entries.push({ scenario, ids: { serviceId, versionIds, tokenId, tokenLabel: `${tokenName} (${token.token.slice(0, 12)}…)`, changeRequestIds: new Map() } });
    }

    await writeChangeRequests(ctx, entries);
    // The tokens were used by CI (evidence) in the history just written.
    for (const { ids } of entries) {
      const used = ctx.audit.filter((e) => e.actor.type === "api_token" && e.actor.id === ids.tokenId).map((e) => e.at.getTime());
      if (used.length) await tx.update(apiTokens).set({ lastUsedAt: new Date(Math.max(...used)) }).where(eq(apiTokens.id, ids.tokenId));
    }

    for (const { scenario, ids } of entries) {
      const releases = await writeReleases(ctx, scenario, ids);
      const events = buildDemoEvents({ scenario, releases, anchor });
      for (let i = 0; i < events.length; i += OUTCOME_BATCH_LIMITS.maxEvents) {
        const batch = events.slice(i, i + OUTCOME_BATCH_LIMITS.maxEvents);
        const result = await ingestOutcomeEvents(tx, { serviceId: ids.serviceId, events: batch, now });
        // A demo event the API would refuse is a bug in the demo: fail loudly.
        if (result.accepted !== batch.length) throw new Error(`Demo outcome events refused: ${JSON.stringify(result.rejected.slice(0, 3))}`);
      }
      const [set] = await tx
        .insert(evalSets)
        .values({ serviceId: ids.serviceId, name: scenario.evalSet.name, description: scenario.evalSet.description, createdAt: scenario.evalSet.at })
        .returning({ id: evalSets.id });
      await tx.insert(evalCases).values(scenario.evalSet.cases.map(({ at, ...c }) => ({ ...c, evalSetId: set!.id, createdAt: at })));
    }

    // The chain is ordered by id: append in time order so the log reads chronologically.
    const history = ctx.audit.map((e, i) => ({ ...e, i })).sort((a, b) => a.at.getTime() - b.at.getTime() || a.i - b.i);
    for (const entry of history) await recordAudit(tx, entry.actor, entry.input, entry.at);
    await recordAudit(
      tx,
      { ...SYSTEM_ACTOR, label: "demo seed" },
      {
        action: "demo.seeded",
        targetType: "system",
        targetId: "demo",
        after: { services: scenarios.map((s) => s.slug), users: DEMO_PEOPLE.map((p) => p.email) },
        reason: "First start with an empty embedded database: created the demo data.",
      },
      now,
    );
  });

  return {
    password: DEMO_PASSWORD,
    users: DEMO_PEOPLE.map((p) => ({ email: p.email, name: p.name, role: p.role })),
    tokens,
  };
}
