import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { defineConfig } from "@playwright/test";

/**
 * End-to-end tests run against the production build (`next build` into .next-e2e, which
 * `npm run test:e2e` does first) on a fresh embedded database per run, in Chromium.
 */
const port = Number(process.env.E2E_PORT || 3311);
const baseURL = `http://127.0.0.1:${port}`;

// One folder per run for the server's data and the cached logins. The config is loaded again
// in every worker; the environment carries the first choice to them.
if (!process.env.CHANGEGATE_E2E_RUN_DIR) {
  pruneOldRuns(path.resolve(".data-e2e"));
  process.env.CHANGEGATE_E2E_RUN_DIR = path.resolve(".data-e2e", new Date().toISOString().replace(/[:.]/g, "-"));
}
const runDir = process.env.CHANGEGATE_E2E_RUN_DIR;

/** Removes run folders older than a day (a run in progress elsewhere is never that old). */
function pruneOldRuns(parent: string) {
  if (!existsSync(parent)) return;
  const dayAgo = Date.now() - 24 * 60 * 60 * 1000;
  for (const name of readdirSync(parent)) {
    const dir = path.join(parent, name);
    if (statSync(dir).mtimeMs < dayAgo) rmSync(dir, { recursive: true, force: true });
  }
}

// .ci/test.mjs finds (or installs) a browser and passes it here; Debian's chromium otherwise.
const executablePath =
  process.env.PLAYWRIGHT_CHROMIUM_PATH || (existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined);

export default defineConfig({
  testDir: "e2e",
  // The canary journey moves support-assistant's pointer for minutes (rollout, judge, freeze,
  // rollback): it runs after every other spec, which read or roll back that service's releases.
  projects: [
    { name: "journeys", testIgnore: /canary\.spec\.ts$/ },
    { name: "canary", testMatch: /canary\.spec\.ts$/, dependencies: ["journeys"] },
  ],
  outputDir: "test-results/e2e",
  workers: 2,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: "list",
  use: {
    baseURL,
    browserName: "chromium",
    viewport: { width: 1440, height: 900 },
    launchOptions: {
      executablePath,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  webServer: {
    // The production server `npm start` runs: Next.js behind node:http with the runtime fast path.
    command: "node lib/launcher/server.mjs",
    url: `${baseURL}/api/health`,
    reuseExistingServer: false,
    // The first start migrates and seeds the demo data.
    timeout: 180_000,
    stdout: "ignore",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 5_000 },
    env: {
      NEXT_DIST_DIR: ".next-e2e",
      CHANGEGATE_DATA_DIR: path.join(runDir, "data"),
      CHANGEGATE_DEMO: "auto",
      AUTH_SECRET: "changegate-e2e-secret-not-for-production",
      PORT: String(port),
      CHANGEGATE_HOST: "127.0.0.1",
      // The canary judge acts within seconds, so the freeze spec does not wait 15 s per look.
      CHANGEGATE_CANARY_INTERVAL_MS: "1000",
      // Always the embedded database, whatever the calling shell has set.
      DATABASE_URL: "",
    },
  },
});
