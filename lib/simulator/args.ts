import { parseArgs } from "node:util";
import type { DemoCredentials } from "@/db/seed/credentials";
import { isScenarioName, SCENARIO_NAMES, SCENARIOS, SERVICE_PROFILES, type ScenarioName } from "./scenarios";

/**
 * The simulator's command line, parsed without side effects: argv and the environment in, the
 * run's settings or a sentence saying what is wrong out. ./cli.ts does the rest.
 */

/** Exit codes (64 is sysexits' EX_USAGE). */
export const EXIT = {
  ok: 0,
  /** The run ended, but some events were rejected, refused, dropped or not sent. */
  notAllStored: 1,
  /** Changegate could not be reached at start. */
  unreachable: 2,
  /** Changegate answered but refused the token or does not know the service. */
  refused: 3,
  usage: 64,
} as const;

export const DEFAULT_BASE_URL = "http://127.0.0.1:3000";
export const DEFAULT_RATE = 200;
export const MAX_RATE = 20_000;

export const USAGE = `Changegate traffic simulator: behaves as an LLM service would. It resolves every request's
release with the SDK (stable or canary, sticky per subject), draws an outcome, and reports it
through the ingestion API (POST /api/v1/events).

Usage:
  npm run simulate -- --service <slug> --scenario <name> [options]

Scenarios (each changes the CANARY arm only; stable keeps the service's base rates):
${SCENARIO_NAMES.map((name) => `  ${name.padEnd(20)} ${SCENARIOS[name].summary}`).join("\n")}

Options:
  --service, -s <slug>   The service, e.g. support-assistant (required). Known traffic profiles:
                         ${Object.keys(SERVICE_PROFILES).join(", ")}; any other gets a generic one.
  --scenario <name>      One of the scenarios above (required).
  --base-url <url>       Changegate's URL (default: $CHANGEGATE_URL, else ${DEFAULT_BASE_URL}).
  --token <token>        The service's API token, read and write scope (default: $CHANGEGATE_TOKEN,
                         else the service's token in <data dir>/demo-credentials.json).
  --rate <n>             Requests per second (default ${DEFAULT_RATE}, at most ${MAX_RATE.toLocaleString("en-US")}).
  --duration <time>      Stop after this long: seconds, or with a unit (90, 90s, 10m, 1h).
  --requests <n>         Stop after n requests. Without --duration or --requests: until Ctrl-C.
  --seed <text>          Seed of the random draws, to repeat a run's traffic (default: random, printed).
  --tenants <a,b,…>      Tenants to send traffic for (default: the service's demo tenants).
  --quiet, -q            No progress lines; only the summary.
  --help, -h             This help.

Environment:
  CHANGEGATE_URL, CHANGEGATE_TOKEN   as --base-url and --token
  CHANGEGATE_DATA_DIR                where the demo keeps demo-credentials.json (default .data)

Exit codes:
  0   done: every event was stored (or already there)
  1   done, but some events were rejected, refused, dropped or left unsent (the summary says which)
  2   Changegate is not reachable at the URL
  3   Changegate refused the token, or does not know the service
  64  usage error: unknown option, missing or invalid argument

Ctrl-C (SIGINT) or SIGTERM stops the traffic and sends the events still queued.

Example:
  npm run simulate -- --service support-assistant --scenario false-refusal-spike --duration 10m`;

export interface SimulatorArgs {
  service: string;
  scenario: ScenarioName;
  baseUrl: string;
  /** From --token or CHANGEGATE_TOKEN; null: look it up in the demo credentials. */
  token: string | null;
  rate: number;
  durationMs: number | null;
  maxRequests: number | null;
  /** null: pick one at random. */
  seed: string | null;
  tenants: string[] | null;
  quiet: boolean;
}

export type ParsedCommandLine = { kind: "help" } | { kind: "run"; args: SimulatorArgs } | { kind: "error"; message: string };

export interface SimulatorEnv {
  CHANGEGATE_URL?: string;
  CHANGEGATE_TOKEN?: string;
}

/** "90", "90s", "1.5m", "2h" → milliseconds; null when it is not a positive duration. */
export function parseDuration(text: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(text);
  if (!match) return null;
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[(match[2] ?? "s").toLowerCase() as "ms" | "s" | "m" | "h"];
  const ms = Math.round(Number(match[1]) * unit);
  return ms > 0 ? ms : null;
}

