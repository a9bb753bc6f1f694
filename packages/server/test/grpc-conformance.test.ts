// gRPC conformance with an independent client: @grpc/grpc-js and
// @grpc/proto-loader load the .proto files from proto/ (nothing of connect-es
// or protobuf-es on the client side), as a Python grpcio or grpcurl user would.
// Against a real server on PGlite and PostgreSQL: every RPC of the five sovren
// services answers; bad input gets INVALID_ARGUMENT with a google.rpc.BadRequest
// detail naming the field (never INTERNAL/UNKNOWN); grpc.health.v1 and server
// reflection (v1, v1alpha) work; unknown services and methods get
// UNIMPLEMENTED; cancelling many open watches logs no error.
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import protobuf from "protobufjs";
import "protobufjs/ext/descriptor/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../src/observability/logger.js";
import { BACKENDS, postgresReachable, startTestServer, type TestServer } from "./harness.js";

const pgOk = await postgresReachable();
const PROTO_DIR = fileURLToPath(new URL("../../../proto", import.meta.url));
const FILES = [
  "sovren/v1/executives.proto",
  "sovren/v1/simulations.proto",
  "sovren/v1/operations.proto",
  "sovren/v1/communications.proto",
  "sovren/v1/health.proto",
  "grpc/health/v1/health.proto",
  "grpc/reflection/v1/reflection.proto",
  "grpc/reflection/v1alpha/reflection.proto",
];
const definition = protoLoader.loadSync(FILES, {
  includeDirs: [PROTO_DIR],
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});
const loaded = grpc.loadPackageDefinition(definition) as any;
type Ctor = new (address: string, creds: grpc.ChannelCredentials) => grpc.Client & Record<string, any>;
const Services = {
  executives: loaded.sovren.v1.ExecutiveService as Ctor,
  simulations: loaded.sovren.v1.SimulationService as Ctor,
  operations: loaded.sovren.v1.OperationService as Ctor,
  communications: loaded.sovren.v1.CommunicationService as Ctor,
  health: loaded.sovren.v1.HealthService as Ctor,
  grpcHealth: loaded.grpc.health.v1.Health as Ctor,
  reflectionV1: loaded.grpc.reflection.v1.ServerReflection as Ctor,
  reflectionV1alpha: loaded.grpc.reflection.v1alpha.ServerReflection as Ctor,
};

// google.rpc.Status and BadRequest, decoded with protobufjs from our restated protos.
const rpcRoot = new protobuf.Root();
rpcRoot.resolvePath = (_origin, target) => (target.startsWith("google/protobuf/") ? target : `${PROTO_DIR}/${target}`);
rpcRoot.loadSync(["google/rpc/status.proto", "google/rpc/error_details.proto"]);
const StatusType = rpcRoot.lookupType("google.rpc.Status");
const BadRequestType = rpcRoot.lookupType("google.rpc.BadRequest");

interface Violation {
  field: string;
  description: string;
}

/** The BadRequest field violations carried in grpc-status-details-bin. */
function badRequestOf(err: grpc.ServiceError): Violation[] {
  const bins = err.metadata?.get("grpc-status-details-bin") ?? [];
  expect(bins.length, "grpc-status-details-bin trailer").toBe(1);
  const status = StatusType.toObject(StatusType.decode(bins[0] as Buffer), { defaults: true }) as {
    code: number;
    details: { typeUrl?: string; type_url?: string; value: Uint8Array }[];
  };
  expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
  const detail = status.details.map((d: any) => ({ typeUrl: d.typeUrl ?? d.type_url, value: d.value })).find((d) => d.typeUrl === "type.googleapis.com/google.rpc.BadRequest");
  expect(detail, "a google.rpc.BadRequest detail").toBeDefined();
  const br = BadRequestType.toObject(BadRequestType.decode(detail!.value), { defaults: true }) as { fieldViolations: Violation[] };
  return br.fieldViolations;
}

