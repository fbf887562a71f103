import type { z } from "zod";

/** Content errors keyed by content path ("" is the content as a whole). */
export type ContentErrors = Record<string, string[]>;

/** A zod result's issues, keyed by their path, for showing at the field. */
export function issuesByPath(error: z.ZodError | undefined): ContentErrors {
  const out: ContentErrors = {};
  for (const issue of error?.issues ?? []) {
    (out[issue.path.map(String).join(".")] ??= []).push(issue.message);
  }
  return out;
}

/** The live check and the server's answer, merged, each message once per path. */
export function mergeErrors(...sources: (ContentErrors | undefined)[]): ContentErrors {
  const out: ContentErrors = {};
  for (const source of sources) {
    for (const [path, messages] of Object.entries(source ?? {})) {
      const list = (out[path] ??= []);
      for (const m of messages) if (!list.includes(m)) list.push(m);
    }
  }
  return out;
}

/** The messages at a path and below it ("assumedRetrieval" also takes "assumedRetrieval.topK"). */
export function errorsUnder(errors: ContentErrors, prefix: string): string[] {
  return Object.entries(errors).flatMap(([path, messages]) =>
    path === prefix || path.startsWith(`${prefix}.`) ? messages : [],
  );
}

/** Key-order-insensitive JSON text, for "is this the same content?" (the server hashes canonical JSON). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** Whether two contents are the same once each is read through the kind's schema (defaults applied). */
export function sameContent(schema: z.ZodType, a: unknown, b: unknown): boolean {
  const pa = schema.safeParse(a);
  const pb = schema.safeParse(b);
  return pa.success && pb.success && canonicalJson(pa.data) === canonicalJson(pb.data);
}
