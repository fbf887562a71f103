/**
 * The one place that decides "may this role do X". Pages, server actions and API routes all
 * ask it; hiding a button is never the check.
 */
export const ROLES = ["viewer", "author", "reviewer", "security_reviewer", "operator", "admin"] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  viewer: "Viewer",
  author: "Author",
  reviewer: "Reviewer",
  security_reviewer: "Security reviewer",
  operator: "Operator (on-call)",
  admin: "Admin",
};

const EVERYONE: readonly Role[] = ROLES;
const AUTHORS: readonly Role[] = ["author", "reviewer", "security_reviewer", "operator", "admin"];

/** Each permission: who holds it, and how the refusal reads. */
export const PERMISSIONS = {
  "dashboard.view": { roles: EVERYONE, does: "view Changegate" },
  "audit.view": { roles: EVERYONE, does: "read the audit log" },
  "changeRequest.create": { roles: AUTHORS, does: "author change requests" },
  "changeRequest.review": { roles: ["reviewer", "security_reviewer", "admin"], does: "review change requests" },
  "changeRequest.securityReview": { roles: ["security_reviewer"], does: "give the security approval" },
  "evidence.submit": { roles: AUTHORS, does: "attach gate evidence" },
  // Changes no release, but records its result on the change request's rollback_plan gate.
  "rollback.rehearse": { roles: AUTHORS, does: "run a rollback rehearsal for a change request" },
  "release.operate": { roles: ["operator", "admin"], does: "start, advance, pause or promote rollouts" },
  "release.rollback": { roles: ["operator", "admin"], does: "roll back releases" },
  "release.emergencyOverride": { roles: ["operator"], does: "override the deploy window in an emergency" },
  "rollback.tag": { roles: ["operator", "admin", "reviewer", "security_reviewer"], does: "tag a rollback's regression cause" },
  "experiment.manage": { roles: ["author", "operator", "admin"], does: "create and run experiments" },
  "evalSet.manage": { roles: AUTHORS, does: "edit evaluation sets" },
  "settings.view": { roles: ["admin"], does: "open Settings" },
  "users.manage": { roles: ["admin"], does: "manage users and roles" },
  "tokens.manage": { roles: ["admin"], does: "manage API tokens" },
  "webhooks.manage": { roles: ["admin"], does: "manage webhooks" },
  "services.manage": { roles: ["admin"], does: "change service settings" },
} as const satisfies Record<string, { roles: readonly Role[]; does: string }>;

export type Permission = keyof typeof PERMISSIONS;

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

export function may(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission].roles as readonly Role[]).includes(role);
}

/** The sentence shown when a role is refused. */
export function refusal(role: Role, permission: Permission): string {
  const holders = (PERMISSIONS[permission].roles as readonly Role[]).map((r) => ROLE_LABELS[r]).join(", ");
  return `Your role (${ROLE_LABELS[role]}) cannot ${PERMISSIONS[permission].does}. Roles that can: ${holders}.`;
}
