import { z } from "zod";
import type { ServiceSettings } from "@/lib/services/settings";
import type { GateType } from "./gates";

/**
 * Offline evaluation evidence (SPEC §4 "Evaluation sets", issue 3 point 4): the shape the team's
 * CI sends (or the upload form posts) and the pure judge that passes or fails the `offline_eval`
 * and `offline_smoke` gates against the service's thresholds, saying why in plain words.
 */

export const OFFLINE_GATES = ["offline_eval", "offline_smoke"] as const satisfies readonly GateType[];
export type OfflineGate = (typeof OFFLINE_GATES)[number];

export function isOfflineGate(type: string): type is OfflineGate {
  return (OFFLINE_GATES as readonly string[]).includes(type);
}

/** Caps that keep one submission small enough to store, judge and show on one page. */
export const EVIDENCE_LIMITS = {
  segments: 200,
  regressions: 1_000,
  userVisibleChanges: 100,
  casesPerSegment: 10_000_000,
  nameChars: 120,
  caseIdChars: 200,
  commitChars: 100,
  urlChars: 2_000,
  textChars: 2_000,
} as const;

const L = EVIDENCE_LIMITS;
const fmtInt = (n: number) => n.toLocaleString("en-US");

/** A trimmed, non-empty string of at most `max` characters, with messages naming the field. */
function text(field: string, max: number) {
  return z
    .string({ error: (iss) => (iss.input === undefined ? `${field} is required` : `${field} must be a string`) })
    .trim()
    .min(1, `${field} cannot be empty`)
    .max(max, `${field} is longer than ${fmtInt(max)} characters`);
}

function wholeNumber(field: string) {
  return z
    .number({ error: (iss) => (iss.input === undefined ? `${field} is required` : `${field} must be a number`) })
    .int(`${field} must be a whole number of cases`);
}

/** A change versus the current version, in percent (+3.5 = 3.5% higher). Cannot fall below -100%. */
function deltaPct(field: string, what: string) {
  return z
    .number({
      error: (iss) =>
        iss.input === undefined
          ? `${field} is required: the change in ${what} versus the current version, in percent (e.g. 3.5 for +3.5%)`
          : `${field} must be a number of percent, e.g. 3.5 for +3.5% or -2 for -2%`,
    })
    .min(-100, `${field} cannot be below -100 (${what} cannot fall by more than 100%)`)
    .max(1_000_000, `${field} is implausibly large; send percent, e.g. 3.5 for +3.5%`);
}

const segmentSchema = z
  .object({
    name: text("Segment name", L.nameChars),
    total: wholeNumber("total")
      .min(1, "total must be at least 1 (a segment with no cases says nothing)")
      .max(L.casesPerSegment, `total cannot exceed ${fmtInt(L.casesPerSegment)} cases`),
    passed: wholeNumber("passed")
      .min(0, "passed cannot be negative")
      .max(L.casesPerSegment, `passed cannot exceed ${fmtInt(L.casesPerSegment)} cases`),
  })
  .superRefine((s, ctx) => {
    if (s.passed > s.total) {
      ctx.addIssue({ code: "custom", path: ["passed"], message: `passed (${fmtInt(s.passed)}) cannot exceed total (${fmtInt(s.total)})` });
    }
  });

export const REGRESSION_SEVERITIES = ["minor", "major", "critical"] as const;
export type RegressionSeverity = (typeof REGRESSION_SEVERITIES)[number];

const regressionSchema = z.object({
  caseId: text("caseId", L.caseIdChars),
  segment: text("segment", L.nameChars).optional(),
  summary: text("summary", L.textChars),
  severity: z.enum(REGRESSION_SEVERITIES, { error: 'severity must be "minor", "major" or "critical"' }),
});

/**
 * One offline evaluation run of the candidate against the current version. Unknown keys are
 * dropped rather than refused, so a CI script that sends extra metadata keeps working.
 */
