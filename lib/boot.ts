import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DatabaseUnreachableError, getDbHandle } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { isDatabaseEmpty, seedDemo } from "@/db/seed";
import { demoCredentialsPath, formatDemoCredentials, readDemoCredentials, writeDemoCredentials } from "@/db/seed/credentials";
import { serverEnv } from "@/lib/env";

/**
 * next-auth needs a secret. The embedded demo makes one and keeps it in the data folder so
 * sessions survive restarts; against a real database the operator must provide AUTH_SECRET.
 */
function ensureAuthSecret(dataDir: string, usingRealDatabase: boolean) {
  if (process.env.AUTH_SECRET) return;
  if (usingRealDatabase) {
    throw new Error(
      "AUTH_SECRET is not set. With DATABASE_URL, set AUTH_SECRET to a long random string " +
        "(for example: openssl rand -base64 32) so sessions are signed with your own secret.",
    );
  }
  const file = path.resolve(dataDir, "auth-secret");
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString("base64url"), { mode: 0o600 });
  }
  process.env.AUTH_SECRET = readFileSync(file, "utf8").trim();
}

/** Runs once per server process, before the first request: secret, migrations, first-run demo. */
export async function bootServer(): Promise<void> {
  const env = serverEnv();
  ensureAuthSecret(env.CHANGEGATE_DATA_DIR, Boolean(env.DATABASE_URL));
  const handle = await getDbHandle();
  const { applied } = await migrateDatabase(handle);

  if (handle.kind === "pglite" && env.CHANGEGATE_DEMO === "auto") {
    const file = demoCredentialsPath(env.CHANGEGATE_DATA_DIR);
    if (await isDatabaseEmpty(handle.db)) {
      console.log("[changegate] empty embedded database: creating the demo data …");
      const credentials = await seedDemo(handle.db);
      writeDemoCredentials(file, credentials);
    }
    const credentials = readDemoCredentials(file);
    if (credentials) console.log(formatDemoCredentials(credentials, file));
  }
  const { startWebhookWorker } = await import("@/lib/notifications/webhooks");
  startWebhookWorker();
  // Raw outcome events older than each service's retention: partitions dropped, rollups kept.
  const { startOutcomeRetention } = await import("@/lib/outcomes/retention");
  startOutcomeRetention();
  // The canary judge: advances, promotes or freezes rollouts by their canary verdict.
  const { startCanaryJudge } = await import("@/lib/canary/evaluator");
  startCanaryJudge();
  // Runtime API snapshots are served from memory and invalidated by pointer notifications.
  const { startRuntimeCache } = await import("@/lib/runtime/cache");
  await startRuntimeCache();
  // …and, under `npm start`, the config hot path is answered before the Next.js router.
  const { installRuntimeFastPath } = await import("@/lib/runtime/fast-path");
  installRuntimeFastPath();
  console.log(
    `[changegate] ready: database ${handle.kind === "pglite" ? `embedded PGlite in ${path.resolve(env.CHANGEGATE_DATA_DIR)}` : "PostgreSQL (DATABASE_URL)"}, ${applied} migrations applied.`,
  );
}

/** Boot, or stop the process with one readable sentence instead of a stack trace. */
export async function bootOrExit(): Promise<void> {
  try {
    await bootServer();
  } catch (err) {
    const message = err instanceof DatabaseUnreachableError || err instanceof Error ? err.message : String(err);
    console.error(`\n[changegate] cannot start: ${message}\n`);
    process.exit(1);
  }
}
