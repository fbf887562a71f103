import {
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  unique,
  uuid,
} from "drizzle-orm/pg-core";
import { evalCaseSourceEnum, experimentStatusEnum, judgeOutcomeEnum } from "./enums";
import { changeRequests } from "./changes";
import { componentVersions } from "./components";
import { users } from "./identity";
import { services } from "./services";

export const experiments = pgTable(
  "experiments",
  {
    id: uuid().primaryKey().defaultRandom(),
    serviceId: uuid()
      .notNull()
      .references(() => services.id),
    key: text().notNull(),
    name: text().notNull(),
    hypothesis: text().notNull().default(""),
    status: experimentStatusEnum().notNull().default("draft"),
    primaryMetric: text().notNull(),
    guardrailMetrics: text().array().notNull().default([]),
    /** Fixed before start: alpha, power, minimum detectable effect, horizon, method. */
    decisionRule: jsonb().$type<Record<string, unknown>>().notNull(),
    lockVersion: integer().notNull().default(1),
    createdById: uuid().references(() => users.id),
    startedAt: timestamp({ withTimezone: true }),
    endedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique().on(t.serviceId, t.key)],
);

export const experimentArms = pgTable(
  "experiment_arms",
  {
    id: uuid().primaryKey().defaultRandom(),
    experimentId: uuid()
      .notNull()
      .references(() => experiments.id),
    name: text().notNull(),
    isControl: boolean().notNull().default(false),
    /** Share of the experiment's traffic, 0..1. */
    weight: doublePrecision().notNull(),
    /** kind -> component version id; kinds not listed come from the stable release. */
    bundle: jsonb().$type<Record<string, string>>().notNull(),
  },
  (t) => [unique().on(t.experimentId, t.name)],
);

export const judgeComparisons = pgTable(
  "judge_comparisons",
  {
    id: uuid().primaryKey().defaultRandom(),
    serviceId: uuid()
      .notNull()
      .references(() => services.id),
    experimentId: uuid().references(() => experiments.id),
    changeRequestId: uuid().references(() => changeRequests.id),
    requestRef: text().notNull(),
    currentVersionId: uuid().references(() => componentVersions.id),
    candidateVersionId: uuid().references(() => componentVersions.id),
    judgeModel: text().notNull(),
    /** The judge prompt is itself a versioned artifact. */
    judgePromptVersionId: uuid().references(() => componentVersions.id),
    candidateShownFirst: boolean().notNull(),
    outcome: judgeOutcomeEnum().notNull(),
    reason: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index().on(t.experimentId), index().on(t.changeRequestId)],
);

export const evalSets = pgTable(
  "eval_sets",
  {
    id: uuid().primaryKey().defaultRandom(),
    serviceId: uuid()
      .notNull()
      .references(() => services.id),
    name: text().notNull(),
    description: text().notNull().default(""),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique().on(t.serviceId, t.name)],
);

export const evalCases = pgTable(
  "eval_cases",
  {
    id: uuid().primaryKey().defaultRandom(),
    evalSetId: uuid()
      .notNull()
      .references(() => evalSets.id),
    input: jsonb().$type<Record<string, unknown>>().notNull(),
    expectedBehavior: text().notNull(),
    failureLabel: text(),
    source: evalCaseSourceEnum().notNull(),
    sourceRef: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index().on(t.evalSetId)],
);

export type Experiment = typeof experiments.$inferSelect;
export type ExperimentArm = typeof experimentArms.$inferSelect;
export type JudgeComparison = typeof judgeComparisons.$inferSelect;
export type EvalSet = typeof evalSets.$inferSelect;
export type EvalCase = typeof evalCases.$inferSelect;
