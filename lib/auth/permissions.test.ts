import { describe, expect, it } from "vitest";
import { PERMISSIONS, ROLE_LABELS, ROLES, isRole, may, refusal, type Permission, type Role } from "./permissions";

/**
 * The intended policy, written out independently of permissions.ts so a slip there fails here.
 * Columns: viewer, author, reviewer, security_reviewer, operator, admin.
 */
const POLICY: Record<Permission, string> = {
  //                             V A R S O Ad
  "dashboard.view":             "x x x x x x",
  "audit.view":                 "x x x x x x",
  "changeRequest.create":       ". x x x x x",
  "changeRequest.review":       ". . x x . x",
  "changeRequest.securityReview": ". . . x . .",
  "evidence.submit":            ". x x x x x",
  "rollback.rehearse":          ". x x x x x",
  "release.operate":            ". . . . x x",
  "release.rollback":           ". . . . x x",
  "release.emergencyOverride":  ". . . . x .",
  "rollback.tag":               ". . x x x x",
  "experiment.manage":          ". x . . x x",
  "evalSet.manage":             ". x x x x x",
  "settings.view":              ". . . . . x",
  "users.manage":               ". . . . . x",
  "tokens.manage":              ". . . . . x",
  "webhooks.manage":            ". . . . . x",
  "services.manage":            ". . . . . x",
};

const CASES: [Role, Permission, boolean][] = Object.entries(POLICY).flatMap(([permission, row]) => {
  const marks = row.trim().split(/\s+/);
  if (marks.length !== ROLES.length) throw new Error(`POLICY row for ${permission} needs one mark per role`);
  return ROLES.map((role, i): [Role, Permission, boolean] => [role, permission as Permission, marks[i] === "x"]);
});

describe("may", () => {
  it("the policy table covers exactly the permissions that exist", () => {
    expect(Object.keys(POLICY).sort()).toEqual(Object.keys(PERMISSIONS).sort());
  });

  it.each(CASES)("%s → %s: %s", (role, permission, expected) => {
    expect(may(role, permission)).toBe(expected);
  });

  it("keeps the security approval with security reviewers only, and Settings with admins only", () => {
    expect(ROLES.filter((r) => may(r, "changeRequest.securityReview"))).toEqual(["security_reviewer"]);
    expect(ROLES.filter((r) => may(r, "settings.view"))).toEqual(["admin"]);
  });
});

describe("refusal", () => {
  it.each(CASES.filter(([, , allowed]) => !allowed))("tells a %s why %s is refused", (role, permission) => {
    const text = refusal(role, permission);
    expect(text).toContain(`Your role (${ROLE_LABELS[role]})`);
    expect(text).toContain(PERMISSIONS[permission].does);
    // And who to ask instead.
    for (const holder of PERMISSIONS[permission].roles) expect(text).toContain(ROLE_LABELS[holder]);
  });
});

describe("isRole", () => {
  it.each([...ROLES])("accepts %s", (role) => expect(isRole(role)).toBe(true));
  it.each(["", "Admin", "root", "superuser", null, undefined, 1])("rejects %j", (value) => expect(isRole(value)).toBe(false));
});
