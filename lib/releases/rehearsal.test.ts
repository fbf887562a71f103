import { describe, expect, it } from "vitest";
import { rehearseChangeRequestRollback, rehearseRollback, type RehearsalVersion, type VersionRef } from "./rehearsal";

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
    const version = { id, serviceId: "svc", kind, label: `${kind}-v1`, content: VALID[kind], ...override };
    versions.set(version.id, version);
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

describe("rehearseChangeRequestRollback", () => {
  const ref = (kind: string, label = `${kind}-v1`): VersionRef => ({ versionId: `${kind}-id`, label });
  const STABLE = { releaseId: "rel_20260301_1000_ab12", components: Object.fromEntries(Object.keys(VALID).map((k) => [k, ref(k)])) };
  const policyChange = { kind: "policy", from: ref("policy"), to: { versionId: "policy-new", label: "policy-v2" } };
  const base = { serviceId: "svc", serviceSlug: "support-assistant", revision: 2, stable: STABLE, changes: [policyChange] };

  it("passes when the stable bundle is valid and each change rolls back to the version it was proposed against", () => {
    const { versions } = versionsWith();
    expect(rehearseChangeRequestRollback({ ...base, versions })).toEqual({
      ok: true,
      problems: [],
      checked: 5,
      targetReleaseId: "rel_20260301_1000_ab12",
      targets: ["Policy → policy-v1"],
    });
  });

  it("names every changed component's target, in the order of the change", () => {
    const { versions } = versionsWith();
    const changes = [{ kind: "routing", from: ref("routing"), to: ref("routing", "routing-v2") }, policyChange];
    expect(rehearseChangeRequestRollback({ ...base, changes, versions }).targets).toEqual(["Routing → routing-v1", "Policy → policy-v1"]);
  });

  it.each<[string, Partial<Parameters<typeof rehearseChangeRequestRollback>[0]>, Partial<Record<string, Partial<RehearsalVersion> | null>>, string[]]>([
    ["a service with no release", { stable: null }, {}, ["support-assistant has no release yet, so there is nothing a rollback could go back to."]],
    [
      "a component that had no live version",
      { changes: [{ ...policyChange, from: null }] },
      {},
      ["Policy has no previous version: the service ran no policy version when revision 2 was proposed, so a rollback could not restore one."],
    ],
    [
      "a stable that moved since the revision was proposed",
      { stable: { ...STABLE, components: { ...STABLE.components, policy: { versionId: "policy-other", label: "policy-v1b" } } } },
      { policy: { id: "policy-other", label: "policy-v1b" } },
      ["The live policy is now policy-v1b, not policy-v1 that revision 2 was proposed against: a rollback would restore policy-v1b. Submit a new revision on top of policy-v1b."],
    ],
    [
      "a stable without the changed kind",
      { stable: { ...STABLE, components: { ...STABLE.components, policy: undefined } } },
      {},
      [
        "Policy policy-v1 is not in the stable release rel_20260301_1000_ab12 any more, so a rollback could not restore it.",
        "In rel_20260301_1000_ab12, policy is missing: the target release has no policy version.",
      ],
    ],
    [
      "a rollback target that no longer parses",
      {},
      { policy: { content: { ...VALID.policy, refusalMessage: undefined } } },
      ["In rel_20260301_1000_ab12, policy policy-v1 is not valid under today's schema: missing required field refusalMessage."],
    ],
    [
      "another component of the bundle that no longer exists",
      {},
      { retrieval: null },
      ["In rel_20260301_1000_ab12, retrieval version retrieval-id no longer exists."],
    ],
  ])("fails for %s, in plain words", (_name, over, overrides, problems) => {
    const { versions } = versionsWith(overrides);
    const out = rehearseChangeRequestRollback({ ...base, versions, ...over });
    expect(out.ok).toBe(false);
    expect(out.problems).toEqual(problems);
  });
});
