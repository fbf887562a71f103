/**
 * Latency histograms with fixed log-spaced buckets, so rollups can be summed across minutes,
 * hours, tenants and instances, and p95 read back without scanning raw events.
 *
 * Bucket i (0 <= i < LATENCY_BUCKET_BOUNDS_MS.length) counts latencies in
 * (LATENCY_BUCKET_BOUNDS_MS[i-1], LATENCY_BUCKET_BOUNDS_MS[i]] ms (bucket 0 starts at 0).
 * The last slot (index LATENCY_BUCKET_BOUNDS_MS.length) is the overflow bucket (> 120 s).
 *
 * The layout is stored in every rollup row: never change the bounds, only add a new layout.
 */

const FIRST_BOUND_MS = 5;
const LAST_BOUND_MS = 120_000;
const STEPS = 45; // 46 bounds, each ~1.25x the previous

/** Upper bounds in ms, from 5 ms to 120 s, about 1.25x apart (whole milliseconds). */
export const LATENCY_BUCKET_BOUNDS_MS: readonly number[] = Object.freeze(
  Array.from({ length: STEPS + 1 }, (_, i) =>
    i === STEPS ? LAST_BOUND_MS : Math.round(FIRST_BOUND_MS * (LAST_BOUND_MS / FIRST_BOUND_MS) ** (i / STEPS)),
  ),
);

/** Number of slots in a histogram: one per bound plus the overflow bucket. */
export const LATENCY_BUCKET_COUNT = LATENCY_BUCKET_BOUNDS_MS.length + 1;

export const OVERFLOW_BUCKET_INDEX = LATENCY_BUCKET_BOUNDS_MS.length;

export type LatencyHistogram = number[];

/** The slot a latency falls in. Negative latencies count as 0; non-numbers are refused. */
export function latencyBucketIndex(ms: number): number {
  if (Number.isNaN(ms)) throw new RangeError("Latency must be a number of milliseconds, got NaN");
  const bounds = LATENCY_BUCKET_BOUNDS_MS;
  if (ms > bounds[bounds.length - 1]!) return OVERFLOW_BUCKET_INDEX;
  // First bound >= ms (binary search).
  let lo = 0;
  let hi = bounds.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ms <= bounds[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Lower and upper edge of a slot, in ms. The overflow slot's upper edge is Infinity. */
export function bucketRange(index: number): { lowerMs: number; upperMs: number } {
  if (!Number.isInteger(index) || index < 0 || index >= LATENCY_BUCKET_COUNT) {
    throw new RangeError(`No latency bucket ${index}`);
  }
  const lowerMs = index === 0 ? 0 : LATENCY_BUCKET_BOUNDS_MS[index - 1]!;
  const upperMs = index === OVERFLOW_BUCKET_INDEX ? Infinity : LATENCY_BUCKET_BOUNDS_MS[index]!;
  return { lowerMs, upperMs };
}

export function emptyHistogram(): LatencyHistogram {
  return new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
}

/** Adds `count` observations of `ms` to `hist` in place (an accumulator) and returns it. */
export function addToHistogram(hist: LatencyHistogram, ms: number, count = 1): LatencyHistogram {
  assertLayout(hist);
  hist[latencyBucketIndex(ms)]! += count;
  return hist;
}

/** Sum of several histograms, as a new one. Shorter arrays (e.g. trimmed JSON) count as zeros. */
export function mergeHistograms(...histograms: readonly (readonly number[])[]): LatencyHistogram {
  const out = emptyHistogram();
  for (const hist of histograms) {
    assertLayout(hist);
    for (let i = 0; i < hist.length; i++) out[i]! += hist[i] ?? 0;
  }
  return out;
}

export function histogramTotal(hist: readonly number[]): number {
  let total = 0;
  for (const c of hist) total += c;
  return total;
}

/**
 * The q-quantile (0 <= q <= 1) estimated from the histogram, interpolating linearly inside the
 * bucket that holds it (as Prometheus' histogram_quantile does). Null when the histogram is
 * empty. A quantile in the overflow bucket is reported as the last finite bound (120 s): the
 * histogram cannot say how far beyond it lies.
 */
export function percentileFromHistogram(hist: readonly number[], q: number): number | null {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`Quantile must be between 0 and 1, got ${q}`);
  assertLayout(hist);
  const total = histogramTotal(hist);
  if (total <= 0) return null;
  const rank = q * total;
  let cumulative = 0;
  for (let i = 0; i < hist.length; i++) {
    const count = hist[i] ?? 0;
    if (count <= 0) continue;
    if (cumulative + count >= rank) {
      if (i === OVERFLOW_BUCKET_INDEX) return LAST_BOUND_MS;
      const { lowerMs, upperMs } = bucketRange(i);
      const fraction = Math.max(0, rank - cumulative) / count;
      return lowerMs + fraction * (upperMs - lowerMs);
    }
    cumulative += count;
  }
  // Unreachable for q <= 1, kept for floating-point safety.
  return LAST_BOUND_MS;
}

function assertLayout(hist: readonly number[]) {
  if (hist.length > LATENCY_BUCKET_COUNT) {
    throw new RangeError(
      `Latency histogram has ${hist.length} buckets; this layout has ${LATENCY_BUCKET_COUNT}`,
    );
  }
}