function unary<T = any>(client: any, method: string, request: unknown, md: grpc.Metadata): Promise<T> {
  return new Promise((resolve, reject) =>
    client[method](request, md, { deadline: Date.now() + 20_000 }, (err: grpc.ServiceError | null, res: T) => (err ? reject(err) : resolve(res))),
  );
}

async function failure(p: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await p;
  } catch (err) {
    return err as grpc.ServiceError;
  }
  throw new Error("expected the call to fail");
}

/** First `n` messages of a server stream, then cancels it. */
function firstMessages<T = any>(call: grpc.ClientReadableStream<T>, n: number): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const got: T[] = [];
    call.on("data", (m: T) => {
      got.push(m);
      if (got.length === n) {
        call.cancel();
        resolve(got);
      }
    });
    call.on("error", (e: grpc.ServiceError) => (e.code === grpc.status.CANCELLED ? resolve(got) : reject(e)));
    call.on("end", () => resolve(got));
  });
}

/** One reflection exchange over a bidi stream. */
function reflect(client: any, requests: object[]): Promise<any[]> {
  return new Promise((resolve, reject) => {
    const call = client.ServerReflectionInfo();
    const out: any[] = [];
    call.on("data", (m: any) => {
      out.push(m);
      if (out.length === requests.length) call.end();
    });
    call.on("error", reject);
    call.on("end", () => resolve(out));
    for (const r of requests) call.write(r);
  });
}

/** protobufjs Root built from serialized FileDescriptorProtos (what a reflection client does). */
function rootFromDescriptors(files: Uint8Array[]): protobuf.Root {
  const writer = protobuf.Writer.create();
  for (const f of files) writer.uint32((1 << 3) | 2).bytes(f);
  return (protobuf.Root as any).fromDescriptor(writer.finish());
}

const uuid = () => crypto.randomUUID();

