import type { MetricUnit } from "./metrics";

/**
 * Numbers in the canary's plain-English reasons. Fixed locale (en-US), so a reason reads the
 * same on every server; negative numbers get a real minus sign (−).
 */

const MINUS = "\u2212";

// Building an Intl.NumberFormat costs far more than using one: keep one per option set.
const formatters = new Map<string, Intl.NumberFormat>();
function formatter(options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = JSON.stringify(options);
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.NumberFormat("en-US", options);
    formatters.set(key, f);
  }
  return f;
}

function number(value: number, maximumFractionDigits: number, signed: boolean): string {
  const text = formatter({
    maximumFractionDigits,
    signDisplay: signed ? "exceptZero" : "auto",
  }).format(value);
  return text.replace("-", MINUS);
}

/**
 * A percentage (or percentage points): one decimal from 1 up, two significant digits below, so
 * a small non-zero number never reads as 0 ("0.041 pp", not "0 pp").
 */
function percent(value: number, signed: boolean): string {
  if (Math.abs(value) >= 1 || value === 0) return number(value, 1, signed);
  const text = formatter({
    maximumSignificantDigits: 2,
    signDisplay: signed ? "exceptZero" : "auto",
  }).format(value);
  return text.replace("-", MINUS);
}

function usd(value: number, signed: boolean): string {
  const text = formatter({
    style: "currency",
    currency: "USD",
    maximumSignificantDigits: 3,
    signDisplay: signed ? "exceptZero" : "auto",
  }).format(value);
  return text.replace("-", MINUS);
}

export function formatCount(n: number): string {
  return formatter({ maximumFractionDigits: 0 }).format(n);
}

/** A metric value: "9.8%", "$0.0123", "1,234 ms". */
export function formatMetricValue(unit: MetricUnit, value: number): string {
  switch (unit) {
    case "rate":
      return `${percent(value * 100, false)}%`;
    case "usd":
      return usd(value, false);
    case "ms":
      return `${number(value, 0, false)} ms`;
  }
}

/** A signed difference: "+7.7 pp", "−$0.0012", "+240 ms". */
export function formatMetricDelta(unit: MetricUnit, delta: number): string {
  switch (unit) {
    case "rate":
      return `${percent(delta * 100, true)} pp`;
    case "usd":
      return usd(delta, true);
    case "ms":
      return `${number(delta, 0, true)} ms`;
  }
}

/** An interval of differences, unit once: "+6.1 to +9.3 pp", "−$0.001 to +$0.002", "−50 to +530 ms". */
export function formatDeltaInterval(unit: MetricUnit, [lo, hi]: readonly [number, number]): string {
  switch (unit) {
    case "rate":
      return `${percent(lo * 100, true)} to ${percent(hi * 100, true)} pp`;
    case "usd":
      return `${usd(lo, true)} to ${usd(hi, true)}`;
    case "ms":
      return `${number(lo, 0, true)} to ${number(hi, 0, true)} ms`;
  }
}

/** A relative change: "+20.3%". */
export function formatRelative(fraction: number): string {
  return `${number(fraction * 100, 1, true)}%`;
}

/** A threshold from settings, trimmed: 2 → "2", 0.5 → "0.5". */
export function formatSetting(value: number): string {
  return number(value, 4, false);
}
