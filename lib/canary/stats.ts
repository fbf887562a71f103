/**
 * Sequential statistics for the canary judge: an always-valid confidence sequence for a
 * difference (canary − baseline), so an operator (or the automatic judge) may look at a canary
 * every minute without raising the false-alarm rate.
 *
 * Method: the normal-mixture sequential probability ratio test (mSPRT; Robbins 1970; Johari,
 * Pekelis & Walsh 2017, "Always valid inference") and the confidence sequence it inverts to
 * (Howard, Ramdas, McAuliffe & Sekhon 2021, "Time-uniform, nonparametric, nonasymptotic
 * confidence sequences", the normal-mixture boundary). For an estimate `delta` with fixed-n
 * standard error `se` after `n` canary requests, and a mixing distribution N(0, σ²/n0) over the
 * true effect (σ² the per-request variance, so `n0` is the sample size at which the test is most
 * sensitive), the mixture likelihood ratio against "no difference" is
 *
 *   Λ = sqrt(n0 / (n + n0)) · exp(z² · n / (2 (n + n0))),   z = delta / se,
 *
 * Ville's inequality gives P(Λ ever ≥ 1/α) ≤ α under the null, so the always-valid p-value is
 * min(1, 1/Λ) (and its running minimum is still valid), and the (1 − α) confidence sequence is
 *
 *   delta ± se · sqrt(((n + n0) / n) · ln((n + n0) / (n0 · α²))),
 *
 * exactly the set of effects the test would not reject at level α. It is wider than the fixed-n
 * (Wald) interval delta ± z₁₋α/₂ · se — that width is the price of peeking.
 */

// AS241 coefficients, highest power first (Wichura 1988, Applied Statistics 37(3): 477–484).
const CENTRAL_NUM = [
  2.5090809287301226727e3, 3.3430575583588128105e4, 6.7265770927008700853e4, 4.5921953931549871457e4,
  1.3731693765509461125e4, 1.9715909503065514427e3, 1.3314166789178437745e2, 3.387132872796366608,
];
const CENTRAL_DEN = [
  5.2264952788528545610e3, 2.8729085735721942674e4, 3.9307895800092710610e4, 2.1213794301586595867e4,
  5.3941960214247511077e3, 6.8718700749205790830e2, 4.2313330701600911252e1, 1,
];
const NEAR_NUM = [
  7.7454501427834140764e-4, 2.2723844989269184583e-2, 2.4178072517745061177e-1, 1.2704582524523683826,
  3.6478483247632046050, 5.7694972214606914055, 4.6303378461565452959, 1.4234371107496835773,
];
const NEAR_DEN = [
  1.05075007164441684324e-9, 5.4759380849953449460e-4, 1.5198666563616457197e-2, 1.4810397642748007459e-1,
  6.8976733498510000455e-1, 1.6763848301838038494, 2.0531916266377588219, 1,
];
const TAIL_NUM = [
  2.01033439929228813265e-7, 2.71155556874348757815e-5, 1.2426609473880784386e-3, 2.6532189526576123093e-2,
  2.9656057182850489123e-1, 1.7848265399172913358, 5.4637849111641143699, 6.6579046435011037772,
];
const TAIL_DEN = [
  2.04426310338993978564e-15, 1.4215117583164458887e-7, 1.8463183175100546818e-5, 7.8686913114561329059e-4,
  1.4875361290850614852e-2, 1.3692988092273580531e-1, 5.9983220655588793769e-1, 1,
];

function horner(coefficients: readonly number[], x: number): number {
  let value = 0;
  for (const c of coefficients) value = value * x + c;
  return value;
}

/**
 * Inverse of the standard normal CDF, Wichura's algorithm AS241 (PPND16, ~1e-16 relative
 * accuracy; the same algorithm as Python's statistics.NormalDist.inv_cdf).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`Probability must be strictly between 0 and 1, got ${p}`);
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * horner(CENTRAL_NUM, r)) / horner(CENTRAL_DEN, r);
  }
  const r = Math.sqrt(-Math.log(q <= 0 ? p : 1 - p));
  const x = r <= 5 ? horner(NEAR_NUM, r - 1.6) / horner(NEAR_DEN, r - 1.6) : horner(TAIL_NUM, r - 5) / horner(TAIL_DEN, r - 5);
  return q < 0 ? -x : x;
}

export type Interval = [lo: number, hi: number];

function assertAlpha(alpha: number) {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be strictly between 0 and 1, got ${alpha}`);
}

function assertSequentialInputs(se: number, n: number, n0: number) {
  if (!(se > 0 && Number.isFinite(se))) throw new RangeError(`Standard error must be positive and finite, got ${se}`);
  if (!(n > 0)) throw new RangeError(`Sample size must be positive, got ${n}`);
  if (!(n0 > 0)) throw new RangeError(`Tuning sample size must be positive, got ${n0}`);
}

/** The textbook fixed-n (Wald) interval delta ± z₁₋α/₂ · se. Valid for ONE look only. */
export function fixedSampleInterval(delta: number, se: number, alpha: number): Interval {
  assertAlpha(alpha);
  const half = normalQuantile(1 - alpha / 2) * se;
  return [delta - half, delta + half];
}

