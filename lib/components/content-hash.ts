import { createHash } from "node:crypto";
import canonicalize from "canonicalize";

/** RFC 8785 canonical JSON: same content, same bytes, whatever the key order. */
export function canonicalJson(content: unknown): string {
  const text = canonicalize(content);
  if (text === undefined) throw new Error("Content cannot be represented as JSON");
  return text;
}

/** sha-256 (hex) of the canonical JSON: the identity of a component version's content. */
export function contentHash(content: unknown): string {
  return createHash("sha256").update(canonicalJson(content)).digest("hex");
}
