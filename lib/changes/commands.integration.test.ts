import { and, count, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it, vi } from "vitest";
import {
  activePointers,
  approvals,
  auditLog,
  changeRequestRevisions,
  changeRequests,
  componentVersions,
  gates,
  releaseManifestComponents,
  services,
  users,
  webhookDeliveries,
  webhooks,
} from "@/db/schema";
import { seedDemo } from "@/db/seed";
import { testDb } from "@/db/testing";
import { MAX_PROMPT_CHARS } from "@/lib/components/schemas";
import type { ComponentKind } from "@/lib/components/kinds";
import { decideChangeRequestAction, saveChangeRequestAction } from "./actions";
import type { SaveChangeRequestInput } from "./input";

// The session is whoever `signedIn` names; everything else (role lookup, rules, writes) is real.
let signedIn: string | null = null;
vi.mock("@/lib/auth/config", () => ({ auth: async () => (signedIn ? { user: { id: signedIn } } : null) }));
vi.mock("next/cache", () => ({ revalidatePath: vi.fn() }));

const ids: Record<string, string> = {};
async function as(key: "author" | "reviewer" | "security" | "viewer" | "admin" | "operator") {
  signedIn = ids[key]!;
}

async function live(serviceSlug: string, kind: ComponentKind) {
  const [row] = await testDb()
    .select({ version: componentVersions })
    .from(services)
    .innerJoin(activePointers, eq(activePointers.serviceId, services.id))
    .innerJoin(releaseManifestComponents, and(eq(releaseManifestComponents.releaseId, activePointers.stableReleaseId), eq(releaseManifestComponents.kind, kind)))
    .innerJoin(componentVersions, eq(componentVersions.id, releaseManifestComponents.versionId))
    .where(eq(services.slug, serviceSlug));
  return row!.version;
}

let labelCounter = 0;
async function newVersion(kind: ComponentKind, tweak: (content: Record<string, unknown>) => void, service = "support-assistant") {
  const content = structuredClone((await live(service, kind)).content);
  tweak(content);
  labelCounter += 1;
  return { source: "new" as const, kind, label: `test-${kind}-${labelCounter}`, notes: "", content };
}

function request(overrides: Partial<SaveChangeRequestInput>): SaveChangeRequestInput {
  return {
    serviceSlug: "support-assistant",
    title: "Tighten refund policy",
    description: "",
    touchedDomains: [],
    securityImpact: false,
    expectedMetricShift: "",
    rollbackPlan: "Roll back the policy component to the live version with one click.",
    components: [],
    intent: "submit",
    ...overrides,
  };
}

const tweakPolicy = (c: Record<string, unknown>) => {
  c.refusalMessage = `I can't help with that here (${labelCounter}).`;
};
const tweakPrompt = (c: Record<string, unknown>) => {
  c.instructions = `${String(c.instructions)}\nKeep answers under 150 words (${labelCounter}).`;
};

async function rowCounts() {
  const db = testDb();
  const [crs] = await db.select({ n: count() }).from(changeRequests);
  const [versions] = await db.select({ n: count() }).from(componentVersions);
  const [audit] = await db.select({ n: count() }).from(auditLog);
  return { crs: crs!.n, versions: versions!.n, audit: audit!.n };
}

beforeAll(async () => {
  await seedDemo(testDb(), { now: new Date("2026-11-20T10:00:00Z") });
  for (const row of await testDb().select().from(users)) ids[row.email.split("@")[0]!] = row.id;
}, 120_000);

