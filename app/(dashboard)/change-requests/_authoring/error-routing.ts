/**
 * The server answers with dotted field paths (`components.0.content.routes`); these route each
 * message to the field that shows it. Paths no field claims are listed in the form's alert.
 */

export type FieldErrors = Record<string, string[]>;

/** The top-level fields the form shows errors beside; anything else is listed in the alert. */
export const TOP_LEVEL_FIELDS = [
  "serviceSlug",
  "title",
  "description",
  "touchedDomains",
  "securityImpact",
  "expectedMetricShift",
  "rollbackPlan",
  "components",
] as const;
export type TopLevelField = (typeof TOP_LEVEL_FIELDS)[number];

/** Where each component's errors go: kind, version, label, notes, and content paths (after "content."). */
export interface ComponentErrors {
  kind: string[];
  versionId: string[];
  label: string[];
  notes: string[];
  /** Keyed by content path ("" for the content as a whole), e.g. "rules.0.action". */
  content: Record<string, string[]>;
  other: string[];
}

export function emptyComponentErrors(): ComponentErrors {
  return { kind: [], versionId: [], label: [], notes: [], content: {}, other: [] };
}

export interface RoutedErrors {
  fields: Partial<Record<TopLevelField, string[]>>;
  components: ComponentErrors[];
  /** Paths no field claims, shown in the alert with their path. */
  unplaced: { path: string; messages: string[] }[];
}

/** Routes the server's dotted paths (`components.0.content.routes`) to the fields they name. */
export function routeFieldErrors(errors: FieldErrors | undefined, componentCount: number): RoutedErrors {
  const routed: RoutedErrors = {
    fields: {},
    components: Array.from({ length: componentCount }, emptyComponentErrors),
    unplaced: [],
  };
  for (const [path, messages] of Object.entries(errors ?? {})) {
    const [head, index, sub, ...rest] = path.split(".");
    if (head === "components" && index !== undefined && /^\d+$/.test(index)) {
      const target = routed.components[Number(index)];
      if (!target) {
        routed.unplaced.push({ path, messages });
      } else if (sub === "kind" || sub === "versionId" || sub === "label" || sub === "notes") {
        target[sub].push(...messages);
      } else if (sub === "content") {
        (target.content[rest.join(".")] ??= []).push(...messages);
      } else {
        target.other.push(...messages);
      }
      continue;
    }
    if ((TOP_LEVEL_FIELDS as readonly string[]).includes(head!)) {
      (routed.fields[head as TopLevelField] ??= []).push(...messages);
      continue;
    }
    routed.unplaced.push({ path, messages });
  }
  return routed;
}

/** "rules.0.action" → "rules[0].action", for showing a schema path to a person. */
export function formatPath(path: string): string {
  if (!path) return "(whole document)";
  return path.split(".").reduce((out, part) => (/^\d+$/.test(part) ? `${out}[${part}]` : out ? `${out}.${part}` : part), "");
}
