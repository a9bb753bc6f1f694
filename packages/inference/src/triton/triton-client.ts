// What the Triton backend needs from a protocol client; the gRPC and the
// HTTP clients both provide it.
import type { Tensor, TensorSpec } from "../tensor.js";

export interface ModelSignature {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

export interface InferCall {
  model: string;
  inputs: Tensor[];
  /** Names of the outputs wanted. */
  outputs: readonly string[];
  id?: string;
  signal?: AbortSignal;
  traceparent?: string;
}

export interface TritonClient {
  readonly protocol: "grpc" | "http";
  serverReady(signal?: AbortSignal): Promise<boolean>;
  modelReady(model: string, signal?: AbortSignal): Promise<boolean>;
  modelMetadata(model: string, signal?: AbortSignal): Promise<ModelSignature>;
  infer(call: InferCall): Promise<Tensor[]>;
}
