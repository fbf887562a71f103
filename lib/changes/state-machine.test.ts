import { describe, expect, it } from "vitest";
import { ROLES } from "@/lib/auth/permissions";
import { changeRequestStateEnum } from "@/db/schema/enums";
import {
  CHANGE_REQUEST_ACTIONS,
  CHANGE_REQUEST_STATES,
  TERMINAL_STATES,
  allowedActions,
  transition,
  type Actor,
  type ChangeRequestAction,
  type ChangeRequestState,
  type TransitionContext,
} from "./state-machine";

/**
 * The intended lifecycle, written out independently of state-machine.ts: for each state, the
 * actions that may leave it and where they lead. Every (state, action) pair not listed here must
 * be refused as an invalid transition.
 */
const LIFECYCLE: Record<ChangeRequestState, Partial<Record<ChangeRequestAction, ChangeRequestState>>> = {
  draft: { edit: "draft", submit: "in_review", cancel: "cancelled" },
  in_review: {
    revise: "in_review",
    approve: "approved",
    reject: "rejected",
    request_changes: "changes_requested",
    cancel: "cancelled",
  },
  changes_requested: { submit: "in_review", revise: "in_review", cancel: "cancelled" },
  // A late fix before the rollout starts is a new revision, back to review with no approvals.
  approved: { revise: "in_review", start_rollout: "rolling_out", cancel: "cancelled" },
  // Blocked until a new revision.
  rejected: { revise: "in_review" },
  rolling_out: { advance: "rolling_out", pause: "paused", promote: "promoted", roll_back: "rolled_back", freeze: "paused" },
  paused: { resume: "rolling_out", roll_back: "rolled_back", cancel: "cancelled" },
  // Still taken back one component at a time.
  promoted: { roll_back: "rolled_back" },
  rolled_back: {},
  cancelled: {},
};

/** Someone who may take each action when the state allows it, with the context it needs. */
const CAPABLE: Record<ChangeRequestAction, { actorRole: Actor; isAuthor: boolean } & TransitionContext> = {
  edit: { actorRole: "author", isAuthor: true },
  submit: { actorRole: "author", isAuthor: true },
  revise: { actorRole: "author", isAuthor: true },
  approve: { actorRole: "reviewer", isAuthor: false, approvalSatisfied: true },
  reject: { actorRole: "reviewer", isAuthor: false },
  request_changes: { actorRole: "reviewer", isAuthor: false },
  start_rollout: { actorRole: "operator", isAuthor: false },
  advance: { actorRole: "operator", isAuthor: false, rollout: { stageIndex: 0, stageCount: 3 } },
  pause: { actorRole: "operator", isAuthor: false },
  resume: { actorRole: "operator", isAuthor: false },
  promote: { actorRole: "operator", isAuthor: false, rollout: { stageIndex: 2, stageCount: 3 } },
  roll_back: { actorRole: "operator", isAuthor: false },
  cancel: { actorRole: "author", isAuthor: true },
  freeze: { actorRole: "system", isAuthor: false },
};

const EVERY_PAIR = CHANGE_REQUEST_STATES.flatMap((from) =>
  CHANGE_REQUEST_ACTIONS.map((action) => ({ from, action, to: LIFECYCLE[from][action] ?? null })),
);

describe("transition: every (state × action) pair", () => {
  it("covers the states the database knows", () => {
    expect([...CHANGE_REQUEST_STATES]).toEqual(changeRequestStateEnum.enumValues);
  });

  it.each(EVERY_PAIR)("$from --$action--> $to", ({ from, action, to }) => {
    const result = transition({ from, action, ...CAPABLE[action] });
    if (to === null) {
      expect(result).toMatchObject({ ok: false, code: "invalid_transition" });
      expect(result.ok === false && result.reason).toMatch(/ cannot .+\. .+\.$/);
    } else {
      expect(result).toEqual({ ok: true, to });
    }
  });

  it("leaves nothing to do in rolled_back and cancelled, and nothing but a new revision in rejected", () => {
    expect(TERMINAL_STATES).toEqual(["rolled_back", "cancelled"]);
    for (const actorRole of [...ROLES, "system"] as const) {
      for (const isAuthor of [false, true]) {
        expect(allowedActions("rolled_back", actorRole, isAuthor)).toEqual([]);
        expect(allowedActions("cancelled", actorRole, isAuthor)).toEqual([]);
        const mayRevise = actorRole === "admin" || (isAuthor && actorRole !== "viewer" && actorRole !== "system");
        expect(allowedActions("rejected", actorRole, isAuthor)).toEqual(mayRevise ? ["revise"] : []);
      }
    }
  });
});

