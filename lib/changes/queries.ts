import "server-only";
import { and, asc, desc, eq, inArray, ne, notExists, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { getDb } from "@/db/client";
import {
  approvals,
  changeRequestRevisions,
  changeRequests,
  componentChanges,
  componentVersions,
  gateEvidence,
  gates,
  services,
  users,
  type Approval,
  type ChangeRequest,
  type Gate,
  type GateEvidence,
  type Service,
} from "@/db/schema";
import { may, type Role } from "@/lib/auth/permissions";
import type { Actor } from "@/lib/auth/session";
import { COMPONENT_KIND_CATALOGUE, isComponentKind, kindInfo, type ComponentKind, type RiskTier } from "@/lib/components/kinds";
import { assertMayView } from "@/lib/components/queries";
import { serviceSettingsSchema, type ServiceSettings } from "@/lib/services/settings";
import { APPROVAL_REQUIREMENTS, approvalStatus, canDecide, type ApprovalStatus, type RecordedDecision } from "./approval-policy";
import { allowedActions, type ChangeRequestAction, type ChangeRequestState } from "./state-machine";

/**
 * Read access to change requests for the review pages: the filtered list (with "waiting for me")
 * and everything one change request's page shows. Every query takes the acting user and checks
 * the role itself; what the actor may do is computed with the pure core, never trusted from a page.
 */

export interface ChangeRequestListFilters {
  service?: string;
  state?: ChangeRequestState;
  tier?: RiskTier;
  /** In review, on its current revision, where this actor's approval is still needed. */
  waitingForMe?: boolean;
}

export interface ApprovalProgress {
  approvals: number;
  required: number;
  securityApprovals: number;
  requiredSecurity: number;
  satisfied: boolean;
  blockedBy?: ApprovalStatus["blockedBy"];
  needs: string[];
  /** "1 of 2, security missing". */
  summary: string;
}

export interface ChangeRequestListRow {
  id: string;
  number: number;
  title: string;
  serviceSlug: string;
  serviceName: string;
  state: ChangeRequestState;
  tier: RiskTier;
  canaryStage: number | null;
  authorName: string | null;
  revision: number;
  updatedAt: Date;
  /** Null for a draft: nobody reviews it yet. */
  approvals: ApprovalProgress | null;
}

const decisionsOf = (rows: readonly Pick<Approval, "reviewerId" | "reviewerRole" | "decision" | "revision">[]): RecordedDecision[] =>
  rows.map((a) => ({ reviewerId: a.reviewerId, reviewerRole: a.reviewerRole, decision: a.decision, revision: a.revision }));

/** Approvals still missing before the policy is met (security ones included). */
function missingApprovals(tier: RiskTier, status: ApprovalStatus): number {
  const required = APPROVAL_REQUIREMENTS[tier];
  const missingSecurity = Math.max(0, required.securityApprovals - status.securityApprovals);
  return missingSecurity + Math.max(0, required.approvals - status.approvals - missingSecurity);
}

export function approvalProgress(tier: RiskTier, status: ApprovalStatus): ApprovalProgress {
  const required = APPROVAL_REQUIREMENTS[tier];
  const parts = [`${status.approvals} of ${required.approvals}`];
  if (status.blockedBy === "rejected") parts.push("rejected");
  else if (status.blockedBy === "changes_requested") parts.push("changes requested");
  else if (required.securityApprovals > status.securityApprovals) parts.push("security missing");
  return {
    approvals: status.approvals,
    required: required.approvals,
    securityApprovals: status.securityApprovals,
    requiredSecurity: required.securityApprovals,
    satisfied: status.satisfied,
    ...(status.blockedBy ? { blockedBy: status.blockedBy } : {}),
    needs: status.needs,
    summary: parts.join(", "),
  };
}

/**
 * Would this actor's approval bring the change request closer to approved? Not when a rejection or
 * a request for changes blocks the revision, and not when the approvals still missing are ones
 * the actor's role cannot give (a reviewer on a high-risk request that only lacks its security approval).
 */
export function approvalWouldHelp(input: {
  actor: { id: string; role: Role };
  tier: RiskTier;
  authorId: string;
  revision: number;
  decisions: readonly RecordedDecision[];
}): boolean {
  if (input.actor.id === input.authorId || !may(input.actor.role, "changeRequest.review")) return false;
  if (input.decisions.some((d) => d.revision === input.revision && d.reviewerId === input.actor.id)) return false;
  const before = approvalStatus(input);
  if (before.satisfied || before.blockedBy) return false;
  const after = approvalStatus({
    ...input,
    decisions: [...input.decisions, { reviewerId: input.actor.id, reviewerRole: input.actor.role, decision: "approved", revision: input.revision }],
  });
  return missingApprovals(input.tier, after) < missingApprovals(input.tier, before);
}

/** Change requests, most recently updated first, filtered; each with its approval progress. */
export async function listChangeRequests(params: {
  actor: Actor;
  filters?: ChangeRequestListFilters;
  limit?: number;
}): Promise<ChangeRequestListRow[]> {
  const { actor, filters = {} } = params;
  assertMayView(actor);
  if (filters.waitingForMe && !may(actor.role, "changeRequest.review")) return [];
  const db = await getDb();

  const conditions: SQL[] = [];
  if (filters.service) conditions.push(eq(services.slug, filters.service));
  if (filters.state) conditions.push(eq(changeRequests.state, filters.state));
  if (filters.tier) conditions.push(eq(changeRequests.riskTier, filters.tier));
  if (filters.waitingForMe) {
    // The cheap part in SQL (in review, not mine, not decided by me on this revision); whether
    // my approval would help is the approval policy's call, below.
    conditions.push(eq(changeRequests.state, "in_review"), ne(changeRequests.authorId, actor.id));
    conditions.push(
      notExists(
        db
          .select({ one: sql`1` })
          .from(approvals)
          .where(
            and(
              eq(approvals.changeRequestId, changeRequests.id),
              eq(approvals.revision, changeRequests.currentRevision),
              eq(approvals.reviewerId, actor.id),
            ),
          ),
      ),
    );
  }

  const rows = await db
    .select({
      id: changeRequests.id,
      number: changeRequests.number,
      title: changeRequests.title,
      state: changeRequests.state,
      tier: changeRequests.riskTier,
      canaryStage: changeRequests.canaryStage,
      revision: changeRequests.currentRevision,
      updatedAt: changeRequests.updatedAt,
      authorId: changeRequests.authorId,
      authorName: users.name,
      serviceSlug: services.slug,
      serviceName: services.name,
    })
    .from(changeRequests)
    .innerJoin(services, eq(services.id, changeRequests.serviceId))
    .leftJoin(users, eq(users.id, changeRequests.authorId))
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(changeRequests.updatedAt), desc(changeRequests.number))
    .limit(params.limit ?? 200);

  const decisions = rows.length
    ? await db
        .select({
          changeRequestId: approvals.changeRequestId,
          reviewerId: approvals.reviewerId,
          reviewerRole: approvals.reviewerRole,
          decision: approvals.decision,
          revision: approvals.revision,
        })
        .from(approvals)
        .innerJoin(changeRequests, and(eq(changeRequests.id, approvals.changeRequestId), eq(changeRequests.currentRevision, approvals.revision)))
        .where(inArray(approvals.changeRequestId, rows.map((r) => r.id)))
        .orderBy(asc(approvals.createdAt), asc(approvals.id))
    : [];
  const byRequest = new Map<string, RecordedDecision[]>();
  for (const { changeRequestId, ...decision } of decisions) {
    byRequest.set(changeRequestId, [...(byRequest.get(changeRequestId) ?? []), decision]);
  }

  const out: ChangeRequestListRow[] = [];
  for (const { authorId, ...row } of rows) {
    const recorded = byRequest.get(row.id) ?? [];
    const policyInput = { tier: row.tier, authorId, revision: row.revision, decisions: recorded };
    if (filters.waitingForMe && !approvalWouldHelp({ ...policyInput, actor })) continue;
    out.push({
      ...row,
      approvals: row.state === "draft" ? null : approvalProgress(row.tier, approvalStatus(policyInput)),
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// One change request

const fromVersions = alias(componentVersions, "from_versions");
const toVersions = alias(componentVersions, "to_versions");
const reviewers = alias(users, "reviewers");

export interface VersionRef {
  id: string;
  label: string;
  contentHash: string;
  content: Record<string, unknown>;
  createdAt: Date;
}

export interface ComponentChangeDetail {
  kind: ComponentKind;
  /** The version live when the change was proposed; null when the service had none of this kind. */
  from: VersionRef | null;
  to: VersionRef;
}

export interface RevisionDetail {
  revision: number;
  title: string;
  description: string;
  touchedDomains: string[];
  securityImpact: boolean;
  expectedMetricShift: string;
  rollbackPlan: string;
  tier: RiskTier;
  riskReasons: string[];
  authorName: string | null;
  createdAt: Date;
  changes: ComponentChangeDetail[];
  /** The revision that replaced this one, and when; null for the current revision. */
  supersededBy: { revision: number; at: Date } | null;
  /** What this revision changed compared with the one before, in reviewers' words. */
  whatChanged: string[];
}

export interface GateWithEvidence extends Gate {
  latestEvidence: (GateEvidence & { submittedByName: string | null }) | null;
  /** How many results were submitted to this gate in all. */
  evidenceCount: number;
}

export interface ApprovalDetail {
  id: string;
  revision: number;
  reviewerId: string;
  reviewerName: string | null;
  reviewerRole: Role;
  decision: Approval["decision"];
  comment: string;
  createdAt: Date;
}

export interface ChangeRequestDetail {
  changeRequest: ChangeRequest;
  service: Service;
  settings: ServiceSettings;
  author: { id: string; name: string; email: string } | null;
  /** Oldest first. */
  revisions: RevisionDetail[];
  /** Gates by revision number, in checklist order. */
  gatesByRevision: Map<number, GateWithEvidence[]>;
  /** Every decision on every revision, oldest first. */
  approvals: ApprovalDetail[];
  /** The approval policy on the current revision. */
  approvalStatus: ApprovalStatus;
  approvalProgress: ApprovalProgress;
  viewer: {
    isAuthor: boolean;
    allowedActions: ChangeRequestAction[];
    /** Whether this actor may approve, reject or ask for changes on the current revision now. */
    mayDecide: boolean;
    /** Why not, when the actor reviews change requests but may not decide on this one. */
    decideRefusal: string | null;
    /** This actor's decision on the current revision, if any. */
    myDecision: ApprovalDetail | null;
    /** Whether this actor's approval would bring the request closer to approved. */
    approvalWouldHelp: boolean;
    maySubmitEvidence: boolean;
    /** Whether this actor may run the rollback rehearsal behind the rollback_plan gate. */
    mayRehearse: boolean;
  };
}

/** Everything the change request page shows, or null when there is no CR with that number. */
export async function getChangeRequestDetail(params: { actor: Actor; number: number }): Promise<ChangeRequestDetail | null> {
  const { actor } = params;
  assertMayView(actor);
  if (!Number.isSafeInteger(params.number) || params.number < 1) return null;
  const db = await getDb();

  const [head] = await db
    .select({ changeRequest: changeRequests, service: services, author: { id: users.id, name: users.name, email: users.email } })
    .from(changeRequests)
    .innerJoin(services, eq(services.id, changeRequests.serviceId))
    .leftJoin(users, eq(users.id, changeRequests.authorId))
    .where(eq(changeRequests.number, params.number))
    .limit(1);
  if (!head) return null;
  const cr = head.changeRequest;

  const [revisionRows, gateRows, approvalRows] = await Promise.all([
    db
      .select({ revision: changeRequestRevisions, authorName: users.name })
      .from(changeRequestRevisions)
      .leftJoin(users, eq(users.id, changeRequestRevisions.authorId))
      .where(eq(changeRequestRevisions.changeRequestId, cr.id))
      .orderBy(asc(changeRequestRevisions.revision)),
    db.select().from(gates).where(eq(gates.changeRequestId, cr.id)).orderBy(asc(gates.revision), asc(gates.position)),
    db
      .select({ approval: approvals, reviewerName: reviewers.name })
      .from(approvals)
      .leftJoin(reviewers, eq(reviewers.id, approvals.reviewerId))
      .where(eq(approvals.changeRequestId, cr.id))
      .orderBy(asc(approvals.createdAt), asc(approvals.id)),
  ]);

  const revisionIds = revisionRows.map((r) => r.revision.id);
  const gateIds = gateRows.map((g) => g.id);
  const [changeRows, evidenceRows] = await Promise.all([
    revisionIds.length
      ? db
          .select({
            revisionId: componentChanges.revisionId,
            kind: componentChanges.kind,
            from: {
              id: fromVersions.id,
              label: fromVersions.label,
              contentHash: fromVersions.contentHash,
              content: fromVersions.content,
              createdAt: fromVersions.createdAt,
            },
            to: {
              id: toVersions.id,
              label: toVersions.label,
              contentHash: toVersions.contentHash,
              content: toVersions.content,
              createdAt: toVersions.createdAt,
            },
          })
          .from(componentChanges)
          .innerJoin(toVersions, eq(toVersions.id, componentChanges.toVersionId))
          .leftJoin(fromVersions, eq(fromVersions.id, componentChanges.fromVersionId))
          .where(inArray(componentChanges.revisionId, revisionIds))
      : [],
    gateIds.length
      ? db
          .select({ evidence: gateEvidence, submittedByName: users.name })
          .from(gateEvidence)
          .leftJoin(users, eq(users.id, gateEvidence.submittedByUserId))
          .where(inArray(gateEvidence.gateId, gateIds))
          .orderBy(desc(gateEvidence.createdAt), desc(gateEvidence.id))
      : [],
  ]);

  const kindOrder = (kind: string) => COMPONENT_KIND_CATALOGUE.find((k) => k.kind === kind)?.sortOrder ?? 99;
  const changesByRevision = new Map<string, ComponentChangeDetail[]>();
  for (const row of changeRows) {
    if (!isComponentKind(row.kind)) continue;
    const list = changesByRevision.get(row.revisionId) ?? [];
    list.push({ kind: row.kind, from: row.from, to: row.to });
    changesByRevision.set(row.revisionId, list);
  }
  for (const list of changesByRevision.values()) list.sort((a, b) => kindOrder(a.kind) - kindOrder(b.kind));

  const revisions: RevisionDetail[] = revisionRows.map(({ revision: r, authorName }, i) => {
    const next = revisionRows[i + 1]?.revision;
    return {
      revision: r.revision,
      title: r.title,
      description: r.description,
      touchedDomains: r.touchedDomains,
      securityImpact: r.securityImpact,
      expectedMetricShift: r.expectedMetricShift,
      rollbackPlan: r.rollbackPlan,
      tier: r.riskTier,
      riskReasons: r.riskReasons,
      authorName,
      createdAt: r.createdAt,
      changes: changesByRevision.get(r.id) ?? [],
      supersededBy: next ? { revision: next.revision, at: next.createdAt } : null,
      whatChanged: [],
    };
  });
  revisions.forEach((r, i) => {
    r.whatChanged = describeRevision(revisions[i - 1] ?? null, r);
  });

  const evidenceByGate = new Map<string, { latest: GateWithEvidence["latestEvidence"]; count: number }>();
  for (const { evidence, submittedByName } of evidenceRows) {
    const seen = evidenceByGate.get(evidence.gateId);
    if (seen) seen.count += 1;
    else evidenceByGate.set(evidence.gateId, { latest: { ...evidence, submittedByName }, count: 1 });
  }
  const gatesByRevision = new Map<number, GateWithEvidence[]>();
  for (const gate of gateRows) {
    const list = gatesByRevision.get(gate.revision) ?? [];
    const evidence = evidenceByGate.get(gate.id);
    list.push({ ...gate, latestEvidence: evidence?.latest ?? null, evidenceCount: evidence?.count ?? 0 });
    gatesByRevision.set(gate.revision, list);
  }

  const approvalList: ApprovalDetail[] = approvalRows.map(({ approval: a, reviewerName }) => ({
    id: a.id,
    revision: a.revision,
    reviewerId: a.reviewerId,
    reviewerName,
    reviewerRole: a.reviewerRole,
    decision: a.decision,
    comment: a.comment,
    createdAt: a.createdAt,
  }));
  const policyInput = { tier: cr.riskTier, authorId: cr.authorId, revision: cr.currentRevision, decisions: decisionsOf(approvalList) };
  const status = approvalStatus(policyInput);

  const isAuthor = cr.authorId === actor.id;
  const actions = allowedActions(cr.state, actor.role, isAuthor);
  const decide = canDecide({ actorId: actor.id, actorRole: actor.role, authorId: cr.authorId, tier: cr.riskTier, decision: "approved" });
  const myDecision = approvalList.find((a) => a.revision === cr.currentRevision && a.reviewerId === actor.id) ?? null;
  const decisionActions: ChangeRequestAction[] = ["approve", "reject", "request_changes"];

  return {
    changeRequest: cr,
    service: head.service,
    settings: serviceSettingsSchema.parse(head.service.settings ?? {}),
    author: head.author?.id ? head.author : null,
    revisions,
    gatesByRevision,
    approvals: approvalList,
    approvalStatus: status,
    approvalProgress: approvalProgress(cr.riskTier, status),
    viewer: {
      isAuthor,
      allowedActions: actions,
      mayDecide: decide.ok && !myDecision && decisionActions.some((a) => actions.includes(a)),
      decideRefusal: may(actor.role, "changeRequest.review") && !decide.ok ? decide.reason : null,
      myDecision,
      approvalWouldHelp: cr.state === "in_review" && approvalWouldHelp({ ...policyInput, actor }),
      maySubmitEvidence: may(actor.role, "evidence.submit"),
      mayRehearse: may(actor.role, "rollback.rehearse"),
    },
  };
}

/** What a revision changed compared with the one before it, in the words a reviewer scans. */
const label = (kind: ComponentKind) => kindInfo(kind).label;

export function describeRevision(previous: RevisionDetail | null, current: RevisionDetail): string[] {
  if (!previous) {
    const moves = current.changes.map((c) => `${label(c.kind)} ${c.from?.label ?? "(none)"} → ${c.to.label}`);
    return [moves.length ? `Proposed ${moves.join(", ")}` : "Proposed the change"];
  }
  const out: string[] = [];
  const before = new Map(previous.changes.map((c) => [c.kind, c]));
  const after = new Map(current.changes.map((c) => [c.kind, c]));
  for (const [kind, c] of after) {
    const old = before.get(kind);
    if (!old) out.push(`Added ${label(kind)} ${c.from?.label ?? "(none)"} → ${c.to.label}`);
    else if (old.to.id !== c.to.id) out.push(`${label(kind)} ${old.to.label} → ${c.to.label}`);
  }
  for (const kind of before.keys()) if (!after.has(kind)) out.push(`Dropped the ${label(kind).toLowerCase()} change`);
  if (previous.tier !== current.tier) out.push(`Risk ${previous.tier} → ${current.tier}`);
  if (previous.title !== current.title) out.push("Title");
  if (previous.description !== current.description) out.push("Description");
  const domains = (r: RevisionDetail) => [...r.touchedDomains].sort().join(", ");
  if (domains(previous) !== domains(current)) out.push(`Touched domains: ${domains(current) || "none"}`);
  if (previous.securityImpact !== current.securityImpact) {
    out.push(current.securityImpact ? "Declared a security impact" : "Withdrew the security impact");
  }
  if (previous.expectedMetricShift !== current.expectedMetricShift) out.push("Expected metric shift");
  if (previous.rollbackPlan !== current.rollbackPlan) out.push("Rollback plan");
  return out.length ? out : ["Resubmitted without changes"];
}