export const offlineEvalResultSchema = z.object({
  evalSet: text("evalSet", L.nameChars).optional(),
  runUrl: z
    .url({ protocol: /^https?$/, error: "runUrl must be an http(s) link to the CI run" })
    .max(L.urlChars, `runUrl is longer than ${fmtInt(L.urlChars)} characters`)
    .optional(),
  commit: text("commit", L.commitChars).optional(),
  segments: z
    .array(segmentSchema, { error: "segments must be a list of { name, total, passed }" })
    .min(1, "Send at least one segment, e.g. [{ \"name\": \"all\", \"total\": 120, \"passed\": 113 }]")
    .max(L.segments, `Send at most ${L.segments} segments`)
    .superRefine((segments, ctx) => {
      const seen = new Set<string>();
      segments.forEach((s, i) => {
        if (seen.has(s.name)) {
          ctx.addIssue({ code: "custom", path: [i, "name"], message: `Segment "${s.name}" is listed twice; segment names must be unique` });
        }
        seen.add(s.name);
      });
    }),
  regressions: z
    .array(regressionSchema, { error: "regressions must be a list of { caseId, summary, severity }" })
    .max(L.regressions, `Send at most ${fmtInt(L.regressions)} regressions (the worst first)`)
    .default([]),
  latencyDeltaPct: deltaPct("latencyDeltaPct", "latency"),
  tokenCostDeltaPct: deltaPct("tokenCostDeltaPct", "token cost"),
  userVisibleChanges: z
    .array(text("Each user-visible change", L.textChars), { error: "userVisibleChanges must be a list of sentences" })
    .max(L.userVisibleChanges, `List at most ${L.userVisibleChanges} user-visible changes`)
    .default([]),
});

export type OfflineEvalResult = z.output<typeof offlineEvalResultSchema>;
export type OfflineEvalResultInput = z.input<typeof offlineEvalResultSchema>;

/**
 * The body of `POST /api/v1/change-requests/{id}/evidence`: the result, and the revision it was
 * computed for, so evidence for a superseded revision never lands on the new one.
 */
export const evidenceSubmissionSchema = z.object({
  revision: z
    .number({ error: "revision is required: the change-request revision these results are for" })
    .int("revision must be a whole number")
    .min(1, "revision starts at 1"),
  result: offlineEvalResultSchema,
});
export type EvidenceSubmission = z.output<typeof evidenceSubmissionSchema>;

// ---------------------------------------------------------------------------------------------
// The judge

export interface OfflineEvalThresholds {
  /** 0..1, for the overall pass rate and (offline_eval) every segment's. */
  minPassRate: number;
  /** offline_eval: at most this many regressions of any severity. A critical one always fails. */
  maxRegressions: number;
  /** offline_eval: latency may rise by at most this many percent. */
  maxLatencyIncreasePct: number;
  /** offline_eval: token cost may rise by at most this many percent. */
  maxCostIncreasePct: number;
}

export type EvidenceCheckKey =
  | "overall_pass_rate"
  | "segment_pass_rates"
  | "regression_count"
  | "critical_regressions"
  | "latency"
  | "token_cost";

export interface EvidenceCheck {
  key: EvidenceCheckKey;
  name: string;
  /** Always true when the check is not judged for this gate. */
  passed: boolean;
  /** False: shown for information only (e.g. latency on a smoke test), never fails the gate. */
  judged: boolean;
  detail: string;
}

export interface EvidenceVerdict {
  passed: boolean;
  /** One line for the gate's status reason, e.g. `Failed: segment "billing" passed 81.0% (needs 90%); 7 regressions (at most 5)`. */
  summary: string;
  checks: EvidenceCheck[];
}

export function thresholdsFromSettings(settings: Pick<ServiceSettings, "offlineEval" | "promotion">): OfflineEvalThresholds {
  return {
    minPassRate: settings.offlineEval.minPassRate,
    maxRegressions: settings.offlineEval.maxRegressions,
    maxLatencyIncreasePct: settings.promotion.p95LatencyMaxIncreasePct,
    maxCostIncreasePct: settings.promotion.costPerResolvedMaxIncreasePct,
  };
}

