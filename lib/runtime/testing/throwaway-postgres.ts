/**
 * Test-only: a PostgreSQL cluster of its own, in a temporary folder, that a fault test may stop
 * and start at will — the shared server of the other tests must never be stopped. Built from the
 * local PostgreSQL binaries (initdb, pg_ctl). PostgreSQL refuses to run as root, so as root the
 * binaries run as the `postgres` OS user through runuser. `throwawayPostgresSupport()` says why
 * it cannot be used here (no binaries, no runuser, no postgres user), so tests skip with a reason.
 */
import { execFile, execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

const POSTGRES_ROOT = "/usr/lib/postgresql";
const NEEDED = ["initdb", "pg_ctl", "postgres"] as const;
const RUNUSER = "/usr/sbin/runuser";

export type ThrowawayPostgresSupport =
  | { available: true; binDir: string; runAs: { user: string; uid: number; gid: number } | null }
  | { available: false; reason: string };

export interface ThrowawayPostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  /** Starts the server (again) on the same port; resolves when it accepts connections. */
  start: () => Promise<void>;
  /** `fast` ends sessions politely; `immediate` is a crash (recovery runs at the next start). */
  stop: (mode?: "fast" | "immediate") => Promise<void>;
  readonly running: boolean;
  /** The end of the server's log, for failure messages. */
  logTail: (lines?: number) => string;
  /** Stops the server and removes the folder. Safe to call twice. */
  dispose: () => Promise<void>;
}

/** The newest local PostgreSQL bin folder holding initdb, pg_ctl and postgres (CHANGEGATE_PG_BIN overrides). */
function findBinDir(): string | null {
  const candidates = process.env.CHANGEGATE_PG_BIN
    ? [process.env.CHANGEGATE_PG_BIN]
    : existsSync(POSTGRES_ROOT)
      ? readdirSync(POSTGRES_ROOT)
          .filter((v) => /^\d+$/.test(v))
          .sort((a, b) => Number(b) - Number(a))
          .map((v) => path.join(POSTGRES_ROOT, v, "bin"))
      : [];
  return candidates.find((dir) => NEEDED.every((bin) => existsSync(path.join(dir, bin)))) ?? null;
}

export function throwawayPostgresSupport(): ThrowawayPostgresSupport {
  const binDir = findBinDir();
  if (!binDir) return { available: false, reason: `no PostgreSQL binaries (${NEEDED.join(", ")}) under ${POSTGRES_ROOT}/<version>/bin or CHANGEGATE_PG_BIN` };
  if (process.getuid?.() !== 0) return { available: true, binDir, runAs: null };
  if (!existsSync(RUNUSER)) return { available: false, reason: `running as root, PostgreSQL refuses root, and ${RUNUSER} is missing to run it as the postgres user` };
  try {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    return { available: true, binDir, runAs: { user: "postgres", uid, gid } };
  } catch {
    return { available: false, reason: "running as root, PostgreSQL refuses root, and there is no postgres OS user to run it as" };
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Creates (initdb) and starts a cluster on a free port. Throws when throwawayPostgresSupport() says no. */
export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const support = throwawayPostgresSupport();
  if (!support.available) throw new Error(`Cannot run a throwaway PostgreSQL: ${support.reason}.`);
  const { binDir, runAs } = support;
  const dir = mkdtempSync(path.join(tmpdir(), "changegate-pg-"));
  if (runAs) chownSync(dir, runAs.uid, runAs.gid);
  const dataDir = path.join(dir, "data");
  const logFile = path.join(dir, "server.log");
  const port = await freePort();

  const command = (bin: string, args: string[]): [string, string[]] => {
    const file = path.join(binDir, bin);
    return runAs ? [RUNUSER, ["-u", runAs.user, "--", file, ...args]] : [file, args];
  };
  const run = (bin: string, args: string[], timeoutMs = 60_000) =>
    new Promise<void>((resolve, reject) => {
      const [file, argv] = command(bin, args);
      execFile(file, argv, { timeout: timeoutMs }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${bin} ${args.join(" ")} failed: ${err.message}\n${stdout}${stderr}`));
        else resolve();
      });
    });
  const stopNow = () => {
    const [file, argv] = command("pg_ctl", ["-D", dataDir, "-m", "immediate", "-w", "stop"]);
    try {
      execFileSync(file, argv, { stdio: "ignore", timeout: 30_000 });
    } catch {
      // Not running.
    }
  };
  // If the test process ends without dispose (a crash, a kill), the cluster must not outlive it.
  const onExit = () => {
    stopNow();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", onExit);

  let running = false;
  const logTail = (lines = 30) => {
    try {
      return readFileSync(logFile, "utf8").split("\n").slice(-lines).join("\n");
    } catch {
      return "(no server log)";
    }
  };
  const start = async () => {
    // -k: the Unix socket goes in our folder, not /var/run/postgresql (which another cluster owns).
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`;
    try {
      await run("pg_ctl", ["-D", dataDir, "-l", logFile, "-o", options, "-w", "-t", "60", "start"], 90_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- server log ---\n${logTail()}`);
    }
    running = true;
  };
  const stop = async (mode: "fast" | "immediate" = "fast") => {
    await run("pg_ctl", ["-D", dataDir, "-m", mode, "-w", "-t", "60", "stop"], 90_000);
    running = false;
  };

  try {
    // --no-sync: the cluster lives for one test file; a host crash loses nothing worth keeping.
    await run("initdb", ["-D", dataDir, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"]);
    await start();
  } catch (err) {
    process.removeListener("exit", onExit);
    onExit();
    throw err;
  }

  let disposed = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start,
    stop,
    get running() {
      return running;
    },
    logTail,
    dispose: async () => {
      if (disposed) return;
      disposed = true;
      process.removeListener("exit", onExit);
      onExit();
      running = false;
    },
  };
}