describe("change requests: authoring", () => {
  it("classifies a policy change as high with its reasons and creates the high gates", async () => {
    await as("author");
    const result = await saveChangeRequestAction(null, request({ components: [await newVersion("policy", tweakPolicy)] }));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.data).toMatchObject({ state: "in_review", tier: "high", revision: 1 });
    expect(result.data.riskReasons.join(" ")).toMatch(/polic/i);
    const rows = await testDb().select().from(gates).where(eq(gates.changeRequestId, result.data.id)).orderBy(gates.position);
    expect(rows.map((g) => (g.type === "canary" ? `canary:${g.canaryPercent}` : g.type))).toEqual([
      "security_review",
      "offline_eval",
      "canary:1",
      "canary:5",
      "canary:10",
      "rollback_plan",
    ]);
    // The rollback_plan gate waits for a rollback rehearsal (lib/releases/rehearsal-gate.ts).
    expect(rows.find((g) => g.type === "rollback_plan")).toMatchObject({
      status: "pending",
      statusReason: "Plan written; waiting for a rollback rehearsal of the rollback targets.",
    });
  });

  it("classifies a prompt-only change as low", async () => {
    await as("author");
    const result = await saveChangeRequestAction(null, request({ title: "Shorter answers", components: [await newVersion("prompt", tweakPrompt)] }));
    expect(result.ok && result.data.tier).toBe("low");
  });

  it.each([
    {
      name: "a third component",
      build: async () => request({ components: [await newVersion("prompt", tweakPrompt), await newVersion("retrieval", (c) => { c.topK = 7; }), await newVersion("routing", (c) => { c.fallbackRoute = (c.routes as { name: string }[])[0]!.name; c.routes = [{ ...(c.routes as object[])[0], weight: 1 }]; })] }),
      code: "rule_refused",
      field: "components",
      message: /at most 2 components/,
    },
    {
      name: "an empty title",
      build: async () => request({ title: "   ", components: [await newVersion("prompt", tweakPrompt)] }),
      code: "invalid_input",
      field: "title",
      message: /title/,
    },
    {
      name: "an unknown component kind",
      build: async () => request({ components: [{ source: "existing", kind: "model" as ComponentKind, versionId: crypto.randomUUID() }] }),
      code: "invalid_input",
      field: "components.0.kind",
      message: /component kind/,
    },
    {
      name: "a version from another service",
      build: async () => request({ components: [{ source: "existing", kind: "policy", versionId: (await live("incident-assistant", "policy")).id }] }),
      code: "invalid_input",
      field: "components.0.versionId",
      message: /another service/,
    },
    {
      name: "malformed policy content",
      build: async () => request({ components: [await newVersion("policy", (c) => { c.defaultAction = "maybe"; })] }),
      code: "invalid_input",
      field: "components.0.content.defaultAction",
      message: /./,
    },
    {
      name: "a 10 MB prompt",
      build: async () => request({ components: [await newVersion("prompt", (c) => { c.instructions = "x".repeat(10 * 1024 * 1024); })] }),
      code: "invalid_input",
      field: "components.0.content.instructions",
      message: new RegExp(MAX_PROMPT_CHARS.toLocaleString("en-US")),
    },
    {
      name: "the version that is already live",
      build: async () => request({ components: [{ source: "existing", kind: "policy", versionId: (await live("support-assistant", "policy")).id }] }),
      code: "invalid_input",
      field: "components.0.versionId",
      message: /already live/,
    },
  ])("refuses $name with a clear message and writes nothing", async ({ build, code, field, message }) => {
    await as("author");
    const input = await build();
    const before = await rowCounts();
    const result = await saveChangeRequestAction(null, input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe(code);
    expect(result.error.fieldErrors?.[field]?.join(" ") ?? "").toMatch(message);
    expect(await rowCounts()).toEqual(before);
  });

  it("refuses a viewer and writes nothing", async () => {
    await as("viewer");
    const before = await rowCounts();
    const result = await saveChangeRequestAction(null, request({ components: [await newVersion("prompt", tweakPrompt)] }));
    expect(result).toMatchObject({ ok: false, error: { code: "forbidden" } });
    expect(await rowCounts()).toEqual(before);
  });
});

