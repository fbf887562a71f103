/**
 * Test-only: runs lib/runtime/testing/instance-server.ts as a child process (one app instance on
 * `databaseUrl`) and stops it — the whole process group, so tsx's own child goes too, also when
 * the test process exits without cleaning up.
 */
import { spawn } from "node:child_process";
import path from "node:path";

export interface InstanceProcess {
  /** http://127.0.0.1:<port> */
  base: string;
  pid: number;
  /** Everything the instance printed so far (stdout and stderr). */
  output: () => string;
  /** Whether the process is still running (never restarted: a test can hold on to this). */
  alive: () => boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop: (graceMs?: number) => Promise<void>;
}

export function startInstanceProcess(options: { databaseUrl: string; env?: Record<string, string>; timeoutMs?: number }): Promise<InstanceProcess> {
  const child = spawn(
    process.execPath,
    [path.resolve("node_modules/tsx/dist/cli.mjs"), "--conditions=react-server", "lib/runtime/testing/instance-server.ts"],
    {
      env: {
        ...process.env,
        DATABASE_URL: options.databaseUrl,
        INSTANCE_PORT: "0",
        AUTH_SECRET: "instance-process-test-secret",
        CHANGEGATE_DEMO: "off",
        NODE_ENV: "production",
        ...options.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group: stop() signals tsx and the node process it runs.
      detached: true,
    },
  );
  let output = "";
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.once("exit", () => (exited = true));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // Already gone.
    }
  };
  const killOnExit = () => signal("SIGKILL");
  process.once("exit", killOnExit);
  child.once("exit", () => process.removeListener("exit", killOnExit));

  const instance = (base: string): InstanceProcess => ({
    base,
    pid: child.pid!,
    output: () => output,
    alive: () => !exited,
    stop: async (graceMs = 5_000) => {
      if (exited) return;
      signal("SIGTERM");
      const timer = setTimeout(() => signal("SIGKILL"), graceMs);
      await exit;
      clearTimeout(timer);
      // tsx may leave its child behind when killed itself.
      signal("SIGKILL");
    },
  });

  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const fail = (message: string) => {
      signal("SIGKILL");
      reject(new Error(`${message}:\n${output}`));
    };
    const timer = setTimeout(() => fail(`the instance did not start within ${timeoutMs / 1000} s`), timeoutMs);
    child.stdout!.on("data", (chunk: Buffer) => {
      const before = output;
      output += chunk.toString();
      const match = /listening (\d+)/.exec(output);
      if (match && !/listening (\d+)/.test(before)) {
        clearTimeout(timer);
        resolve(instance(`http://127.0.0.1:${match[1]}`));
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code, sig) => {
      clearTimeout(timer);
      fail(`the instance exited (${code ?? sig})`);
    });
  });
}
