import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Role } from "@/lib/auth/permissions";

/**
 * The demo's logins and API tokens. Tokens are stored hashed in the database, so the only copy
 * of their plaintext is this file in the data folder (mode 0600), printed at start.
 */
export interface DemoCredentials {
  password: string;
  users: { email: string; name: string; role: Role }[];
  tokens: { service: string; token: string; scopes: string[] }[];
}

export function demoCredentialsPath(dataDir: string): string {
  return path.resolve(dataDir, "demo-credentials.json");
}

export function writeDemoCredentials(file: string, creds: DemoCredentials): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  // writeFileSync keeps the mode of an existing file: make sure it is private.
  chmodSync(file, 0o600);
}

/** The credentials file, or null when there is none or it is not a credentials file. */
export function readDemoCredentials(file: string): DemoCredentials | null {
  if (!existsSync(file)) return null;
  try {
    const data = JSON.parse(readFileSync(file, "utf8")) as Partial<DemoCredentials>;
    if (typeof data.password !== "string" || !Array.isArray(data.users) || !Array.isArray(data.tokens)) return null;
    return { password: data.password, users: data.users, tokens: data.tokens };
  } catch {
    return null;
  }
}

/** A block for the console: who can sign in, with what, and the API token of each service. */
/** `file` null: the credentials were not saved (e.g. a PostgreSQL database), so say to copy them now. */
export function formatDemoCredentials(creds: DemoCredentials, file: string | null): string {
  const emailWidth = Math.max(...creds.users.map((u) => u.email.length), 5);
  const roleWidth = Math.max(...creds.users.map((u) => u.role.length), 4);
  const serviceWidth = Math.max(...creds.tokens.map((t) => t.service.length), 7);
  const lines = [
    "",
    "  ┌─ Changegate demo ────────────────────────────────────────────────",
    `  │ Sign in with any of these accounts; the password for all is: ${creds.password}`,
    "  │",
    ...creds.users.map((u) => `  │   ${u.email.padEnd(emailWidth)}  ${u.role.padEnd(roleWidth)}  ${u.name}`),
    "  │",
    "  │ API tokens (Authorization: Bearer <token>), one per service:",
    ...creds.tokens.map((t) => `  │   ${t.service.padEnd(serviceWidth)}  ${t.token}  [${t.scopes.join(", ")}]`),
    "  │",
    file
      ? `  │ Saved in ${file} (readable only by you).`
      : "  │ Not saved anywhere: copy the tokens now, the database keeps only their hashes.",
    "  └──────────────────────────────────────────────────────────────────",
    "",
  ];
  return lines.join("\n");
}
