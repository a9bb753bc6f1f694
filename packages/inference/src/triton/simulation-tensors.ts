// The tensor contract of the `sovren_simulation` model served by Triton
// (inference/triton_model.py; docs/inference-core.md): a RunSimulationRequest
// becomes input tensors, and the output tensors become a SimulationResult.
import type { RunSimulationRequest, SimulationResult } from "../backend.js";
import { InvalidTensorError } from "../errors.js";
import { bytesToText, numberAt, type Tensor } from "../tensor.js";

export const SIMULATION_MODEL = "sovren_simulation";

export const SIMULATION_OUTPUTS = ["OUTCOME", "CONFIDENCE", "EXPECTED_VALUE", "STDDEV", "P05", "P95", "SEED_USED", "TRIALS_USED"] as const;

/** The input tensors for one simulation. Factor tensors are sent only when there are factors. */
export function simulationInputs(request: RunSimulationRequest): Tensor[] {
  const inputs: Tensor[] = [
    { name: "SCENARIO", datatype: "BYTES", shape: [1], data: [request.scenario] },
    { name: "SEED", datatype: "INT64", shape: [1], data: [request.seed ?? -1] },
    { name: "TRIALS", datatype: "INT32", shape: [1], data: [request.trials ?? 10_000] },
    { name: "THRESHOLD", datatype: "FP64", shape: [1], data: [request.threshold ?? 0] },
  ];
  const factors = request.factors ?? [];
  if (factors.length > 0) {
    const n = factors.length;
    inputs.push(
      { name: "FACTOR_NAME", datatype: "BYTES", shape: [n], data: factors.map((f) => f.name) },
      { name: "FACTOR_WEIGHT", datatype: "FP64", shape: [n], data: factors.map((f) => f.weight ?? 0) },
      { name: "FACTOR_MEAN", datatype: "FP64", shape: [n], data: factors.map((f) => f.mean ?? 0) },
      { name: "FACTOR_STDDEV", datatype: "FP64", shape: [n], data: factors.map((f) => f.stddev ?? 0) },
    );
  }
  return inputs;
}

/** Reads the SimulationResult out of the model's output tensors. */
export function simulationResult(outputs: Tensor[]): SimulationResult {
  const byName = new Map(outputs.map((t) => [t.name, t]));
  const get = (name: string) => {
    const t = byName.get(name);
    if (!t || t.data.length !== 1) throw new InvalidTensorError(`model output ${name} is missing or not a single element`);
    return t;
  };
  const outcome = get("OUTCOME");
  return {
    outcome: bytesToText(outcome.data[0] as Uint8Array | string, "output OUTCOME"),
    confidence: numberAt(get("CONFIDENCE")),
    expectedValue: numberAt(get("EXPECTED_VALUE")),
    stddev: numberAt(get("STDDEV")),
    p05: numberAt(get("P05")),
    p95: numberAt(get("P95")),
    seed: numberAt(get("SEED_USED")),
    trials: numberAt(get("TRIALS_USED")),
  };
}
