#!/usr/bin/env node
/**
 * `npm test`: every test, in order, stopping at the first failure.
 *
 *   unit                  vitest, pure modules
 *   integration-pglite    vitest, data layer on embedded PostgreSQL (always)
 *   integration-postgres  vitest, data layer on real PostgreSQL (when TEST_DATABASE_URL is set)
 *   browser               find Chromium (or install one the way this machine allows)
 *   build                 next build into .next-e2e
 *   e2e                   Playwright against that production build
 *
 * `--only unit|integration|e2e` (repeatable, or comma-separated) runs one group.
 * The last line is always `N passed, M failed` over every runner that ran.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { guardTsconfig } from "../lib/launcher/tsconfig-guard.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = {
  vitest: path.join(root, "node_modules/vitest/vitest.mjs"),
  next: path.join(root, "node_modules/next/dist/bin/next"),
  playwright: path.join(root, "node_modules/@playwright/test/cli.js"),
};
const E2E_DIST_DIR = ".next-e2e";
const GROUPS = ["unit", "integration", "e2e"];

// ---------------------------------------------------------------- arguments

function parseOnly(argv) {
  const picked = new Set();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    let value;
    if (arg === "--only") value = argv[++i];
    else if (arg.startsWith("--only=")) value = arg.slice("--only=".length);
    else if (arg === "-h" || arg === "--help") {
      console.log("usage: node .ci/test.mjs [--only unit|integration|e2e]...");
      process.exit(0);
    } else {
      console.error(`Unknown argument "${arg}". Use --only unit, --only integration or --only e2e.`);
      process.exit(2);
    }
    for (const group of (value ?? "").split(",").filter(Boolean)) {
      if (!GROUPS.includes(group)) {
        console.error(`--only takes unit, integration or e2e, not "${group}".`);
        process.exit(2);
      }
      picked.add(group);
    }
    if (!value) {
      console.error("--only needs a value: unit, integration or e2e.");
      process.exit(2);
    }
  }
  return picked.size ? picked : new Set(GROUPS);
}

// ---------------------------------------------------------------- running commands

const stripAnsi = (text) => text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");

/** Runs a command, streaming its output through, and returns its exit code and output. */
function run(command, args, { env = {} } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: root,
      env: { ...process.env, ...(process.stdout.isTTY ? { FORCE_COLOR: "1" } : {}), ...env },
      stdio: ["inherit", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => {
      process.stdout.write(chunk);
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      process.stderr.write(chunk);
      output += chunk;
    });
    const forward = (signal) => child.kill(signal);
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    child.on("error", (err) => {
      output += String(err);
      console.error(`Could not run ${command}: ${err.message}`);
    });
    child.on("close", (code, signal) => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
      resolve({ code: code ?? (signal ? 1 : 0), output: stripAnsi(output) });
    });
  });
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return null;
  }
}

/** Counts from vitest's JSON report; a file that failed to load counts as one failure. */
function vitestCounts(reportFile, output) {
  const report = readJson(reportFile);
  if (report) {
    const brokenFiles = (report.testResults ?? []).filter(
      (file) => file.status === "failed" && !(file.assertionResults ?? []).some((t) => t.status === "failed"),
    ).length;
    return { passed: report.numPassedTests ?? 0, failed: (report.numFailedTests ?? 0) + brokenFiles };
  }
  // No report (vitest crashed early): fall back to its summary line.
  const line = output.match(/^\s*Tests\s+(.*)$/m)?.[1] ?? "";
  return {
    passed: Number(line.match(/(\d+) passed/)?.[1] ?? 0),
    failed: Number(line.match(/(\d+) failed/)?.[1] ?? 0),
  };
}

/** Counts from Playwright's JSON report (flaky tests passed on retry and count as passed). */
function playwrightCounts(reportFile, output) {
  const stats = readJson(reportFile)?.stats;
  if (stats) {
    return { passed: (stats.expected ?? 0) + (stats.flaky ?? 0), failed: stats.unexpected ?? 0, flaky: stats.flaky ?? 0 };
  }
  return {
    passed: Number(output.match(/^\s*(\d+) passed/m)?.[1] ?? 0),
    failed: Number(output.match(/^\s*(\d+) failed/m)?.[1] ?? 0),
  };
}

