// The shared algorithm (docs/simulation-algorithm.md). When the shared vectors
// exist (`inference/vectors.json`, `[{input, expected}]`), every one is checked.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { fmix32, fnv1a32, percentile, simulate, SimulationRun, uniform, type SimulationInput, type SimulationOutput } from "./simulation.js";

const utf8 = (s: string) => new TextEncoder().encode(s);

describe("simulate", () => {
  it("hashes with FNV-1a 32 over UTF-8 bytes", () => {
    expect(fnv1a32(utf8(""))).toBe(0x811c9dc5);
    expect(fnv1a32(utf8("a"))).toBe(0xe40c292c);
    expect(fnv1a32(utf8("foobar"))).toBe(0xbf9cf968);
    // Multi-byte characters hash their UTF-8 bytes, not UTF-16 code units.
    expect(fnv1a32(utf8("é"))).toBe(fnv1a32(new Uint8Array([0xc3, 0xa9])));
  });

  it("mixes with murmur3's fmix32 and draws uniforms strictly inside (0, 1)", () => {
    expect(fmix32(0)).toBe(0);
    expect(fmix32(1)).toBe(0x514e28b7);
    for (const c of [0, 1, 2, 0xffffffff]) {
      const u = uniform(fmix32(0x9e3779b9), c);
      expect(u).toBeGreaterThan(0);
      expect(u).toBeLessThan(1);
    }
  });

  it("defaults the seed to fnv1a32 of the scenario, 10,000 trials and one standard normal factor", () => {
    const r = simulate({ scenario: "Enter the EU market" });
    expect(r.seed).toBe(fnv1a32(utf8("Enter the EU market")));
    expect(r.trials).toBe(10_000);
    expect(simulate({ scenario: "x", seed: r.seed, trials: 500 })).toEqual(simulate({ scenario: "x", seed: r.seed, trials: 500, factors: [{ name: "baseline", weight: 1, mean: 0, stddev: 1 }] }));
    // A standard normal: mean near 0, stddev near 1, about half the trials above 0.
    expect(Math.abs(r.expectedValue)).toBeLessThan(0.05);
    expect(r.stddev).toBeGreaterThan(0.95);
    expect(r.stddev).toBeLessThan(1.05);
    expect(r.confidence).toBeGreaterThan(0.45);
    expect(r.confidence).toBeLessThan(0.55);
    expect(r.outcome).toBe("uncertain");
  });

  it("is deterministic for one seed, differs for another, and is independent of chunking", () => {
    const input: SimulationInput = { scenario: "s", seed: 42, trials: 3001, factors: [{ name: "a", weight: 2, mean: 0.1, stddev: 0.5 }, { name: "b", weight: -1, mean: 0.2, stddev: 2 }] };
    const a = simulate(input);
    expect(simulate(input)).toEqual(a);
    expect(simulate({ ...input, seed: 43 })).not.toEqual(a);
    const run = new SimulationRun(input);
    while (!run.finished) run.step(7);
    expect(run.finish()).toEqual(a);
  });

  it("uses nearest-rank percentiles sorted[floor(q * (n - 1))] and population stddev", () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.05)).toBe(1);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95)).toBe(9);
    const one = simulate({ scenario: "s", seed: 1, trials: 1 });
    expect(one.p05).toBe(one.p95);
    expect(one.stddev).toBe(0);
    expect(one.expectedValue).toBe(one.p05);
    // A zero-variance factor gives a constant score: confidence is exactly 0 or 1 around the threshold.
    const constant = { scenario: "s", trials: 100, factors: [{ name: "k", weight: 1, mean: 0.5, stddev: 0 }] };
    expect(simulate({ ...constant, threshold: 0.4 })).toMatchObject({ confidence: 1, outcome: "favorable", p05: 0.5, p95: 0.5, stddev: 0 });
    expect(simulate({ ...constant, threshold: 0.5 })).toMatchObject({ confidence: 0, outcome: "unfavorable" });
  });

  it("computes the first trial by hand", () => {
    const seed = 7;
    const key = fmix32((seed ^ 0x9e3779b9) >>> 0);
    const z = Math.sqrt(-2 * Math.log(uniform(key, 0))) * Math.cos(2 * Math.PI * uniform(key, 1));
    const r = simulate({ scenario: "s", seed, trials: 1, factors: [{ name: "f", weight: 3, mean: 1, stddev: 2 }] });
    expect(r.expectedValue).toBeCloseTo(3 * (1 + 2 * z), 12);
  });

  const vectorsPath = fileURLToPath(new URL("../../../../inference/vectors.json", import.meta.url));
  it.skipIf(!existsSync(vectorsPath))("matches the shared test vectors within 1e-9", () => {
    const vectors = JSON.parse(readFileSync(vectorsPath, "utf8")) as { input: SimulationInput; expected: SimulationOutput }[];
    for (const { input, expected } of vectors) {
      const got = simulate(input);
      expect(got.outcome).toBe(expected.outcome);
      expect(got.trials).toBe(expected.trials);
      expect(got.seed).toBe(expected.seed);
      for (const k of ["confidence", "expectedValue", "stddev", "p05", "p95"] as const) {
        expect(Math.abs(got[k] - expected[k]), `${k} of ${input.scenario}`).toBeLessThanOrEqual(1e-9);
      }
    }
  });
});
