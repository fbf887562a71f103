import { randomUUID } from "node:crypto";
import { count, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { auditLog, services } from "@/db/schema";
import { testDb } from "@/db/testing";
import type { Actor } from "@/lib/auth/session";
import { AppError } from "@/lib/errors";
import { createOutcomeService, type OutcomeTestService } from "@/lib/outcomes/test-fixtures";
import { canaryRulesSchema } from "./canary-rules";
import { serviceSettingsSchema } from "./settings";
import { settingsRevision, updateCanaryRules } from "./settings-commands";

vi.mock("@/lib/auth/config", () => ({ auth: async () => null }));

const admin: Actor = { id: randomUUID(), email: "admin@example.com", name: "Ada Admin", role: "admin" };
const operator: Actor = { ...admin, id: randomUUID(), role: "operator", name: "Ola Operator" };
let svc: OutcomeTestService;

const form = (serviceId: string, revision: string, over: Record<string, string> = {}) =>
  canaryRulesSchema.parse({
    serviceId,
    expectedRevision: revision,
    canaryAdvance: "manual",
    minStageMinutes: "20",
    minStageRequests: "500",
    resolvedRateMaxDropPp: "2",
    policyViolationMaxIncreasePp: "0",
    costPerResolvedMaxIncreasePct: "10",
    p95LatencyMaxIncreasePct: "15",
    guardFalseRefusalPp: "3",
    guardFollowUpPp: "",
    guardFallbackPp: "",
    guardEscalationPp: "",
    guardManualCorrectionPp: "",
    ...over,
  });

async function stored() {
  const [row] = await testDb().select().from(services).where(eq(services.id, svc.id));
  return row!.settings;
}
async function audits() {
  const [row] = await testDb().select({ n: count() }).from(auditLog).where(eq(auditLog.action, "service.canary_rules_changed"));
  return row!.n;
}
const run = <T>(actor: Actor, fn: (ctx: { tx: Parameters<Parameters<ReturnType<typeof testDb>["transaction"]>[0]>[0]; actor: Actor; now: Date }) => Promise<T>) =>
  testDb().transaction((tx) => fn({ tx, actor, now: new Date() }));

beforeAll(async () => {
  svc = await createOutcomeService(testDb(), "canary-rules");
});

describe("updateCanaryRules", () => {
  it("saves the rules as an admin, with one audit entry, and the judge reads them", async () => {
    const before = await stored();
    const saved = await run(admin, (ctx) => updateCanaryRules(ctx, form(svc.id, settingsRevision(before))));
    const after = serviceSettingsSchema.parse(await stored());
    expect(after.canaryAdvance).toBe("manual");
    expect(after.promotion.resolvedRateMaxDropPp).toBe(2);
    expect(after.canary).toMatchObject({ minStageMinutes: 20, minStageRequests: 500, guardThresholds: { false_refusal_rate: 0.03 } });
    expect(saved.revision).toBe(settingsRevision(await stored()));
    expect(await audits()).toBe(1);
  });

  it("refuses a stale revision (someone saved meanwhile) and an operator, writing nothing", async () => {
    const before = await stored();
    const stale = run(admin, (ctx) => updateCanaryRules(ctx, form(svc.id, "0".repeat(64), { minStageMinutes: "5" })));
    await expect(stale).rejects.toThrow(/were changed since you opened this page; reload/);
    const byOperator = run(operator, (ctx) => updateCanaryRules(ctx, form(svc.id, settingsRevision(before))));
    await expect(byOperator).rejects.toBeInstanceOf(AppError);
    await expect(byOperator).rejects.toMatchObject({ code: "forbidden" });
    expect(await stored()).toEqual(before);
    expect(await audits()).toBe(1);
  });
});
