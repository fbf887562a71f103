import { Prng } from "@/db/seed/prng";
import { addToHistogram, emptyHistogram, percentileFromHistogram, type LatencyHistogram } from "@/lib/canary/histogram";
import { outcomeFieldsOf, type ChangegateClient, type EventBatcherStats } from "@/lib/sdk";
import { emptyTally, type IngestTally } from "./ingest-tally";
import { armModel, drawOutcome, pickTenant, type ArmModel, type ScenarioName, type ServiceTrafficProfile } from "./scenarios";

/**
 * The simulator's loop: at the chosen rate, pick a tenant and a subject, ask the SDK which
 * release and components serve that request (resolved locally from the snapshot it follows),
 * draw the outcome for that arm, and record it with the SDK's batcher, which sends it to the
 * ingestion API. Everything time- or network-bound comes in (client, clock, signal), so tests run
 * it against a fake Changegate on a virtual clock.
 */

export interface SimulatorClock {
  now(): number;
  /** Waits `ms`, or less when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: SimulatorClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done);
    }),
};

export type SimulatorClient = Pick<ChangegateClient, "resolve" | "events" | "close">;

export interface SimulationOptions {
  profile: ServiceTrafficProfile;
  scenario: ScenarioName;
  /** Requests per second. */
  rate: number;
  /** Stop after this many requests (null: no limit). */
  maxRequests?: number | null;
  /** Stop after this long (null: no limit). */
  durationMs?: number | null;
  seed: string;
  /** Distinct users per tenant: subjects repeat, as real users do, so assignment stickiness shows. */
  subjectsPerTenant?: number;
  /** Time between progress reports. Default 5000. */
  progressIntervalMs?: number;
  onProgress?: (progress: SimulationProgress) => void;
  /** Aborting it stops the loop; the queued events are still sent. */
  signal?: AbortSignal;
  /** How long to keep sending the queued events at the end. Default DEFAULT_FLUSH_TIMEOUT_MS. */
  flushTimeoutMs?: number;
  /** The ingestion API's answers, filled by the fetch given to the SDK (./ingest-tally). */
  tally?: IngestTally;
}

/** What the requests of one arm looked like, as drawn. */
export interface ArmStats {
  requests: number;
  resolved: number;
  falseRefusals: number;
  policyViolations: number;
  costUsd: number;
  latency: LatencyHistogram;
}

export interface SimulationProgress {
  elapsedMs: number;
  requests: number;
  arms: { stable: ArmStats; canary: ArmStats };
  /** Requests per release id. */
  releases: Record<string, number>;
  ingest: IngestTally;
  batcher: EventBatcherStats;
}

export interface SimulationSummary extends SimulationProgress {
  stoppedBy: "requests" | "duration" | "signal";
}

function emptyArm(): ArmStats {
  return { requests: 0, resolved: 0, falseRefusals: 0, policyViolations: 0, costUsd: 0, latency: emptyHistogram() };
}

/** Observed per-arm figures for people: rates, mean cost per resolved request, p95 latency. */
export function describeArm(arm: ArmStats) {
  const n = arm.requests;
  return {
    requests: n,
    resolvedRate: n ? arm.resolved / n : null,
    falseRefusalRate: n ? arm.falseRefusals / n : null,
    policyViolationRate: n ? arm.policyViolations / n : null,
    costPerResolvedUsd: arm.resolved ? arm.costUsd / arm.resolved : null,
    p95LatencyMs: percentileFromHistogram(arm.latency, 0.95),
  };
}

export const DEFAULT_FLUSH_TIMEOUT_MS = 8_000;

/** The shortest pause between two bursts of requests, and the longest (so a stop is noticed quickly). */
const MIN_TICK_MS = 20;
const MAX_TICK_MS = 250;

