// A Triton client over the Open Inference Protocol's HTTP/REST API, with the
// binary tensor data extension: the request body is the JSON inference header
// followed by each input's raw bytes, its length in the
// `Inference-Header-Content-Length` header; outputs asked for as
// `binary_data` come back the same way.
import { BackendFailedError, BackendUnavailableError, InferenceError, simulationInputReason } from "../errors.js";
import { decodeRaw, encodeRaw, isDatatype, type Tensor } from "../tensor.js";
import type { InferCall, ModelSignature, TritonClient } from "./triton-client.js";

export interface TritonHttpOptions {
  /** e.g. http://127.0.0.1:8100 */
  baseUrl: string;
  /** Send and receive tensors as JSON `data` instead of the binary extension. */
  json?: boolean;
  fetch?: typeof fetch;
}

interface JsonOutput {
  name: string;
  datatype: string;
  shape: number[];
  data?: unknown[];
  parameters?: { binary_data_size?: number };
}

const HEADER_LENGTH = "Inference-Header-Content-Length";

export class TritonHttpClient implements TritonClient {
  readonly protocol = "http";
  private readonly base: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: TritonHttpOptions) {
    this.base = options.baseUrl.replace(/\/+$/, "");
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  async serverReady(signal?: AbortSignal): Promise<boolean> {
    return (await this.request("GET", "/v2/health/ready", { signal })).ok;
  }

  async modelReady(model: string, signal?: AbortSignal): Promise<boolean> {
    return (await this.request("GET", `/v2/models/${encodeURIComponent(model)}/ready`, { signal })).ok;
  }

  async modelMetadata(model: string, signal?: AbortSignal): Promise<ModelSignature> {
    const res = await this.request("GET", `/v2/models/${encodeURIComponent(model)}`, { signal });
    if (!res.ok) throw await failure(res, `model ${model} metadata`);
    const meta = (await res.json()) as ModelSignature;
    return { name: meta.name, versions: meta.versions ?? [], platform: meta.platform ?? "", inputs: meta.inputs ?? [], outputs: meta.outputs ?? [] };
  }

  async infer(call: InferCall): Promise<Tensor[]> {
    const binary = this.options.json !== true;
    const raws = binary ? call.inputs.map(encodeRaw) : [];
    const header = {
      ...(call.id ? { id: call.id } : {}),
      inputs: call.inputs.map((t, i) =>
        binary
          ? { name: t.name, shape: t.shape, datatype: t.datatype, parameters: { binary_data_size: raws[i]!.length } }
          : { name: t.name, shape: t.shape, datatype: t.datatype, data: t.data.map(jsonValue) },
      ),
      outputs: call.outputs.map((name) => ({ name, parameters: { binary_data: binary } })),
    };
    const json: Uint8Array<ArrayBuffer> = new TextEncoder().encode(JSON.stringify(header));
    const headers: Record<string, string> = { "content-type": binary ? "application/octet-stream" : "application/json" };
    if (binary) headers[HEADER_LENGTH] = String(json.length);
    if (call.traceparent) headers.traceparent = call.traceparent;
    const body = binary ? concat([json, ...raws]) : json;
    const res = await this.request("POST", `/v2/models/${encodeURIComponent(call.model)}/infer`, { signal: call.signal, headers, body });
    if (!res.ok) throw await failure(res, `inference on ${call.model}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const jsonLength = Number(res.headers.get(HEADER_LENGTH) ?? bytes.length);
    const parsed = JSON.parse(new TextDecoder().decode(bytes.subarray(0, jsonLength))) as { outputs?: JsonOutput[] };
    let at = jsonLength;
    return (parsed.outputs ?? []).map((out) => {
      if (!isDatatype(out.datatype)) throw new BackendFailedError(`Triton returned output ${out.name} with unsupported datatype ${out.datatype}`, "triton-http");
      const size = out.parameters?.binary_data_size;
      if (size !== undefined) {
        if (at + size > bytes.length) throw new BackendFailedError(`Triton's response ends inside output ${out.name}`, "triton-http");
        const tensor = decodeRaw(out.name, out.datatype, out.shape, bytes.subarray(at, at + size));
        at += size;
        return tensor;
      }
      return { name: out.name, datatype: out.datatype, shape: out.shape, data: (out.data ?? []) as never[] };
    });
  }

  private async request(method: string, path: string, init: { signal?: AbortSignal; headers?: Record<string, string>; body?: Uint8Array<ArrayBuffer> }): Promise<Response> {
    try {
      return await this.fetch(`${this.base}${path}`, { method, signal: init.signal, headers: init.headers, body: init.body });
    } catch (err) {
      if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError")) {
        throw new InferenceError(`Triton (HTTP) ${method} ${path}: ${err.message}`, err.name === "TimeoutError" ? "deadline_exceeded" : "canceled", "triton-http", 1, { cause: err });
      }
      throw new BackendUnavailableError(`Triton (HTTP) ${method} ${path}: ${(err as Error).message}`, "triton-http", 5, { cause: err });
    }
  }
}

function jsonValue(v: unknown): unknown {
  if (typeof v === "bigint") return Number(v);
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  return v;
}

function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function failure(res: Response, what: string): Promise<Error> {
  const text = await res.text().catch(() => "");
  let message = text;
  try {
    message = (JSON.parse(text) as { error?: string }).error ?? text;
  } catch {
    // Triton answers most errors as {"error": "..."}; keep plain text otherwise.
  }
  // PyTriton reports bad model input as 500 with a traceback: only the reason goes on.
  const reason = simulationInputReason(message);
  if (reason !== undefined) return new BackendFailedError(`invalid simulation input: ${reason}`, "triton-http", "invalid_argument");
  const detail = `Triton (HTTP) ${what}: ${res.status} ${message}`.trim();
  if (res.status >= 500 || res.status === 404) return new BackendUnavailableError(res.status === 404 ? `${detail} (is the model loaded?)` : detail, "triton-http");
  return new BackendFailedError(detail, "triton-http", res.status === 400 ? "invalid_argument" : "internal");
}
