/**
 * SDK local evaluation rate (issue 4, "Performance": target ≥ 1M assignments/s).
 *
 * Resolves 1M+ distinct subjects against a realistic snapshot with a 10% canary, three ways:
 *   - resolveConfig(snapshot, {subject, tenant})  — the pure function the SDK and server share
 *   - client.resolve({subject, tenant})           — the SDK's hot path (createChangegateClient,
 *                                                   snapshot loaded through a fake fetch, no stream)
 * next to baselines run in the same process with the same subject-string building:
 *   - baseline-map:  build the same key string + one Map lookup (the cheapest "lookup" possible)
 *   - contrast-sha1: build the key + crypto.createHash("sha1") per subject (what a naive SDK would do)
 *
 * Each variant runs ROUNDS rounds of N subjects, interleaved; the median round is reported.
 * Prints one JSON line (prefixed "RESULT ") for bench/run.mjs.
 *
 *   node --import tsx bench/sdk-eval.ts [--subjects 1000000] [--rounds 5]
 */
import { createHash } from "node:crypto";
import { parseArgs } from "node:util";
import { resolveConfig, type ServiceSnapshot, type ComponentBundle } from "../lib/runtime/resolve";
import { createChangegateClient } from "../lib/sdk";

const { values } = parseArgs({ options: { subjects: { type: "string", default: "1000000" }, rounds: { type: "string", default: "5" } } });
const N = Math.max(1_000_000, Number(values.subjects));
const ROUNDS = Math.max(1, Number(values.rounds));

function bundle(tag: string): ComponentBundle {
  const kinds = ["prompt", "policy", "model", "retrieval", "tools"];
  return Object.fromEntries(
    kinds.map((kind, i) => [
      kind,
      {
        version: `${kind}-v${i + 3}.${tag}`,
        versionId: `00000000-0000-4000-8000-00000000000${i}`,
        hash: createHash("sha256").update(kind + tag).digest("hex"),
        content: { kind, text: `The ${kind} of release ${tag}. `.repeat(20), temperature: 0.2, maxTokens: 800 },
      },
    ]),
  );
}

// Shaped like GET /api/v1/services/support-assistant/snapshot from the seeded demo.
const snapshot: ServiceSnapshot = {
  service: "support-assistant",
  serviceId: "9b1d3c1e-8a0f-4c55-9e36-3f1f7c2b4d11",
  pointerRevision: 42,
  updatedAt: new Date().toISOString(),
  stable: { releaseId: "rel_20250101_0900_a1b2", components: bundle("stable") },
  canary: { releaseId: "rel_20250102_1000_c3d4", percent: 10, tenants: [], components: bundle("canary") },
  etag: '"rev-42"',
};

const TENANTS = ["acme", "globex", "initech", "umbrella"];
const tenantArm = new Map(TENANTS.map((t, i) => [t, i % 2 ? "canary" : "stable"]));

// Each variant: a loop over N distinct subjects (`user-<round offset + i>`), tenant cycling.
// Returns a checksum so the JIT cannot drop the work.
type Variant = (offset: number) => number;

const variants: Record<string, Variant> = {
  "baseline-map": (offset) => {
    let sink = 0;
    for (let i = 0; i < N; i++) {
      const subject = `user-${offset + i}`;
      const key = `support-assistant:rel_20250102_1000_c3d4:${subject}`;
      if (tenantArm.get(TENANTS[i & 3]!) === "canary") sink += key.charCodeAt(key.length - 1); // reads the chars: forces the string to be built
    }
    return sink;
  },
  resolveConfig: (offset) => {
    let sink = 0;
    for (let i = 0; i < N; i++) {
      const r = resolveConfig(snapshot, { subject: `user-${offset + i}`, tenant: TENANTS[i & 3] });
      if (r.arm === "canary") sink++;
    }
    return sink;
  },
  "sdk-client.resolve": (offset) => {
    let sink = 0;
    for (let i = 0; i < N; i++) {
      const r = client.resolve({ subject: `user-${offset + i}`, tenant: TENANTS[i & 3] });
      if (r.arm === "canary") sink++;
    }
    return sink;
  },
  "contrast-sha1": (offset) => {
    let sink = 0;
    for (let i = 0; i < N; i++) {
      const d = createHash("sha1").update(`support-assistant:rel_20250102_1000_c3d4:user-${offset + i}`).digest();
      if (d[0]! < 26) sink++;
    }
    return sink;
  },
};

const fakeFetch: typeof fetch = async () =>
  new Response(JSON.stringify(snapshot), { status: 200, headers: { "content-type": "application/json", etag: snapshot.etag } });
const client = createChangegateClient({
  baseUrl: "http://changegate.invalid",
  service: "support-assistant",
  token: "bench",
  fetch: fakeFetch,
  stream: false,
  pollIntervalMs: 3_600_000,
  events: { flushIntervalMs: 3_600_000 },
  onError: () => undefined,
});
await client.ready();

const rates: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
let checksum = 0;
// Warm-up (JIT) on a smaller slice.
for (const fn of Object.values(variants)) checksum += fn(0);
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, fn] of Object.entries(variants)) {
    const offset = (round + 1) * N; // fresh subjects every round
    const t0 = process.hrtime.bigint();
    checksum += fn(offset);
    const ns = Number(process.hrtime.bigint() - t0);
    rates[name]!.push(N / (ns / 1e9));
  }
}
await client.close();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const result = Object.fromEntries(Object.entries(rates).map(([k, xs]) => [k, Math.round(median(xs))]));
// Sanity: about 10% of subjects land in the canary.
const canaryShare = (() => {
  let c = 0;
  for (let i = 0; i < 100_000; i++) if (resolveConfig(snapshot, { subject: `user-${i}` }).arm === "canary") c++;
  return c / 100_000;
})();

const out = {
  bench: "sdk-eval",
  subjectsPerRound: N,
  rounds: ROUNDS,
  assignmentsPerSec: result,
  ratioResolveToBaselineMap: +(result.resolveConfig! / result["baseline-map"]!).toFixed(3),
  ratioResolveToSha1: +(result.resolveConfig! / result["contrast-sha1"]!).toFixed(2),
  canaryShare,
  target: "resolveConfig >= 1,000,000 assignments/s",
  pass: result.resolveConfig! >= 1_000_000 && result["sdk-client.resolve"]! >= 1_000_000,
  checksum,
};
for (const [k, v] of Object.entries(result)) console.log(`${k.padEnd(20)} ${v.toLocaleString("en-US").padStart(12)} /s`);
console.log(`RESULT ${JSON.stringify(out)}`);
