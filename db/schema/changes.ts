import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  serial,
  text,
  timestamp,
  unique,
  uuid,
} from "drizzle-orm/pg-core";
import {
  approvalDecisionEnum,
  changeRequestStateEnum,
  gateStatusEnum,
  gateTypeEnum,
  riskTierEnum,
  roleEnum,
} from "./enums";
import { componentVersions } from "./components";
import { users } from "./identity";
import { componentKinds, services } from "./services";

/** Why a rollout is paused, shown on the change request. */
export interface RolloutHold {
  kind: "paused" | "frozen";
  reason: string;
  /** ISO time. */
  at: string;
  by: string;
  /** For a freeze: the metrics that failed, in words ("false_refusal_rate 6.1% vs 2.0% (+4.1 pp, limit +1 pp)"). */
  failing?: string[];
  stagePercent?: number;
}

export const changeRequests = pgTable(
  "change_requests",
  {
    id: uuid().primaryKey().defaultRandom(),
    /** Human number shown as CR-<number>. */
    number: serial().notNull().unique(),
    serviceId: uuid()
      .notNull()
      .references(() => services.id),
    authorId: uuid()
      .notNull()
      .references(() => users.id),
    title: text().notNull(),
    state: changeRequestStateEnum().notNull().default("draft"),
    riskTier: riskTierEnum().notNull(),
    /** The revision now under review; approvals and gates belong to one revision. */
    currentRevision: integer().notNull().default(1),
    /** Bumped on every change to this row: the compare-and-swap token. */
    lockVersion: integer().notNull().default(1),
    /** Index into the tier's canary ladder while rolling out. */
    canaryStage: integer(),
    /** When the current canary stage began (its minimum duration counts from here). */
    canaryStageStartedAt: timestamp({ withTimezone: true }),
    /** Why a paused rollout is held: paused by an operator, or frozen by a failing canary verdict. */
    rolloutHold: jsonb().$type<RolloutHold>(),
    emergencyReason: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index().on(t.serviceId, t.state), index().on(t.updatedAt)],
);

export const changeRequestRevisions = pgTable(
  "change_request_revisions",
  {
    id: uuid().primaryKey().defaultRandom(),
    changeRequestId: uuid()
      .notNull()
      .references(() => changeRequests.id),
    revision: integer().notNull(),
    title: text().notNull(),
    description: text().notNull().default(""),
    touchedDomains: text().array().notNull().default([]),
    securityImpact: boolean().notNull().default(false),
    expectedMetricShift: text().notNull().default(""),
    rollbackPlan: text().notNull().default(""),
    riskTier: riskTierEnum().notNull(),
    /** Reasons the classifier gave, in the words shown to reviewers. */
    riskReasons: jsonb().$type<string[]>().notNull().default([]),
    authorId: uuid()
      .notNull()
      .references(() => users.id),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique().on(t.changeRequestId, t.revision)],
);

/** A component moved by one revision of a change request: from the version live now to a new one. */
export const componentChanges = pgTable(
  "component_changes",
  {
    id: uuid().primaryKey().defaultRandom(),
    revisionId: uuid()
      .notNull()
      .references(() => changeRequestRevisions.id),
    kind: text()
      .notNull()
      .references(() => componentKinds.kind),
    fromVersionId: uuid().references(() => componentVersions.id),
    toVersionId: uuid()
      .notNull()
      .references(() => componentVersions.id),
  },
  (t) => [unique().on(t.revisionId, t.kind)],
);

export const gates = pgTable(
  "gates",
  {
    id: uuid().primaryKey().defaultRandom(),
    changeRequestId: uuid()
      .notNull()
      .references(() => changeRequests.id),
    revision: integer().notNull(),
    position: integer().notNull(),
    type: gateTypeEnum().notNull(),
    /** Canary percent for canary stages, else null. */
    canaryPercent: integer(),
    status: gateStatusEnum().notNull().default("pending"),
    statusReason: text().notNull().default(""),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique().on(t.changeRequestId, t.revision, t.position)],
);

export const gateEvidence = pgTable(
  "gate_evidence",
  {
    id: uuid().primaryKey().defaultRandom(),
    gateId: uuid()
      .notNull()
      .references(() => gates.id),
    /** "api" (team CI with a service token), "upload" (form) or "system" (rehearsal, canary judge). */
    source: text().notNull(),
    submittedByUserId: uuid().references(() => users.id),
    submittedByTokenId: uuid(),
    payload: jsonb().$type<Record<string, unknown>>().notNull(),
    passed: boolean().notNull(),
    summary: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index().on(t.gateId, t.createdAt)],
);

export const approvals = pgTable(
  "approvals",
  {
    id: uuid().primaryKey().defaultRandom(),
    changeRequestId: uuid()
      .notNull()
      .references(() => changeRequests.id),
    revision: integer().notNull(),
    reviewerId: uuid()
      .notNull()
      .references(() => users.id),
    /** The reviewer's role when they decided (a security approval needs security_reviewer). */
    reviewerRole: roleEnum().notNull(),
    decision: approvalDecisionEnum().notNull(),
    comment: text().notNull().default(""),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  // One decision per reviewer per revision: concurrent double-clicks count once.
  (t) => [unique().on(t.changeRequestId, t.revision, t.reviewerId)],
);

export type ChangeRequest = typeof changeRequests.$inferSelect;
export type ChangeRequestRevision = typeof changeRequestRevisions.$inferSelect;
export type ComponentChange = typeof componentChanges.$inferSelect;
export type Gate = typeof gates.$inferSelect;
export type GateEvidence = typeof gateEvidence.$inferSelect;
export type Approval = typeof approvals.$inferSelect;
