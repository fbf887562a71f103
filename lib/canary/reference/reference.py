#!/usr/bin/env python3
"""Reference values for the canary analysis tests (lib/canary/*.test.ts).

Independent of the TypeScript: Python stdlib only (statistics.NormalDist, math). Each value is
computed from first principles -- per-request data where the TypeScript works from sums, brute
force where it searches -- and printed as JSON; the tests paste the numbers and assert them to
1e-6.

    python3 lib/canary/reference/reference.py
"""

import json
import math
from statistics import NormalDist

Z975 = NormalDist().inv_cdf(0.975)


# --- the normal-mixture confidence sequence (Robbins; Howard et al. 2021; Johari et al. 2017) ---

def mixture_half_width(se, n, n0, alpha):
    return se * math.sqrt(((n + n0) / n) * math.log((n + n0) / (n0 * alpha ** 2)))


def mixture_p_value(delta, se, n, n0):
    z = delta / se
    lam = math.sqrt(n0 / (n + n0)) * math.exp(z * z * n / (2 * (n + n0)))
    return min(1.0, 1.0 / lam)


# --- rates --------------------------------------------------------------------------------

def rate_var(x, n):
    p = x / n
    floor = 1 / (2 * n)
    p = min(1 - floor, max(floor, p))
    return p * (1 - p) / n


def wald_difference(x1, n1, x2, n2):
    """Textbook Wald 95% CI for p1 - p2 (unpooled)."""
    p1, p2 = x1 / n1, x2 / n2
    se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    d = p1 - p2
    return {"p1": p1, "p2": p2, "delta": d, "se": se, "lo": d - Z975 * se, "hi": d + Z975 * se}


def rate_case(x_c, n_c, x_b, n_b, n0=1000, alpha=0.05):
    d = x_c / n_c - x_b / n_b
    se = math.sqrt(rate_var(x_c, n_c) + rate_var(x_b, n_b))
    hw = mixture_half_width(se, n_c, n0, alpha)
    return {"delta": d, "se": se, "lo": d - hw, "hi": d + hw, "p": mixture_p_value(d, se, n_c, n0)}


# --- cost per resolved request, from per-request data ---------------------------------------

def requests(n, cost_fn, resolved_fn):
    return [(cost_fn(i), resolved_fn(i)) for i in range(n)]


def cost_side(rows):
    """Sums for MetricTotals, and the ratio's variance by linearization from the rows themselves:
    Var(R) = mean((c - R r)^2) / (n mean(r)^2)."""
    n = len(rows)
    sum_c = sum(c for c, _ in rows)
    sum_r = sum(r for _, r in rows)
    ratio = sum_c / sum_r
    influence = [c - ratio * r for c, r in rows]
    var = (sum(u * u for u in influence) / n) / (n * (sum_r / n) ** 2)
    return {
        "requests": n,
        "resolved": sum_r,
        "costUsd": sum_c,
        "costUsdSq": sum(c * c for c, _ in rows),
        "costUsdResolved": sum(c * r for c, r in rows),
        "ratio": ratio,
        "variance": var,
    }


# --- p95 from the latency histogram -------------------------------------------------------

def js_round(x):
    return math.floor(x + 0.5)


BOUNDS = [120000 if i == 45 else js_round(5 * (120000 / 5) ** (i / 45)) for i in range(46)]
SLOTS = len(BOUNDS) + 1
OVERFLOW = len(BOUNDS)


def histogram(sparse):
    h = [0] * SLOTS
    for i, c in sparse.items():
        h[int(i)] = c
    return h


def quantile(h, q):
    total = sum(h)
    rank = q * total
    cum = 0
    for i, c in enumerate(h):
        if c <= 0:
            continue
        if cum + c >= rank:
            if i == OVERFLOW:
                return 120000.0, i
            lower = 0 if i == 0 else BOUNDS[i - 1]
            upper = BOUNDS[i]
            return lower + max(0, rank - cum) / c * (upper - lower), i
        cum += c
    raise AssertionError


