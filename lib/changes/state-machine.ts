import { PERMISSIONS, may, refusal, type Permission, type Role } from "@/lib/auth/permissions";
import { AUTHOR_CANNOT_APPROVE, AUTHOR_CANNOT_REJECT, AUTHOR_CANNOT_REQUEST_CHANGES } from "./approval-policy";
import { joinWords } from "./risk";

/**
 * The change-request lifecycle (SPEC §1) as data: which action moves a change request from which
 * state to which, who may take it, and the sentence that explains a refusal. The server checks
 * every transition here against the state it reads inside the transaction, so a click from a
 * stale page is refused with the reason rather than applied.
 */

/** The same values as the `change_request_state` database enum. */
export const CHANGE_REQUEST_STATES = [
  "draft",
  "in_review",
  "changes_requested",
  "approved",
  "rejected",
  "rolling_out",
  "paused",
  "promoted",
  "rolled_back",
  "cancelled",
] as const;
export type ChangeRequestState = (typeof CHANGE_REQUEST_STATES)[number];

export const CHANGE_REQUEST_ACTIONS = [
  "edit",
  "submit",
  "revise",
  "approve",
  "reject",
  "request_changes",
  "start_rollout",
  "advance",
  "pause",
  "resume",
  "promote",
  "roll_back",
  "cancel",
  "freeze",
] as const;
export type ChangeRequestAction = (typeof CHANGE_REQUEST_ACTIONS)[number];

/** A person acts with their role; "system" is Changegate itself (canary judge, auto-advance). */
export type Actor = Role | "system";

export const STATE_LABELS: Record<ChangeRequestState, string> = {
  draft: "Draft",
  in_review: "In review",
  changes_requested: "Changes requested",
  approved: "Approved",
  rejected: "Rejected",
  rolling_out: "Rolling out",
  paused: "Paused",
  promoted: "Promoted",
  rolled_back: "Rolled back",
  cancelled: "Cancelled",
};

interface Who {
  /** The author may (while their role still lets them author change requests). */
  author?: boolean;
  /** Roles that may, whoever wrote the change request. */
  roles?: readonly Role[];
  /** Roles taken from the permission table. */
  permission?: Permission;
  /** Extra roles allowed only from some states. */
  rolesFrom?: Partial<Record<ChangeRequestState, readonly Role[]>>;
  /** Four-eyes: the author is refused even when their role is allowed. */
  notAuthor?: string;
  /** Changegate itself may. */
  system?: boolean;
  /** Only Changegate itself may; people get this sentence. */
  systemOnly?: string;
}

export interface TransitionRule {
  from: readonly ChangeRequestState[];
  to: ChangeRequestState;
  who: Who;
  /** "A promoted change request cannot <cannot>." */
  cannot: string;
  /** "Only operators or admins can <doing>." */
  doing: string;
}

const AUTHOR_OR_ADMIN: Who = { author: true, roles: ["admin"] };

