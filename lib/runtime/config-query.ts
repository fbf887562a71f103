import { AppError } from "@/lib/errors";
import type { Subject } from "./resolve";

/** Limits on `GET …/config`'s query: ids, not documents. */
export const MAX_SUBJECT_CHARS = 512;
export const MAX_TENANT_CHARS = 200;

/**
 * The subject and tenant a config request resolves for, from its query string. Throws an
 * `invalid_input` AppError naming the field when the subject is missing or either is too long.
 * Shared by the route and the fast path, so both accept exactly the same requests.
 */
export function parseConfigQuery(query: URLSearchParams): Subject {
  const subject = query.get("subject");
  const tenant = query.get("tenant") || null;
  if (!subject) {
    throw new AppError("invalid_input", "Name the subject to resolve for: ?subject=<user or session id> (and &tenant=<tenant> if you have one).", {
      subject: ["Required"],
    });
  }
  if (subject.length > MAX_SUBJECT_CHARS) {
    throw new AppError("invalid_input", `The subject is longer than ${MAX_SUBJECT_CHARS} characters; send a user or session id.`, {
      subject: [`At most ${MAX_SUBJECT_CHARS} characters`],
    });
  }
  if (tenant && tenant.length > MAX_TENANT_CHARS) {
    throw new AppError("invalid_input", `The tenant is longer than ${MAX_TENANT_CHARS} characters.`, { tenant: [`At most ${MAX_TENANT_CHARS} characters`] });
  }
  return { subject, tenant };
}