describe.each(BACKENDS)("gRPC conformance over %s (grpc-js client)", (backend) => {
  let server: TestServer | undefined;
  let address = "";
  let md: grpc.Metadata;
  let c: Record<keyof typeof Services, any>;
  let executiveId = "";
  let operationId = "";

  beforeAll(async () => {
    server = await startTestServer(backend);
    if (!server) return;
    address = new URL(server.url).host;
    md = new grpc.Metadata();
    md.set("authorization", `Bearer ${await server.token(`grpc-${randomBytes(4).toString("hex")}`)}`);
    c = Object.fromEntries(
      Object.entries(Services).map(([k, S]) => [k, new S(address, grpc.credentials.createInsecure())]),
    ) as typeof c;
    const created = await unary(c.executives, "CommissionExecutive", { role: "Chief Strategy Officer", name: "Aurora", skills: ["forecasting"] }, md);
    executiveId = created.executive_id;
    const run = await unary(c.simulations, "RunSimulation", { user_id: "u-1", scenario: "Enter APAC in Q3", executive_id: executiveId, trials: 1000, seed: 7 }, md);
    operationId = run.operation.operation_id;
  }, 60_000);

  afterAll(async () => {
    if (c) for (const client of Object.values(c)) client.close();
    await server?.close();
  });

  describe.skipIf(backend === "postgres" && !pgOk)("every RPC", () => {
    it("ExecutiveService: Commission, Get, List, Update, Retire", async () => {
      const got = await unary(c.executives, "GetExecutive", { id: executiveId }, md);
      expect(got.executive).toMatchObject({ id: executiveId, name: "Aurora", state: "EXECUTIVE_STATE_ACTIVE" });
      const list = await unary(c.executives, "ListExecutives", { page_size: 10 }, md);
      expect(list.executives.map((e: any) => e.id)).toContain(executiveId);
      const other = await unary(c.executives, "CommissionExecutive", { role: "CFO", name: `Nova-${uuid()}` }, md);
      expect(other.status).toBe("active");
      const updated = await unary(c.executives, "UpdateExecutive", { id: other.executive_id, role: "Chief Financial Officer", update_mask: { paths: ["role"] } }, md);
      expect(updated.executive.role).toBe("Chief Financial Officer");
      const retired = await unary(c.executives, "RetireExecutive", { id: other.executive_id, reason: "restructuring" }, md);
      expect(retired.executive.state).toBe("EXECUTIVE_STATE_RETIRED");
    });

    it("SimulationService.RunSimulation and OperationService: Get, List, Wait, Watch, Cancel", async () => {
      const done = await unary(c.operations, "WaitOperation", { operation_id: operationId, timeout: { seconds: 10, nanos: 0 } }, md);
      expect(done.operation).toMatchObject({ operation_id: operationId, done: true, state: "OPERATION_STATE_SUCCEEDED" });
      expect(done.operation.result.trials).toBe(1000);
      const got = await unary(c.operations, "GetOperation", { operation_id: operationId }, md);
      expect(got.operation.operation_id).toBe(operationId);
      const list = await unary(c.operations, "ListOperations", { page_size: 5, executive_id: executiveId }, md);
      expect(list.operations.map((o: any) => o.operation_id)).toContain(operationId);
      const watched = await firstMessages(c.operations.WatchOperation({ operation_id: operationId }, md), 1);
      expect(watched[0].operation_id ?? watched[0].operation?.operation_id).toBe(operationId);
      const long = await unary(c.simulations, "RunSimulation", { user_id: "u-2", scenario: "long", trials: 1_000_000, mode: "SIMULATION_MODE_BATCH" }, md);
      const cancelled = await unary(c.operations, "CancelOperation", { operation_id: long.operation.operation_id }, md);
      expect(cancelled.operation.operation_id).toBe(long.operation.operation_id);
    });

    it("CommunicationService: Send, Get, List, Watch", async () => {
      const watch = c.communications.WatchCommunications({ executive_id: executiveId }, md);
      const first = firstMessages(watch, 1);
      await new Promise((r) => setTimeout(r, 200));
      const sent = await unary(c.communications, "SendCommunication", { executive_id: executiveId, recipient: "board@example.com", message: "Q3 plan" }, md);
      const id = sent.communication.message_id;
      const got = await unary(c.communications, "GetCommunication", { message_id: id }, md);
      expect(got.communication).toMatchObject({ message_id: id, recipient: "board@example.com" });
      const list = await unary(c.communications, "ListCommunications", { executive_id: executiveId, page_size: 10 }, md);
      expect(list.communications.map((m: any) => m.message_id)).toContain(id);
      const events = await first;
      expect(JSON.stringify(events[0])).toContain(id);
    });

    it("HealthService: CheckHealth and CheckReadiness, without credentials", async () => {
      const none = new grpc.Metadata();
      expect((await unary(c.health, "CheckHealth", {}, none)).status).toBe("SERVING_STATUS_SERVING");
      const ready = await unary(c.health, "CheckReadiness", {}, none);
      expect(ready.status).toBe("SERVING_STATUS_SERVING");
      expect(ready.dependencies.map((d: any) => d.name)).toContain("database");
    });
  });

  describe.skipIf(backend === "postgres" && !pgOk)("bad input: INVALID_ARGUMENT with a google.rpc.BadRequest naming the field", () => {
    const NUL = "a\u0000b";
    // [name, service, method, request (a function: ids are known only after beforeAll), field expected in a violation]
    const cases: [string, keyof typeof Services, string, () => object, string][] = [
      ["empty role", "executives", "CommissionExecutive", () => ({ role: "", name: "X" }), "role"],
      ["empty name", "executives", "CommissionExecutive", () => ({ role: "CEO", name: "" }), "name"],
      ["empty id (GetExecutive)", "executives", "GetExecutive", () => ({ id: "" }), "id"],
      ["empty id (UpdateExecutive)", "executives", "UpdateExecutive", () => ({ id: "", name: "Y" }), "id"],
      ["empty id (RetireExecutive)", "executives", "RetireExecutive", () => ({ id: "" }), "id"],
      ["malformed id (GetExecutive)", "executives", "GetExecutive", () => ({ id: "not-a-uuid" }), "id"],
      ["unknown updateMask path", "executives", "UpdateExecutive", () => ({ id: executiveId, name: "Z", update_mask: { paths: ["bogus"] } }), "updateMask"],
      ["page size out of range", "executives", "ListExecutives", () => ({ page_size: 1000 }), "pageSize"],
      ["random page token (executives)", "executives", "ListExecutives", () => ({ page_token: randomBytes(12).toString("base64url") }), "pageToken"],
      ["random page token (operations)", "operations", "ListOperations", () => ({ page_token: randomBytes(12).toString("base64url") }), "pageToken"],
      ["random page token (communications)", "communications", "ListCommunications", () => ({ page_token: randomBytes(12).toString("base64url") }), "pageToken"],
      ["page token past int64 (executives)", "executives", "ListExecutives", () => ({ page_token: "djE6OTk5OTk5OTk5OTk5OTk5OTk5OQ" }), "pageToken"],
      ["page token past int64 (operations)", "operations", "ListOperations", () => ({ page_token: "djE6OTk5OTk5OTk5OTk5OTk5OTk5OQ" }), "pageToken"],
      ["page token past int64 (communications)", "communications", "ListCommunications", () => ({ page_token: "djE6OTk5OTk5OTk5OTk5OTk5OTk5OQ" }), "pageToken"],
      ["empty userId", "simulations", "RunSimulation", () => ({ user_id: "", scenario: "s" }), "userId"],
      ["empty scenario", "simulations", "RunSimulation", () => ({ user_id: "u", scenario: "" }), "scenario"],
      ["trials out of range", "simulations", "RunSimulation", () => ({ user_id: "u", scenario: "s", trials: 5_000_000 }), "trials"],
      ["huge factor weight 1e308", "simulations", "RunSimulation", () => ({ user_id: "u", scenario: "s", factors: [{ name: "f", weight: 1e308, mean: 0, stddev: 1 }] }), "factors"],
      ["huge factor mean 1e308", "simulations", "RunSimulation", () => ({ user_id: "u", scenario: "s", factors: [{ name: "f", weight: 1, mean: 1e308, stddev: 1 }] }), "factors"],
      ["empty operationId (GetOperation)", "operations", "GetOperation", () => ({ operation_id: "" }), "operationId"],
      ["empty operationId (CancelOperation)", "operations", "CancelOperation", () => ({ operation_id: "" }), "operationId"],
      ["empty operationId (WaitOperation)", "operations", "WaitOperation", () => ({ operation_id: "" }), "operationId"],
      ["empty executiveId (SendCommunication)", "communications", "SendCommunication", () => ({ executive_id: "", recipient: "a@example.com", message: "m" }), "executiveId"],
      ["empty recipient", "communications", "SendCommunication", () => ({ executive_id: executiveId, recipient: "", message: "m" }), "recipient"],
      ["empty message", "communications", "SendCommunication", () => ({ executive_id: executiveId, recipient: "a@example.com", message: "" }), "message"],
      ["empty messageId (GetCommunication)", "communications", "GetCommunication", () => ({ message_id: "" }), "messageId"],
      // NUL bytes in every stored string field, and in list filters.
      ["NUL in name", "executives", "CommissionExecutive", () => ({ role: "CEO", name: NUL }), "name"],
      ["NUL in role", "executives", "CommissionExecutive", () => ({ role: NUL, name: `N-${uuid()}` }), "role"],
      ["NUL in skills[]", "executives", "CommissionExecutive", () => ({ role: "CEO", name: `N-${uuid()}`, skills: ["ok", NUL] }), "skills"],
      ["NUL in voiceProfile", "executives", "CommissionExecutive", () => ({ role: "CEO", name: `N-${uuid()}`, voice_profile: NUL }), "voiceProfile"],
      ["NUL in name (UpdateExecutive)", "executives", "UpdateExecutive", () => ({ id: executiveId, name: NUL }), "name"],
      ["NUL in reason (RetireExecutive)", "executives", "RetireExecutive", () => ({ id: executiveId, reason: NUL }), "reason"],
      ["NUL in scenario", "simulations", "RunSimulation", () => ({ user_id: "u", scenario: NUL }), "scenario"],
      ["NUL in userId", "simulations", "RunSimulation", () => ({ user_id: NUL, scenario: "s" }), "userId"],
      ["NUL in factors[].name", "simulations", "RunSimulation", () => ({ user_id: "u", scenario: "s", factors: [{ name: NUL, weight: 1, mean: 0, stddev: 1 }] }), "factors"],
      ["NUL in recipient", "communications", "SendCommunication", () => ({ executive_id: executiveId, recipient: NUL, message: "m" }), "recipient"],
      ["NUL in message", "communications", "SendCommunication", () => ({ executive_id: executiveId, recipient: "a@example.com", message: NUL }), "message"],
      ["NUL in the role filter (ListExecutives)", "executives", "ListExecutives", () => ({ role: NUL }), "role"],
      ["NUL in the executiveId filter (ListOperations)", "operations", "ListOperations", () => ({ executive_id: NUL }), "executiveId"],
      ["NUL in the executiveId filter (ListCommunications)", "communications", "ListCommunications", () => ({ executive_id: NUL }), "executiveId"],
    ];

    it.each(cases)("%s → INVALID_ARGUMENT", async (_name, service, method, request, field) => {
      const err = await failure(unary(c[service], method, request(), md));
      expect(err.code, `${err.code} ${err.details}`).toBe(grpc.status.INVALID_ARGUMENT);
      const violations = badRequestOf(err);
      expect(violations.map((v) => v.field).join(" "), JSON.stringify(violations)).toContain(field);
      expect(violations.every((v) => v.description.length > 0 && !/received undefined/.test(v.description))).toBe(true);
      // grpc-message is percent-encoded as the gRPC spec says, so every client reads it plainly.
      expect(err.details).not.toMatch(/%[0-9A-F]{2}/);
    });

    it("NUL in the executiveId filter (WatchCommunications) → INVALID_ARGUMENT", async () => {
      const call = c.communications.WatchCommunications({ executive_id: NUL }, md);
      const err = await failure(firstMessages(call, 1));
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(badRequestOf(err).map((v) => v.field).join(" ")).toContain("executiveId");
    });

    it("empty operationId (WatchOperation) → INVALID_ARGUMENT", async () => {
      const err = await failure(firstMessages(c.operations.WatchOperation({ operation_id: "" }, md), 1));
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(badRequestOf(err).map((v) => v.field).join(" ")).toContain("operationId");
    });
  });

  describe.skipIf(backend === "postgres" && !pgOk)("grpc.health.v1.Health", () => {
    it("Check answers SERVING overall and for each service, NOT_FOUND for an unknown one", async () => {
      const none = new grpc.Metadata();
      expect((await unary(c.grpcHealth, "Check", { service: "" }, none)).status).toBe("SERVING");
      for (const name of ["ExecutiveService", "SimulationService", "OperationService", "CommunicationService", "HealthService"]) {
        expect((await unary(c.grpcHealth, "Check", { service: `sovren.v1.${name}` }, none)).status).toBe("SERVING");
      }
      const err = await failure(unary(c.grpcHealth, "Check", { service: "no.such.Service" }, none));
      expect(err.code).toBe(grpc.status.NOT_FOUND);
    });

    it("Watch streams the current status, SERVICE_UNKNOWN for an unknown service", async () => {
      const [overall] = await firstMessages(c.grpcHealth.Watch({ service: "" }), 1);
      expect(overall.status).toBe("SERVING");
      const [exec] = await firstMessages(c.grpcHealth.Watch({ service: "sovren.v1.ExecutiveService" }), 1);
      expect(exec.status).toBe("SERVING");
      const [unknown] = await firstMessages(c.grpcHealth.Watch({ service: "no.such.Service" }), 1);
      expect(unknown.status).toBe("SERVICE_UNKNOWN");
    });

    it("List names every service", async () => {
      const res = await unary(c.grpcHealth, "List", {}, new grpc.Metadata());
      expect(Object.keys(res.statuses)).toEqual(expect.arrayContaining(["", "sovren.v1.ExecutiveService", "grpc.health.v1.Health"]));
    });
  });

  describe.skipIf(backend === "postgres" && !pgOk)("server reflection", () => {
    it.each(["reflectionV1", "reflectionV1alpha"] as const)("%s lists services and returns descriptors that resolve a method's input type", async (which) => {
      const [list, bySymbol, byFile, missing, errorDetails] = await reflect(c[which], [
        { list_services: "" },
        { file_containing_symbol: "sovren.v1.ExecutiveService.CommissionExecutive" },
        { file_by_filename: "sovren/v1/operations.proto" },
        { file_containing_symbol: "no.such.Symbol" },
        { file_containing_symbol: "google.rpc.BadRequest" },
      ]);
      const names = list.list_services_response.service.map((s: any) => s.name);
      expect(names).toEqual(
        expect.arrayContaining([
          "sovren.v1.ExecutiveService",
          "sovren.v1.SimulationService",
          "sovren.v1.OperationService",
          "sovren.v1.CommunicationService",
          "sovren.v1.HealthService",
          "grpc.health.v1.Health",
          "grpc.reflection.v1.ServerReflection",
          "grpc.reflection.v1alpha.ServerReflection",
        ]),
      );
      // The descriptors (file and transitive dependencies) are enough to build the types.
      const root = rootFromDescriptors(bySymbol.file_descriptor_response.file_descriptor_proto);
      const svc = root.lookupService("sovren.v1.ExecutiveService");
      const input = root.lookupType(svc.methods["CommissionExecutive"]!.requestType);
      expect(input.fullName).toBe(".sovren.v1.CommissionExecutiveRequest");
      const bytes = input.encode(input.fromObject({ role: "CEO", name: "Vega", skills: ["x"] })).finish();
      expect(input.toObject(input.decode(bytes))).toMatchObject({ role: "CEO", name: "Vega", skills: ["x"] });
      // A reflected request is what the server understands.
      const created: any = await new Promise((resolve, reject) =>
        new grpc.Client(address, grpc.credentials.createInsecure()).makeUnaryRequest(
          "/sovren.v1.ExecutiveService/CommissionExecutive",
          (x: Buffer) => x,
          (x: Buffer) => x,
          Buffer.from(input.encode(input.fromObject({ role: "CEO", name: `Vega-${uuid()}` })).finish()),
          md,
          (err, res) => (err ? reject(err) : resolve(res)),
        ),
      );
      const output = root.lookupType(svc.methods["CommissionExecutive"]!.responseType);
      expect((output.toObject(output.decode(created)) as any).status).toBe("active");

      const opsRoot = rootFromDescriptors(byFile.file_descriptor_response.file_descriptor_proto);
      expect(opsRoot.lookupService("sovren.v1.OperationService").methods["WatchOperation"]!.responseStream).toBe(true);
      expect(missing.error_response.error_code).toBe(grpc.status.NOT_FOUND);
      // Error details are resolvable too (grpcurl decodes an error's Any details this way).
      const rpcTypes = rootFromDescriptors(errorDetails.file_descriptor_response.file_descriptor_proto);
      expect(rpcTypes.lookupType("google.rpc.BadRequest.FieldViolation").fields["description"]).toBeDefined();
    });
  });

  describe.skipIf(backend === "postgres" && !pgOk)("unknown services and methods", () => {
    const call = (path: string) =>
      new Promise<grpc.ServiceError>((resolve, reject) =>
        new grpc.Client(address, grpc.credentials.createInsecure()).makeUnaryRequest(
          path,
          (x: Buffer) => x,
          (x: Buffer) => x,
          Buffer.alloc(0),
          new grpc.Metadata(),
          (err) => (err ? resolve(err) : reject(new Error(`${path} answered`))),
        ),
      );

    it("an unknown service gets UNIMPLEMENTED", async () => {
      const err = await call("/no.such.Service/Method");
      expect(err.code).toBe(grpc.status.UNIMPLEMENTED);
      expect(err.details).toContain("no.such.Service");
    });

    it("an unknown method of a known service gets UNIMPLEMENTED", async () => {
      const err = await call("/sovren.v1.ExecutiveService/DeleteEverything");
      expect(err.code).toBe(grpc.status.UNIMPLEMENTED);
      expect(err.details).toContain("DeleteEverything");
    });
  });
});

