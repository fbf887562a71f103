import type { ComponentKind } from "@/lib/components/kinds";
import type { ServiceSettings } from "@/lib/services/settings";
import type { PersonKey } from "./people";

/**
 * The demo, described as data: one scenario per service. The writer (write-*.ts) turns a
 * scenario into rows; the scenarios say nothing about tables.
 */

export interface VersionSpec {
  kind: ComponentKind;
  label: string;
  content: Record<string, unknown>;
  notes: string;
  author: PersonKey;
  at: Date;
  /** Label of the parent version; by default the previous version of the same kind in the list. */
  parent?: string | null;
}

/** Label of each kind's version in a bundle. */
export type Bundle = Record<ComponentKind, string>;

export interface RollbackSpec {
  scope: "component" | "bundle";
  kind?: ComponentKind;
  reason: string;
  firstAlarmAt: Date;
  clickedAt: Date;
  flippedAt: Date;
  actor: PersonKey;
  causeTag?: string;
  taggedBy?: PersonKey;
  taggedAt?: Date;
}

export interface ReleaseSpec {
  kind: "initial" | "deploy" | "promotion" | "rollback";
  at: Date;
  bundle: Bundle;
  /** 100 for a stable release; the first canary stage for a deploy. */
  canaryPercent: number;
  targetTenants?: string[];
  /** Key of the change request that made this release. */
  changeRequest?: string;
  actor: PersonKey;
  reason: string;
  /** Later canary stage changes of the pointer while this deploy was the canary. */
  canaryStages?: { at: Date; percent: number }[];
  rollback?: RollbackSpec;
}

export type GateKey = "security_review" | "offline_eval" | "offline_smoke" | "rollback_plan" | `canary:${number}`;

export interface GateOutcome {
  gate: GateKey;
  status: "passed" | "failed" | "waived";
  reason: string;
  at: Date;
  evidence?: { source: "api" | "upload" | "system"; summary: string; payload: Record<string, unknown> };
}

export interface ApprovalSpec {
  by: PersonKey;
  decision: "approved" | "rejected" | "changes_requested";
  comment: string;
  at: Date;
}

export interface RevisionSpec {
  at: Date;
  /** When it was sent for review; absent while a draft. */
  submittedAt?: Date;
  title?: string;
  description: string;
  touchedDomains: string[];
  securityImpact?: boolean;
  expectedMetricShift: string;
  rollbackPlan: string;
  changes: { kind: ComponentKind; to: string }[];
  approvals: ApprovalSpec[];
  gates: GateOutcome[];
}

export type ChangeRequestState =
  | "draft"
  | "in_review"
  | "changes_requested"
  | "approved"
  | "rejected"
  | "rolling_out"
  | "paused"
  | "promoted"
  | "rolled_back"
  | "cancelled";

export interface ChangeRequestSpec {
  key: string;
  title: string;
  author: PersonKey;
  state: ChangeRequestState;
  /** The bundle live when the CR was written: each change's `from` version. */
  liveBundle: Bundle;
  revisions: RevisionSpec[];
}

export interface TrafficProfile {
  /** Requests per hour per tenant at the busiest weekday hour. */
  peakPerHour: Record<string, number>;
  /** Local business hours, e.g. [8, 19]: traffic ramps up and down around them. */
  businessHours: [number, number];
  /** Traffic on Saturday and Sunday relative to a weekday. */
  weekendFactor: number;
  /** Share of requests outside business hours relative to peak. */
  nightFloor: number;
  latency: { medianMs: number; sigma: number };
  costPerRequestUsd: number;
  tokensIn: number;
  tokensOut: number;
  rates: OutcomeRates;
  /** Rate overrides for the canary arm of a deploy (by position in `releases`). */
  canaryRates?: Record<number, Partial<OutcomeRates> & { latencyFactor?: number }>;
}

export interface OutcomeRates {
  resolved: number;
  policyViolations: number;
  falseRefusals: number;
  followUps: number;
  fallbacks: number;
  escalations: number;
  manualCorrections: number;
}

export interface EvalCaseSpec {
  input: Record<string, unknown>;
  expectedBehavior: string;
  failureLabel: string | null;
  source: "incident" | "canary" | "experiment" | "manual";
  sourceRef: string | null;
  at: Date;
}

export interface ServiceScenario {
  slug: string;
  name: string;
  description: string;
  timeZone: string;
  owners: string[];
  tenants: { slug: string; name: string }[];
  settings: ServiceSettings;
  createdAt: Date;
  versions: VersionSpec[];
  releases: ReleaseSpec[];
  changeRequests: ChangeRequestSpec[];
  traffic: TrafficProfile;
  evalSet: { name: string; description: string; at: Date; cases: EvalCaseSpec[] };
}
