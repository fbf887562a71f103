import { describe, expect, it } from "vitest";
import { Prng } from "./prng";

function draw(seed: string, n: number): number[] {
  const rng = new Prng(seed);
  return Array.from({ length: n }, () => rng.next());
}

describe("Prng", () => {
  it("gives the same sequence for the same seed", () => {
    expect(draw("changegate-demo", 1000)).toEqual(draw("changegate-demo", 1000));
  });

  it("gives a different sequence for a different seed", () => {
    expect(draw("changegate-demo", 20)).not.toEqual(draw("changegate-demo-2", 20));
  });

  it("keeps derived draws deterministic (hex, int, normal, binomial)", () => {
    const sample = (seed: string) => {
      const rng = new Prng(seed);
      return [rng.hex(8), rng.int(1, 6), rng.normal(), rng.logNormal(900, 0.5), rng.binomial(500, 0.8), rng.poisson(3)];
    };
    expect(sample("s")).toEqual(sample("s"));
  });

  it.each([
    { name: "next() in [0, 1)", check: (r: Prng) => { const x = r.next(); return x >= 0 && x < 1; } },
    { name: "int(3, 5) in range", check: (r: Prng) => { const x = r.int(3, 5); return Number.isInteger(x) && x >= 3 && x <= 5; } },
    { name: "hex(4) is 4 hex digits", check: (r: Prng) => /^[0-9a-f]{4}$/.test(r.hex(4)) },
    { name: "binomial(20, 0.5) in [0, 20]", check: (r: Prng) => { const x = r.binomial(20, 0.5); return x >= 0 && x <= 20; } },
    { name: "binomial(1000, 0.999) in [0, 1000]", check: (r: Prng) => { const x = r.binomial(1000, 0.999); return x >= 0 && x <= 1000; } },
  ])("$name for 5000 draws", ({ check }) => {
    const rng = new Prng("ranges");
    for (let i = 0; i < 5000; i++) expect(check(rng)).toBe(true);
  });

  it("has roughly the right mean for next() and binomial()", () => {
    const rng = new Prng("means");
    let sum = 0;
    let hits = 0;
    for (let i = 0; i < 20_000; i++) sum += rng.next();
    for (let i = 0; i < 2_000; i++) hits += rng.binomial(100, 0.8);
    expect(sum / 20_000).toBeGreaterThan(0.49);
    expect(sum / 20_000).toBeLessThan(0.51);
    expect(hits / 2_000).toBeGreaterThan(79);
    expect(hits / 2_000).toBeLessThan(81);
  });
});
