import "server-only";
import { and, asc, count, desc, eq, gt, gte, inArray, lt, type SQL } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditLog, services, users, type AuditEntry } from "@/db/schema";
import type { Actor } from "@/lib/auth/session";
import { may, refusal } from "@/lib/auth/permissions";
import { AppError } from "@/lib/errors";
import { GENESIS_HASH, verifyChainPage, type ChainCursor, type ChainVerdict } from "./chain";

/** What the audit page can narrow the log by. Dates are whole UTC days, `to` inclusive. */
export interface AuditFilters {
  action?: string;
  /** The actor label as recorded, e.g. "Ada Admin <admin@example.com>". */
  actor?: string;
  targetType?: string;
  targetId?: string;
  /** Service slug. */
  service?: string;
  /** YYYY-MM-DD (UTC), inclusive. */
  from?: string;
  /** YYYY-MM-DD (UTC), inclusive. */
  to?: string;
}

export type AuditListEntry = AuditEntry & {
  serviceSlug: string | null;
  /** A readable name for the target where one is known (users), else null. */
  targetLabel: string | null;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AuditListing {
  entries: AuditListEntry[];
  /** Entries matching the filters, across all pages. */
  total: number;
  page: number;
  pageSize: number;
  pageCount: number;
  /** Values for the filter selects. */
  options: {
    actions: string[];
    actors: string[];
    targetTypes: string[];
    services: { slug: string; name: string }[];
  };
}

const DAY_MS = 24 * 60 * 60 * 1000;

function assertMayReadAudit(actor: Actor) {
  if (!may(actor.role, "audit.view")) throw new AppError("forbidden", refusal(actor.role, "audit.view"));
}

function utcDay(value: string | undefined): Date | undefined {
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const date = new Date(`${value}T00:00:00.000Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

async function whereOf(filters: AuditFilters): Promise<SQL | undefined> {
  const db = await getDb();
  const conditions: SQL[] = [];
  if (filters.action) conditions.push(eq(auditLog.action, filters.action));
  if (filters.actor) conditions.push(eq(auditLog.actorLabel, filters.actor));
  if (filters.targetType) conditions.push(eq(auditLog.targetType, filters.targetType));
  if (filters.targetId) conditions.push(eq(auditLog.targetId, filters.targetId));
  if (filters.service) {
    conditions.push(
      inArray(auditLog.serviceId, db.select({ id: services.id }).from(services).where(eq(services.slug, filters.service))),
    );
  }
  const from = utcDay(filters.from);
  if (from) conditions.push(gte(auditLog.occurredAt, from));
  const to = utcDay(filters.to);
  if (to) conditions.push(lt(auditLog.occurredAt, new Date(to.getTime() + DAY_MS)));
  return conditions.length ? and(...conditions) : undefined;
}

/** One page of the audit log, newest first, with the values the filter selects offer. */
export async function listAuditEntries(params: {
  actor: Actor;
  filters: AuditFilters;
  page: number;
  pageSize: number;
}): Promise<AuditListing> {
  assertMayReadAudit(params.actor);
  const db = await getDb();
  const pageSize = Math.min(Math.max(Math.trunc(params.pageSize) || 50, 1), 200);
  const where = await whereOf(params.filters);

  const [totals, actions, actors, targetTypes, serviceRows] = await Promise.all([
    db.select({ n: count() }).from(auditLog).where(where),
    db.selectDistinct({ value: auditLog.action }).from(auditLog).orderBy(asc(auditLog.action)),
    db.selectDistinct({ value: auditLog.actorLabel }).from(auditLog).orderBy(asc(auditLog.actorLabel)),
    db.selectDistinct({ value: auditLog.targetType }).from(auditLog).orderBy(asc(auditLog.targetType)),
    db.select({ slug: services.slug, name: services.name }).from(services).orderBy(asc(services.slug)),
  ]);
  const total = totals[0]?.n ?? 0;
  const pageCount = Math.max(1, Math.ceil(total / pageSize));
  const page = Math.min(Math.max(Math.trunc(params.page) || 1, 1), pageCount);

  const rows = await db
    .select({ entry: auditLog, serviceSlug: services.slug })
    .from(auditLog)
    .leftJoin(services, eq(services.id, auditLog.serviceId))
    .where(where)
    .orderBy(desc(auditLog.id))
    .limit(pageSize)
    .offset((page - 1) * pageSize);

  // "user 6bcb68dc…" means little to a reader: name the users this page mentions.
  const userIds = [...new Set(rows.filter((r) => r.entry.targetType === "user" && UUID.test(r.entry.targetId)).map((r) => r.entry.targetId))];
  const userNames = new Map(
    userIds.length
      ? (await db.select({ id: users.id, name: users.name }).from(users).where(inArray(users.id, userIds))).map((u) => [u.id, u.name])
      : [],
  );

  return {
    entries: rows.map((r) => ({
      ...r.entry,
      serviceSlug: r.serviceSlug,
      targetLabel: r.entry.targetType === "user" ? (userNames.get(r.entry.targetId) ?? null) : null,
    })),
    total,
    page,
    pageSize,
    pageCount,
    options: {
      actions: actions.map((r) => r.value),
      actors: actors.map((r) => r.value),
      targetTypes: targetTypes.map((r) => r.value),
      services: serviceRows,
    },
  };
}

/** The page (newest first, unfiltered) on which entry `id` appears, so a link can jump to it. */
export async function auditPageOfEntry(params: { actor: Actor; id: number; pageSize: number }): Promise<number> {
  assertMayReadAudit(params.actor);
  const db = await getDb();
  const [row] = await db.select({ n: count() }).from(auditLog).where(gt(auditLog.id, params.id));
  return Math.floor((row?.n ?? 0) / params.pageSize) + 1;
}

const VERIFY_PAGE_SIZE = 1000;

/**
 * Walks the whole chain in id order, a page at a time (memory stays flat however long the log
 * is), and reports it intact with the number of entries checked, or the first broken entry.
 */
export async function verifyAuditChain(params: { actor: Actor }): Promise<ChainVerdict> {
  assertMayReadAudit(params.actor);
  const db = await getDb();
  let cursor: ChainCursor = { expectedPrevHash: GENESIS_HASH, checked: 0 };
  let afterId = 0;
  for (;;) {
    const page = await db
      .select()
      .from(auditLog)
      .where(gt(auditLog.id, afterId))
      .orderBy(asc(auditLog.id))
      .limit(VERIFY_PAGE_SIZE);
    const step = verifyChainPage(page, cursor);
    if ("broken" in step) return step.broken;
    cursor = step.cursor;
    if (page.length < VERIFY_PAGE_SIZE) return { intact: true, checked: cursor.checked };
    afterId = page[page.length - 1]!.id;
  }
}
