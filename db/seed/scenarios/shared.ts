import type { GateOutcome } from "../types";

export const HOLIDAYS = [
  { date: "2026-12-25", name: "Christmas Day" },
  { date: "2027-01-01", name: "New Year's Day" },
];

/** Index snapshot name for a day, e.g. "kb-2026-11-14". */
export function snapshotName(prefix: string, at: Date): string {
  return `${prefix}-${at.toISOString().slice(0, 10)}`;
}

/** Offline eval results as the team's CI posts them through the API. */
export function evalEvidence(
  r: { passRate: number; cases: number; regressions: number; latencyDeltaMs: number; costDeltaPct: number },
  passed = true,
): NonNullable<GateOutcome["evidence"]> {
  return {
    source: "api",
    summary: `${Math.round(r.passRate * r.cases)}/${r.cases} cases passed (${(r.passRate * 100).toFixed(0)}%), ${r.regressions} regression${r.regressions === 1 ? "" : "s"}${passed ? "" : " — below the gate"}`,
    payload: {
      passRate: r.passRate,
      cases: r.cases,
      regressions: r.regressions,
      latencyDeltaMs: r.latencyDeltaMs,
      costDeltaPct: r.costDeltaPct,
      ci: { provider: "github-actions", run: "eval-suite" },
    },
  };
}

export function rehearsalEvidence(): NonNullable<GateOutcome["evidence"]> {
  return {
    source: "system",
    summary: "Rollback rehearsal: previous manifest is complete, every referenced version exists and parses under today's schema.",
    payload: { missingFields: [], missingVersions: [], checkedKinds: 5 },
  };
}
