// A Triton client over the Open Inference Protocol's gRPC service
// (inference.GRPCInferenceService), generated from proto/inference/ and
// carried by connect-node's gRPC transport.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Client, type Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  GRPCInferenceService,
  InferTensorContentsSchema,
  ModelInferRequest_InferInputTensorSchema,
  ModelInferRequest_InferRequestedOutputTensorSchema,
  type InferTensorContents,
  type ModelMetadataResponse,
} from "@sovren/contracts/inference";
import { BackendFailedError, BackendUnavailableError, InferenceError, simulationInputReason } from "../errors.js";
import { decodeRaw, encodeRaw, isDatatype, type Datatype, type Tensor, type TensorSpec } from "../tensor.js";
import type { InferCall, ModelSignature, TritonClient } from "./triton-client.js";

export interface TritonGrpcOptions {
  /** e.g. http://127.0.0.1:8101 (cleartext HTTP/2). */
  baseUrl: string;
  /** Send tensors as typed `contents` instead of `raw_input_contents`. */
  typedContents?: boolean;
  transport?: Transport;
}

export class TritonGrpcClient implements TritonClient {
  readonly protocol = "grpc";
  private readonly client: Client<typeof GRPCInferenceService>;

  constructor(private readonly options: TritonGrpcOptions) {
    this.client = createClient(GRPCInferenceService, options.transport ?? createGrpcTransport({ baseUrl: options.baseUrl }));
  }

  async serverReady(signal?: AbortSignal): Promise<boolean> {
    return (await this.rpc(() => this.client.serverReady({}, { signal }))).ready;
  }

  async modelReady(model: string, signal?: AbortSignal): Promise<boolean> {
    return (await this.rpc(() => this.client.modelReady({ name: model }, { signal }))).ready;
  }

  async modelMetadata(model: string, signal?: AbortSignal): Promise<ModelSignature> {
    const meta: ModelMetadataResponse = await this.rpc(() => this.client.modelMetadata({ name: model }, { signal }));
    const spec = (t: { name: string; datatype: string; shape: bigint[] }): TensorSpec => ({ name: t.name, datatype: t.datatype, shape: t.shape.map(Number) });
    return { name: meta.name, versions: meta.versions, platform: meta.platform, inputs: meta.inputs.map(spec), outputs: meta.outputs.map(spec) };
  }

  async infer(call: InferCall): Promise<Tensor[]> {
    const typed = this.options.typedContents === true;
    const headers: Record<string, string> = {};
    if (call.traceparent) headers.traceparent = call.traceparent;
    const response = await this.rpc(() =>
      this.client.modelInfer(
        {
          modelName: call.model,
          id: call.id ?? "",
          inputs: call.inputs.map((t) =>
            create(ModelInferRequest_InferInputTensorSchema, {
              name: t.name,
              datatype: t.datatype,
              shape: t.shape.map(BigInt),
              contents: typed ? toContents(t) : undefined,
            }),
          ),
          outputs: call.outputs.map((name) => create(ModelInferRequest_InferRequestedOutputTensorSchema, { name })),
          rawInputContents: typed ? [] : call.inputs.map(encodeRaw),
        },
        { signal: call.signal, headers },
      ),
    );
    return response.outputs.map((out, i) => {
      const shape = out.shape.map(Number);
      if (!isDatatype(out.datatype)) throw new BackendFailedError(`Triton returned output ${out.name} with unsupported datatype ${out.datatype}`, "triton-grpc");
      const raw = response.rawOutputContents[i];
      return raw !== undefined ? decodeRaw(out.name, out.datatype, shape, raw) : fromContents(out.name, out.datatype, shape, out.contents);
    });
  }

  private async rpc<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw mapConnectError(err, "triton-grpc");
    }
  }
}

function mapConnectError(err: unknown, backend: string): Error {
  if (err instanceof InferenceError) return err;
  const ce = ConnectError.from(err);
  const message = `Triton (gRPC): ${ce.rawMessage}`;
  // PyTriton reports bad model input as INTERNAL with a traceback: only the reason goes on.
  const reason = simulationInputReason(ce.rawMessage);
  if (reason !== undefined) return new BackendFailedError(`invalid simulation input: ${reason}`, backend, "invalid_argument");
  switch (ce.code) {
    case Code.Unavailable:
    case Code.Unknown:
    case Code.Internal:
      return new BackendUnavailableError(message, backend, 5, { cause: err });
    case Code.DeadlineExceeded:
      return new InferenceError(message, "deadline_exceeded", backend, 1, { cause: err });
    case Code.Canceled:
      return new InferenceError(message, "canceled", backend, undefined, { cause: err });
    case Code.NotFound:
      return new BackendUnavailableError(`${message} (is the model loaded?)`, backend, 5, { cause: err });
    case Code.InvalidArgument:
      return new BackendFailedError(message, backend, "invalid_argument");
    default:
      return new BackendFailedError(message, backend);
  }
}

function toContents(t: Tensor): InferTensorContents {
  const c = create(InferTensorContentsSchema);
  const d = t.data as unknown[];
  switch (t.datatype) {
    case "BOOL": c.boolContents = d as boolean[]; break;
    case "INT8": case "INT16": case "INT32": c.intContents = d as number[]; break;
    case "INT64": c.int64Contents = d.map((v) => BigInt(v as number)); break;
    case "UINT8": case "UINT16": case "UINT32": c.uintContents = d as number[]; break;
    case "UINT64": c.uint64Contents = d.map((v) => BigInt(v as number)); break;
    case "FP32": c.fp32Contents = d as number[]; break;
    case "FP64": c.fp64Contents = d as number[]; break;
    case "BYTES": c.bytesContents = d.map((v) => (typeof v === "string" ? new TextEncoder().encode(v) : (v as Uint8Array))); break;
  }
  return c;
}

function fromContents(name: string, datatype: Datatype, shape: number[], c: InferTensorContents | undefined): Tensor {
  if (!c) throw new BackendFailedError(`Triton returned output ${name} without contents`, "triton-grpc");
  const data: unknown[] = (() => {
    switch (datatype) {
      case "BOOL": return c.boolContents;
      case "INT8": case "INT16": case "INT32": return c.intContents;
      case "INT64": return c.int64Contents;
      case "UINT8": case "UINT16": case "UINT32": return c.uintContents;
      case "UINT64": return c.uint64Contents;
      case "FP32": return c.fp32Contents;
      case "FP64": return c.fp64Contents;
      case "BYTES": return c.bytesContents;
    }
  })();
  return { name, datatype, shape, data } as Tensor;
}