// ---------------------------------------------------------------- browser discovery

function isRoot() {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

function hasCommand(name) {
  return spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status === 0;
}

async function playwrightOwnChromium() {
  try {
    const { chromium } = await import("playwright-core");
    const file = chromium.executablePath();
    return file && existsSync(file) ? file : null;
  } catch {
    return null;
  }
}

/** Returns a Chromium executable, installing one if the machine allows; null if none. */
async function findBrowser() {
  const fromEnv = process.env.PLAYWRIGHT_CHROMIUM_PATH;
  if (fromEnv) {
    if (existsSync(fromEnv)) return { path: fromEnv, how: "PLAYWRIGHT_CHROMIUM_PATH" };
    console.log(`PLAYWRIGHT_CHROMIUM_PATH points to ${fromEnv}, which does not exist; looking elsewhere.`);
  }
  if (existsSync("/usr/bin/chromium")) return { path: "/usr/bin/chromium", how: "Debian chromium" };
  const own = await playwrightOwnChromium();
  if (own) return { path: own, how: "Playwright's download" };

  if (isRoot() && hasCommand("apt-get")) {
    console.log("No Chromium found: installing Debian's chromium with apt-get (apt-get update && apt-get install -y chromium) …");
    const { code } = await run("sh", ["-c", "apt-get update && apt-get install -y chromium"], {
      env: { DEBIAN_FRONTEND: "noninteractive" },
    });
    if (code === 0 && existsSync("/usr/bin/chromium")) return { path: "/usr/bin/chromium", how: "Debian chromium, just installed" };
    console.log("Installing chromium with apt-get did not work; trying Playwright's own download.");
  } else {
    console.log("No Chromium found: downloading Playwright's Chromium (npx playwright install chromium) …");
  }
  const { code } = await run(process.execPath, [bin.playwright, "install", "chromium"]);
  if (code === 0) {
    const downloaded = await playwrightOwnChromium();
    if (downloaded) return { path: downloaded, how: "Playwright's download, just installed" };
  }
  return null;
}

/** E2E_PORT if set, else 3311 when free, else any free port. */
function freePort(preferred) {
  const tryPort = (port) =>
    new Promise((resolve) => {
      const server = createServer();
      server.once("error", () => resolve(null));
      server.listen(port, "127.0.0.1", () => {
        const { port: got } = server.address();
        server.close(() => resolve(got));
      });
    });
  return tryPort(preferred).then((port) => port ?? tryPort(0));
}

// ---------------------------------------------------------------- the steps

const only = parseOnly(process.argv.slice(2));
// Machine-readable reports of the last run (git-ignored); Playwright keeps its own folder beside it.
const reports = path.join(root, "test-results/reports");
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });
const results = [];
const totals = { passed: 0, failed: 0 };

function vitestStep(project) {
  return async () => {
    const reportFile = path.join(reports, `${project}.json`);
    // Plain text in logs; Playwright's web server sets FORCE_COLOR itself, so only vitest gets NO_COLOR.
    const args = [bin.vitest, "run", "--project", project, "--reporter=default", "--reporter=json", `--outputFile.json=${reportFile}`];
    const { code, output } = await run(process.execPath, args, { env: process.stdout.isTTY ? {} : { NO_COLOR: "1" } });
    const counts = vitestCounts(reportFile, output);
    return { ok: code === 0 && counts.failed === 0, ...counts, detail: `${counts.passed} passed, ${counts.failed} failed` };
  };
}

let browser = null;
let e2ePort = null;

