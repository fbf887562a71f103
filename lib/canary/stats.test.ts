import { describe, expect, it } from "vitest";
import {
  alwaysValidPValue,
  confidenceSequence,
  confidenceSequenceHalfWidth,
  fixedSampleInterval,
  logMixtureLikelihoodRatio,
  normalQuantile,
  sampleToDecide,
} from "./stats";
import { expectClose } from "./test-fixtures";

// Expected numbers: python3 lib/canary/reference/reference.py (stdlib statistics.NormalDist, math).

describe("normalQuantile (AS241) against Python's NormalDist.inv_cdf", () => {
  it.each([
    [0.975, 1.9599639845400536],
    [0.5, 0],
    [0.9, 1.2815515655446008],
    [0.995, 2.5758293035489],
    [0.001, -3.090232306167813],
    [1e-10, -6.361340902404056],
    [0.99999, 4.26489079392384],
  ])("Φ⁻¹(%s) = %s", (p, z) => {
    expectClose(normalQuantile(p), z);
  });

  it("is antisymmetric and refuses probabilities outside (0, 1)", () => {
    expect(normalQuantile(0.2)).toBeCloseTo(-normalQuantile(0.8), 14);
    for (const p of [0, 1, -0.1, 1.5, Number.NaN]) expect(() => normalQuantile(p)).toThrow(RangeError);
  });
});

describe("fixedSampleInterval: the textbook one-look Wald interval", () => {
  it("matches a Wald 95% CI for a difference of proportions (98/1000 vs 2100/100000)", () => {
    // Python: p1 − p2 ± 1.959963984540054 · sqrt(p1(1−p1)/n1 + p2(1−p2)/n2)
    const se = Math.sqrt((0.098 * 0.902) / 1000 + (0.021 * 0.979) / 100000);
    expectClose(se, 0.009412841760063748);
    const [lo, hi] = fixedSampleInterval(0.077, se, 0.05);
    expectClose(lo, 0.05855116915810044);
    expectClose(hi, 0.09544883084189956);
  });

  it("refuses an alpha outside (0, 1)", () => {
    expect(() => fixedSampleInterval(0, 1, 0)).toThrow(RangeError);
    expect(() => fixedSampleInterval(0, 1, 1)).toThrow(RangeError);
  });
});

describe("the normal-mixture confidence sequence and always-valid p-value", () => {
  it.each([
    // delta, se, n, n0, alpha, half-width, p
    [0.077, 0.0094, 1000, 1000, 0.05, 0.034370111790820175, 7.33113130870445e-8],
    [0.01, 0.01, 200, 1000, 0.05, 0.06086272802250292, 1],
    [-0.004, 0.002, 5000, 1000, 0.1, 0.005541232926437717, 0.4626488518125971],
    [0, 0.003, 1, 1000, 0.05, 0.23234910932344147, 1],
  ])("delta %s, se %s, n %s, n0 %s, alpha %s", (delta, se, n, n0, alpha, halfWidth, p) => {
    expectClose(confidenceSequenceHalfWidth(se, n, n0, alpha), halfWidth);
    const [lo, hi] = confidenceSequence(delta, se, n, n0, alpha);
    expectClose(lo, delta - halfWidth);
    expectClose(hi, delta + halfWidth);
    expectClose(alwaysValidPValue(delta, se, n, n0), p);
  });

  it("is always wider than the one-look interval (the price of peeking)", () => {
    for (const n of [1, 10, 100, 1000, 10_000, 1_000_000]) {
      for (const n0 of [100, 1000, 10_000]) {
        const fixed = fixedSampleInterval(0, 1, 0.05)[1];
        expect(confidenceSequenceHalfWidth(1, n, n0, 0.05)).toBeGreaterThan(fixed);
      }
    }
  });

  it("p < alpha exactly when 0 is outside the sequence (the CI inverts the test)", () => {
    for (const alpha of [0.01, 0.05, 0.2]) {
      for (const n of [50, 1000, 20_000]) {
        for (const delta of [-0.05, -0.02, -0.01, -0.003, 0, 0.004, 0.008, 0.015, 0.03]) {
          const [lo, hi] = confidenceSequence(delta, 0.004, n, 1000, alpha);
          const excludesZero = lo > 0 || hi < 0;
          expect(alwaysValidPValue(delta, 0.004, n, 1000) < alpha).toBe(excludesZero);
        }
      }
    }
  });

  it("p falls as the effect grows and never exceeds 1", () => {
    let previous = Infinity;
    for (const delta of [0, 0.001, 0.005, 0.01, 0.02, 0.05]) {
      const p = alwaysValidPValue(delta, 0.005, 2000, 1000);
      expect(p).toBeLessThanOrEqual(1);
      expect(p).toBeLessThanOrEqual(previous);
      previous = p;
    }
    expect(alwaysValidPValue(0, 0.005, 2000, 1000)).toBe(1);
  });

  it("works in logs, so a huge effect gives p = 0, not NaN", () => {
    expect(logMixtureLikelihoodRatio(1, 1e-6, 1000, 1000)).toBeGreaterThan(1e10);
    expect(alwaysValidPValue(1, 1e-6, 1000, 1000)).toBe(0);
  });

  it("refuses a zero or infinite standard error and empty samples (callers handle them)", () => {
    expect(() => confidenceSequenceHalfWidth(0, 100, 1000, 0.05)).toThrow(RangeError);
    expect(() => confidenceSequenceHalfWidth(Infinity, 100, 1000, 0.05)).toThrow(RangeError);
    expect(() => confidenceSequenceHalfWidth(1, 0, 1000, 0.05)).toThrow(RangeError);
    expect(() => confidenceSequenceHalfWidth(1, 10, 0, 0.05)).toThrow(RangeError);
    expect(() => alwaysValidPValue(0.1, 0, 10, 1000)).toThrow(RangeError);
  });
});

