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
const REGRESSION_SUMMARIES = [
  "Hand-off note omits what was already checked",
  "Answer cites a superseded knowledge-base article",
  "Refuses a legitimate refund-status question",
  "Drops the order number from the summary",
  "Replies in English to a German question",
  "Suggests a tool call the customer cannot make",
  "Over-long answer for a one-line question",
];

/**
 * Offline evaluation evidence as the team's CI would post it (lib/changes/evidence.ts schema):
 * results by segment, top regressions, latency and token-cost deltas, user-visible changes.
 */
export function evalEvidence(
  r: { passRate: number; cases: number; regressions: number; latencyDeltaMs: number; costDeltaPct: number },
  passed = true,
): NonNullable<GateOutcome["evidence"]> {
  const segmentNames = ["billing", "orders", "account"];
  const per = Math.floor(r.cases / segmentNames.length);
  const totals = segmentNames.map((_, i) => (i === 0 ? r.cases - per * (segmentNames.length - 1) : per));
  let remaining = Math.round(r.passRate * r.cases);
  const segments = segmentNames.map((name, i) => {
    const isLast = i === segmentNames.length - 1;
    const ok = isLast ? remaining : Math.min(totals[i]!, Math.round(r.passRate * totals[i]!));
    remaining -= ok;
    return { name, total: totals[i]!, passed: ok };
  });
  const regressions = Array.from({ length: r.regressions }, (_, i) => ({
    caseId: `case-${1041 + i * 17}`,
    segment: segmentNames[i % segmentNames.length]!,
    summary: REGRESSION_SUMMARIES[i % REGRESSION_SUMMARIES.length]!,
    severity: i === 0 && !passed ? ("major" as const) : ("minor" as const),
  }));
  const latencyDeltaPct = Math.round((r.latencyDeltaMs / 2400) * 1000) / 10;
  const passedCases = segments.reduce((sum, s) => sum + s.passed, 0);
  return {
    source: "api",
    summary: `${passed ? "Passed" : "Failed"}: ${passedCases}/${r.cases} cases passed (${((passedCases / r.cases) * 100).toFixed(1)}%), ${r.regressions} regression${r.regressions === 1 ? "" : "s"}, latency ${latencyDeltaPct >= 0 ? "+" : ""}${latencyDeltaPct}%, token cost ${r.costDeltaPct >= 0 ? "+" : ""}${r.costDeltaPct}%`,
    payload: {
      evalSet: "regression-suite",
      runUrl: "https://ci.example.com/changegate/eval-suite/runs/4821",
      segments,
      regressions,
      latencyDeltaPct,
      tokenCostDeltaPct: r.costDeltaPct,
      userVisibleChanges: [],
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
