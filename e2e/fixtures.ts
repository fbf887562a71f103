import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { test as base, expect, type BrowserContext, type Page } from "@playwright/test";
import { demoCredentialsPath, readDemoCredentials, type DemoCredentials } from "@/db/seed/credentials";
import { DEMO_PASSWORD, DEMO_PEOPLE, type DemoPerson } from "@/db/seed/people";
import type { Role } from "@/lib/auth/permissions";
import { DashboardShell } from "./pages/dashboard-shell";
import { LoginPage } from "./pages/login-page";

export { DEMO_PASSWORD, expect };

type StorageState = Awaited<ReturnType<BrowserContext["storageState"]>>;

/** The seeded demo user holding `role` (one per role). */
export function demoUser(role: Role): DemoPerson {
  const person = DEMO_PEOPLE.find((p) => p.role === role);
  if (!person) throw new Error(`The demo data has no user with the role ${role}`);
  return person;
}

export const DEMO_USERS: readonly DemoPerson[] = DEMO_PEOPLE;

// playwright.config.ts picks one folder per run; logins are cached there, per role.
function runDir(): string {
  const dir = process.env.CHANGEGATE_E2E_RUN_DIR;
  if (!dir) throw new Error("CHANGEGATE_E2E_RUN_DIR is not set: run the tests with `npx playwright test`.");
  return dir;
}

/**
 * The demo's logins and per-service API tokens, as the server wrote them when it seeded this
 * run's database (playwright.config.ts: CHANGEGATE_DATA_DIR is <run dir>/data).
 */
export function demoCredentials(): DemoCredentials {
  const file = demoCredentialsPath(path.join(runDir(), "data"));
  const creds = readDemoCredentials(file);
  if (!creds) throw new Error(`No demo credentials at ${file}: did the server seed the demo?`);
  return creds;
}

/** The API token of one service, from the demo credentials. */
export function serviceToken(serviceSlug: string): string {
  const token = demoCredentials().tokens.find((t) => t.service === serviceSlug)?.token;
  if (!token) throw new Error(`The demo credentials have no token for ${serviceSlug}`);
  return token;
}

function authStateFile(role: Role): string {
  return path.join(runDir(), "auth", `${role}.json`);
}

/**
 * Runs `fn` while no other test, in any worker, holds the demo users. Tests that change a demo
 * user's role take it, and so do tests that check what a role sees, so one never observes the
 * other's temporary change. (A folder is created atomically or not at all: that is the lock.
 * A test that timed out never releases it, so a lock older than the longest holder is taken over.)
 */
export async function withDemoUsersLocked<T>(fn: () => Promise<T>): Promise<T> {
  const lock = path.join(runDir(), "locks", "demo-users");
  const staleAfterMs = 45_000;
  mkdirSync(path.dirname(lock), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      try {
        if (Date.now() - statSync(lock).mtimeMs > staleAfterMs) rmSync(lock, { recursive: true, force: true });
      } catch {
        // Released meanwhile.
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Signs `page` in as the demo user with `role`, through the real /login form the first time
 * in a run and from the saved session cookies afterwards. Navigate where the test needs next.
 */
export async function loginAs(page: Page, role: Role): Promise<void> {
  const file = authStateFile(role);
  if (existsSync(file)) {
    const state = JSON.parse(readFileSync(file, "utf8")) as StorageState;
    await page.context().addCookies(state.cookies);
    return;
  }
  const login = new LoginPage(page);
  await login.goto();
  await login.signIn(demoUser(role).email, DEMO_PASSWORD);
  await new DashboardShell(page).expectShown();
  mkdirSync(path.dirname(file), { recursive: true });
  // Write then rename, so a parallel worker never reads half a file.
  const partial = `${file}.${process.pid}.tmp`;
  await page.context().storageState({ path: partial });
  renameSync(partial, file);
}

const SCREENSHOT_DIR = fileURLToPath(new URL("./screenshots/", import.meta.url));
const VIEWPORTS = [
  { label: "desktop", width: 1440, height: 900 },
  { label: "narrow", width: 390, height: 844 },
] as const;

/** Saves full-page screenshots of the current page at desktop and phone widths. */
export async function shoot(page: Page, name: string): Promise<void> {
  const original = page.viewportSize();
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize({ width: viewport.width, height: viewport.height });
    // Let layout, fonts and any resize-driven rendering settle before the picture.
    await page.evaluate(async () => {
      await document.fonts.ready;
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    });
    await page.screenshot({
      path: path.join(SCREENSHOT_DIR, `${name}-${viewport.label}.png`),
      fullPage: true,
      animations: "disabled",
    });
  }
  if (original) await page.setViewportSize(original);
}

interface Fixtures {
  loginPage: LoginPage;
  shell: DashboardShell;
  loginAs: (role: Role) => Promise<void>;
  shoot: (name: string) => Promise<void>;
}

export const test = base.extend<Fixtures>({
  loginPage: async ({ page }, use) => use(new LoginPage(page)),
  shell: async ({ page }, use) => use(new DashboardShell(page)),
  loginAs: async ({ page }, use) => use((role) => loginAs(page, role)),
  shoot: async ({ page }, use) => use((name) => shoot(page, name)),
});
