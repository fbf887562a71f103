import {
  type AnyPgColumn,
  index,
  jsonb,
  pgTable,
  text,
  timestamp,
  unique,
  uuid,
} from "drizzle-orm/pg-core";
import { users } from "./identity";
import { componentKinds, services } from "./services";

/** Immutable: never updated after insert. Same content in the same service and kind = same version. */
export const componentVersions = pgTable(
  "component_versions",
  {
    id: uuid().primaryKey().defaultRandom(),
    serviceId: uuid()
      .notNull()
      .references(() => services.id),
    kind: text()
      .notNull()
      .references(() => componentKinds.kind),
    label: text().notNull(),
    content: jsonb().$type<Record<string, unknown>>().notNull(),
    /** sha-256 (hex) of the RFC 8785 canonical JSON of `content`. */
    contentHash: text().notNull(),
    parentId: uuid().references((): AnyPgColumn => componentVersions.id),
    authorId: uuid().references(() => users.id),
    notes: text().notNull().default(""),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique().on(t.serviceId, t.kind, t.contentHash),
    unique().on(t.serviceId, t.kind, t.label),
    index().on(t.serviceId, t.kind, t.createdAt),
  ],
);

export type ComponentVersion = typeof componentVersions.$inferSelect;