/** Runs until maxRequests, durationMs or the signal; sends what is queued, closes the client, and sums up. */
export async function runSimulation(client: SimulatorClient, clock: SimulatorClock, options: SimulationOptions): Promise<SimulationSummary> {
  const { profile, scenario, rate } = options;
  if (!(rate > 0)) throw new RangeError(`rate must be a positive number of requests per second, got ${rate}`);
  if (profile.tenants.length === 0) throw new RangeError(`${profile.service} has no tenants to simulate`);
  const maxRequests = options.maxRequests ?? Infinity;
  const durationMs = options.durationMs ?? Infinity;
  const subjectsPerTenant = options.subjectsPerTenant ?? 50_000;
  const progressIntervalMs = options.progressIntervalMs ?? 5_000;
  const signal = options.signal ?? new AbortController().signal;
  const tally = options.tally ?? emptyTally();
  const rng = new Prng(`changegate-simulator:${profile.service}:${scenario}:${options.seed}`);
  const models = new Map<string, ArmModel>();
  const modelOf = (arm: string) => {
    let model = models.get(arm);
    if (!model) models.set(arm, (model = armModel(profile, scenario, arm)));
    return model;
  };

  const arms = { stable: emptyArm(), canary: emptyArm() };
  const releases: Record<string, number> = {};
  let requests = 0;
  const start = clock.now();
  const progress = (at = clock.now()): SimulationProgress => ({
    elapsedMs: at - start,
    requests,
    arms: { stable: { ...arms.stable, latency: [...arms.stable.latency] }, canary: { ...arms.canary, latency: [...arms.canary.latency] } },
    releases: { ...releases },
    ingest: { ...tally, reasons: [...tally.reasons] },
    batcher: client.events.stats(),
  });

  const sendOne = () => {
    const tenant = pickTenant(rng, profile.tenants);
    const subject = `${tenant.slug}-user-${rng.int(1, subjectsPerTenant)}`;
    const config = client.resolve({ subject, tenant: tenant.slug });
    const outcome = drawOutcome(rng, profile, modelOf(config.arm), tenant.resolvedOffset);
    client.events.record({ ...outcomeFieldsOf(config, tenant.slug), ...outcome, occurredAt: new Date(clock.now()) });
    requests += 1;
    releases[config.releaseId] = (releases[config.releaseId] ?? 0) + 1;
    const arm = config.arm === "canary" ? arms.canary : arms.stable;
    arm.requests += 1;
    arm.resolved += outcome.resolved ? 1 : 0;
    arm.falseRefusals += outcome.falseRefusal ? 1 : 0;
    arm.policyViolations += outcome.policyViolation ? 1 : 0;
    arm.costUsd += outcome.costUsd;
    addToHistogram(arm.latency, outcome.latencyMs);
  };

  const tickMs = Math.min(MAX_TICK_MS, Math.max(MIN_TICK_MS, 1000 / rate));
  let nextProgressAt = start + progressIntervalMs;
  let stoppedBy: SimulationSummary["stoppedBy"];
  let stoppedAt = start;
  try {
    for (;;) {
      if (signal.aborted) {
        stoppedBy = "signal";
        break;
      }
      if (requests >= maxRequests) {
        stoppedBy = "requests";
        break;
      }
      const elapsed = clock.now() - start;
      if (elapsed >= durationMs) {
        stoppedBy = "duration";
        break;
      }
      // As many as the rate allows by now (the first goes at once); a late tick catches up.
      const due = Math.min(maxRequests, Math.floor((elapsed * rate) / 1000) + 1);
      while (requests < due) sendOne();
      if (options.onProgress && clock.now() >= nextProgressAt) {
        options.onProgress(progress());
        nextProgressAt = clock.now() + progressIntervalMs;
      }
      if (requests >= maxRequests) continue;
      const untilNext = ((requests + 1) * 1000) / rate - (clock.now() - start);
      await clock.sleep(Math.min(Math.max(untilNext, MIN_TICK_MS), tickMs, Math.max(0, durationMs - (clock.now() - start))), signal);
    }
    stoppedAt = clock.now();
  } finally {
    // Stop cleanly whatever happened: what is queued goes out (within the timeout; the client's
    // own close adds at most 2 s more when Changegate is not taking events).
    await client.events.close(options.flushTimeoutMs ?? DEFAULT_FLUSH_TIMEOUT_MS);
    await client.close();
  }
  // The rate is that of the requests: the time spent sending the last events does not count.
  return { ...progress(stoppedAt), stoppedBy };
}
