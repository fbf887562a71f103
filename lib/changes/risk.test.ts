import { describe, expect, it } from "vitest";
import { COMPONENT_KINDS, type ComponentKind, type ComponentKindInfo, type RiskTier } from "@/lib/components/kinds";
import { classifyRisk, joinWords, maxTier, normalizeDomain, sensitiveDomainsTouched } from "./risk";

const settings = { sensitiveDomains: ["payment", "medical", "legal", "security"] };
const change = (kinds: ComponentKind[], touchedDomains: string[] = [], securityImpact = false) => ({
  components: kinds.map((kind) => ({ kind })),
  touchedDomains,
  securityImpact,
});

// The reasons a reviewer reads, spelled out once.
const R = {
  policy: "Changes the policy component (policy changes are high risk)",
  tools: "Changes the tool permissions component (tool permissions changes are high risk)",
  retrieval: "Changes the retrieval component (retrieval changes are medium risk)",
  routing: "Changes the routing component (routing changes are medium risk)",
  security: "Declares a security impact (changes with a security impact are high risk)",
  retrievalIn: (d: string) => `Retrieval touches the sensitive ${d} (retrieval changes in a sensitive domain are high risk)`,
  promptIn: (d: string) => `Prompt touches the sensitive ${d} (prompt changes in a sensitive domain are medium risk)`,
  promptOnly: "Only the prompt changes, and it touches no sensitive domain (low risk)",
};

describe("classifyRisk: one row per SPEC §1 rule and edge", () => {
  it.each<[string, ReturnType<typeof change>, RiskTier, string[]]>([
    // otherwise → low
    ["prompt alone", change(["prompt"]), "low", [R.promptOnly]],
    ["prompt in a domain that is not sensitive", change(["prompt"], ["orders", "shipping"]), "low", [R.promptOnly]],
    ["no component at all", change([]), "low", ["Changes no component yet (low risk)"]],
    ["the same prompt listed twice gives one reason", change(["prompt", "prompt"]), "low", [R.promptOnly]],
    // prompt touching a sensitive domain → medium
    ["prompt touching payment", change(["prompt"], ["payment"]), "medium", [R.promptIn('domain "payment"')]],
    ["prompt touching two sensitive domains", change(["prompt"], ["orders", "payment", "legal"]), "medium", [R.promptIn('domains "payment" and "legal"')]],
    // retrieval or routing → medium
    ["retrieval alone", change(["retrieval"]), "medium", [R.retrieval]],
    ["retrieval in a domain that is not sensitive", change(["retrieval"], ["orders"]), "medium", [R.retrieval]],
    ["routing alone", change(["routing"]), "medium", [R.routing]],
    ["routing in a sensitive domain stays medium (its sensitive risk is medium)", change(["routing"], ["payment"]), "medium", [R.routing]],
    ["prompt + routing: the prompt adds nothing", change(["prompt", "routing"]), "medium", [R.routing]],
    ["retrieval + routing", change(["retrieval", "routing"]), "medium", [R.retrieval, R.routing]],
    // retrieval touching a sensitive domain → high
    ["retrieval touching payment", change(["retrieval"], ["payment"]), "high", [R.retrievalIn('domain "payment"')]],
    ["prompt + retrieval touching payment: both raised, high first", change(["prompt", "retrieval"], ["payment"]), "high", [R.retrievalIn('domain "payment"'), R.promptIn('domain "payment"')]],
    // policy or tool_permission → high
    ["policy", change(["policy"]), "high", [R.policy]],
    ["tool_permission", change(["tool_permission"]), "high", [R.tools]],
    ["policy in a sensitive domain: already high, one reason", change(["policy"], ["payment"]), "high", [R.policy]],
    ["routing + policy: high first, then medium", change(["routing", "policy"]), "high", [R.policy, R.routing]],
    ["policy + tool_permission", change(["policy", "tool_permission"]), "high", [R.policy, R.tools]],
    // security impact declared → high
    ["prompt with a declared security impact", change(["prompt"], [], true), "high", [R.security]],
    ["no component, but a declared security impact", change([], [], true), "high", [R.security]],
    ["policy + security impact: every rule that fired is listed", change(["policy"], [], true), "high", [R.policy, R.security]],
    ["prompt in payment + security impact: high first", change(["prompt"], ["payment"], true), "high", [R.security, R.promptIn('domain "payment"')]],
  ])("%s", (_name, input, tier, reasons) => {
    expect(classifyRisk(input, settings)).toEqual({ tier, reasons });
  });
});

