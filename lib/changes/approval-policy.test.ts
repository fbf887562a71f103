import { describe, expect, it } from "vitest";
import { ROLES, type Role } from "@/lib/auth/permissions";
import type { RiskTier } from "@/lib/components/kinds";
import {
  AUTHOR_CANNOT_APPROVE,
  AUTHOR_CANNOT_REJECT,
  AUTHOR_CANNOT_REQUEST_CHANGES,
  approvalStatus,
  canDecide,
  type ApprovalStatus,
  type RecordedDecision,
  type ReviewDecision,
} from "./approval-policy";

const AUTHOR = "ann";
const CURRENT = 2;
/** A decision; on the current revision unless told otherwise. */
const d = (reviewerId: string, reviewerRole: Role, decision: ReviewDecision, revision = CURRENT): RecordedDecision => ({
  reviewerId,
  reviewerRole,
  decision,
  revision,
});
// The cast: Rita reviews, Sam is a security reviewer (and Sue), Ada is an admin, Otto is on call.
const rita = (decision: ReviewDecision, revision?: number) => d("rita", "reviewer", decision, revision);
const rob = (decision: ReviewDecision, revision?: number) => d("rob", "reviewer", decision, revision);
const sam = (decision: ReviewDecision, revision?: number) => d("sam", "security_reviewer", decision, revision);
const sue = (decision: ReviewDecision, revision?: number) => d("sue", "security_reviewer", decision, revision);
const ada = (decision: ReviewDecision, revision?: number) => d("ada", "admin", decision, revision);

const NEED = {
  one: "one approval",
  oneMore: "one more approval",
  security: "an approval from a security reviewer",
  newRevision: "a new revision, because a reviewer rejected this one",
  changes: "the requested changes: a new revision, or an approval from the reviewer who asked for them",
};

const status = (satisfied: boolean, approvals: number, securityApprovals: number, needs: string[], blockedBy?: ApprovalStatus["blockedBy"]): ApprovalStatus => ({
  satisfied,
  ...(blockedBy ? { blockedBy } : {}),
  approvals,
  securityApprovals,
  needs,
});

describe("approvalStatus: medium and low need one approval from someone else", () => {
  const rows: [string, RecordedDecision[], ApprovalStatus][] = [
    ["nobody has decided", [], status(false, 0, 0, [NEED.one])],
    ["a reviewer approves", [rita("approved")], status(true, 1, 0, [])],
    ["an admin approves", [ada("approved")], status(true, 1, 0, [])],
    ["a security reviewer approves", [sam("approved")], status(true, 1, 1, [])],
    ["two approvals are more than enough", [rita("approved"), rob("approved")], status(true, 2, 0, [])],
    ["the author's own approval never counts", [d(AUTHOR, "reviewer", "approved")], status(false, 0, 0, [NEED.one])],
    ["an approval of the previous revision was dropped", [rita("approved", 1)], status(false, 0, 0, [NEED.one])],
    ["an approval naming a later revision does not count either", [rita("approved", 3)], status(false, 0, 0, [NEED.one])],
    ["a role that may not review does not count", [d("otto", "operator", "approved"), d("vic", "viewer", "approved")], status(false, 0, 0, [NEED.one])],
    ["the same reviewer twice counts once", [rita("approved"), rita("approved")], status(true, 1, 0, [])],
    ["changes requested block", [rita("changes_requested")], status(false, 0, 0, [NEED.changes, NEED.one], "changes_requested")],
    ["changes requested by one reviewer block another's approval", [rob("approved"), rita("changes_requested")], status(false, 1, 0, [NEED.changes], "changes_requested")],
    ["a reviewer who approved and then asked for changes now blocks", [rita("approved"), rita("changes_requested")], status(false, 0, 0, [NEED.changes, NEED.one], "changes_requested")],
    ["a reviewer who asked for changes and then approved unblocks", [rita("changes_requested"), rita("approved")], status(true, 1, 0, [])],
    ["changes requested on the previous revision no longer block", [rita("changes_requested", 1), rob("approved")], status(true, 1, 0, [])],
    ["a rejection blocks despite another approval", [rob("approved"), rita("rejected")], status(false, 1, 0, [NEED.newRevision], "rejected")],
    ["a rejection blocks even if its reviewer later approves", [rita("rejected"), rita("approved")], status(false, 1, 0, [NEED.newRevision], "rejected")],
    ["a rejection outranks changes requested", [rob("changes_requested"), rita("rejected")], status(false, 0, 0, [NEED.newRevision, NEED.one], "rejected")],
    ["a rejection of the previous revision no longer blocks", [rita("rejected", 1), rob("approved")], status(true, 1, 0, [])],
    ["the author's own rejection is ignored", [d(AUTHOR, "admin", "rejected"), rita("approved")], status(true, 1, 0, [])],
  ];
  it.each(rows.flatMap(([name, decisions, expected]) => (["medium", "low"] as RiskTier[]).map((tier) => ({ tier, name, decisions, expected }))))(
    "$tier: $name",
    ({ tier, decisions, expected }) => {
      expect(approvalStatus({ tier, authorId: AUTHOR, revision: CURRENT, decisions })).toEqual(expected);
    },
  );
});

