import type { ComponentKind } from "@/lib/components/kinds";
import type { SaveChangeRequestInput } from "@/lib/changes/input";
import type { AuthoringService, AuthoringVersion } from "@/lib/changes/authoring-queries";
import { parseJson } from "./json-text";

/**
 * The authoring form's state and the pure functions around it: prefilling a component from the
 * live version, turning the state into the server action's input, and routing the server's
 * dotted field-error paths back to the fields they belong to. No React here.
 */

export interface PromptFields {
  instructions: string;
  modelFamily: string;
  temperature: string;
  toolSchemaVersion: string;
  /** One limitation per line. */
  knownLimitations: string;
  assumesRetrieval: boolean;
  topK: string;
  indexSnapshot: string;
}

export interface ComponentDraft {
  /** Stable React key; not sent. */
  key: string;
  kind: ComponentKind | "";
  source: "existing" | "new";
  versionId: string;
  label: string;
  notes: string;
  prompt: PromptFields;
  /** The JSON editor's text, for every kind but prompt. */
  json: string;
}

export interface FormValues {
  serviceSlug: string;
  title: string;
  description: string;
  /** As typed: comma-separated. */
  touchedDomains: string;
  securityImpact: boolean;
  expectedMetricShift: string;
  rollbackPlan: string;
  components: ComponentDraft[];
}

let keySeq = 0;
export const nextKey = () => `c${++keySeq}`;

export function liveVersionOf(service: AuthoringService | undefined, kind: ComponentKind | ""): AuthoringVersion | null {
  if (!service || !kind) return null;
  const k = service.kinds[kind];
  return k.versions.find((v) => v.id === k.liveVersionId) ?? null;
}

/** Where a new version starts: the live one, else the newest, else an empty template. */
function startingPoint(service: AuthoringService | undefined, kind: ComponentKind): AuthoringVersion | null {
  return liveVersionOf(service, kind) ?? service?.kinds[kind].versions[0] ?? null;
}

const TEMPLATES: Record<Exclude<ComponentKind, "prompt">, unknown> = {
  retrieval: { indexSnapshot: "", topK: 8, minScore: 0.5, domains: [], sources: [{ name: "", weight: 1 }] },
  policy: { rules: [{ id: "", description: "", action: "block", categories: [""] }], defaultAction: "allow", refusalMessage: "" },
  tool_permission: { tools: [{ name: "", allowed: true, sandboxOnly: false }], maxCallsPerConversation: 5 },
  routing: { routes: [{ name: "default", model: "", weight: 1 }], fallbackRoute: "default" },
};

function str(value: unknown): string {
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : "";
}

export function promptFieldsFrom(content: Record<string, unknown> | null): PromptFields {
  const retrieval = (content?.assumedRetrieval ?? null) as Record<string, unknown> | null;
  const limitations = Array.isArray(content?.knownLimitations) ? (content.knownLimitations as unknown[]).map(str) : [];
  return {
    instructions: str(content?.instructions),
    modelFamily: str(content?.modelFamily),
    temperature: str(content?.temperature),
    toolSchemaVersion: str(content?.toolSchemaVersion),
    knownLimitations: limitations.join("\n"),
    assumesRetrieval: Boolean(retrieval),
    topK: str(retrieval?.topK),
    indexSnapshot: str(retrieval?.indexSnapshot),
  };
}

/** A label that is not taken yet: live label + "-next", then -next2, -next3 … */
export function suggestLabel(service: AuthoringService | undefined, kind: ComponentKind, base: string | undefined): string {
  if (!base) return "";
  const taken = new Set(service?.kinds[kind].versions.map((v) => v.label) ?? []);
  for (let n = 1; n < 100; n++) {
    const candidate = `${base}-next${n === 1 ? "" : n}`;
    if (!taken.has(candidate)) return candidate;
  }
  return "";
}

/** A component of this kind, prefilled from the service's live version. */
export function prefillComponent(service: AuthoringService | undefined, kind: ComponentKind | "", keep?: Pick<ComponentDraft, "key" | "source">): ComponentDraft {
  const base: ComponentDraft = {
    key: keep?.key ?? nextKey(),
    kind,
    source: keep?.source ?? "new",
    versionId: "",
    label: "",
    notes: "",
    prompt: promptFieldsFrom(null),
    json: "",
  };
  if (!kind) return base;
  const from = startingPoint(service, kind);
  const content = from?.content ?? null;
  return {
    ...base,
    label: suggestLabel(service, kind, from?.label),
    prompt: promptFieldsFrom(kind === "prompt" ? content : null),
    json: kind === "prompt" ? "" : JSON.stringify(content ?? TEMPLATES[kind], null, 2),
  };
}

/** A number field's value for zod: a number when it is one, else the text so the schema names the problem. */
function numberOrText(value: string): number | string | undefined {
  const trimmed = value.trim();
  if (trimmed === "") return undefined;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : trimmed;
}

export function promptContentOf(fields: PromptFields): Record<string, unknown> {
  const content: Record<string, unknown> = {
    instructions: fields.instructions,
    modelFamily: fields.modelFamily,
    temperature: numberOrText(fields.temperature),
    toolSchemaVersion: fields.toolSchemaVersion,
    knownLimitations: fields.knownLimitations
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean),
  };
  if (fields.assumesRetrieval) {
    content.assumedRetrieval = { topK: numberOrText(fields.topK), indexSnapshot: fields.indexSnapshot };
  }
  return content;
}

/** What the server action receives. Returns the index of a component whose JSON does not parse. */
export function toInput(
  values: FormValues,
  intent: "draft" | "submit",
  editing?: { changeRequestId: string; expectedLockVersion: number; expectedRevision: number },
): { ok: true; input: SaveChangeRequestInput } | { ok: false; badJson: number } {
  const components: SaveChangeRequestInput["components"] = [];
  for (const [i, c] of values.components.entries()) {
    const kind = c.kind as ComponentKind; // an empty kind is the server's to refuse, at the field
    if (c.source === "existing") {
      components.push({ source: "existing", kind, versionId: c.versionId });
      continue;
    }
    let content: unknown;
    if (c.kind === "prompt") content = promptContentOf(c.prompt);
    else if (c.kind) {
      const parsed = parseJson(c.json);
      if (!parsed.ok) return { ok: false, badJson: i };
      content = parsed.value;
    }
    components.push({ source: "new", kind, label: c.label, notes: c.notes, content });
  }
  return {
    ok: true,
    input: {
      serviceSlug: values.serviceSlug,
      title: values.title,
      description: values.description,
      touchedDomains: splitDomains(values.touchedDomains),
      securityImpact: values.securityImpact,
      expectedMetricShift: values.expectedMetricShift,
      rollbackPlan: values.rollbackPlan,
      components,
      intent,
      ...(editing ?? {}),
    },
  };
}

/** "payment, Billing ,," → ["payment", "billing"], once each. */
export function splitDomains(text: string): string[] {
  return [...new Set(text.split(",").map((d) => d.trim().toLowerCase()).filter(Boolean))];
}
