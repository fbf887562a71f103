import { describe, expect, it } from "vitest";
import type { AuthoringService } from "@/lib/changes/authoring-queries";
import { saveChangeRequestSchema } from "@/lib/changes/input";
import { formatPath, routeFieldErrors } from "./error-routing";
import { prefillComponent, promptContentOf, splitDomains, suggestLabel, toInput, type FormValues } from "./form-model";
import { jsonErrorOffset, parseJson } from "./json-text";

const LIVE_POLICY = { rules: [{ id: "r1", description: "d", action: "block", categories: ["pii"] }], defaultAction: "allow", refusalMessage: "No." };

function service(): AuthoringService {
  const empty = { liveVersionId: null, versions: [] };
  return {
    slug: "support-assistant",
    name: "Support assistant",
    description: "",
    sensitiveDomains: ["payment"],
    kinds: {
      prompt: {
        liveVersionId: "p2",
        versions: [
          { id: "p2", label: "assist-v2", createdAt: "2026-01-02T00:00:00.000Z", notes: "", content: { instructions: "Be kind.", modelFamily: "gpt", temperature: 0.2, toolSchemaVersion: "t1", knownLimitations: ["a", "b"], assumedRetrieval: { topK: 5, indexSnapshot: "kb-1" } } },
        ],
      },
      policy: {
        liveVersionId: "s1",
        versions: [
          { id: "s1-next", label: "sec-v1-next", createdAt: "2026-01-03T00:00:00.000Z", notes: "", content: {} },
          { id: "s1", label: "sec-v1", createdAt: "2026-01-01T00:00:00.000Z", notes: "", content: LIVE_POLICY },
        ],
      },
      retrieval: empty,
      tool_permission: empty,
      routing: empty,
    },
  };
}

describe("parseJson", () => {
  it.each([
    ['{\n  "a": [,\n 1]\n}', 2],
    ['{\n "a": 1,\n}', 3],
    ['{\n "a": 1\n', 3],
    ['{\n\n "a" 1}', 3],
    ["", 1],
  ])("names the line of the mistake in %j", (text, line) => {
    const parsed = parseJson(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(new RegExp(`^Not valid JSON: .+ \\(line ${line}\\)$`));
  });

  it("parses valid JSON", () => {
    expect(parseJson('{"a":[1,true,null,"x\\"y"]}')).toEqual({ ok: true, value: { a: [1, true, null, 'x"y'] } });
  });
});

describe("jsonErrorOffset", () => {
  it.each([
    ["[1,2]", -1],
    ['{"a":{"b":[]}}', -1],
    ["[1,]", 3],
    ['{"a" 1}', 5],
    ['{"a":1} x', 8],
    ["nul", 0],
    ['"abc', 4],
  ])("%j → %i", (text, offset) => {
    expect(jsonErrorOffset(text)).toBe(offset);
  });
});

describe("prefillComponent", () => {
  it("starts a new prompt from the live version", () => {
    const draft = prefillComponent(service(), "prompt");
    expect(draft.label).toBe("assist-v2-next");
    expect(draft.prompt).toMatchObject({ instructions: "Be kind.", temperature: "0.2", knownLimitations: "a\nb", assumesRetrieval: true, topK: "5" });
  });

  it("pretty-prints the live JSON of the other kinds and suggests a free label", () => {
    const draft = prefillComponent(service(), "policy");
    expect(JSON.parse(draft.json)).toEqual(LIVE_POLICY);
    expect(draft.json).toContain("\n  ");
    expect(draft.label).toBe("sec-v1-next2");
  });

  it("uses a template when the service has no version of the kind", () => {
    const draft = prefillComponent(service(), "routing");
    expect(parseJson(draft.json).ok).toBe(true);
    expect(draft.label).toBe("");
  });
});

describe("toInput", () => {
  const base: FormValues = {
    serviceSlug: "support-assistant",
    title: "t",
    description: "",
    touchedDomains: " Payment, billing,, payment ",
    securityImpact: false,
    expectedMetricShift: "",
    rollbackPlan: "",
    components: [],
  };

  it("builds what the server action accepts", () => {
    const prompt = { ...prefillComponent(service(), "prompt"), label: "assist-v3" };
    prompt.prompt = { ...prompt.prompt, temperature: "0.4", knownLimitations: " one \n\n two " };
    const existing = { ...prefillComponent(service(), "policy", { key: "k", source: "existing" }), versionId: "6f1c1a52-7f1c-4d7e-9d55-1f0c8f0e3a11" };
    const built = toInput({ ...base, components: [prompt, existing] }, "submit", { changeRequestId: "6f1c1a52-7f1c-4d7e-9d55-1f0c8f0e3a12", expectedLockVersion: 3, expectedRevision: 2 });
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    expect(built.input.touchedDomains).toEqual(["payment", "billing"]);
    expect(built.input.components[0]).toMatchObject({ source: "new", kind: "prompt", label: "assist-v3", content: { temperature: 0.4, knownLimitations: ["one", "two"] } });
    expect(built.input.components[1]).toEqual({ source: "existing", kind: "policy", versionId: existing.versionId });
    expect(saveChangeRequestSchema.safeParse(built.input).success).toBe(true);
  });

  it("refuses to send a component whose JSON does not parse", () => {
    const bad = { ...prefillComponent(service(), "policy"), json: "{" };
    expect(toInput({ ...base, components: [prefillComponent(service(), "prompt"), bad] }, "draft")).toEqual({ ok: false, badJson: 1 });
  });

  it("sends a temperature that is not a number as text, so the schema names it", () => {
    const fields = { ...prefillComponent(service(), "prompt").prompt, temperature: "warm" };
    expect(promptContentOf(fields).temperature).toBe("warm");
    expect(promptContentOf({ ...fields, temperature: "" }).temperature).toBeUndefined();
  });
});

describe("routeFieldErrors", () => {
  it("routes dotted server paths to their fields and lists the rest", () => {
    const routed = routeFieldErrors(
      {
        title: ["Give the change request a title"],
        components: ["A change request can change at most 2 components; this one changes 3."],
        "components.0.versionId": ["Choose a version"],
        "components.1.content.routes": ["Route weights must add up to 1"],
        "components.1.content": ["Expected object"],
        "components.1.label": ["taken"],
        "components.7.kind": ["?"],
        expectedLockVersion: ["bad"],
      },
      2,
    );
    expect(routed.fields).toEqual({
      title: ["Give the change request a title"],
      components: ["A change request can change at most 2 components; this one changes 3."],
    });
    expect(routed.components[0]!.versionId).toEqual(["Choose a version"]);
    expect(routed.components[1]!.content).toEqual({ routes: ["Route weights must add up to 1"], "": ["Expected object"] });
    expect(routed.components[1]!.label).toEqual(["taken"]);
    expect(routed.unplaced.map((u) => u.path)).toEqual(["components.7.kind", "expectedLockVersion"]);
  });

  it("formats content paths for people", () => {
    expect(formatPath("rules.0.action")).toBe("rules[0].action");
    expect(formatPath("")).toBe("(whole document)");
  });
});

describe("small helpers", () => {
  it("splitDomains trims, lowercases and dedupes", () => {
    expect(splitDomains(" A, b ,a,,")).toEqual(["a", "b"]);
  });
  it("suggestLabel skips taken labels", () => {
    expect(suggestLabel(service(), "policy", "sec-v1")).toBe("sec-v1-next2");
    expect(suggestLabel(service(), "policy", undefined)).toBe("");
  });
});
