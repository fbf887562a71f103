import {
  type AnyPgColumn,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import { actorTypeEnum, releaseKindEnum, rollbackScopeEnum } from "./enums";
import { changeRequests } from "./changes";
import { componentVersions } from "./components";
import { users } from "./identity";
import { componentKinds, services } from "./services";

/** Immutable record of a service's whole bundle. Every deploy, promotion and rollback writes one. */
export const releaseManifests = pgTable(
  "release_manifests",
  {
    /** e.g. rel_20260303_1900_ab12 */
    id: text().primaryKey(),
    serviceId: uuid()
      .notNull()
      .references(() => services.id),
    kind: releaseKindEnum().notNull(),
    /** Canary settings this manifest was released with (100 for a stable release). */
    canaryPercent: integer().notNull().default(100),
    targetTenants: text().array().notNull().default([]),
    changeRequestId: uuid().references(() => changeRequests.id),
    replacesReleaseId: text().references((): AnyPgColumn => releaseManifests.id),
    actorType: actorTypeEnum().notNull(),
    actorId: uuid(),
    actorLabel: text().notNull(),
    reason: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index().on(t.serviceId, t.createdAt)],
);

/** The version of each component kind in a manifest, with its rollback target. */
export const releaseManifestComponents = pgTable(
  "release_manifest_components",
  {
    releaseId: text()
      .notNull()
      .references(() => releaseManifests.id),
    kind: text()
      .notNull()
      .references(() => componentKinds.kind),
    versionId: uuid()
      .notNull()
      .references(() => componentVersions.id),
    /** The version this component would roll back to (the previous one), if any. */
    rollbackTargetVersionId: uuid().references(() => componentVersions.id),
  },
  (t) => [primaryKey({ columns: [t.releaseId, t.kind] })],
);

/** What each service serves now. Every change is a compare-and-swap on `revision`. */
export const activePointers = pgTable("active_pointers", {
  serviceId: uuid()
    .primaryKey()
    .references(() => services.id),
  stableReleaseId: text()
    .notNull()
    .references(() => releaseManifests.id),
  canaryReleaseId: text().references(() => releaseManifests.id),
  canaryPercent: integer().notNull().default(0),
  canaryTenants: text().array().notNull().default([]),
  revision: integer().notNull().default(1),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  updatedBy: text().notNull(),
});

export const rollbacks = pgTable(
  "rollbacks",
  {
    id: uuid().primaryKey().defaultRandom(),
    serviceId: uuid()
      .notNull()
      .references(() => services.id),
    changeRequestId: uuid().references(() => changeRequests.id),
    scope: rollbackScopeEnum().notNull(),
    /** For a component rollback: which kind was reverted. */
    kind: text().references(() => componentKinds.kind),
    fromReleaseId: text()
      .notNull()
      .references(() => releaseManifests.id),
    toReleaseId: text()
      .notNull()
      .references(() => releaseManifests.id),
    reason: text().notNull(),
    /** Regression cause, tagged after the fact; untagged rollbacks are listed until tagged. */
    causeTag: text(),
    taggedById: uuid().references(() => users.id),
    taggedAt: timestamp({ withTimezone: true }),
    actorId: uuid().references(() => users.id),
    actorLabel: text().notNull(),
    clickedAt: timestamp({ withTimezone: true }).notNull(),
    firstAlarmAt: timestamp({ withTimezone: true }),
    flippedAt: timestamp({ withTimezone: true }).notNull(),
  },
  (t) => [index().on(t.serviceId, t.flippedAt)],
);

export type ReleaseManifest = typeof releaseManifests.$inferSelect;
export type ReleaseManifestComponent = typeof releaseManifestComponents.$inferSelect;
export type ActivePointer = typeof activePointers.$inferSelect;
export type Rollback = typeof rollbacks.$inferSelect;