/**
 * Who may take each action, in a state that allows it. Columns: viewer, author, reviewer,
 * security_reviewer, operator, admin, system. "author" rows are for the person who wrote the CR.
 */
const WHO: [ChangeRequestAction, ChangeRequestState, "others" | "author", string][] = [
  //                                                       V A R S O Ad sys
  ["edit", "draft", "others",                             ". . . . . x ."],
  ["edit", "draft", "author",                             ". x x x x x ."], // a demoted viewer may not
  ["submit", "draft", "others",                           ". . . . . x ."],
  ["submit", "draft", "author",                           ". x x x x x ."],
  ["revise", "rejected", "others",                        ". . . . . x ."],
  ["revise", "rejected", "author",                        ". x x x x x ."],
  ["approve", "in_review", "others",                      ". . x x . x ."],
  ["approve", "in_review", "author",                      ". . . . . . ."], // four-eyes, admins included
  ["reject", "in_review", "others",                       ". . x x . x ."],
  ["reject", "in_review", "author",                       ". . . . . . ."],
  ["request_changes", "in_review", "others",              ". . x x . x ."],
  ["request_changes", "in_review", "author",              ". . . . . . ."],
  ["start_rollout", "approved", "others",                 ". . . . x x ."],
  ["start_rollout", "approved", "author",                 ". . . . x x ."], // approvals already gave four eyes
  ["advance", "rolling_out", "others",                    ". . . . x x x"], // system: automatic advance
  ["pause", "rolling_out", "others",                      ". . . . x x ."],
  ["resume", "paused", "others",                          ". . . . x x ."],
  ["promote", "rolling_out", "others",                    ". . . . x x x"],
  ["roll_back", "promoted", "others",                     ". . . . x x ."],
  ["roll_back", "paused", "author",                       ". . . . x x ."],
  ["cancel", "in_review", "others",                       ". . . . . x ."],
  ["cancel", "in_review", "author",                       ". x x x x x ."],
  ["cancel", "paused", "others",                          ". . . . x x ."], // the on-call operator too
  ["cancel", "paused", "author",                          ". x x x x x ."],
  ["freeze", "rolling_out", "others",                     ". . . . . . x"], // only on a failing verdict
];

const ACTORS: Actor[] = [...ROLES, "system"];
const WHO_CASES = WHO.flatMap(([action, from, who, row]) => {
  const marks = row.trim().split(/\s+/);
  if (marks.length !== ACTORS.length) throw new Error(`WHO row for ${action} needs one mark per actor`);
  return ACTORS.map((actorRole, i) => ({ action, from, who, actorRole, allowed: marks[i] === "x" }));
});

describe("transition: who may take each action", () => {
  it("the table covers every action", () => {
    expect(new Set(WHO.map(([action]) => action))).toEqual(new Set(CHANGE_REQUEST_ACTIONS));
  });

  it.each(WHO_CASES)("$action from $from by $actorRole ($who): $allowed", ({ action, from, who, actorRole, allowed }) => {
    const result = transition({ ...CAPABLE[action], from, action, actorRole, isAuthor: who === "author" });
    if (allowed) expect(result.ok).toBe(true);
    else expect(result).toMatchObject({ ok: false, code: "forbidden" });
  });
});

