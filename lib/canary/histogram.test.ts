import { describe, expect, it } from "vitest";
import { Prng } from "@/db/seed/prng";
import {
  addToHistogram,
  bucketRange,
  emptyHistogram,
  histogramTotal,
  LATENCY_BUCKET_BOUNDS_MS,
  LATENCY_BUCKET_COUNT,
  latencyBucketIndex,
  mergeHistograms,
  OVERFLOW_BUCKET_INDEX,
  percentileFromHistogram,
} from "./histogram";

/** Exact quantile by sorting (nearest rank), the reference the histogram must approach. */
function exactQuantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1]!;
}

function histogramOf(values: number[]) {
  const hist = emptyHistogram();
  for (const v of values) addToHistogram(hist, v);
  return hist;
}

describe("bucket layout", () => {
  it("runs from 5 ms to 120 s, strictly increasing, ~1.2x–1.3x apart above 100 ms", () => {
    expect(LATENCY_BUCKET_BOUNDS_MS[0]).toBe(5);
    expect(LATENCY_BUCKET_BOUNDS_MS.at(-1)).toBe(120_000);
    expect(LATENCY_BUCKET_COUNT).toBe(LATENCY_BUCKET_BOUNDS_MS.length + 1);
    for (let i = 1; i < LATENCY_BUCKET_BOUNDS_MS.length; i++) {
      const ratio = LATENCY_BUCKET_BOUNDS_MS[i]! / LATENCY_BUCKET_BOUNDS_MS[i - 1]!;
      expect(ratio).toBeGreaterThan(1);
      if (LATENCY_BUCKET_BOUNDS_MS[i - 1]! >= 100) {
        expect(ratio).toBeGreaterThanOrEqual(1.2);
        expect(ratio).toBeLessThanOrEqual(1.3);
      }
    }
  });
});

describe("latencyBucketIndex", () => {
  const b = LATENCY_BUCKET_BOUNDS_MS;
  it.each([
    { ms: -3, index: 0 },
    { ms: 0, index: 0 },
    { ms: 5, index: 0 },
    { ms: 5.01, index: 1 },
    { ms: b[10]!, index: 10 },
    { ms: b[10]! + 0.5, index: 11 },
    { ms: 1500, index: b.findIndex((x) => x >= 1500) },
    { ms: 120_000, index: b.length - 1 },
    { ms: 120_000.1, index: OVERFLOW_BUCKET_INDEX },
    { ms: Infinity, index: OVERFLOW_BUCKET_INDEX },
  ])("puts $ms ms in bucket $index", ({ ms, index }) => {
    expect(latencyBucketIndex(ms)).toBe(index);
  });

  it("refuses NaN", () => {
    expect(() => latencyBucketIndex(Number.NaN)).toThrow(RangeError);
  });

  it("agrees with a linear scan for every whole millisecond up to 130 s", () => {
    for (let ms = 0; ms <= 130_000; ms += 7) {
      const linear = b.findIndex((x) => ms <= x);
      expect(latencyBucketIndex(ms)).toBe(linear === -1 ? OVERFLOW_BUCKET_INDEX : linear);
    }
  });
});

describe("addToHistogram / mergeHistograms", () => {
  it("counts observations, with weights", () => {
    const hist = emptyHistogram();
    addToHistogram(hist, 10);
    addToHistogram(hist, 10, 4);
    addToHistogram(hist, 200_000);
    expect(hist[latencyBucketIndex(10)]).toBe(5);
    expect(hist[OVERFLOW_BUCKET_INDEX]).toBe(1);
    expect(histogramTotal(hist)).toBe(6);
  });

  it("merges bucket by bucket, without touching its inputs, and pads short arrays", () => {
    const a = histogramOf([10, 100, 1000]);
    const b = histogramOf([100, 5000]);
    const short = [2, 0, 1];
    const merged = mergeHistograms(a, b, short);
    expect(histogramTotal(merged)).toBe(8);
    expect(merged[latencyBucketIndex(100)]).toBe(2);
    expect(merged[0]).toBe(2);
    expect(histogramTotal(a)).toBe(3);
    expect(mergeHistograms()).toEqual(emptyHistogram());
  });

  it("refuses a histogram from a larger layout", () => {
    expect(() => mergeHistograms(new Array(LATENCY_BUCKET_COUNT + 1).fill(0))).toThrow(RangeError);
  });
});

describe("percentileFromHistogram", () => {
  const rng = new Prng("histogram-test");
  const datasets: { name: string; values: number[] }[] = [
    { name: "log-normal, median 900 ms", values: Array.from({ length: 20_000 }, () => rng.logNormal(900, 0.55)) },
    { name: "log-normal, median 40 ms", values: Array.from({ length: 5_000 }, () => rng.logNormal(40, 0.8)) },
    { name: "uniform 100–3000 ms", values: Array.from({ length: 10_000 }, () => 100 + rng.next() * 2900) },
    {
      name: "bimodal: cache hits and model calls",
      values: Array.from({ length: 8_000 }, () => (rng.next() < 0.7 ? rng.logNormal(30, 0.3) : rng.logNormal(2500, 0.4))),
    },
    { name: "constant 1234 ms", values: new Array(500).fill(1234) },
    { name: "a single request", values: [777] },
  ];

  it.each(datasets.flatMap((d) => [0.5, 0.95, 0.99].map((q) => ({ ...d, q }))))(
    "$name: q=$q is within one bucket of the exact value",
    ({ values, q }) => {
      const exact = exactQuantile(values, q);
      const estimate = percentileFromHistogram(histogramOf(values), q)!;
      const { lowerMs, upperMs } = bucketRange(latencyBucketIndex(exact));
      const width = upperMs - lowerMs;
      expect(Math.abs(estimate - exact)).toBeLessThanOrEqual(width);
    },
  );

  it("is null for an empty histogram", () => {
    expect(percentileFromHistogram(emptyHistogram(), 0.95)).toBeNull();
  });

  it("interpolates inside a bucket", () => {
    const i = latencyBucketIndex(1000);
    const { lowerMs, upperMs } = bucketRange(i);
    const hist = emptyHistogram();
    hist[i] = 100;
    expect(percentileFromHistogram(hist, 0.5)).toBeCloseTo((lowerMs + upperMs) / 2, 6);
    expect(percentileFromHistogram(hist, 0)).toBe(lowerMs);
    expect(percentileFromHistogram(hist, 1)).toBe(upperMs);
  });

  it("skips empty buckets at q = 0 and reports overflow as 120 s", () => {
    const hist = histogramOf([2000, 500_000, 600_000, 700_000]);
    expect(percentileFromHistogram(hist, 0)).toBe(bucketRange(latencyBucketIndex(2000)).lowerMs);
    expect(percentileFromHistogram(hist, 0.99)).toBe(120_000);
  });

  it("is monotonic in q", () => {
    const hist = histogramOf(datasets[0]!.values);
    let previous = -1;
    for (let q = 0; q <= 1.0000001; q += 0.01) {
      const v = percentileFromHistogram(hist, Math.min(1, q))!;
      expect(v).toBeGreaterThanOrEqual(previous);
      previous = v;
    }
  });

  it.each([-0.1, 1.5, Number.NaN])("refuses quantile %s", (q) => {
    expect(() => percentileFromHistogram(emptyHistogram(), q)).toThrow(RangeError);
  });
});
