import { may, refusal, type Role } from "@/lib/auth/permissions";
import type { RiskTier } from "@/lib/components/kinds";

/**
 * Four-eyes approval (SPEC §1): nobody approves their own change request; high risk needs two
 * approvals from two people, one of them a security reviewer; medium and low need one. Only
 * decisions on the current revision count, so a new revision drops every approval, and a
 * rejection blocks until there is one.
 */

export type ReviewDecision = "approved" | "rejected" | "changes_requested";

export interface RecordedDecision {
  reviewerId: string;
  /** The reviewer's role when they decided. */
  reviewerRole: Role;
  decision: ReviewDecision;
  revision: number;
}

export const APPROVAL_REQUIREMENTS: Record<RiskTier, { approvals: number; securityApprovals: number }> = {
  high: { approvals: 2, securityApprovals: 1 },
  medium: { approvals: 1, securityApprovals: 0 },
  low: { approvals: 1, securityApprovals: 0 },
};

export const AUTHOR_CANNOT_APPROVE = "You wrote this change request; someone else must approve it.";
export const AUTHOR_CANNOT_REJECT = "You wrote this change request; someone else must review it. To withdraw it, cancel it.";
export const AUTHOR_CANNOT_REQUEST_CHANGES =
  "You wrote this change request; someone else must review it. To change it, submit a new revision.";

export interface ApprovalStatus {
  satisfied: boolean;
  blockedBy?: "rejected" | "changes_requested";
  /** Distinct people, other than the author, whose standing decision on this revision is an approval. */
  approvals: number;
  /** Of those, how many are security reviewers. */
  securityApprovals: number;
  /** What is still missing, in the words shown beside "Waiting for". Empty when satisfied. */
  needs: string[];
}

export function approvalStatus(input: {
  tier: RiskTier;
  authorId: string;
  revision: number;
  /** In the order they were made: a reviewer's later decision replaces their earlier one. */
  decisions: readonly RecordedDecision[];
}): ApprovalStatus {
  const counted = input.decisions.filter(
    (d) => d.revision === input.revision && d.reviewerId !== input.authorId && may(d.reviewerRole, "changeRequest.review"),
  );
  const standing = new Map<string, RecordedDecision>();
  for (const d of counted) standing.set(d.reviewerId, d);
  const latest = [...standing.values()];

  // A rejection blocks the whole revision, even if its reviewer later changed their mind.
  const blockedBy = counted.some((d) => d.decision === "rejected")
    ? "rejected"
    : latest.some((d) => d.decision === "changes_requested")
      ? "changes_requested"
      : undefined;

  const approvers = latest.filter((d) => d.decision === "approved");
  const approvals = approvers.length;
  const securityApprovals = approvers.filter((d) => may(d.reviewerRole, "changeRequest.securityReview")).length;

  const required = APPROVAL_REQUIREMENTS[input.tier];
  const missingSecurity = Math.max(0, required.securityApprovals - securityApprovals);
  const missingAny = Math.max(0, required.approvals - approvals - missingSecurity);

  const needs: string[] = [];
  if (blockedBy === "rejected") needs.push("a new revision, because a reviewer rejected this one");
  if (blockedBy === "changes_requested") {
    needs.push("the requested changes: a new revision, or an approval from the reviewer who asked for them");
  }
  if (missingSecurity > 0) {
    needs.push(missingSecurity === 1 ? "an approval from a security reviewer" : `${count(missingSecurity)} approvals from security reviewers`);
  }
  if (missingAny > 0) {
    const more = approvals > 0 || missingSecurity > 0 ? " more" : "";
    needs.push(`${count(missingAny)}${more} approval${missingAny === 1 ? "" : "s"}`);
  }

  return {
    satisfied: needs.length === 0,
    ...(blockedBy ? { blockedBy } : {}),
    approvals,
    securityApprovals,
    needs,
  };
}

function count(n: number): string {
  return ["zero", "one", "two", "three", "four"][n] ?? String(n);
}

export type CanDecideResult =
  | { ok: true; /** This approval fulfils the security reviewer requirement. */ countsAsSecurityApproval: boolean }
  | { ok: false; code: "forbidden"; reason: string };

/** May this person record this decision on this change request? */
export function canDecide(input: {
  actorId: string;
  actorRole: Role;
  authorId: string;
  tier: RiskTier;
  decision: ReviewDecision;
}): CanDecideResult {
  if (input.actorId === input.authorId) {
    const reason = {
      approved: AUTHOR_CANNOT_APPROVE,
      rejected: AUTHOR_CANNOT_REJECT,
      changes_requested: AUTHOR_CANNOT_REQUEST_CHANGES,
    }[input.decision];
    return { ok: false, code: "forbidden", reason };
  }
  if (!may(input.actorRole, "changeRequest.review")) {
    return { ok: false, code: "forbidden", reason: refusal(input.actorRole, "changeRequest.review") };
  }
  return {
    ok: true,
    countsAsSecurityApproval:
      input.decision === "approved" &&
      APPROVAL_REQUIREMENTS[input.tier].securityApprovals > 0 &&
      may(input.actorRole, "changeRequest.securityReview"),
  };
}