describe("transition: refusals a person understands", () => {
  it.each<[string, Parameters<typeof transition>[0], string]>([
    [
      "a promoted CR submitted again",
      { from: "promoted", action: "submit", actorRole: "author", isAuthor: true },
      "A promoted change request cannot be submitted for review. It was promoted to the stable release; it can only be rolled back.",
    ],
    [
      "approving from a stale page after a rejection",
      { from: "rejected", action: "approve", actorRole: "reviewer", isAuthor: false },
      "A rejected change request cannot be approved. It was rejected; only a new revision puts it back in review.",
    ],
    [
      "a second click on start after the rollout began",
      { from: "rolling_out", action: "start_rollout", actorRole: "operator", isAuthor: false },
      "A change request that is rolling out cannot start rolling out. It is rolling out.",
    ],
    [
      "a rolled-back CR resumed",
      { from: "rolled_back", action: "resume", actorRole: "operator", isAuthor: false },
      "A rolled-back change request cannot resume rolling out. It was rolled back; nothing more can happen to it. Open a new change request for a fix.",
    ],
    [
      "a reviewer starting a rollout",
      { from: "approved", action: "start_rollout", actorRole: "reviewer", isAuthor: false },
      "Only operators or admins can start a rollout.",
    ],
    [
      "the author approving their own CR",
      { from: "in_review", action: "approve", actorRole: "reviewer", isAuthor: true, approvalSatisfied: true },
      "You wrote this change request; someone else must approve it.",
    ],
    [
      "the author rejecting their own CR",
      { from: "in_review", action: "reject", actorRole: "admin", isAuthor: true },
      "You wrote this change request; someone else must review it. To withdraw it, cancel it.",
    ],
    [
      "an operator approving",
      { from: "in_review", action: "approve", actorRole: "operator", isAuthor: false },
      "Only reviewers, security reviewers or admins can approve change requests.",
    ],
    [
      "someone else submitting a draft",
      { from: "draft", action: "submit", actorRole: "reviewer", isAuthor: false },
      "Only the author of this change request or an admin can submit it for review.",
    ],
    [
      "a reviewer cancelling a paused rollout",
      { from: "paused", action: "cancel", actorRole: "reviewer", isAuthor: false },
      "Only the author of this change request, an admin or an operator can cancel it.",
    ],
    [
      "an author who has since become a viewer",
      { from: "draft", action: "submit", actorRole: "viewer", isAuthor: true },
      "Your role (Viewer) cannot author change requests. Roles that can: Author, Reviewer, Security reviewer, Operator (on-call), Admin.",
    ],
    [
      "an operator freezing by hand",
      { from: "rolling_out", action: "freeze", actorRole: "operator", isAuthor: false },
      "Only Changegate freezes a rollout, when a canary verdict fails; to stop it by hand, pause it.",
    ],
    [
      "Changegate itself approving",
      { from: "in_review", action: "approve", actorRole: "system", isAuthor: false },
      "Changegate cannot approve change requests by itself; a person must.",
    ],
    [
      "Changegate itself rolling back",
      { from: "paused", action: "roll_back", actorRole: "system", isAuthor: false },
      "Changegate cannot roll back a release by itself; a person must.",
    ],
  ])("%s", (_name, request, reason) => {
    const result = transition(request);
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.reason).toBe(reason);
  });

  it("checks the state before the role: a stale page hears what happened, not who may act", () => {
    expect(transition({ from: "approved", action: "approve", actorRole: "viewer", isAuthor: false })).toMatchObject({
      code: "invalid_transition",
    });
  });
});

describe("transition: approve lands on approved only when the approval policy is satisfied", () => {
  it.each<[boolean | undefined, ChangeRequestState]>([
    [true, "approved"],
    [false, "in_review"],
    // Not told: never approve by accident.
    [undefined, "in_review"],
  ])("approvalSatisfied=%s → %s", (approvalSatisfied, to) => {
    expect(transition({ from: "in_review", action: "approve", actorRole: "security_reviewer", isAuthor: false, approvalSatisfied })).toEqual({
      ok: true,
      to,
    });
  });
});