function baseUrlOf(raw: string): string | null {
  try {
    const url = new URL(raw);
    return url.protocol === "http:" || url.protocol === "https:" ? raw : null;
  } catch {
    return null;
  }
}

export function parseSimulatorArgs(argv: readonly string[], env: SimulatorEnv = {}): ParsedCommandLine {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      allowPositionals: false,
      strict: true,
      options: {
        service: { type: "string", short: "s" },
        scenario: { type: "string" },
        "base-url": { type: "string" },
        token: { type: "string" },
        rate: { type: "string" },
        duration: { type: "string" },
        requests: { type: "string" },
        seed: { type: "string" },
        tenants: { type: "string" },
        quiet: { type: "boolean", short: "q", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (err) {
    return { kind: "error", message: err instanceof Error ? err.message : String(err) };
  }
  if (values.help) return { kind: "help" };
  const error = (message: string): ParsedCommandLine => ({ kind: "error", message });

  const service = values.service?.trim();
  if (!service) return error("Name the service: --service <slug>, e.g. --service support-assistant.");
  const scenario = values.scenario?.trim();
  if (!scenario) return error(`Name the scenario: --scenario <${SCENARIO_NAMES.join("|")}>.`);
  if (!isScenarioName(scenario)) return error(`--scenario must be one of ${SCENARIO_NAMES.join(", ")}, not "${scenario}".`);

  const rawUrl = values["base-url"] ?? (env.CHANGEGATE_URL?.trim() || DEFAULT_BASE_URL);
  const baseUrl = baseUrlOf(rawUrl);
  if (!baseUrl) return error(`"${rawUrl}" is not an http(s) URL; pass --base-url (or set CHANGEGATE_URL), e.g. ${DEFAULT_BASE_URL}.`);

  let rate = DEFAULT_RATE;
  if (values.rate !== undefined) {
    rate = Number(values.rate);
    if (values.rate.trim() === "" || !Number.isFinite(rate) || rate <= 0 || rate > MAX_RATE) {
      return error(`--rate must be a number of requests per second above 0 and at most ${MAX_RATE.toLocaleString("en-US")}, not "${values.rate}".`);
    }
  }

  let durationMs: number | null = null;
  if (values.duration !== undefined) {
    durationMs = parseDuration(values.duration);
    if (durationMs === null) return error(`--duration must be a positive time in seconds or with a unit (90, 90s, 10m, 1h), not "${values.duration}".`);
  }

  let maxRequests: number | null = null;
  if (values.requests !== undefined) {
    if (!/^\d+$/.test(values.requests.trim()) || Number(values.requests) < 1) {
      return error(`--requests must be a positive whole number, not "${values.requests}".`);
    }
    maxRequests = Number(values.requests);
  }

  let tenants: string[] | null = null;
  if (values.tenants !== undefined) {
    tenants = [...new Set(values.tenants.split(",").map((t) => t.trim()).filter(Boolean))];
    if (tenants.length === 0) return error("--tenants must name at least one tenant, e.g. --tenants acme-retail,initech.");
  }

  const seed = values.seed === undefined ? null : values.seed;
  if (seed !== null && seed.trim() === "") return error("--seed must not be empty.");
  const token = (values.token ?? env.CHANGEGATE_TOKEN)?.trim() || null;

  return { kind: "run", args: { service, scenario, baseUrl, token, rate, durationMs, maxRequests, seed, tenants, quiet: values.quiet } };
}

/** The service's token from the demo credentials, or a sentence saying how to pass one. */
export function tokenFromDemoCredentials(
  credentials: DemoCredentials | null,
  service: string,
  file: string,
): { ok: true; token: string } | { ok: false; message: string } {
  const howTo = "pass --token or set CHANGEGATE_TOKEN to the service's API token (read and write scope)";
  if (!credentials) return { ok: false, message: `No API token: ${howTo}. (No demo credentials at ${file}; the demo writes them at its first start.)` };
  const entry = credentials.tokens.find((t) => t.service === service);
  if (!entry) {
    const known = credentials.tokens.map((t) => t.service).join(", ") || "none";
    return { ok: false, message: `No API token for "${service}" in ${file} (it has: ${known}); ${howTo}.` };
  }
  if (!entry.scopes.includes("write")) {
    return { ok: false, message: `The demo token of ${service} in ${file} lacks the write scope outcome events need; ${howTo}.` };
  }
  return { ok: true, token: entry.token };
}
