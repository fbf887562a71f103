import type { Role } from "@/lib/auth/permissions";

/** Every demo login uses this password (printed at first start, written to the credentials file). */
export const DEMO_PASSWORD = "changegate-demo";

/** Handles the demo scenarios use to name people. */
export type PersonKey = "viewer" | "author" | "reviewer" | "security" | "operator" | "admin";

export interface DemoPerson {
  key: PersonKey;
  email: string;
  name: string;
  role: Role;
  /** What they do, for the credentials block. */
  title: string;
}

/** One user per role. The emails are fixed: end-to-end tests sign in with them. */
export const DEMO_PEOPLE: readonly DemoPerson[] = [
  { key: "viewer", email: "viewer@example.com", name: "Tomás Ruiz", role: "viewer", title: "product owner" },
  { key: "author", email: "author@example.com", name: "Priya Nair", role: "author", title: "prompt engineer" },
  { key: "reviewer", email: "reviewer@example.com", name: "Daniel Okafor", role: "reviewer", title: "ML engineer, reviewer" },
  { key: "security", email: "security@example.com", name: "Mei Chen", role: "security_reviewer", title: "security reviewer" },
  { key: "operator", email: "operator@example.com", name: "Jonas Weber", role: "operator", title: "SRE, on-call" },
  { key: "admin", email: "admin@example.com", name: "Sam Patel", role: "admin", title: "platform admin" },
];

export function demoPerson(key: PersonKey): DemoPerson {
  const person = DEMO_PEOPLE.find((p) => p.key === key);
  if (!person) throw new Error(`No demo person ${key}`);
  return person;
}