describe("transition: advance and promote follow the canary ladder", () => {
  it.each<[ChangeRequestAction, TransitionContext["rollout"], true | string]>([
    ["advance", { stageIndex: 0, stageCount: 3 }, true],
    ["advance", { stageIndex: 1, stageCount: 3 }, true],
    ["advance", { stageIndex: 2, stageCount: 3 }, "The rollout is on its last canary stage (3 of 3); promote it instead of advancing."],
    ["advance", { stageIndex: 0, stageCount: 1 }, "The rollout is on its last canary stage (1 of 1); promote it instead of advancing."],
    ["promote", { stageIndex: 2, stageCount: 3 }, true],
    ["promote", { stageIndex: 0, stageCount: 1 }, true],
    ["promote", { stageIndex: 0, stageCount: 3 }, "The rollout is on canary stage 1 of 3; it can be promoted only after the last stage."],
    ["promote", { stageIndex: 1, stageCount: 3 }, "The rollout is on canary stage 2 of 3; it can be promoted only after the last stage."],
    ["advance", undefined, "The rollout's current canary stage is not known, so it cannot move on."],
    ["promote", undefined, "The rollout's current canary stage is not known, so it cannot move on."],
    ["advance", { stageIndex: 3, stageCount: 3 }, "Canary stage 4 is not on this rollout's ladder of 3 stages."],
    ["promote", { stageIndex: -1, stageCount: 3 }, "Canary stage 0 is not on this rollout's ladder of 3 stages."],
    ["promote", { stageIndex: 0, stageCount: 0 }, "Canary stage 1 is not on this rollout's ladder of 0 stages."],
  ])("%s at %j → %s", (action, rollout, expected) => {
    const result = transition({ from: "rolling_out", action, actorRole: "operator", isAuthor: false, rollout });
    if (expected === true) expect(result.ok).toBe(true);
    else expect(result).toEqual({ ok: false, code: "invalid_transition", reason: expected });
  });
});

describe("allowedActions: the buttons a page shows", () => {
  it.each<[ChangeRequestState, Actor, boolean, TransitionContext, ChangeRequestAction[]]>([
    ["draft", "author", true, {}, ["edit", "submit", "cancel"]],
    ["draft", "reviewer", false, {}, []],
    ["in_review", "reviewer", false, {}, ["approve", "reject", "request_changes"]],
    ["in_review", "reviewer", true, {}, ["revise", "cancel"]],
    ["in_review", "admin", false, {}, ["revise", "approve", "reject", "request_changes", "cancel"]],
    ["changes_requested", "author", true, {}, ["submit", "revise", "cancel"]],
    ["approved", "operator", false, {}, ["start_rollout"]],
    ["approved", "author", true, {}, ["revise", "cancel"]],
    ["rolling_out", "operator", false, { rollout: { stageIndex: 0, stageCount: 3 } }, ["advance", "pause", "roll_back"]],
    ["rolling_out", "operator", false, { rollout: { stageIndex: 2, stageCount: 3 } }, ["pause", "promote", "roll_back"]],
    ["rolling_out", "operator", false, {}, ["pause", "roll_back"]],
    ["rolling_out", "system", false, { rollout: { stageIndex: 0, stageCount: 3 } }, ["advance", "freeze"]],
    ["paused", "operator", false, {}, ["resume", "roll_back", "cancel"]],
    ["promoted", "admin", false, {}, ["roll_back"]],
    ["promoted", "viewer", false, {}, []],
  ])("%s for %s (author: %s) %j → %j", (state, actor, isAuthor, context, actions) => {
    expect(allowedActions(state, actor, isAuthor, context)).toEqual(actions);
  });

  it("agrees with transition() for every state, actor and authorship", () => {
    const context: TransitionContext = { rollout: { stageIndex: 0, stageCount: 3 }, approvalSatisfied: true };
    for (const state of CHANGE_REQUEST_STATES) {
      for (const actorRole of ACTORS) {
        for (const isAuthor of [false, true]) {
          const expected = CHANGE_REQUEST_ACTIONS.filter(
            (action) => transition({ ...context, from: state, action, actorRole, isAuthor }).ok,
          );
          expect(allowedActions(state, actorRole, isAuthor, context)).toEqual(expected);
          // And never offers an action the lifecycle does not have.
          for (const action of expected) expect(LIFECYCLE[state][action]).toBeDefined();
        }
      }
    }
  });
});
