import { randomBytes } from "node:crypto";
import { demoCredentialsPath, readDemoCredentials } from "@/db/seed/credentials";
import { ChangegateRequestError, ChangegateUnavailableError, createChangegateClient } from "@/lib/sdk";
import { EXIT, parseSimulatorArgs, tokenFromDemoCredentials, USAGE, type SimulatorArgs } from "./args";
import { emptyTally, tallyingFetch } from "./ingest-tally";
import { describePointer, everyEventStored, formatProgress, formatSummary } from "./report";
import { DEFAULT_FLUSH_TIMEOUT_MS, runSimulation, systemClock } from "./run";
import { SCENARIOS, SERVICE_PROFILES, trafficProfileFor } from "./scenarios";

/**
 * `npm run simulate -- --service <slug> --scenario <name>`: the shell around ./run.ts. Reads the
 * command line and environment, connects the SDK, prints progress, stops on SIGINT/SIGTERM after
 * sending what is queued, and exits with a code scripts can act on (./args.ts EXIT).
 */

const say = (line: string) => process.stdout.write(`${line}\n`);
const complain = (line: string) => process.stderr.write(`simulate: ${line}\n`);

/** The innermost reason of a network failure: "ECONNREFUSED", "fetch failed", … */
function rootReason(err: unknown): string {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    if (!(current.cause instanceof Error)) return current.message;
    current = current.cause;
  }
  return String(current);
}

/** Why the first snapshot did not come: unreachable (exit 2) or refused (exit 3), in one line. */
function startFailure(err: unknown, args: SimulatorArgs): { code: number; message: string } {
  const cause = err instanceof ChangegateUnavailableError ? err.cause : err;
  if (cause instanceof ChangegateRequestError && cause.status !== undefined && !cause.retryable) {
    return {
      code: EXIT.refused,
      message: `Changegate at ${args.baseUrl} refused to serve ${args.service}: ${cause.message.replace(/\.?$/, ".")} Check --service and the token (--token or CHANGEGATE_TOKEN).`,
    };
  }
  const reason = cause instanceof ChangegateRequestError && cause.status !== undefined ? `HTTP ${cause.status}` : rootReason(cause);
  return {
    code: EXIT.unreachable,
    message: `Changegate is not reachable at ${args.baseUrl} (${reason}). Start it with "npm start", or point --base-url (or CHANGEGATE_URL) at it.`,
  };
}

function resolveToken(args: SimulatorArgs): { ok: true; token: string } | { ok: false; message: string } {
  if (args.token) return { ok: true, token: args.token };
  const file = demoCredentialsPath(process.env.CHANGEGATE_DATA_DIR?.trim() || ".data");
  return tokenFromDemoCredentials(readDemoCredentials(file), args.service, file);
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseSimulatorArgs(argv, { CHANGEGATE_URL: process.env.CHANGEGATE_URL, CHANGEGATE_TOKEN: process.env.CHANGEGATE_TOKEN });
  if (parsed.kind === "help") {
    say(USAGE);
    return EXIT.ok;
  }
  if (parsed.kind === "error") {
    complain(parsed.message);
    process.stderr.write(`\n${USAGE}\n`);
    return EXIT.usage;
  }
  const args = parsed.args;
  const token = resolveToken(args);
  if (!token.ok) {
    complain(token.message);
    return EXIT.usage;
  }

  // SDK warnings once the run is under way, each kind at most every 10 s ("Could not send 200
  // outcome event(s)" and "…500…" are one kind).
  let running = false;
  const warnedAt = new Map<string, number>();
  const warn = (error: Error) => {
    const kind = error.message.replace(/\d+/g, "#");
    if (!running || Date.now() - (warnedAt.get(kind) ?? -Infinity) < 10_000) return;
    warnedAt.set(kind, Date.now());
    complain(`warning: ${error.message}`);
  };

  const tally = emptyTally();
  const client = createChangegateClient({
    baseUrl: args.baseUrl,
    service: args.service,
    token: token.token,
    fetch: tallyingFetch((input, init) => globalThis.fetch(input, init), tally),
    readyTimeoutMs: 3_000,
    onError: warn,
    events: { maxBatchSize: 500, flushIntervalMs: 1_000, maxQueueSize: 500_000 },
  });
  try {
    await client.ready();
  } catch (err) {
    await client.close();
    const failure = startFailure(err, args);
    complain(failure.message);
    return failure.code;
  }
  running = true;

  const seed = args.seed ?? randomBytes(4).toString("hex");
  const profile = trafficProfileFor(args.service, args.tenants ?? undefined);
  const limits = [args.maxRequests !== null ? `${args.maxRequests.toLocaleString("en-US")} requests` : null, args.durationMs !== null ? `${args.durationMs / 1000} s` : null].filter(Boolean);
  say(
    `Simulating ${args.service} at ${args.rate.toLocaleString("en-US")} requests/s against ${args.baseUrl} — scenario ${args.scenario}: ${SCENARIOS[args.scenario].summary}.`,
  );
  if (!SERVICE_PROFILES[args.service] && !args.tenants) say(`No demo traffic profile for ${args.service}: generic rates, tenant "default" (use --tenants to name them).`);
  say(`Tenants ${profile.tenants.map((t) => t.slug).join(", ")}; seed ${seed}; ${limits.length ? `stops after ${limits.join(" or ")}` : "runs until Ctrl-C"}.`);
  say(`Serving: ${describePointer(client.snapshot())}.`);
  if (!client.snapshot()?.canary) say("No canary is running: the scenario shows once a rollout starts (the simulator follows the pointer live).");
  client.onChange((snapshot, previous) => {
    if (previous) say(`Pointer revision ${snapshot.pointerRevision}: ${describePointer(snapshot)}.`);
  });

  const stop = new AbortController();
  let signals = 0;
  const onSignal = (name: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      complain(`${name} again: exiting without sending the queued events.`);
      process.exit(130);
    }
    const queued = client.events.stats().queued;
    say(`${name}: stopping; sending the ${queued.toLocaleString("en-US")} queued events for up to ${Math.round(DEFAULT_FLUSH_TIMEOUT_MS / 1000) + 2} s (${name} again to quit at once).`);
    stop.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  try {
    const summary = await runSimulation(client, systemClock, {
      profile,
      scenario: args.scenario,
      rate: args.rate,
      maxRequests: args.maxRequests,
      durationMs: args.durationMs,
      seed,
      signal: stop.signal,
      tally,
      onProgress: args.quiet ? undefined : (p) => say(formatProgress(p)),
    });
    say(formatSummary(summary, { service: args.service, scenario: args.scenario, seed }));
    return everyEventStored(summary) ? EXIT.ok : EXIT.notAllStored;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

// The SDK's timers do not keep a process alive (a service's server does that); this one does, until main ends.
setInterval(() => undefined, 60_000);
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    complain(`unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(EXIT.notAllStored);
  },
);
