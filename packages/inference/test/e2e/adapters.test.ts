// The adapters of @sovren/inference against the real Triton and Ray, without
// the server: every tensor encoding (gRPC raw and typed contents, HTTP binary
// extension and JSON) gives the vectors' results; bad tensors are refused on
// our side before a byte is sent; model input errors come back as
// invalid_argument without Python tracebacks.
import { describe, expect, inject, it } from "vitest";
import {
  BackendFailedError,
  InvalidTensorError,
  RayServeBackend,
  TritonBackend,
  TritonGrpcClient,
  TritonHttpClient,
  decodeRaw,
  encodeRaw,
  simulationInputs,
  validateTensor,
  type InferCall,
  type TritonClient,
} from "../../src/index.js";
import { expectResult, VECTORS } from "./helpers.js";

const core = inject("core");

describe.skipIf(!core.enabled)("adapters against the real inference core", () => {
  const clients: [string, () => TritonClient][] = [
    ["gRPC raw contents", () => new TritonGrpcClient({ baseUrl: core.tritonGrpc })],
    ["gRPC typed contents", () => new TritonGrpcClient({ baseUrl: core.tritonGrpc, typedContents: true })],
    ["HTTP binary extension", () => new TritonHttpClient({ baseUrl: core.tritonHttp })],
    ["HTTP JSON", () => new TritonHttpClient({ baseUrl: core.tritonHttp, json: true })],
  ];

  for (const [label, make] of clients) {
    it(`Triton over ${label}: every vector within 1e-9`, async () => {
      const backend = new TritonBackend({ client: make() });
      expect((await backend.ready()).ready).toBe(true);
      for (const v of VECTORS) expectResult((await backend.run({ userId: "u", ...v.input }, { operationId: "t" })) as never, v.expected, `${label} ${v.name}`);
    });
  }

  it("Ray Serve: every vector within 1e-9", async () => {
    const backend = new RayServeBackend({ baseUrl: core.rayServe });
    expect(await backend.ready()).toMatchObject({ ready: true });
    for (const v of VECTORS) expectResult((await backend.run({ userId: "u", ...v.input }, { operationId: "s" })) as never, v.expected, `serve ${v.name}`);
  });

  it("refuses bad tensors against the real model's signature before anything is sent", async () => {
    const grpc = new TritonGrpcClient({ baseUrl: core.tritonGrpc });
    const signature = await grpc.modelMetadata("sovren_simulation");
    const spec = (name: string) => signature.inputs.find((s) => s.name === name)!;
    expect(() => validateTensor({ name: "SCENARIO", datatype: "BYTES", shape: [2], data: ["a", "b"] }, spec("SCENARIO"))).toThrow(
      new InvalidTensorError("tensor SCENARIO: the model expects shape [1], got [2]"),
    );
    expect(() => validateTensor({ name: "SEED", datatype: "FP64", shape: [1], data: [1.5] }, spec("SEED"))).toThrow(
      new InvalidTensorError("tensor SEED: the model expects datatype INT64, got FP64"),
    );
    const bad = encodeRaw({ name: "SCENARIO", datatype: "BYTES", shape: [1], data: ["hello"] });
    new DataView(bad.buffer).setUint32(0, 99, true);
    expect(() => decodeRaw("SCENARIO", "BYTES", [1], bad)).toThrow(new InvalidTensorError("tensor SCENARIO: BYTES element 0 has length prefix 99, but only 5 bytes remain"));

    // Through the backend: a client that counts what reaches Triton.
    const sent: InferCall[] = [];
    const spy: TritonClient = { protocol: "grpc", serverReady: (s) => grpc.serverReady(s), modelReady: (m, s) => grpc.modelReady(m, s), modelMetadata: (m, s) => grpc.modelMetadata(m, s), infer: (c) => (sent.push(c), grpc.infer(c)) };
    const backend = new TritonBackend({ client: spy });
    await expect(backend.run({ userId: "u", scenario: "x", trials: 2 ** 31 }, { operationId: "o" })).rejects.toThrow(
      new InvalidTensorError("tensor TRIALS element 0: expected an integer in [-2147483648, 2147483647] for INT32, got 2147483648"),
    );
    await expect(backend.run({ userId: "u", scenario: "x", seed: 1.5 }, { operationId: "o" })).rejects.toThrow(/tensor SEED element 0: expected an integer/);
    expect(sent).toHaveLength(0);
    expect(backend.breaker.state).toBe("closed"); // the caller's mistakes are not the backend's faults
  });

  it("reports the model's own input errors as invalid_argument with the reason only (gRPC and HTTP)", async () => {
    for (const client of [new TritonGrpcClient({ baseUrl: core.tritonGrpc }), new TritonHttpClient({ baseUrl: core.tritonHttp })]) {
      const inputs = simulationInputs({ userId: "u", scenario: "x", trials: 0 }); // valid tensors, invalid simulation
      const err = await client.infer({ model: "sovren_simulation", inputs, outputs: ["OUTCOME"] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendFailedError);
      expect(err).toMatchObject({ code: "invalid_argument", message: "invalid simulation input: trials must be an integer in 1..1000000, got 0" });
    }
  });

  it("passes traceparent to Triton as an HTTP header and as gRPC metadata, and to Ray Serve", async () => {
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const seen: (string | null)[] = [];
    const capture: typeof fetch = (input, init) => (seen.push(new Headers(init?.headers).get("traceparent")), fetch(input, init));
    await new TritonBackend({ client: new TritonHttpClient({ baseUrl: core.tritonHttp, fetch: capture }) }).run({ userId: "u", scenario: "x", trials: 5 }, { operationId: "o", traceparent });
    await new RayServeBackend({ baseUrl: core.rayServe, fetch: capture }).run({ userId: "u", scenario: "x", trials: 5 }, { operationId: "o", traceparent });
    expect(seen.filter((t) => t === traceparent)).toHaveLength(2); // the infer call and the Serve call (probes carry none)
    const { createGrpcTransport } = await import("@connectrpc/connect-node");
    const inner = createGrpcTransport({ baseUrl: core.tritonGrpc });
    const grpcSeen: (string | null)[] = [];
    const transport = createGrpcTransport({
      baseUrl: core.tritonGrpc,
      interceptors: [(next) => async (req) => (grpcSeen.push(req.header.get("traceparent")), next(req))],
    });
    void inner;
    await new TritonBackend({ client: new TritonGrpcClient({ baseUrl: core.tritonGrpc, transport }) }).run({ userId: "u", scenario: "x", trials: 5 }, { operationId: "o", traceparent });
    expect(grpcSeen.at(-1)).toBe(traceparent);
  });
});