// Rates are compared in percent; the tolerance absorbs 0.9 * 100 = 90.00000000000001.
const EPS = 1e-9;
const MAX_LISTED = 5;

const plural = (n: number, one: string, many = `${one}s`) => `${fmtInt(n)} ${n === 1 ? one : many}`;
/** A threshold as people write it: 90, 95.5, 15. */
const plain = (x: number) => String(Number(x.toFixed(2)));

/**
 * `value` with the fewest decimals (at least one) whose shown number tells the same story as the
 * verdict: 89.96% that fails "needs 90%" shows as 89.96%, never as a confusing 90.0%.
 */
function shown(value: number, agrees: (shownValue: number) => boolean): string {
  for (let d = 1; d <= 4; d++) {
    const s = value.toFixed(d);
    if (agrees(Number(s))) return Number(s) === 0 ? (0).toFixed(d) : s;
  }
  return String(value);
}

function atLeast(valuePct: number, minPct: number) {
  const ok = (v: number) => v >= minPct - EPS;
  const passed = ok(valuePct);
  return { passed, text: `${shown(valuePct, (v) => ok(v) === passed)}%` };
}

function atMost(deltaPct: number, maxPct: number) {
  const ok = (v: number) => v <= maxPct + EPS;
  const passed = ok(deltaPct);
  const s = shown(deltaPct, (v) => ok(v) === passed);
  return { passed, text: `${Number(s) > 0 ? "+" : ""}${s}%` };
}

function listed(items: string[]): string {
  const head = items.slice(0, MAX_LISTED).join(", ");
  return items.length > MAX_LISTED ? `${head} and ${fmtInt(items.length - MAX_LISTED)} more` : head;
}

/** A check plus the short phrase the summary uses when it fails or is worth a mention. */
interface Judged extends EvidenceCheck {
  phrase: string;
}