const steps = [
  { group: "unit", name: "unit", title: "Unit tests (vitest --project unit)", run: vitestStep("unit") },
  {
    group: "integration",
    name: "integration-pglite",
    title: "Integration tests on embedded PostgreSQL (vitest --project integration-pglite)",
    run: vitestStep("integration-pglite"),
  },
  {
    group: "integration",
    name: "integration-postgres",
    title: "Integration tests on real PostgreSQL (vitest --project integration-postgres)",
    skip: () =>
      process.env.TEST_DATABASE_URL
        ? null
        : "TEST_DATABASE_URL is not set. To run them, set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres " +
          "(a server where that user may create databases), or run .ci/run.",
    run: vitestStep("integration-postgres"),
  },
  {
    group: "e2e",
    name: "browser",
    title: "Find a Chromium browser for the end-to-end tests",
    run: async () => {
      browser = await findBrowser();
      if (!browser) {
        console.error(
          "No Chromium browser was found and none could be installed: install Debian's chromium (apt-get install chromium), " +
            "or run `npx playwright install chromium`, or set PLAYWRIGHT_CHROMIUM_PATH to a Chromium executable.",
        );
        return { ok: false, detail: "no browser" };
      }
      console.log(`Using ${browser.path} (${browser.how}).`);
      return { ok: true, detail: browser.path };
    },
  },
  {
    group: "e2e",
    name: "build",
    title: `Production build for the end-to-end tests (next build into ${E2E_DIST_DIR})`,
    run: async () => {
      const restoreTsconfig = guardTsconfig(root, E2E_DIST_DIR);
      const { code } = await run(process.execPath, [bin.next, "build"], { env: { NEXT_DIST_DIR: E2E_DIST_DIR } });
      restoreTsconfig();
      return { ok: code === 0, detail: code === 0 ? E2E_DIST_DIR : `next build exited with ${code}` };
    },
  },
  {
    group: "e2e",
    name: "e2e",
    title: "End-to-end tests (Playwright, Chromium, production build)",
    run: async () => {
      e2ePort = await freePort(Number(process.env.E2E_PORT || 3311));
      const reportFile = path.join(reports, "e2e.json");
      const { code, output } = await run(process.execPath, [bin.playwright, "test", "--reporter=list,json"], {
        env: {
          PLAYWRIGHT_CHROMIUM_PATH: browser.path,
          PLAYWRIGHT_JSON_OUTPUT_FILE: reportFile,
          E2E_PORT: String(e2ePort),
        },
      });
      const counts = playwrightCounts(reportFile, output);
      const flaky = counts.flaky ? ` (${counts.flaky} flaky)` : "";
      return {
        ok: code === 0 && counts.failed === 0,
        ...counts,
        detail: `${counts.passed} passed, ${counts.failed} failed${flaky}`,
      };
    },
  },
];

function formatDuration(ms) {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}

async function main() {
  let failedStep = null;
  for (const step of steps.filter((s) => only.has(s.group))) {
    if (failedStep) {
      results.push({ step, mark: "·", detail: "not run" });
      continue;
    }
    console.log(`\n━━ ${step.name}: ${step.title}`);
    const skipReason = step.skip?.();
    if (skipReason) {
      console.log(`Skipped: ${skipReason}`);
      results.push({ step, mark: "-", detail: "skipped (TEST_DATABASE_URL not set)" });
      continue;
    }
    const started = Date.now();
    let outcome;
    try {
      outcome = await step.run();
    } catch (err) {
      console.error(err);
      outcome = { ok: false, detail: `crashed: ${err instanceof Error ? err.message : String(err)}` };
    }
    totals.passed += outcome.passed ?? 0;
    totals.failed += outcome.failed ?? 0;
    results.push({ step, mark: outcome.ok ? "✓" : "✗", detail: `${outcome.detail} (${formatDuration(Date.now() - started)})` });
    if (!outcome.ok) failedStep = step;
  }

  const width = Math.max(...results.map((r) => r.step.name.length));
  console.log("\n━━ Summary");
  for (const r of results) console.log(`${r.mark} ${r.step.name.padEnd(width)}  ${r.detail}`);
  if (failedStep) console.log(`\nStopped: the ${failedStep.name} step failed (its output is above).`);
  console.log(`${totals.passed} passed, ${totals.failed} failed`);
  process.exit(failedStep ? 1 : 0);
}

main();