describe("change requests: four-eyes approval", () => {
  it("the author cannot approve; a forged reviewer id is ignored; 20 concurrent approvals count once; security approval completes it", async () => {
    await as("author");
    const created = await saveChangeRequestAction(null, request({ title: "Block gift-card refunds", components: [await newVersion("policy", tweakPolicy)] }));
    if (!created.ok) throw new Error(created.error.message);
    const { id } = created.data;

    const own = await decideChangeRequestAction(null, { changeRequestId: id, revision: 1, decision: "approved", comment: "" });
    expect(own).toMatchObject({ ok: false, error: { code: "forbidden" } });

    await as("reviewer");
    const forged = { changeRequestId: id, revision: 1, decision: "approved" as const, comment: "LGTM", reviewerId: ids.security };
    const results = await Promise.all(Array.from({ length: 20 }, () => decideChangeRequestAction(null, forged)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results.filter((r) => r.ok && r.data.recorded)).toHaveLength(1);
    const recorded = await testDb().select().from(approvals).where(eq(approvals.changeRequestId, id));
    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.reviewerId).toBe(ids.reviewer);
    const approvalAudits = await testDb()
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.targetId, id), eq(auditLog.action, "change_request.approved")));
    expect(approvalAudits).toHaveLength(1);

    const [stillWaiting] = await testDb().select().from(changeRequests).where(eq(changeRequests.id, id));
    expect(stillWaiting!.state).toBe("in_review");
    const last = results.find((r) => r.ok && r.data.recorded);
    expect(last?.ok && last.data.needs.join(" ")).toMatch(/security reviewer/);

    await as("security");
    const security = await decideChangeRequestAction(null, { changeRequestId: id, revision: 1, decision: "approved", comment: "" });
    expect(security).toMatchObject({ ok: true, data: { state: "approved", recorded: true } });
    const [gate] = await testDb().select().from(gates).where(and(eq(gates.changeRequestId, id), eq(gates.type, "security_review")));
    expect(gate!.status).toBe("passed");
  });

  it("a reviewer who wrote a change request cannot approve it", async () => {
    await as("reviewer");
    const created = await saveChangeRequestAction(null, request({ title: "Reviewer's own change", components: [await newVersion("prompt", tweakPrompt)] }));
    if (!created.ok) throw new Error(created.error.message);
    const own = await decideChangeRequestAction(null, { changeRequestId: created.data.id, revision: 1, decision: "approved", comment: "" });
    expect(own).toEqual({ ok: false, error: { code: "forbidden", message: "You wrote this change request; someone else must approve it." } });
    expect(await testDb().select().from(approvals).where(eq(approvals.changeRequestId, created.data.id))).toHaveLength(0);
  });

  it("an approval racing a new revision lands on the old revision or is refused, never on the new one", async () => {
    for (let round = 0; round < 6; round += 1) {
      await as("author");
      const created = await saveChangeRequestAction(null, request({ title: `Race ${round}`, components: [await newVersion("prompt", tweakPrompt)] }));
      if (!created.ok) throw new Error(created.error.message);
      const { id } = created.data;
      const [cr] = await testDb().select().from(changeRequests).where(eq(changeRequests.id, id));
      const revise = request({
        title: `Race ${round} (rev 2)`,
        changeRequestId: id,
        expectedRevision: cr!.currentRevision,
        components: [await newVersion("prompt", tweakPrompt)],
      });

      // Each call reads the session when it starts; both start before either awaits the database.
      signedIn = ids.reviewer!;
      const approving = decideChangeRequestAction(null, { changeRequestId: id, revision: 1, decision: "approved", comment: "" });
      signedIn = ids.author!;
      const revising = saveChangeRequestAction(null, revise);
      const [approval, revision] = await Promise.all([approving, revising]);

      expect(revision.ok).toBe(true);
      const onNew = await testDb().select().from(approvals).where(and(eq(approvals.changeRequestId, id), eq(approvals.revision, 2)));
      expect(onNew).toHaveLength(0);
      if (!approval.ok) expect(approval.error.message).toMatch(/Revision 1 was replaced by revision 2 at \d\d:\d\d UTC — review the new diff/);
      const [after] = await testDb().select().from(changeRequests).where(eq(changeRequests.id, id));
      expect(after).toMatchObject({ currentRevision: 2, state: "in_review" });
    }
  });

  it("a decision on a superseded revision is refused with the revision that replaced it", async () => {
    await as("author");
    const created = await saveChangeRequestAction(null, request({ title: "Stale review", components: [await newVersion("prompt", tweakPrompt)] }));
    if (!created.ok) throw new Error(created.error.message);
    const [cr] = await testDb().select().from(changeRequests).where(eq(changeRequests.id, created.data.id));
    const revised = await saveChangeRequestAction(
      null,
      request({ title: "Stale review", changeRequestId: cr!.id, expectedRevision: 1, components: [await newVersion("prompt", tweakPrompt)] }),
    );
    expect(revised).toMatchObject({ ok: true, data: { revision: 2 } });
    const [rev2] = await testDb()
      .select()
      .from(changeRequestRevisions)
      .where(and(eq(changeRequestRevisions.changeRequestId, cr!.id), eq(changeRequestRevisions.revision, 2)));
    const at = rev2!.createdAt.toISOString().slice(11, 16);

    await as("reviewer");
    const stale = await decideChangeRequestAction(null, { changeRequestId: cr!.id, revision: 1, decision: "approved", comment: "" });
    expect(stale).toEqual({
      ok: false,
      error: { code: "conflict", message: `Revision 1 was replaced by revision 2 at ${at} UTC — review the new diff.` },
    });
  });

  it("a rejection needs a comment and blocks until a new revision", async () => {
    await as("author");
    const created = await saveChangeRequestAction(null, request({ title: "Reject me", components: [await newVersion("prompt", tweakPrompt)] }));
    if (!created.ok) throw new Error(created.error.message);
    await as("reviewer");
    const silent = await decideChangeRequestAction(null, { changeRequestId: created.data.id, revision: 1, decision: "rejected", comment: "" });
    expect(silent).toMatchObject({ ok: false, error: { code: "invalid_input", fieldErrors: { comment: [expect.any(String)] } } });
    const rejected = await decideChangeRequestAction(null, { changeRequestId: created.data.id, revision: 1, decision: "rejected", comment: "Breaks the hand-off format." });
    expect(rejected).toMatchObject({ ok: true, data: { state: "rejected" } });
    await as("security");
    const late = await decideChangeRequestAction(null, { changeRequestId: created.data.id, revision: 1, decision: "approved", comment: "" });
    expect(late.ok).toBe(false);
  });
});

