// The shared simulation algorithm of docs/simulation-algorithm.md, in TypeScript.
// Pure and synchronous: `simulate(input)` is what the shared test vectors
// (`inference/vectors.json`, `[{input, expected}]`) are checked against; the
// embedded backend drives the same stepper in chunks so that long runs can
// report progress and be cancelled between chunks without changing the result.

/** One weighted, normally distributed factor (the JSON shape of `SimulationFactor`). */
export interface SimulationFactorInput {
  name: string;
  weight?: number;
  mean?: number;
  stddev?: number;
}

/** The algorithm's inputs: the simulation fields of `RunSimulationRequest` JSON. */
export interface SimulationInput {
  scenario: string;
  seed?: number;
  trials?: number;
  threshold?: number;
  factors?: SimulationFactorInput[];
}

/** The algorithm's output: the JSON shape of `SimulationResult`. */
export interface SimulationOutput {
  outcome: "favorable" | "unfavorable" | "uncertain";
  confidence: number;
  expectedValue: number;
  stddev: number;
  p05: number;
  p95: number;
  trials: number;
  seed: number;
}

export const DEFAULT_TRIALS = 10_000;

/**
 * The input bounds of the contract (RunSimulationRequest, SimulationFactor;
 * docs/simulation-algorithm.md works out why they make overflow impossible).
 * Requests are validated against the contract before they get here; the
 * algorithm checks again so that it refuses what every other backend refuses.
 */
export const LIMITS = {
  trials: { min: 1, max: 1_000_000 },
  factors: 32,
  weight: 1e6,
  mean: 1e6,
  stddev: 1e6,
  threshold: 1e15,
} as const;

/** An input outside the contract's bounds; the message names the field. */
export class SimulationInputError extends RangeError {
  override name = "SimulationInputError";
}

function bounded(value: number | undefined, min: number, max: number, field: string): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new SimulationInputError(`${field} must be a number in ${min}..${max}, got ${value}`);
  }
}

/** Throws SimulationInputError when an input is outside the contract's bounds. */
export function checkInput(input: SimulationInput): void {
  bounded(input.trials, LIMITS.trials.min, LIMITS.trials.max, "trials");
  if (input.trials !== undefined && !Number.isInteger(input.trials)) throw new SimulationInputError(`trials must be an integer, got ${input.trials}`);
  bounded(input.threshold, -LIMITS.threshold, LIMITS.threshold, "threshold");
  const factors = input.factors ?? [];
  if (factors.length > LIMITS.factors) throw new SimulationInputError(`factors may have at most ${LIMITS.factors} items, got ${factors.length}`);
  factors.forEach((f, i) => {
    bounded(f.weight, -LIMITS.weight, LIMITS.weight, `factors[${i}].weight`);
    bounded(f.mean, -LIMITS.mean, LIMITS.mean, `factors[${i}].mean`);
    bounded(f.stddev, 0, LIMITS.stddev, `factors[${i}].stddev`);
  });
}
const GOLDEN = 0x9e3779b9;
const TWO_POW_32 = 4294967296;
const DEFAULT_FACTORS: Required<SimulationFactorInput>[] = [
  { name: "baseline", weight: 1, mean: 0, stddev: 1 },
];

export function fmix32(input: number): number {
  let h = input >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function fnv1a32(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193);
  return h >>> 0;
}

const encoder = new TextEncoder();

/** The seed a run uses: the given one, else fnv1a32 of the scenario's UTF-8 bytes. */
export function resolveSeed(input: SimulationInput): number {
  return input.seed ?? fnv1a32(encoder.encode(input.scenario));
}

/** `uniform(c)` for the key derived from a seed: a double in (0, 1). */
export function uniform(key: number, counter: number): number {
  const bits = fmix32((key + Math.imul(counter, GOLDEN)) >>> 0);
  return (bits + 0.5) / TWO_POW_32;
}

/** The Monte Carlo run as a stepper: `step(n)` advances n trials, `finish()` summarises. */
export class SimulationRun {
  readonly seed: number;
  readonly trials: number;
  private readonly key: number;
  private readonly threshold: number;
  private readonly factors: Required<SimulationFactorInput>[];
  private readonly scores: Float64Array;
  private done = 0;

  constructor(input: SimulationInput) {
    checkInput(input);
    this.seed = resolveSeed(input) >>> 0;
    this.trials = input.trials ?? DEFAULT_TRIALS;
    this.threshold = input.threshold ?? 0;
    this.factors =
      input.factors && input.factors.length > 0
        ? input.factors.map((f) => ({
            name: f.name,
            weight: f.weight ?? 0,
            mean: f.mean ?? 0,
            stddev: f.stddev ?? 0,
          }))
        : DEFAULT_FACTORS;
    this.key = fmix32((this.seed ^ GOLDEN) >>> 0);
    this.scores = new Float64Array(this.trials);
  }

  /** Fraction of the trials done, in [0, 1]. */
  get progress(): number {
    return this.trials === 0 ? 1 : this.done / this.trials;
  }

  get finished(): boolean {
    return this.done >= this.trials;
  }

  step(count: number): void {
    const end = Math.min(this.trials, this.done + count);
    const F = this.factors.length;
    for (let t = this.done; t < end; t++) {
      let score = 0;
      for (let f = 0; f < F; f++) {
        const factor = this.factors[f]!;
        // Counters are uint32: the trial index times F can pass 2^32 only
        // beyond the allowed trial and factor counts, but wrap like the spec anyway.
        const c1 = Math.imul(Math.imul(t, F) + f, 2) >>> 0;
        const u1 = uniform(this.key, c1);
        const u2 = uniform(this.key, (c1 + 1) >>> 0);
        const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
        score += factor.weight * (factor.mean + factor.stddev * z);
      }
      this.scores[t] = score;
    }
    this.done = end;
  }

  finish(): SimulationOutput {
    if (!this.finished) this.step(this.trials - this.done);
    const n = this.trials;
    let sum = 0;
    let above = 0;
    for (let t = 0; t < n; t++) {
      const s = this.scores[t]!;
      sum += s;
      if (s > this.threshold) above++;
    }
    const mean = sum / n;
    let squares = 0;
    for (let t = 0; t < n; t++) {
      const d = this.scores[t]! - mean;
      squares += d * d;
    }
    const sorted = this.scores.slice().sort();
    const confidence = above / n;
    return {
      outcome: confidence >= 0.6 ? "favorable" : confidence <= 0.4 ? "unfavorable" : "uncertain",
      confidence,
      expectedValue: mean,
      stddev: Math.sqrt(squares / n),
      p05: percentile(sorted, 0.05),
      p95: percentile(sorted, 0.95),
      trials: n,
      seed: this.seed,
    };
  }
}

/** Nearest-rank percentile as the spec defines it: `sorted[floor(q * (n - 1))]`. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

/** Runs the whole algorithm at once. */
export function simulate(input: SimulationInput): SimulationOutput {
  return new SimulationRun(input).finish();
}
