// The Triton backend: runs a simulation on the `sovren_simulation` model over
// gRPC or HTTP. Before the first call (and again after the backend was down)
// it checks server and model readiness and reads the model's metadata, and
// every input tensor is checked against that signature before it is sent.
import { withTimeout, type InferenceBackend, type Readiness, type RunOptions, type RunSimulationRequest, type SimulationResult } from "../backend.js";
import { CircuitBreaker, type CircuitBreakerOptions } from "../circuit-breaker.js";
import { BackendUnavailableError, InvalidTensorError } from "../errors.js";
import { validateTensor } from "../tensor.js";
import { SIMULATION_MODEL, SIMULATION_OUTPUTS, simulationInputs, simulationResult } from "./simulation-tensors.js";
import type { ModelSignature, TritonClient } from "./triton-client.js";

export interface TritonBackendOptions {
  client: TritonClient;
  model?: string;
  /** Per-call timeout (default 10 s). */
  timeoutMs?: number;
  breaker?: CircuitBreakerOptions;
}

export class TritonBackend implements InferenceBackend {
  readonly name: string;
  readonly breaker: CircuitBreaker;
  private readonly model: string;
  private readonly timeoutMs: number;
  private signature: ModelSignature | undefined;

  constructor(private readonly options: TritonBackendOptions) {
    this.name = `triton-${options.client.protocol}`;
    this.model = options.model ?? SIMULATION_MODEL;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.breaker = new CircuitBreaker(this.name, {
      ...options.breaker,
      onStateChange: (state, backend) => {
        // A backend that went away may come back with another model version.
        if (state === "open") this.signature = undefined;
        options.breaker?.onStateChange?.(state, backend);
      },
    });
  }

  async ready(signal?: AbortSignal): Promise<Readiness> {
    if (this.breaker.state === "open") return { ready: false, message: `circuit open; retry in ${this.breaker.retryAfterSeconds()} s` };
    try {
      await this.checkModel(withTimeout(signal, Math.min(this.timeoutMs, 2_000)), true);
      return { ready: true, message: `model ${this.model} ready over ${this.options.client.protocol}` };
    } catch (err) {
      return { ready: false, message: (err as Error).message };
    }
  }

  unavailable() {
    return this.breaker.refusal();
  }

  async run(request: RunSimulationRequest, options: RunOptions): Promise<SimulationResult> {
    const inputs = simulationInputs(request);
    for (const t of inputs) validateTensor(t);
    return this.breaker.call(async () => {
      const signal = withTimeout(options.signal, this.timeoutMs);
      const signature = await this.checkModel(signal);
      for (const t of inputs) {
        const spec = signature.inputs.find((s) => s.name === t.name);
        if (!spec) throw new InvalidTensorError(`model ${this.model} has no input ${t.name}`);
        validateTensor(t, spec);
      }
      const outputs = await this.options.client.infer({
        model: this.model,
        inputs,
        outputs: SIMULATION_OUTPUTS,
        id: options.operationId,
        signal,
        traceparent: options.traceparent,
      });
      return simulationResult(outputs);
    });
  }

  private async checkModel(signal: AbortSignal, fresh = false): Promise<ModelSignature> {
    if (this.signature && !fresh) return this.signature;
    const client = this.options.client;
    if (!(await client.serverReady(signal))) throw new BackendUnavailableError(`Triton (${client.protocol}) is not ready`, this.name, 5, { public: true });
    if (!(await client.modelReady(this.model, signal))) {
      throw new BackendUnavailableError(`Triton model ${this.model} is not ready (is it loaded?)`, this.name, 5, { public: true });
    }
    this.signature = await client.modelMetadata(this.model, signal);
    return this.signature;
  }
}