describe("approvalStatus: high needs two people, one of them a security reviewer", () => {
  it.each<[string, RecordedDecision[], ApprovalStatus]>([
    ["nobody has decided", [], status(false, 0, 0, [NEED.security, NEED.oneMore])],
    ["a reviewer approves", [rita("approved")], status(false, 1, 0, [NEED.security])],
    ["a security reviewer approves", [sam("approved")], status(false, 1, 1, [NEED.oneMore])],
    ["a reviewer and a security reviewer approve", [rita("approved"), sam("approved")], status(true, 2, 1, [])],
    ["two security reviewers approve", [sam("approved"), sue("approved")], status(true, 2, 2, [])],
    ["two reviewers are not enough without security", [rita("approved"), rob("approved")], status(false, 2, 0, [NEED.security])],
    ["an admin is not a security reviewer", [ada("approved"), rita("approved")], status(false, 2, 0, [NEED.security])],
    ["a security reviewer clicking twice is still one person", [sam("approved"), sam("approved")], status(false, 1, 1, [NEED.oneMore])],
    ["an author who is a security reviewer cannot be their own security review", [d(AUTHOR, "security_reviewer", "approved"), rita("approved")], status(false, 1, 0, [NEED.security])],
    ["the security approval of the previous revision was dropped", [sam("approved", 1), rita("approved")], status(false, 1, 0, [NEED.security])],
    ["a security reviewer asking for changes blocks", [rita("approved"), sam("changes_requested")], status(false, 1, 0, [NEED.changes, NEED.security], "changes_requested")],
    ["a rejection blocks a fully approved revision", [rita("approved"), sam("approved"), rob("rejected")], status(false, 2, 1, [NEED.newRevision], "rejected")],
    ["a rejection with nothing else", [sam("rejected")], status(false, 0, 0, [NEED.newRevision, NEED.security, NEED.oneMore], "rejected")],
  ])("%s", (_name, decisions, expected) => {
    expect(approvalStatus({ tier: "high", authorId: AUTHOR, revision: CURRENT, decisions })).toEqual(expected);
  });

  it("a new revision drops every approval: the same decisions, one revision later, count for nothing", () => {
    const decisions = [rita("approved"), sam("approved")];
    expect(approvalStatus({ tier: "high", authorId: AUTHOR, revision: CURRENT, decisions }).satisfied).toBe(true);
    expect(approvalStatus({ tier: "high", authorId: AUTHOR, revision: CURRENT + 1, decisions })).toEqual(
      status(false, 0, 0, [NEED.security, NEED.oneMore]),
    );
  });
});

describe("canDecide", () => {
  const DECISIONS: ReviewDecision[] = ["approved", "rejected", "changes_requested"];
  const TIERS: RiskTier[] = ["low", "medium", "high"];

  it.each<[ReviewDecision, string]>([
    ["approved", AUTHOR_CANNOT_APPROVE],
    ["rejected", AUTHOR_CANNOT_REJECT],
    ["changes_requested", AUTHOR_CANNOT_REQUEST_CHANGES],
  ])("refuses the author's own %s, whatever their role", (decision, reason) => {
    for (const actorRole of ROLES) {
      expect(canDecide({ actorId: AUTHOR, actorRole, authorId: AUTHOR, tier: "low", decision })).toEqual({
        ok: false,
        code: "forbidden",
        reason,
      });
    }
    expect(AUTHOR_CANNOT_APPROVE).toBe("You wrote this change request; someone else must approve it.");
  });

  // Columns: viewer, author, reviewer, security_reviewer, operator, admin.
  const MAY_DECIDE = ". . x x . x".split(" ");
  it.each(ROLES.flatMap((actorRole, i) => DECISIONS.map((decision) => ({ actorRole, decision, allowed: MAY_DECIDE[i] === "x" }))))(
    "$actorRole may record $decision on someone else's change request: $allowed",
    ({ actorRole, decision, allowed }) => {
      const result = canDecide({ actorId: "someone", actorRole, authorId: AUTHOR, tier: "medium", decision });
      expect(result.ok).toBe(allowed);
      if (!result.ok) expect(result.reason).toMatch(/^Your role \(.+\) cannot review change requests\. Roles that can: Reviewer, Security reviewer, Admin\.$/);
    },
  );

  it.each(
    TIERS.flatMap((tier) =>
      (["reviewer", "security_reviewer", "admin"] as Role[]).flatMap((actorRole) =>
        DECISIONS.map((decision) => ({
          tier,
          actorRole,
          decision,
          // Only a security reviewer's approval of a high-risk change is the security approval.
          expected: tier === "high" && actorRole === "security_reviewer" && decision === "approved",
        })),
      ),
    ),
  )("$tier, $actorRole, $decision → counts as the security approval: $expected", ({ tier, actorRole, decision, expected }) => {
    expect(canDecide({ actorId: "someone", actorRole, authorId: AUTHOR, tier, decision })).toEqual({
      ok: true,
      countsAsSecurityApproval: expected,
    });
  });
});
