import type { ServiceSnapshot } from "@/lib/sdk";
import { describeArm, type SimulationProgress, type SimulationSummary } from "./run";

/** What the simulator prints: pure formatting of its progress and summary. */

const count = (n: number) => Math.round(n).toLocaleString("en-US");
const percent = (x: number | null, digits = 1) => (x === null ? "–" : `${(x * 100).toFixed(digits)}%`);

/** m:ss, or h:mm:ss. */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** Events still to be stored: queued or in flight in the SDK. */
function eventsLine(p: SimulationProgress): string {
  const parts = [`${count(p.ingest.accepted)} accepted`, `${count(p.ingest.duplicates)} duplicates`, `${count(p.ingest.rejected)} rejected`];
  if (p.batcher.queued > 0) parts.push(`${count(p.batcher.queued)} queued`);
  if (p.batcher.refused > 0) parts.push(`${count(p.batcher.refused)} refused`);
  if (p.batcher.dropped > 0) parts.push(`${count(p.batcher.dropped)} dropped`);
  return parts.join(", ");
}

export function canaryShare(p: Pick<SimulationProgress, "requests" | "arms">): number | null {
  return p.requests > 0 ? p.arms.canary.requests / p.requests : null;
}

/** One progress line, e.g. "0:15  3,000 requests (200/s)  canary 5.2% (156)  events: 2,900 accepted, …". */
export function formatProgress(p: SimulationProgress): string {
  const perSecond = p.elapsedMs > 0 ? p.requests / (p.elapsedMs / 1000) : 0;
  const retrying = p.batcher.failedAttempts > 0 && p.batcher.queued > 0 ? `  (Changegate not taking events: ${p.batcher.lastError ?? "retrying"})` : "";
  return `${formatElapsed(p.elapsedMs)}  ${count(p.requests)} requests (${count(perSecond)}/s)  canary ${percent(canaryShare(p))} (${count(p.arms.canary.requests)})  events: ${eventsLine(p)}${retrying}`;
}

/** The pointer in words: "stable rel_a; canary rel_b at 5% (all tenants)". */
export function describePointer(snapshot: ServiceSnapshot | null): string {
  if (!snapshot) return "no snapshot";
  const stable = `stable ${snapshot.stable.releaseId}`;
  if (!snapshot.canary) return `${stable}; no canary (every request goes to stable)`;
  const tenants = snapshot.canary.tenants.length > 0 ? snapshot.canary.tenants.join(", ") : "all tenants";
  return `${stable}; canary ${snapshot.canary.releaseId} at ${snapshot.canary.percent}% (${tenants})`;
}

/** Whether every event reached the server and was stored (or was already there). */
export function everyEventStored(s: SimulationSummary): boolean {
  return s.ingest.rejected === 0 && s.batcher.refused === 0 && s.batcher.dropped === 0 && s.batcher.queued === 0;
}

export function formatSummary(s: SimulationSummary, context: { service: string; scenario: string; seed: string }): string {
  const stoppedBy = { requests: "request limit reached", duration: "duration reached", signal: "stopped" }[s.stoppedBy];
  const perSecond = s.elapsedMs > 0 ? s.requests / (s.elapsedMs / 1000) : 0;
  const header = ["arm", "requests", "share", "resolved", "false refusals", "policy violations", "cost/resolved", "p95 latency"];
  const rows = (["stable", "canary"] as const).map((name) => {
    const a = describeArm(s.arms[name]);
    return [
      name,
      count(a.requests),
      percent(s.requests ? a.requests / s.requests : null),
      percent(a.resolvedRate),
      percent(a.falseRefusalRate),
      percent(a.policyViolationRate, 2),
      a.costPerResolvedUsd === null ? "–" : `$${a.costPerResolvedUsd.toFixed(5)}`,
      a.p95LatencyMs === null ? "–" : `${count(a.p95LatencyMs)} ms`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")}`;
  const releases = Object.entries(s.releases)
    .sort((a, b) => b[1] - a[1])
    .map(([id, n]) => `${id} ${count(n)}`)
    .join(" · ");
  const lines = [
    `Simulated ${count(s.requests)} requests in ${formatElapsed(s.elapsedMs)} (${count(perSecond)}/s) for ${context.service}, scenario ${context.scenario}, seed ${context.seed} (${stoppedBy}).`,
    line(header),
    ...rows.map(line),
    `  releases: ${releases || "none"}`,
    `  events: ${count(s.ingest.accepted)} accepted, ${count(s.ingest.duplicates)} duplicates, ${count(s.ingest.rejected)} rejected; ${count(s.batcher.refused)} refused, ${count(s.batcher.dropped)} dropped, ${count(s.batcher.queued)} unsent`,
  ];
  for (const reason of s.ingest.reasons) lines.push(`  rejected because: ${reason}`);
  if (s.batcher.queued > 0 && s.batcher.lastError) lines.push(`  unsent because: ${s.batcher.lastError}`);
  return lines.join("\n");
}