export function judgeOfflineEvidence(input: {
  gate: OfflineGate;
  result: OfflineEvalResult;
  thresholds: OfflineEvalThresholds;
}): EvidenceVerdict {
  const { gate, result, thresholds: t } = input;
  const full = gate === "offline_eval";
  const notJudged = "not judged for a smoke test";
  const minPct = Number((t.minPassRate * 100).toFixed(9));
  const needs = `needs ${plain(minPct)}%`;
  const checks: Judged[] = [];

  // Overall pass rate: every gate.
  const total = result.segments.reduce((n, s) => n + s.total, 0);
  const passedCases = result.segments.reduce((n, s) => n + s.passed, 0);
  const overall = atLeast((passedCases * 100) / total, minPct);
  checks.push({
    key: "overall_pass_rate",
    name: "Overall pass rate",
    passed: overall.passed,
    judged: true,
    detail: `${fmtInt(passedCases)} of ${plural(total, "case")} passed: ${overall.text} (${needs})`,
    phrase: overall.passed
      ? `${overall.text} of ${plural(total, "case")} passed (${needs})`
      : `overall pass rate ${overall.text} (${needs})`,
  });

  // Every segment: offline_eval only; a smoke test shows its weakest segment.
  const segments = result.segments
    .map((s) => ({ name: s.name, pct: (s.passed * 100) / s.total, ...atLeast((s.passed * 100) / s.total, minPct) }))
    .sort((a, b) => a.pct - b.pct);
  const failing = segments.filter((s) => !s.passed);
  const lowest = segments[0]!;
  let segmentDetail: string;
  if (!full) segmentDetail = `Lowest segment "${lowest.name}" at ${lowest.text} (${notJudged})`;
  else if (failing.length === 0) {
    segmentDetail =
      segments.length === 1
        ? `The one segment, "${lowest.name}", passed ${lowest.text}`
        : `All ${fmtInt(segments.length)} segments passed at least ${plain(minPct)}% (lowest: "${lowest.name}" at ${lowest.text})`;
  } else if (failing.length === 1) segmentDetail = `segment "${lowest.name}" passed ${lowest.text} (${needs})`;
  else {
    segmentDetail = `${fmtInt(failing.length)} segments below ${plain(minPct)}%: ${listed(failing.map((s) => `"${s.name}" ${s.text}`))}`;
  }
  checks.push({
    key: "segment_pass_rates",
    name: "Every segment",
    passed: !full || failing.length === 0,
    judged: full,
    detail: segmentDetail.charAt(0).toUpperCase() + segmentDetail.slice(1),
    phrase: segmentDetail,
  });

  // Regression count: offline_eval only.
  const regressions = result.regressions;
  const bySeverity = [...REGRESSION_SEVERITIES]
    .reverse()
    .map((sev) => ({ sev, n: regressions.filter((r) => r.severity === sev).length }))
    .filter((x) => x.n > 0);
  const countPassed = !full || regressions.length <= t.maxRegressions;
  const countText =
    bySeverity.length === 0
      ? "No regressions"
      : bySeverity.length === 1
        ? plural(regressions.length, `${bySeverity[0]!.sev} regression`)
        : `${plural(regressions.length, "regression")}: ${bySeverity.map((x) => `${fmtInt(x.n)} ${x.sev}`).join(", ")}`;
  checks.push({
    key: "regression_count",
    name: "Regressions",
    passed: countPassed,
    judged: full,
    detail: full
      ? `${countText} (at most ${fmtInt(t.maxRegressions)})`
      : `${countText} reported (the count is ${notJudged})`,
    phrase: `${regressions.length === 0 ? "no regressions" : plural(regressions.length, "regression")} (at most ${fmtInt(t.maxRegressions)})`,
  });

  // Critical regressions: every gate.
  const critical = regressions.filter((r) => r.severity === "critical");
  const criticalIds = critical.map((r) => `"${r.caseId}"`);
  checks.push({
    key: "critical_regressions",
    name: "Critical regressions",
    passed: critical.length === 0,
    judged: true,
    detail:
      critical.length === 0
        ? "No critical regression"
        : `${plural(critical.length, "critical regression")} (none allowed): ${listed(critical.map((r) => `"${r.caseId}" (${r.summary})`))}`,
    phrase:
      critical.length === 1
        ? `critical regression in case ${criticalIds[0]}`
        : `${plural(critical.length, "critical regression")} (${listed(criticalIds)})`,
  });

  // Latency and token cost: judged for offline_eval, shown for a smoke test.
  for (const [key, name, delta, max] of [
    ["latency", "Latency", result.latencyDeltaPct, t.maxLatencyIncreasePct],
    ["token_cost", "Token cost", result.tokenCostDeltaPct, t.maxCostIncreasePct],
  ] as const) {
    const v = atMost(delta, max);
    const limit = `at most +${plain(max)}%`;
    checks.push({
      key,
      name,
      passed: !full || v.passed,
      judged: full,
      detail: `${name} ${v.text} versus the current version (${full ? limit : notJudged})`,
      phrase: full ? `${name.toLowerCase()} ${v.text} (${limit})` : `${name.toLowerCase()} ${v.text}`,
    });
  }

  const passed = checks.every((c) => c.passed);
  const phraseOf = (key: EvidenceCheckKey) => checks.find((c) => c.key === key)!.phrase;
  let summary: string;
  if (!passed) summary = `Failed: ${checks.filter((c) => !c.passed).map((c) => c.phrase).join("; ")}`;
  else {
    const regressionWords =
      regressions.length === 0 ? "no regressions" : `${plural(regressions.length, "regression")}, none critical`;
    const costs = `${phraseOf("latency")}, ${phraseOf("token_cost")}${full ? "" : ` (${notJudged})`}`;
    summary = `Passed: ${phraseOf("overall_pass_rate")}; ${regressionWords}; ${costs}`;
  }
  const shownChecks = checks.map((c) => ({ key: c.key, name: c.name, passed: c.passed, judged: c.judged, detail: c.detail }));
  return { passed, summary, checks: shownChecks };
}