def quantile_var(h, q):
    """Asymptotic Var of a sample quantile: q(1-q) / (N f^2), f = count / (N * width)."""
    total = sum(h)
    _, i = quantile(h, q)
    width = (BOUNDS[-1] - BOUNDS[-2]) if i == OVERFLOW else BOUNDS[i] - (0 if i == 0 else BOUNDS[i - 1])
    f = h[i] / (total * width)
    return q * (1 - q) / (total * f * f)


# --- the sample at which the sequence would decide (brute force over integers) -------------

def decide_n(harm, allowed, var_c, var_b, n, n0, alpha, minimum_n, maximum_n):
    for big_n in range(max(n, minimum_n), maximum_n + 1):
        se = math.sqrt(var_c * n / big_n + var_b)
        if harm - mixture_half_width(se, big_n, n0, alpha) > allowed:
            return big_n
    return None


def main():
    out = {}
    out["normalQuantile"] = {str(p): NormalDist().inv_cdf(p) for p in [0.975, 0.5, 0.9, 0.995, 0.001, 1e-10, 0.99999]}
    out["wald"] = wald_difference(98, 1000, 2100, 100000)
    out["mixture"] = [
        {"delta": d, "se": se, "n": n, "n0": n0, "alpha": a,
         "halfWidth": mixture_half_width(se, n, n0, a), "p": mixture_p_value(d, se, n, n0)}
        for (d, se, n, n0, a) in [
            (0.077, 0.0094, 1000, 1000, 0.05),
            (0.01, 0.01, 200, 1000, 0.05),
            (-0.004, 0.002, 5000, 1000, 0.1),
            (0.0, 0.003, 1, 1000, 0.05),
        ]
    ]
    out["rates"] = {
        "falseRefusalFail": rate_case(98, 1000, 2100, 100000),
        "zeroBothSides": rate_case(0, 500, 0, 70000),
        "resolvedDrop": rate_case(760, 1000, 81000, 100000),
        "policyOneViolation": rate_case(1, 1500, 40, 100000),
        "resolvedFail": rate_case(700, 1000, 81000, 100000),
        "policyFail": rate_case(20, 1500, 40, 100000),
    }
    # The sample that would decide the resolved-rate drop above (harm 5 pp vs 1 pp allowed) and
    # the single policy violation (harm 0.027 pp vs none allowed), with the judge's defaults.
    out["rateDecideN"] = {
        "resolvedDrop": decide_n(0.05, 0.01, rate_var(760, 1000), rate_var(81000, 100000), 1000, 1000, 0.05, 200, 100000),
        "policyOneViolation": decide_n(1 / 1500 - 40 / 100000, 0.0, rate_var(1, 1500), rate_var(40, 100000), 1500, 1000, 0.05, 200, 150000),
    }
    out["rateVarZero"] = rate_var(0, 500)
    out["rateVarAll"] = rate_var(500, 500)

    canary = cost_side(requests(1500, lambda i: 0.004 + 0.0005 * ((i * 37) % 23), lambda i: 1 if (i * 13) % 10 < 8 else 0))
    baseline = cost_side(requests(20000, lambda i: 0.004 + 0.0004 * ((i * 31) % 19), lambda i: 1 if (i * 7) % 100 < 81 else 0))
    d = canary["ratio"] - baseline["ratio"]
    se = math.sqrt(canary["variance"] + baseline["variance"])
    hw = mixture_half_width(se, 1500, 1000, 0.05)
    out["cost"] = {"canary": canary, "baseline": baseline, "delta": d, "se": se, "lo": d - hw, "hi": d + hw,
                   "p": mixture_p_value(d, se, 1500, 1000)}
    # Canary drawn like the baseline (a pass), and 15% dearer on only 400 requests (not conclusive).
    alike = cost_side(requests(1500, lambda i: 0.004 + 0.0004 * ((i * 29) % 19), lambda i: 1 if (i * 3) % 100 < 81 else 0))
    dearer = cost_side(requests(400, lambda i: 1.15 * (0.004 + 0.0004 * ((i * 31) % 19)), lambda i: 1 if (i * 7) % 100 < 81 else 0))
    out["costCases"] = {}
    for name, side in [("alike", alike), ("dearer", dearer)]:
        d = side["ratio"] - baseline["ratio"]
        se = math.sqrt(side["variance"] + baseline["variance"])
        hw = mixture_half_width(se, side["requests"], 1000, 0.05)
        out["costCases"][name] = {"canary": side, "delta": d, "se": se, "lo": d - hw, "hi": d + hw}

    canary_h = histogram({20: 100, 24: 300, 27: 700, 29: 600, 30: 250, 31: 50, 33: 40})
    baseline_h = histogram({20: 2000, 24: 6000, 27: 14000, 28: 9000, 29: 5000, 30: 3000, 32: 1000})
    q_c, i_c = quantile(canary_h, 0.95)
    q_b, i_b = quantile(baseline_h, 0.95)
    v_c, v_b = quantile_var(canary_h, 0.95), quantile_var(baseline_h, 0.95)
    d = q_c - q_b
    se = math.sqrt(v_c + v_b)
    n = sum(canary_h)
    hw = mixture_half_width(se, n, 1000, 0.05)
    out["p95"] = {"bounds": BOUNDS, "canary": q_c, "canaryBucket": i_c, "baseline": q_b, "baselineBucket": i_b,
                  "varCanary": v_c, "varBaseline": v_b, "delta": d, "se": se, "lo": d - hw, "hi": d + hw,
                  "p": mixture_p_value(d, se, n, 1000)}
    slow_h = histogram({30: 100, 32: 1500, 33: 440})
    q_s, _ = quantile(slow_h, 0.95)
    se_s = math.sqrt(quantile_var(slow_h, 0.95) + v_b)
    hw_s = mixture_half_width(se_s, sum(slow_h), 1000, 0.05)
    out["p95Fail"] = {"canary": q_s, "delta": q_s - q_b, "se": se_s, "lo": q_s - q_b - hw_s, "hi": q_s - q_b + hw_s}
    overflow_h = histogram({30: 90, OVERFLOW: 10})
    out["p95Overflow"] = {"value": quantile(overflow_h, 0.95)[0], "variance": quantile_var(overflow_h, 0.95)}
    first_bucket_h = histogram({0: 50})
    out["p95FirstBucket"] = {"value": quantile(first_bucket_h, 0.95)[0], "variance": quantile_var(first_bucket_h, 0.95)}

    out["decide"] = [
        {"harm": h, "allowed": m, "varC": vc, "varB": vb, "n": n, "n0": n0, "alpha": a, "minimumN": lo, "maximumN": hi,
         "N": decide_n(h, m, vc, vb, n, n0, a, lo, hi)}
        for (h, m, vc, vb, n, n0, a, lo, hi) in [
            (0.03, 0.02, 0.09 * 0.91 / 400, 0.02 * 0.98 / 100000, 400, 1000, 0.05, 200, 100000),
            (0.004, 0.0, 0.004 * 0.996 / 300, 0.001 * 0.999 / 100000, 300, 1000, 0.05, 200, 100000),
            (250.0, 177.0, 3.0e5 / 1200 * 1200 / 1200, 900.0, 1200, 1000, 0.05, 200, 120000),
            (0.021, 0.02, 0.1 * 0.9 / 1000, 0.02 * 0.98 / 100000, 1000, 1000, 0.05, 200, 100000),
            (300.0, 177.0, 40000.0, 400.0, 1200, 1000, 0.05, 200, 120000),
            (0.08, 0.02, 0.1 * 0.9 / 100, 0.02 * 0.98 / 100000, 100, 1000, 0.05, 200, 100000),
            (0.1, 0.02, 0.11 * 0.89 / 300, 0.02 * 0.98 / 100000, 300, 1000, 0.05, 200, 100000),
        ]
    ]
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
