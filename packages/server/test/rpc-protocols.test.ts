// What every RPC protocol on the one port says about errors and unknown
// procedures (connect-es clients and raw requests; the independent grpc-js
// client is in grpc-conformance.test.ts): field violations as a
// google.rpc.BadRequest detail over Connect, gRPC and gRPC-Web, the same
// fields REST lists; one X-Request-Id; UNIMPLEMENTED per protocol for unknown
// services and methods while REST 404s stay problem+json.
import { ConnectError, Code, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { BadRequestSchema, Health, HealthCheckResponse_ServingStatus } from "@sovren/contracts/grpc";
import { ExecutiveService, OperationService } from "@sovren/contracts/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest, rpcClient, startTestServer, type TestServer } from "./harness.js";

const TRANSPORTS = ["connect", "grpc", "grpc-web"] as const;

describe("RPC protocols on one port (pglite)", () => {
  let server: TestServer;
  let token: string;

  beforeAll(async () => {
    server = (await startTestServer("pglite"))!;
    token = await server.token("protocols");
  });
  afterAll(() => server?.close());

  it.each(TRANSPORTS)("%s: an empty required field is INVALID_ARGUMENT with the BadRequest REST lists, and one request id", async (transport) => {
    const restRes = await rest(server, token, "/v1/executives", { method: "POST", json: { role: "", name: "Aurora" } });
    const problem = (await restRes.json()) as { errors: { field: string; message: string }[] };
    expect(problem.errors).toEqual([{ field: "role", message: expect.stringMatching(/Too small/) }]);

    const err = await rpcClient(server, ExecutiveService, token, transport)
      .commissionExecutive({ role: "", name: "Aurora" })
      .then(() => undefined, (e: unknown) => ConnectError.from(e));
    expect(err?.code).toBe(Code.InvalidArgument);
    expect(err?.rawMessage).not.toMatch(/received undefined/);
    const [detail] = err!.findDetails(BadRequestSchema);
    expect(detail?.fieldViolations.map((v) => ({ field: v.field, message: v.description }))).toEqual(problem.errors);
    expect(err!.metadata.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each(TRANSPORTS)("%s: unknown services and methods get UNIMPLEMENTED", async (transport) => {
    const t =
      transport === "grpc"
        ? createGrpcTransport({ baseUrl: server.url })
        : transport === "grpc-web"
          ? createGrpcWebTransport({ baseUrl: server.url, httpVersion: "1.1" })
          : createConnectTransport({ baseUrl: server.url, httpVersion: "1.1" });
    const method = ExecutiveService.method.getExecutive;
    for (const [desc, words] of [
      [{ ...method, parent: { ...ExecutiveService, typeName: "no.such.Service" } }, "unknown service no.such.Service"],
      [{ ...method, name: "Nope" }, "unknown method Nope for service sovren.v1.ExecutiveService"],
    ] as const) {
      const err = await t.unary(desc as never, undefined, undefined, undefined, { id: "x" }).then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
      expect(err?.code, transport).toBe(Code.Unimplemented);
      expect(err?.rawMessage).toBe(words);
    }
    // A server stream to an unknown method.
    const watch = { ...OperationService.method.watchOperation, name: "WatchNothing" };
    const streamErr = await (async () => {
      const res = await t.stream(watch as never, undefined, undefined, undefined, (async function* () {
        yield { operationId: "x" };
      })() as never);
      for await (const _ of res.message) void _;
    })().then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
    expect(streamErr?.code, `${transport} stream`).toBe(Code.Unimplemented);
  });

  it("Connect unary over raw HTTP: 404 with the Connect error; a REST-looking request stays problem+json", async () => {
    const res = await fetch(`${server.url}/no.such.Service/Method`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ code: "unimplemented", message: "unknown service no.such.Service" });
    const get = await fetch(`${server.url}/no.such.Service/Method`);
    expect(get.status).toBe(404);
    expect(get.headers.get("content-type")).toBe("application/problem+json");
    const restMissing = await rest(server, token, "/v1/nothing-here");
    expect(restMissing.headers.get("content-type")).toBe("application/problem+json");
  });

  it("grpc.health.v1 answers over gRPC-Web and Connect too, without credentials", async () => {
    for (const t of [createGrpcWebTransport({ baseUrl: server.url, httpVersion: "1.1" }), createConnectTransport({ baseUrl: server.url, httpVersion: "1.1" })]) {
      const res = await createClient(Health, t).check({ service: "sovren.v1.OperationService" });
      expect(res.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    }
  });
});