export const TRANSITIONS: Record<ChangeRequestAction, TransitionRule> = {
  // A draft is edited in place; a new revision starts only once reviewers have seen it.
  edit: { from: ["draft"], to: "draft", who: AUTHOR_OR_ADMIN, cannot: "be edited in place", doing: "edit it" },
  submit: {
    from: ["draft", "changes_requested"],
    to: "in_review",
    who: AUTHOR_OR_ADMIN,
    cannot: "be submitted for review",
    doing: "submit it for review",
  },
  // A new revision drops the approvals and re-runs classification. Allowed until the rollout starts;
  // from `rejected` it is the only way forward.
  revise: {
    from: ["in_review", "changes_requested", "rejected", "approved"],
    to: "in_review",
    who: AUTHOR_OR_ADMIN,
    cannot: "get a new revision",
    doing: "submit a new revision of it",
  },
  // `to` is approved only when the approval policy is satisfied; see transition().
  approve: {
    from: ["in_review"],
    to: "approved",
    who: { permission: "changeRequest.review", notAuthor: AUTHOR_CANNOT_APPROVE },
    cannot: "be approved",
    doing: "approve change requests",
  },
  reject: {
    from: ["in_review"],
    to: "rejected",
    who: { permission: "changeRequest.review", notAuthor: AUTHOR_CANNOT_REJECT },
    cannot: "be rejected",
    doing: "reject change requests",
  },
  request_changes: {
    from: ["in_review"],
    to: "changes_requested",
    who: { permission: "changeRequest.review", notAuthor: AUTHOR_CANNOT_REQUEST_CHANGES },
    cannot: "be sent back for changes",
    doing: "ask for changes",
  },
  start_rollout: {
    from: ["approved"],
    to: "rolling_out",
    who: { permission: "release.operate" },
    cannot: "start rolling out",
    doing: "start a rollout",
  },
  advance: {
    from: ["rolling_out"],
    to: "rolling_out",
    who: { permission: "release.operate", system: true },
    cannot: "advance to the next canary stage",
    doing: "advance a rollout",
  },
  pause: { from: ["rolling_out"], to: "paused", who: { permission: "release.operate" }, cannot: "be paused", doing: "pause a rollout" },
  resume: { from: ["paused"], to: "rolling_out", who: { permission: "release.operate" }, cannot: "resume rolling out", doing: "resume a rollout" },
  promote: {
    from: ["rolling_out"],
    to: "promoted",
    who: { permission: "release.operate", system: true },
    cannot: "be promoted",
    doing: "promote a rollout",
  },
  // A promoted change can still be taken back (SPEC §2: rolled back one component at a time).
  roll_back: {
    from: ["rolling_out", "paused", "promoted"],
    to: "rolled_back",
    who: { permission: "release.rollback" },
    cannot: "be rolled back",
    doing: "roll back a release",
  },
  cancel: {
    from: ["draft", "in_review", "changes_requested", "approved", "paused"],
    to: "cancelled",
    // A paused rollout is the on-call operator's to abandon too.
    who: { ...AUTHOR_OR_ADMIN, rolesFrom: { paused: ["operator"] } },
    cannot: "be cancelled",
    doing: "cancel it",
  },
  freeze: {
    from: ["rolling_out"],
    to: "paused",
    who: { systemOnly: "Only Changegate freezes a rollout, when a canary verdict fails; to stop it by hand, pause it." },
    cannot: "be frozen",
    doing: "freeze a rollout",
  },
};

/** States no action leaves: nothing more can happen to the change request. */
export const TERMINAL_STATES: readonly ChangeRequestState[] = CHANGE_REQUEST_STATES.filter(
  (s) => !CHANGE_REQUEST_ACTIONS.some((a) => TRANSITIONS[a].from.includes(s)),
);

const SUBJECT: Record<ChangeRequestState, string> = {
  draft: "A draft change request",
  in_review: "A change request in review",
  changes_requested: "A change request waiting for changes",
  approved: "An approved change request",
  rejected: "A rejected change request",
  rolling_out: "A change request that is rolling out",
  paused: "A change request whose rollout is paused",
  promoted: "A promoted change request",
  rolled_back: "A rolled-back change request",
  cancelled: "A cancelled change request",
};

const WHERE_IT_STANDS: Record<ChangeRequestState, string> = {
  draft: "It is still a draft; its author submits it for review first.",
  in_review: "It is in review.",
  changes_requested: "A reviewer asked for changes; its author resubmits it or submits a new revision.",
  approved: "It is approved and waits for an operator to start the rollout.",
  rejected: "It was rejected; only a new revision puts it back in review.",
  rolling_out: "It is rolling out.",
  paused: "Its rollout is paused; resume it, roll it back or cancel it.",
  promoted: "It was promoted to the stable release; it can only be rolled back.",
  rolled_back: "It was rolled back; nothing more can happen to it. Open a new change request for a fix.",
  cancelled: "It was cancelled; nothing more can happen to it.",
};

