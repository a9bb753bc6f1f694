import { describe, expect, it } from "vitest";
import { InferenceError, type InferenceBackend } from "./backend.js";
import { withFiniteResults } from "./finite-results.js";
import { checkInput, LIMITS, simulate, SimulationInputError } from "./simulation.js";
import { RunSimulationRequest } from "@sovren/contracts/zod";

const ok = { outcome: "uncertain", confidence: 0.5, expectedValue: 0, stddev: 1, p05: -1, p95: 1, trials: 10, seed: 1 };

function fake(result: Record<string, unknown>, extra: Partial<InferenceBackend> = {}): InferenceBackend {
  return { name: "fake", ready: async () => ({ ready: true, message: "" }), run: async () => result as never, ...extra };
}

describe("withFiniteResults", () => {
  it("passes finite results through", async () => {
    expect(await withFiniteResults(fake(ok)).run({ userId: "u", scenario: "s" }, { operationId: "op" })).toEqual(ok);
  });

  it.each(["expectedValue", "stddev", "p05", "p95", "confidence"])("fails the call when %s is not finite (NaN, ±Infinity, null)", async (field) => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, null]) {
      const err = await withFiniteResults(fake({ ...ok, [field]: bad })).run({ userId: "u", scenario: "s" }, { operationId: "op" }).catch((e) => e);
      expect(err).toBeInstanceOf(InferenceError);
      expect(err.code).toBe("internal");
      expect(err.public).toBe(true);
      expect(err.message).toBe(`inference backend fake returned a non-finite ${field}; the result was not recorded`);
    }
  });

  it("keeps optional members only where the backend has them (the runner tells out-of-process backends by cancel)", () => {
    expect(withFiniteResults(fake(ok)).cancel).toBeUndefined();
    expect(typeof withFiniteResults(fake(ok, { cancel: async () => {} })).cancel).toBe("function");
  });
});

describe("the algorithm's input bounds", () => {
  it("are the contract's bounds", () => {
    const shape = RunSimulationRequest.shape;
    const factor = (shape.factors.unwrap().element as unknown as typeof import("@sovren/contracts/zod").SimulationFactor).shape;
    const range = (s: { unwrap: () => { minValue: number | null; maxValue: number | null } }) => [s.unwrap().minValue, s.unwrap().maxValue];
    expect(range(shape.threshold as never)).toEqual([-LIMITS.threshold, LIMITS.threshold]);
    expect(range(shape.trials as never)).toEqual([LIMITS.trials.min, LIMITS.trials.max]);
    expect(range(factor.weight as never)).toEqual([-LIMITS.weight, LIMITS.weight]);
    expect(range(factor.mean as never)).toEqual([-LIMITS.mean, LIMITS.mean]);
    expect(range(factor.stddev as never)).toEqual([0, LIMITS.stddev]);
  });

  it("refuse the issue's huge factor and keep every statistic finite at the bounds", () => {
    expect(() => checkInput({ scenario: "s", factors: [{ name: "f", weight: 1e308, mean: 1e308, stddev: 1 }] })).toThrow(SimulationInputError);
    expect(() => checkInput({ scenario: "s", threshold: 1.5e15 })).toThrow(/threshold/);
    const edge = { name: "f", weight: LIMITS.weight, mean: -LIMITS.mean, stddev: LIMITS.stddev };
    const r = simulate({ scenario: "edge", trials: 2000, threshold: -LIMITS.threshold, factors: Array(LIMITS.factors).fill(edge) });
    for (const k of ["expectedValue", "stddev", "p05", "p95", "confidence"] as const) expect(Number.isFinite(r[k]), k).toBe(true);
  });
});