describe("sampleToDecide against a brute-force scan over every N", () => {
  it.each([
    // harm, allowed, var canary, var baseline, n, n0, alpha, minimum N, maximum N, expected N
    [0.03, 0.02, 0.00020475, 1.96e-7, 400, 1000, 0.05, 200, 100_000, 7686],
    [0.004, 0, 1.328e-5, 9.99e-9, 300, 1000, 0.05, 200, 100_000, 2535],
    // The baseline's fixed variance keeps the half-width above the margin for every N.
    [250, 177, 250, 900, 1200, 1000, 0.05, 200, 120_000, null],
    // Effect a hair above the threshold: not within the cap.
    [0.021, 0.02, 9e-5, 1.96e-7, 1000, 1000, 0.05, 200, 100_000, null],
    [300, 177, 40_000, 400, 1200, 1000, 0.05, 200, 120_000, 43_166],
    [0.08, 0.02, 0.0009000000000000001, 1.96e-7, 100, 1000, 0.05, 200, 100_000, 488],
    // Decides soon after the current sample.
    [0.1, 0.02, 0.0003263333333333333, 1.96e-7, 300, 1000, 0.05, 200, 100_000, 363],
  ])("harm %s vs allowed %s (var %s + %s, n %s) → N = %s", (harm, allowed, vc, vb, n, n0, alpha, minimumN, maximumN, expected) => {
    expect(
      sampleToDecide({ harm, allowed, varianceCanary: vc, varianceBaseline: vb, n, n0, alpha, minimumN, maximumN }),
    ).toBe(expected);
  });

  it("returns the starting point when the evidence is already there, and null when harm is within the allowance", () => {
    const base = { varianceCanary: 1e-4, varianceBaseline: 0, n0: 1000, alpha: 0.05, maximumN: 100_000 };
    expect(sampleToDecide({ ...base, harm: 0.5, allowed: 0, n: 300, minimumN: 200 })).toBe(300);
    expect(sampleToDecide({ ...base, harm: 0.5, allowed: 0, n: 50, minimumN: 200 })).toBe(200);
    expect(sampleToDecide({ ...base, harm: 0.01, allowed: 0.01, n: 300, minimumN: 200 })).toBeNull();
    expect(sampleToDecide({ ...base, harm: -0.01, allowed: 0, n: 300, minimumN: 200 })).toBeNull();
    expect(sampleToDecide({ ...base, harm: 0.5, allowed: 0, n: 0, minimumN: 200 })).toBeNull();
    expect(sampleToDecide({ ...base, harm: 0.5, allowed: 0, n: 300, minimumN: 200, maximumN: 250 })).toBeNull();
  });
});
