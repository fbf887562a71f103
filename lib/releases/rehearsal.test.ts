import { describe, expect, it } from "vitest";
import { rehearseRollback, type RehearsalVersion } from "./rehearsal";

const VALID: Record<string, Record<string, unknown>> = {
  prompt: { instructions: "Answer briefly.", modelFamily: "gpt-4.1", temperature: 0.2, toolSchemaVersion: "v3" },
  retrieval: { indexSnapshot: "kb-2026-03-01", topK: 6, minScore: 0.6, sources: [{ name: "help-center", weight: 1 }] },
  policy: { rules: [{ id: "r1", description: "No card numbers", action: "redact", categories: ["pci"] }], defaultAction: "allow", refusalMessage: "I can't help with that." },
  tool_permission: { tools: [{ name: "get_order", allowed: true }], maxCallsPerConversation: 5 },
  routing: { routes: [{ name: "default", model: "gpt-4.1-mini", weight: 1 }], fallbackRoute: "default" },
};

function versionsWith(overrides: Partial<Record<string, Partial<RehearsalVersion> | null>> = {}) {
  const versions = new Map<string, RehearsalVersion>();
  const target: Record<string, string> = {};
  for (const kind of Object.keys(VALID)) {
    const id = `${kind}-id`;
    target[kind] = id;
    const override = overrides[kind];
    if (override === null) continue;
    versions.set(id, { id, serviceId: "svc", kind, label: `${kind}-v1`, content: VALID[kind], ...override });
  }
  return { versions, target };
}

describe("rehearseRollback", () => {
  it("passes a complete bundle valid under today's schemas", () => {
    const { versions, target } = versionsWith();
    expect(rehearseRollback({ serviceId: "svc", targetComponents: target, versions })).toEqual({ ok: true, problems: [], checked: 5 });
  });

  it.each<[string, Partial<Record<string, Partial<RehearsalVersion> | null>>, string]>([
    ["a version that no longer exists", { retrieval: null }, "Retrieval version retrieval-id no longer exists."],
    ["a version of another service", { policy: { serviceId: "other" } }, "Policy policy-v1 belongs to another service."],
    ["a version of another kind", { routing: { kind: "prompt" } }, "Routing routing-v1 is a prompt version, not a routing version."],
    [
      "a now-required field missing",
      { policy: { content: { ...VALID.policy, refusalMessage: undefined } } },
      "Policy policy-v1 is not valid under today's schema: missing required field refusalMessage.",
    ],
    [
      "a nested required field missing",
      { policy: { content: { ...VALID.policy, rules: [{ description: "x", action: "block", categories: ["a"] }] } } },
      "Policy policy-v1 is not valid under today's schema: missing required field rules.0.id.",
    ],
    [
      "a field of the wrong type",
      { prompt: { content: { ...VALID.prompt, temperature: "warm" } } },
      "Prompt prompt-v1 is not valid under today's schema: temperature: Invalid input: expected number, received string.",
    ],
    [
      "a rule across fields",
      { routing: { content: { routes: [{ name: "a", model: "m", weight: 0.5 }], fallbackRoute: "a" } } },
      "Routing routing-v1 is not valid under today's schema: routes: Route weights must add up to 1.",
    ],
  ])("flags %s", (_name, overrides, problem) => {
    const { versions, target } = versionsWith(overrides);
    const out = rehearseRollback({ serviceId: "svc", targetComponents: target, versions });
    expect(out.ok).toBe(false);
    expect(out.problems).toEqual([problem]);
    expect(out.checked).toBe(5);
  });

  it("flags every missing kind and an unknown one", () => {
    const { versions } = versionsWith();
    const out = rehearseRollback({ serviceId: "svc", targetComponents: { prompt: "prompt-id", model: "x" }, versions });
    expect(out.problems).toEqual([
      "Retrieval is missing: the target release has no retrieval version.",
      "Policy is missing: the target release has no policy version.",
      "Tool permissions is missing: the target release has no tool_permission version.",
      "Routing is missing: the target release has no routing version.",
      'The target release has a component of unknown kind "model".',
    ]);
  });

  it("lists at most three schema problems per version, then counts the rest", () => {
    const { versions, target } = versionsWith({ retrieval: { content: {} } });
    const out = rehearseRollback({ serviceId: "svc", targetComponents: target, versions });
    expect(out.problems[0]).toBe(
      "Retrieval retrieval-v1 is not valid under today's schema: missing required field indexSnapshot; missing required field topK; missing required field minScore (and 1 more).",
    );
  });

  it("checks only the kinds asked for", () => {
    const { versions, target } = versionsWith({ prompt: null });
    expect(rehearseRollback({ serviceId: "svc", targetComponents: { policy: target.policy }, versions, kinds: ["policy"] })).toEqual({ ok: true, problems: [], checked: 1 });
  });
});