const PLURAL: Record<Role, string> = {
  viewer: "viewers",
  author: "authors",
  reviewer: "reviewers",
  security_reviewer: "security reviewers",
  operator: "operators",
  admin: "admins",
};
const SINGULAR: Record<Role, string> = {
  viewer: "a viewer",
  author: "an author",
  reviewer: "a reviewer",
  security_reviewer: "a security reviewer",
  operator: "an operator",
  admin: "an admin",
};

export interface TransitionContext {
  /** For approve: whether the approval policy is satisfied once this decision is counted. */
  approvalSatisfied?: boolean;
  /** For advance and promote: where the rollout stands on its canary ladder (0-based). */
  rollout?: { stageIndex: number; stageCount: number };
}

export interface TransitionRequest extends TransitionContext {
  from: ChangeRequestState;
  action: ChangeRequestAction;
  actorRole: Actor;
  /** Whether the actor wrote the change request. */
  isAuthor: boolean;
}

export type TransitionResult =
  | { ok: true; to: ChangeRequestState }
  | { ok: false; code: "invalid_transition" | "forbidden"; reason: string };

export function transition(request: TransitionRequest): TransitionResult {
  const { from, action, actorRole, isAuthor } = request;
  const rule = TRANSITIONS[action];

  if (!rule.from.includes(from)) {
    return { ok: false, code: "invalid_transition", reason: `${SUBJECT[from]} cannot ${rule.cannot}. ${WHERE_IT_STANDS[from]}` };
  }

  const refused = whoRefusal(rule, from, actorRole, isAuthor);
  if (refused) return { ok: false, code: "forbidden", reason: refused };

  if (action === "advance" || action === "promote") {
    const stage = stageRefusal(action, request.rollout);
    if (stage) return { ok: false, code: "invalid_transition", reason: stage };
  }

  if (action === "approve" && !request.approvalSatisfied) return { ok: true, to: "in_review" };
  return { ok: true, to: rule.to };
}

/** The actions this actor may take now: the buttons a page shows. The server still calls transition(). */
export function allowedActions(
  state: ChangeRequestState,
  actorRole: Actor,
  isAuthor: boolean,
  context: TransitionContext = {},
): ChangeRequestAction[] {
  return CHANGE_REQUEST_ACTIONS.filter((action) => transition({ ...context, from: state, action, actorRole, isAuthor }).ok);
}

function whoRefusal(rule: TransitionRule, from: ChangeRequestState, actor: Actor, isAuthor: boolean): string | null {
  const { who } = rule;
  if (who.systemOnly) return actor === "system" ? null : who.systemOnly;
  if (actor === "system") return who.system ? null : `Changegate cannot ${rule.doing} by itself; a person must.`;

  const roles: Role[] = [
    ...(who.roles ?? []),
    ...(who.permission ? PERMISSIONS[who.permission].roles : []),
    ...(who.rolesFrom?.[from] ?? []),
  ];
  if (isAuthor && who.notAuthor) return who.notAuthor;
  if (roles.includes(actor)) return null;
  if (who.author && isAuthor) return may(actor, "changeRequest.create") ? null : refusal(actor, "changeRequest.create");
  const holders = who.author
    ? ["the author of this change request", ...roles.map((r) => SINGULAR[r])]
    : roles.map((r) => PLURAL[r]);
  return `Only ${joinWords(holders, "or")} can ${rule.doing}.`;
}

function stageRefusal(action: "advance" | "promote", rollout: TransitionContext["rollout"]): string | null {
  if (!rollout) return "The rollout's current canary stage is not known, so it cannot move on.";
  const { stageIndex, stageCount } = rollout;
  if (!Number.isInteger(stageIndex) || stageIndex < 0 || stageIndex >= stageCount) {
    return `Canary stage ${stageIndex + 1} is not on this rollout's ladder of ${stageCount} stages.`;
  }
  const last = stageIndex === stageCount - 1;
  if (action === "advance" && last) {
    return `The rollout is on its last canary stage (${stageCount} of ${stageCount}); promote it instead of advancing.`;
  }
  if (action === "promote" && !last) {
    return `The rollout is on canary stage ${stageIndex + 1} of ${stageCount}; it can be promoted only after the last stage.`;
  }
  return null;
}