describe("change requests: notifications", () => {
  it("enqueues signed-webhook deliveries for approval requested, approved and rejected — and none for a refused save", async () => {
    const [hook] = await testDb()
      .insert(webhooks)
      .values({ url: "http://127.0.0.1:9/hook", secret: "whsec_test", events: ["approval_requested", "approved", "rejected"] })
      .returning();
    const deliveriesOf = async () =>
      (await testDb().select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, hook!.id)).orderBy(webhookDeliveries.createdAt)).map((d) => ({
        event: d.event,
        cr: (d.payload as { data?: { changeRequest?: { number?: number } } }).data?.changeRequest?.number,
      }));

    await as("author");
    const refused = await saveChangeRequestAction(null, request({ title: "", components: [await newVersion("prompt", tweakPrompt)] }));
    expect(refused.ok).toBe(false);
    expect(await deliveriesOf()).toEqual([]);

    const created = await saveChangeRequestAction(null, request({ title: "Notify me", components: [await newVersion("prompt", tweakPrompt)] }));
    if (!created.ok) throw new Error(created.error.message);
    await as("reviewer");
    await decideChangeRequestAction(null, { changeRequestId: created.data.id, revision: 1, decision: "approved", comment: "" });

    await as("author");
    const second = await saveChangeRequestAction(null, request({ title: "Reject me too", components: [await newVersion("prompt", tweakPrompt)] }));
    if (!second.ok) throw new Error(second.error.message);
    await as("security");
    await decideChangeRequestAction(null, { changeRequestId: second.data.id, revision: 1, decision: "rejected", comment: "Not this way." });

    expect(await deliveriesOf()).toEqual([
      { event: "approval_requested", cr: created.data.number },
      { event: "approved", cr: created.data.number },
      { event: "approval_requested", cr: second.data.number },
      { event: "rejected", cr: second.data.number },
    ]);
  });
});