describe("classifyRisk: domain matching", () => {
  it.each<[string, string[], string[], RiskTier]>([
    ["case-insensitive touched domain", [" PayMent "], ["payment"], "high"],
    ["case-insensitive sensitive list", ["payment"], [" PAYMENT "], "high"],
    ["a substring is not a match", ["payments"], ["payment"], "medium"],
    ["an empty touched domain never matches", ["", "  "], ["payment"], "medium"],
    ["an empty sensitive list never matches", ["payment"], [], "medium"],
    ["each service has its own list", ["customer-data"], ["security", "customer-data"], "high"],
  ])("%s", (_name, touched, sensitiveDomains, tier) => {
    expect(classifyRisk(change(["retrieval"], touched), { sensitiveDomains }).tier).toBe(tier);
  });

  it("names each sensitive domain once, normalized, in the order the author listed them", () => {
    expect(sensitiveDomainsTouched([" Legal", "orders", "PAYMENT", "legal"], settings.sensitiveDomains)).toEqual([
      "legal",
      "payment",
    ]);
    expect(classifyRisk(change(["retrieval"], ["Legal", "LEGAL"]), settings).reasons).toEqual([
      R.retrievalIn('domain "legal"'),
    ]);
  });

  it("normalizes by trimming and lower-casing only", () => {
    expect(normalizeDomain("  Customer-Data ")).toBe("customer-data");
  });
});

describe("classifyRisk: the tier for every kind, written out independently of the catalogue", () => {
  // kind: [no sensitive domain, touching a sensitive domain]
  const EXPECTED: Record<ComponentKind, [RiskTier, RiskTier]> = {
    prompt: ["low", "medium"],
    retrieval: ["medium", "high"],
    policy: ["high", "high"],
    tool_permission: ["high", "high"],
    routing: ["medium", "medium"],
  };
  const singles = COMPONENT_KINDS.flatMap((kind) =>
    [false, true].flatMap((sensitive) =>
      [false, true].map((securityImpact) => ({ kinds: [kind], sensitive, securityImpact })),
    ),
  );
  const pairs = COMPONENT_KINDS.flatMap((a, i) =>
    COMPONENT_KINDS.slice(i + 1).flatMap((b) =>
      [false, true].flatMap((sensitive) =>
        [false, true].map((securityImpact) => ({ kinds: [a, b], sensitive, securityImpact })),
      ),
    ),
  );
  const expectedTier = (kinds: ComponentKind[], sensitive: boolean, securityImpact: boolean): RiskTier =>
    maxTier(...kinds.map((k) => EXPECTED[k][sensitive ? 1 : 0]), securityImpact ? "high" : "low");

  it.each([...singles, ...pairs])("$kinds sensitive=$sensitive securityImpact=$securityImpact", (row) => {
    const result = classifyRisk(change(row.kinds, row.sensitive ? ["payment"] : ["orders"], row.securityImpact), settings);
    expect(result.tier).toBe(expectedTier(row.kinds, row.sensitive, row.securityImpact));
    expect(result.reasons.length).toBeGreaterThan(0);
  });
});

describe("classifyRisk is driven by the catalogue, not by kind names", () => {
  it("follows whatever risks the catalogue gives", () => {
    const catalogue: ComponentKindInfo[] = [
      { kind: "prompt", label: "Prompt", governs: "", defaultRisk: "high", sensitiveDomainRisk: "high", strategy: "", sortOrder: 1, diffStyle: "text" },
      { kind: "policy", label: "Policy", governs: "", defaultRisk: "low", sensitiveDomainRisk: "low", strategy: "", sortOrder: 2, diffStyle: "structural" },
    ];
    expect(classifyRisk(change(["prompt"]), settings, catalogue)).toEqual({
      tier: "high",
      reasons: ["Changes the prompt component (prompt changes are high risk)"],
    });
    expect(classifyRisk(change(["policy"], ["payment"]), settings, catalogue)).toEqual({
      tier: "low",
      reasons: ['Only the policy changes; touching the sensitive domain "payment" does not raise its risk (low risk)'],
    });
  });

  it("refuses a kind the catalogue does not know", () => {
    expect(() => classifyRisk(change(["routing"]), settings, [])).toThrow("Unknown component kind: routing");
  });
});

describe("joinWords", () => {
  it.each<[string[], string]>([
    [[], ""],
    [["a"], "a"],
    [["a", "b"], "a and b"],
    [["a", "b", "c"], "a, b and c"],
  ])("%j → %s", (words, text) => expect(joinWords(words)).toBe(text));

  it("joins with or when asked", () => expect(joinWords(["a", "b", "c"], "or")).toBe("a, b or c"));
});
