import { describe, expect, it } from "vitest";
import { ROLES, type Role } from "@/lib/auth/permissions";
import type { ComponentKind, RiskTier } from "@/lib/components/kinds";
import { defaultServiceSettings } from "@/lib/services/settings";
import {
  MAX_COMPONENTS_PER_CHANGE,
  checkComponentCount,
  checkDistinctKinds,
  checkHighRiskKinds,
  checkOneRolloutInFlight,
  checkRolloutStart,
  type RuleCheck,
} from "./release-rules";

describe("checkComponentCount: one or two components per change request", () => {
  it("is two", () => expect(MAX_COMPONENTS_PER_CHANGE).toBe(2));

  it.each<[number, RuleCheck]>([
    [0, { ok: false, rule: "component_count", message: "A change request must change at least one component." }],
    [1, { ok: true }],
    [2, { ok: true }],
    [3, { ok: false, rule: "component_count", message: "A change request can change at most 2 components; this one changes 3." }],
    [5, { ok: false, rule: "component_count", message: "A change request can change at most 2 components; this one changes 5." }],
  ])("%i components → %j", (count, expected) => expect(checkComponentCount(count)).toEqual(expected));
});

describe("checkDistinctKinds: each component kind at most once", () => {
  it.each<[ComponentKind[], RuleCheck]>([
    [["prompt"], { ok: true }],
    [["prompt", "routing"], { ok: true }],
    [["prompt", "prompt"], { ok: false, rule: "duplicate_kind", message: "A change request changes each component once; this one changes the prompt more than once." }],
    [
      ["tool_permission", "policy", "tool_permission", "policy"],
      { ok: false, rule: "duplicate_kind", message: "A change request changes each component once; this one changes the tool permissions and the policy more than once." },
    ],
  ])("%j → %j", (kinds, expected) => expect(checkDistinctKinds(kinds)).toEqual(expected));
});

describe("checkHighRiskKinds: at most one high-risk component kind per release", () => {
  const settings = { sensitiveDomains: ["payment", "legal"] };
  it.each<[string, ComponentKind[], string[], RuleCheck]>([
    ["one high-risk kind", ["policy"], [], { ok: true }],
    ["one high-risk kind with a low one", ["policy", "prompt"], ["payment"], { ok: true }],
    ["policy + retrieval outside sensitive domains", ["policy", "retrieval"], ["orders"], { ok: true }],
    ["policy + routing in a sensitive domain (routing stays medium)", ["policy", "routing"], ["payment"], { ok: true }],
    ["retrieval in payment alone", ["retrieval"], ["payment"], { ok: true }],
    ["no high-risk kind", ["prompt", "routing"], [], { ok: true }],
    [
      "policy + tool_permission",
      ["policy", "tool_permission"],
      [],
      { ok: false, rule: "high_risk_kinds", message: "A release can change at most one high-risk component; this one changes 2: policy and tool permissions. Split it into separate change requests." },
    ],
    [
      "policy + retrieval touching payment: retrieval is high there",
      ["policy", "retrieval"],
      ["Payment"],
      { ok: false, rule: "high_risk_kinds", message: 'A release can change at most one high-risk component; this one changes 2: policy and retrieval (in the sensitive domain "payment"). Split it into separate change requests.' },
    ],
    [
      "tool_permission + retrieval touching two sensitive domains",
      ["tool_permission", "retrieval"],
      ["legal", "payment"],
      { ok: false, rule: "high_risk_kinds", message: 'A release can change at most one high-risk component; this one changes 2: tool permissions and retrieval (in the sensitive domains "legal" and "payment"). Split it into separate change requests.' },
    ],
  ])("%s", (_name, kinds, touchedDomains, expected) => {
    expect(checkHighRiskKinds({ kinds, touchedDomains }, settings)).toEqual(expected);
  });
});

describe("checkOneRolloutInFlight: one rollout per service at a time", () => {
  it.each<[number[], RuleCheck]>([
    [[], { ok: true }],
    [[12], { ok: false, rule: "rollout_in_flight", message: "CR-12 is already rolling out on this service. One rollout at a time: promote, roll back or cancel it before starting another." }],
    [[12, 15], { ok: false, rule: "rollout_in_flight", message: "CR-12 and CR-15 are already rolling out on this service. One rollout at a time: promote, roll back or cancel it before starting another." }],
  ])("in flight %j → %j", (numbers, expected) => {
    expect(checkOneRolloutInFlight({ serviceRolloutsInFlight: numbers.map((crNumber) => ({ crNumber })) })).toEqual(expected);
  });
});

