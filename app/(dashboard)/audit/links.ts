import type { AuditFilters } from "@/lib/audit/queries";

export const FILTER_KEYS = ["action", "actor", "targetType", "targetId", "service", "from", "to"] as const;

/** The audit page URL for these filters and page, without empty parameters. */
export function auditHref(filters: AuditFilters, page = 1): string {
  const query = new URLSearchParams();
  for (const key of FILTER_KEYS) if (filters[key]) query.set(key, filters[key]);
  if (page > 1) query.set("page", String(page));
  const text = query.toString();
  return text ? `/audit?${text}` : "/audit";
}