/** Half-width of the (1 − α) normal-mixture confidence sequence after n samples. */
export function confidenceSequenceHalfWidth(se: number, n: number, n0: number, alpha: number): number {
  assertAlpha(alpha);
  assertSequentialInputs(se, n, n0);
  return se * Math.sqrt(((n + n0) / n) * Math.log((n + n0) / (n0 * alpha * alpha)));
}

export function confidenceSequence(delta: number, se: number, n: number, n0: number, alpha: number): Interval {
  const half = confidenceSequenceHalfWidth(se, n, n0, alpha);
  return [delta - half, delta + half];
}

/** ln Λ, the log of the mixture likelihood ratio (logs, so huge z cannot overflow). */
export function logMixtureLikelihoodRatio(delta: number, se: number, n: number, n0: number): number {
  assertSequentialInputs(se, n, n0);
  const z = delta / se;
  return 0.5 * Math.log(n0 / (n + n0)) + (z * z * n) / (2 * (n + n0));
}

/** Always-valid p-value min(1, 1/Λ) for "no difference". p < α exactly when 0 is outside the sequence. */
export function alwaysValidPValue(delta: number, se: number, n: number, n0: number): number {
  return Math.min(1, Math.exp(-logMixtureLikelihoodRatio(delta, se, n, n0)));
}

export interface DecisionSampleInput {
  /** Current estimate of harm (positive = worse), assumed to persist. */
  harm: number;
  /** Largest harm allowed. */
  allowed: number;
  /** Variance of the canary side's estimate now (shrinks as 1/N). */
  varianceCanary: number;
  /** Variance of the baseline side's estimate (fixed: the baseline window does not grow). */
  varianceBaseline: number;
  /** Canary samples so far (> 0). */
  n: number;
  n0: number;
  alpha: number;
  /** Smallest N worth reporting (e.g. the evidence minimum for a fail). */
  minimumN: number;
  /** Give up above this N: the effect is too close to the threshold to tell. */
  maximumN: number;
}

/**
 * The smallest total canary sample N (≥ max(n, minimumN)) at which the confidence sequence's
 * lower bound of harm would exceed `allowed` if the current estimate and per-request variance
 * persisted, or null when no N up to `maximumN` would (including when harm ≤ allowed). The
 * half-width is not monotone in N — the baseline's variance is fixed while the mixture's log
 * term grows — so we scan N geometrically (2% steps) for the first N that decides, then bisect
 * between it and the previous step. (A decisive stretch narrower than one 2% step can be
 * missed; that only happens when the effect is within a hair of the threshold.)
 */
export function sampleToDecide(input: DecisionSampleInput): number | null {
  const { harm, allowed, varianceCanary, varianceBaseline, n, n0, alpha, minimumN, maximumN } = input;
  if (!(harm > allowed) || !(n > 0)) return null;
  const decides = (N: number) => {
    const se = Math.sqrt((varianceCanary * n) / N + varianceBaseline);
    if (!(se > 0)) return true;
    return harm - confidenceSequenceHalfWidth(se, N, n0, alpha) > allowed;
  };
  // The baseline's share alone, sqrt(varianceBaseline · ln((N + n0)/(n0 α²))), bounds the
  // half-width from below and only grows with N: once it reaches the margin, no N decides.
  const hopeless = (N: number) =>
    varianceBaseline * Math.log((N + n0) / (n0 * alpha * alpha)) >= (harm - allowed) * (harm - allowed);
  const start = Math.ceil(Math.max(n, minimumN));
  if (start > maximumN) return null;
  if (decides(start)) return start;
  let below = start;
  let N = start;
  for (;;) {
    N = Math.min(maximumN, Math.max(N + 1, Math.ceil(N * 1.02)));
    if (decides(N)) break;
    if (N >= maximumN || hopeless(N)) return null;
    below = N;
  }
  let above = N;
  while (above - below > 1) {
    const mid = Math.floor((below + above) / 2);
    if (decides(mid)) above = mid;
    else below = mid;
  }
  return above;
}