describe("checkRolloutStart: the deploy window binds high-risk rollouts", () => {
  const service = {
    timeZone: "Europe/Berlin",
    settings: { ...defaultServiceSettings(), holidays: [{ date: "2026-12-24", name: "Christmas Eve" }] },
  };
  // Instants in UTC with the Berlin offset in force.
  const INSIDE = new Date("2026-03-30T07:00:00Z"); // Mon 09:00 CEST (UTC+2)
  const EVENING = new Date("2026-03-30T18:00:00Z"); // Mon 20:00 CEST
  const SATURDAY = new Date("2026-04-04T10:00:00Z"); // Sat 12:00 CEST
  const HOLIDAY = new Date("2026-12-24T09:00:00Z"); // Thu 10:00 CET (UTC+1), Christmas Eve
  const REASON = "Refund abuse in progress; the policy fix must ship now";
  const operator = (reason = REASON, actorRole: Role = "operator") => ({ reason, actorRole });

  type Expected = { ok: true; emergency: boolean } | { ok: false; rule: string; message?: RegExp };
  it.each<[string, RiskTier, Date, ReturnType<typeof operator> | undefined, Expected]>([
    ["low, in the evening: not window-bound", "low", EVENING, undefined, { ok: true, emergency: false }],
    ["medium, on a Saturday: not window-bound", "medium", SATURDAY, undefined, { ok: true, emergency: false }],
    ["medium, on a holiday: not window-bound", "medium", HOLIDAY, undefined, { ok: true, emergency: false }],
    ["high, inside the window", "high", INSIDE, undefined, { ok: true, emergency: false }],
    ["high, inside the window with an unneeded override: not an emergency", "high", INSIDE, operator(), { ok: true, emergency: false }],
    ["high, in the evening", "high", EVENING, undefined, { ok: false, rule: "deploy_window", message: /it is Monday 20:00, and the window closed at 16:00\..*High-risk rollouts start only inside the deploy window/ }],
    ["high, on a Saturday", "high", SATURDAY, undefined, { ok: false, rule: "deploy_window", message: /Saturday is not a deploy day/ }],
    ["high, on a holiday inside the hours", "high", HOLIDAY, undefined, { ok: false, rule: "deploy_window", message: /is a holiday \(Christmas Eve\)/ }],
    ["high, in the evening, operator emergency", "high", EVENING, operator(), { ok: true, emergency: true }],
    ["high, on a holiday, operator emergency", "high", HOLIDAY, operator(), { ok: true, emergency: true }],
    ["high, emergency by an admin: on-call only", "high", EVENING, operator(REASON, "admin"), { ok: false, rule: "emergency_override", message: /^Your role \(Admin\) cannot override the deploy window in an emergency\. Roles that can: Operator \(on-call\)\.$/ }],
    ["high, emergency with no reason", "high", EVENING, operator(""), { ok: false, rule: "emergency_override", message: /at least 10 characters/ }],
    ["high, emergency with a blank reason", "high", EVENING, operator("          "), { ok: false, rule: "emergency_override" }],
    ["high, emergency with a reason of 8 characters once trimmed", "high", EVENING, operator("  it's bad "), { ok: false, rule: "emergency_override" }],
    ["high, emergency with a 9-character reason", "high", EVENING, operator("outage!!!"), { ok: false, rule: "emergency_override" }],
    ["high, emergency with a 10-character reason", "high", EVENING, operator("outage now"), { ok: true, emergency: true }],
  ])("%s", (_name, tier, now, emergency, expected) => {
    const result = checkRolloutStart({ tier, now, service, emergency });
    if (expected.ok) {
      expect(result).toMatchObject({ ok: true, startStage: 0, emergency: expected.emergency });
    } else {
      expect(result).toMatchObject({ ok: false, rule: expected.rule });
      if (expected.message) expect(!result.ok && result.message).toMatch(expected.message);
    }
  });

  it.each(ROLES.map((role) => ({ role, allowed: role === "operator" })))(
    "only the on-call operator may override: $role → $allowed",
    ({ role, allowed }) => {
      expect(checkRolloutStart({ tier: "high", now: EVENING, service, emergency: operator(REASON, role) }).ok).toBe(allowed);
    },
  );

  it("never skips the first canary stage, and reports the window it judged", () => {
    for (const now of [INSIDE, EVENING, SATURDAY, HOLIDAY]) {
      for (const tier of ["low", "medium", "high"] as const) {
        const result = checkRolloutStart({ tier, now, service, emergency: operator() });
        expect(result).toMatchObject({ ok: true, startStage: 0 });
        expect(result.window.localTime).toMatch(/^\w{3} \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC[+-]\d{2}:\d{2}$/);
      }
    }
  });
});