describe.each(BACKENDS)("client disconnects over %s", (backend) => {
  it.skipIf(backend === "postgres" && !pgOk)("cancelling 50 open watch streams, then closing the channel, logs no error", async () => {
    const lines: string[] = [];
    const server = await startTestServer(backend, { logger: createLogger("debug", {}, (l) => void lines.push(l)) });
    if (!server) return;
    const md = new grpc.Metadata();
    md.set("authorization", `Bearer ${await server.token("disconnects")}`);
    const address = new URL(server.url).host;
    try {
      const execs = new Services.executives(address, grpc.credentials.createInsecure());
      const sims = new Services.simulations(address, grpc.credentials.createInsecure());
      const { executive_id } = await unary(execs, "CommissionExecutive", { role: "CEO", name: "Watcher" }, md);
      const { operation } = await unary(sims, "RunSimulation", { user_id: "u", scenario: "s", trials: 1_000_000, mode: "SIMULATION_MODE_BATCH" }, md);
      for (const round of ["cancel", "close"] as const) {
        const ops = new Services.operations(address, grpc.credentials.createInsecure());
        const comms = new Services.communications(address, grpc.credentials.createInsecure());
        const health = new Services.grpcHealth(address, grpc.credentials.createInsecure());
        const calls: grpc.ClientReadableStream<unknown>[] = [];
        for (let i = 0; i < 50; i++) {
          const call =
            i % 3 === 0
              ? ops.WatchOperation({ operation_id: operation.operation_id }, md)
              : i % 3 === 1
                ? comms.WatchCommunications({ executive_id }, md)
                : health.Watch({ service: "" });
          call.on("error", () => {});
          call.on("data", () => {});
          calls.push(call);
        }
        await new Promise((r) => setTimeout(r, 500));
        // Keep events flowing while the streams go away, so that writes race the resets.
        const sends = Array.from({ length: 30 }, (_, i) =>
          unary(comms, "SendCommunication", { executive_id, recipient: `r${i}@example.com`, message: "race" }, md).catch(() => undefined),
        );
        await new Promise((r) => setTimeout(r, 20));
        if (round === "cancel") for (const call of calls) call.cancel();
        for (const client of [ops, comms, health]) client.close();
        if (round === "close") for (const call of calls) call.cancel();
        await Promise.all(sends);
        await new Promise((r) => setTimeout(r, 500));
      }
      execs.close();
      sims.close();
      await new Promise((r) => setTimeout(r, 300));
      const errors = lines.filter((l) => JSON.parse(l).level === "error");
      expect(errors).toEqual([]);
    } finally {
      await server.close();
    }
    // The budget covers starting a server of its own (a fresh PGlite is a WebAssembly
    // initdb: 2-3 s idle, nearly 30 s on a loaded 2-core machine) and two rounds of 50
    // streams and 30 sends through PGlite's single connection while a 1M-trial batch
    // runs in the same process. CI measured up to ~65 s under load; nothing here waits
    // on a fixed sleep longer than 0.5 s, so a real hang still fails.
  }, 180_000);
});
