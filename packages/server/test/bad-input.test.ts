// Issue 9's bad-input corpus, on every transport and both databases: NUL and
// lone surrogates in every stored string field and in query filters,
// malformed percent-encoding on every id route, a page token past int64, and
// simulation inputs past the contract's bounds. Always 400 / INVALID_ARGUMENT
// naming the field; never 5xx; never a stored U+FFFD.
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  CommissionExecutiveRequestSchema,
  CommunicationService,
  ExecutiveService,
  OperationService,
  SimulationService,
} from "@sovren/contracts/proto";
import { Problem } from "@sovren/contracts/zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, postgresReachable, rest, rpcClient, startTestServer, type TestServer, type Transport } from "./harness.js";

const pgOk = await postgresReachable();
const NUL = "a\u0000b";
const LONE = "a\ud800b";
const BIG_TOKEN = "djE6OTk5OTk5OTk5OTk5OTk5OTk5OQ"; // base64url("v1:9999999999999999999"), past int64
const BAD_ENCODINGS = ["%ZZ", "%FF", "%C0%AF", "%ED%A0%80", "%E0%A4%A", "%"];
const RPC_TRANSPORTS: Transport[] = ["connect", "grpc", "grpc-web"];

/** A request with one bad string, and the field the violation must name. */
interface BadString {
  what: string;
  field: string;
  path: string;
  method: "POST" | "PATCH";
  body: (bad: string) => Record<string, unknown>;
}

async function expectInvalid(res: Response, field: string, label: string) {
  expect(res.status, `${label}: status`).toBe(400);
  const p = Problem.parse(await res.json());
  expect(p.code, label).toBe("invalid_argument");
  const fields = (p.errors ?? []).map((e) => e.field);
  expect(fields.some((f) => f === field || f.startsWith(`${field}.`) || f.startsWith(`${field}[`)), `${label}: fields ${JSON.stringify(fields)} name ${field}`).toBe(true);
}

async function rpcCode(p: Promise<unknown>): Promise<{ code: Code | "ok"; message: string }> {
  return p.then(
    () => ({ code: "ok" as const, message: "" }),
    (e) => {
      const err = ConnectError.from(e);
      return { code: err.code, message: err.rawMessage };
    },
  );
}

describe.each(BACKENDS)("bad input over %s", (backend) => {
  let server: TestServer;
  let token: string;
  let executiveId: string;
  let operationId: string;
  let messageId: string;
  const skip = backend === "postgres" && !pgOk;

  beforeAll(async () => {
    if (skip) return;
    server = (await startTestServer(backend))!;
    token = await server.token("badinput");
    const made = await rest(server, token, "/v1/executives", { method: "POST", json: { role: "Chief Strategy Officer", name: "Aurora", skills: ["forecasting"] } });
    executiveId = ((await made.json()) as { executiveId: string }).executiveId;
    const op = await rest(server, token, "/v1/simulations:run", { method: "POST", json: { userId: "u1", scenario: "s", trials: 10 } });
    operationId = ((await op.json()) as { operationId: string }).operationId;
    const msg = await rest(server, token, "/v1/communications", { method: "POST", json: { executiveId, recipient: "r@example.com", message: "hello" } });
    messageId = ((await msg.json()) as { messageId: string }).messageId;
  });
  afterAll(async () => server?.close());

  const stringCases = (): BadString[] => [
    { what: "commission role", field: "role", path: "/v1/executives", method: "POST", body: (b) => ({ role: b, name: "N1" }) },
    { what: "commission name", field: "name", path: "/v1/executives", method: "POST", body: (b) => ({ role: "R", name: b }) },
    { what: "commission skills[]", field: "skills", path: "/v1/executives", method: "POST", body: (b) => ({ role: "R", name: "N2", skills: ["ok", b] }) },
    { what: "commission voiceProfile", field: "voiceProfile", path: "/v1/executives", method: "POST", body: (b) => ({ role: "R", name: "N3", voiceProfile: b }) },
    { what: "update name", field: "name", path: `/v1/executives/${executiveId}`, method: "PATCH", body: (b) => ({ name: b }) },
    { what: "update role", field: "role", path: `/v1/executives/${executiveId}`, method: "PATCH", body: (b) => ({ role: b }) },
    { what: "update skills[]", field: "skills", path: `/v1/executives/${executiveId}`, method: "PATCH", body: (b) => ({ skills: [b] }) },
    { what: "update voiceProfile", field: "voiceProfile", path: `/v1/executives/${executiveId}`, method: "PATCH", body: (b) => ({ voiceProfile: b }) },
    { what: "retire reason", field: "reason", path: `/v1/executives/${executiveId}:retire`, method: "POST", body: (b) => ({ reason: b }) },
    { what: "simulation userId", field: "userId", path: "/v1/simulations:run", method: "POST", body: (b) => ({ userId: b, scenario: "s" }) },
    { what: "simulation scenario", field: "scenario", path: "/v1/simulations:run", method: "POST", body: (b) => ({ userId: "u", scenario: b }) },
    { what: "simulation factors[].name", field: "factors", path: "/v1/simulations:run", method: "POST", body: (b) => ({ userId: "u", scenario: "s", factors: [{ name: b, weight: 1 }] }) },
    { what: "communication recipient", field: "recipient", path: "/v1/communications", method: "POST", body: (b) => ({ executiveId, recipient: b, message: "m" }) },
    { what: "communication message", field: "message", path: "/v1/communications", method: "POST", body: (b) => ({ executiveId, recipient: "r", message: b }) },
  ];

  it.skipIf(skip)("REST: NUL and lone surrogates in every stored string field → 400 naming the field", async () => {
    for (const bad of [NUL, LONE]) {
      for (const c of stringCases()) {
        const res = await rest(server, token, c.path, { method: c.method, json: c.body(bad) });
        await expectInvalid(res, c.field, `${c.what} ${JSON.stringify(bad)}`);
      }
    }
  });

  it.skipIf(skip)("REST: NUL, lone surrogates and malformed encoding in query filters → 400 naming the parameter", async () => {
    const cases: [string, string][] = [
      ["/v1/executives?role=%00", "role"],
      ["/v1/executives?role=a%00b", "role"],
      ["/v1/executives?role=%ED%A0%80", "role"],
      ["/v1/executives?role=%FF", "role"],
      ["/v1/executives?role=%ZZ", "role"],
      ["/v1/operations?executiveId=%00", "executiveId"],
      ["/v1/communications?executiveId=%C0%AF", "executiveId"],
      ["/v1/communications:watch?executiveId=%00", "executiveId"],
    ];
    for (const [path, field] of cases) await expectInvalid(await rest(server, token, path), field, path);
  });

  it.skipIf(skip)("REST: malformed percent-encoding on every id route → 400 naming the path parameter", async () => {
    const routes: [string, string, (id: string) => string][] = [
      ["GET", "id", (id) => `/v1/executives/${id}`],
      ["PATCH", "id", (id) => `/v1/executives/${id}`],
      ["POST", "id", (id) => `/v1/executives/${id}:retire`],
      ["GET", "operationId", (id) => `/v1/operations/${id}`],
      ["POST", "operationId", (id) => `/v1/operations/${id}:cancel`],
      ["POST", "operationId", (id) => `/v1/operations/${id}:wait`],
      ["GET", "operationId", (id) => `/v1/operations/${id}:watch`],
      ["GET", "messageId", (id) => `/v1/communications/${id}`],
    ];
    for (const [method, field, path] of routes) {
      for (const enc of BAD_ENCODINGS) {
        const init = method === "GET" ? { method } : { method, json: {} };
        await expectInvalid(await rest(server, token, path(enc), init), field, `${method} ${path(enc)}`);
      }
      // A NUL that decodes fine is still not a UUID.
      const init = method === "GET" ? { method } : { method, json: {} };
      await expectInvalid(await rest(server, token, path("%00"), init), field, `${method} ${path("%00")}`);
    }
  });

  it.skipIf(skip)("REST: an empty Idempotency-Key → 400 naming it, also on a POST that ignores keys (WaitOperation)", async () => {
    const headers = { "Idempotency-Key": "" };
    await expectInvalid(
      await rest(server, token, "/v1/executives", { method: "POST", headers, json: { role: "R", name: `k-${Date.now()}` } }),
      "Idempotency-Key",
      "commission",
    );
    const op = (await (await rest(server, token, "/v1/simulations:run", { method: "POST", json: { userId: "u", scenario: "s" } })).json()) as { operationId: string };
    await expectInvalid(
      await rest(server, token, `/v1/operations/${op.operationId}:wait`, { method: "POST", headers, json: {} }),
      "Idempotency-Key",
      "wait",
    );
  });

  it.skipIf(skip)("REST: a page token past int64, or not of the issued shape, → 400 naming pageToken on every list", async () => {
    for (const list of ["/v1/executives", "/v1/operations", "/v1/communications"]) {
      for (const t of [BIG_TOKEN, "djE6LTE", "not-a-token", "djE6MTIz%00"]) {
        await expectInvalid(await rest(server, token, `${list}?pageToken=${t}`), "pageToken", `${list} ${t}`);
      }
      // Empty text values are unset fields (proto3), as over Connect; an empty number is no number.
      const textFilter = list === "/v1/executives" ? "role" : "executiveId";
      expect((await rest(server, token, `${list}?pageToken=&${textFilter}=`)).status).toBe(200);
      await expectInvalid(await rest(server, token, `${list}?pageSize=`), "pageSize", `${list} pageSize=`);
      const enumFilter = list === "/v1/communications" ? "status" : "state";
      await expectInvalid(await rest(server, token, `${list}?${enumFilter}=`), enumFilter, `${list} ${enumFilter}=`);
      // The tokens the server issues still work.
      expect((await rest(server, token, `${list}?pageSize=1`)).status).toBe(200);
    }
  });

  it.skipIf(skip)("REST: simulation inputs past the contract's bounds → 400 naming the field", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ factors: [{ name: "f", weight: 1e308, mean: 1e308, stddev: 1 }] }, "factors"],
      [{ factors: [{ name: "f", weight: 1, mean: 1, stddev: 1e7 }] }, "factors"],
      [{ factors: [{ name: "f", weight: -1e6 - 1 }] }, "factors"],
      [{ threshold: 1e16 }, "threshold"],
      [{ threshold: -1e16 }, "threshold"],
    ];
    for (const [extra, field] of cases) {
      const res = await rest(server, token, "/v1/simulations:run", { method: "POST", json: { userId: "u", scenario: "s", ...extra } });
      await expectInvalid(res, field, JSON.stringify(extra));
    }
    // At the bounds the run succeeds with finite statistics.
    const edge = { name: "f", weight: -1e6, mean: 1e6, stddev: 1e6 };
    const ok = await rest(server, token, "/v1/simulations:run", {
      method: "POST",
      headers: { prefer: "wait=20" },
      json: { userId: "u", scenario: "edge", trials: 1000, threshold: 1e15, factors: Array(32).fill(edge) },
    });
    expect(ok.status).toBe(202);
    let op = (await ok.json()) as { operationId: string; done: boolean; state: string; result?: Record<string, number> };
    for (let i = 0; i < 100 && !op.done; i++) {
      op = (await (await rest(server, token, `/v1/operations/${op.operationId}:wait`, { method: "POST", json: { timeout: "5s" } })).json()) as typeof op;
    }
    expect(op.state).toBe("OPERATION_STATE_SUCCEEDED");
    for (const k of ["expectedValue", "stddev", "p05", "p95", "confidence"]) expect(Number.isFinite(op.result?.[k]), k).toBe(true);
  });

  it.skipIf(skip)("Connect, gRPC and gRPC-Web: the same validators refuse NUL, bounds and bad tokens with INVALID_ARGUMENT naming the field", async () => {
    for (const transport of RPC_TRANSPORTS) {
      const execs = rpcClient(server, ExecutiveService, token, transport);
      const sims = rpcClient(server, SimulationService, token, transport);
      const comms = rpcClient(server, CommunicationService, token, transport);
      const ops = rpcClient(server, OperationService, token, transport);
      const cases: [string, Promise<unknown>, string][] = [
        ["commission name", execs.commissionExecutive({ role: "R", name: NUL }), "name"],
        ["commission role", execs.commissionExecutive({ role: NUL, name: "N" }), "role"],
        ["commission skills", execs.commissionExecutive({ role: "R", name: "N", skills: [NUL] }), "skills"],
        ["commission voiceProfile", execs.commissionExecutive({ role: "R", name: "N", voiceProfile: NUL }), "voiceProfile"],
        ["update name", execs.updateExecutive({ id: executiveId, name: NUL }), "name"],
        ["update skills", execs.updateExecutive({ id: executiveId, skills: [NUL] }), "skills"],
        ["retire reason", execs.retireExecutive({ id: executiveId, reason: NUL }), "reason"],
        ["list role filter", execs.listExecutives({ role: NUL }), "role"],
        ["list big token", execs.listExecutives({ pageToken: BIG_TOKEN }), "pageToken"],
        ["list ops big token", ops.listOperations({ pageToken: BIG_TOKEN }), "pageToken"],
        ["list comms big token", comms.listCommunications({ pageToken: BIG_TOKEN }), "pageToken"],
        ["get id NUL", execs.getExecutive({ id: NUL }), "id"],
        ["run userId", sims.runSimulation({ userId: NUL, scenario: "s" }), "userId"],
        ["run scenario", sims.runSimulation({ userId: "u", scenario: NUL }), "scenario"],
        ["run factor name", sims.runSimulation({ userId: "u", scenario: "s", factors: [{ name: NUL, weight: 1 }] }), "factors"],
        ["run huge factor", sims.runSimulation({ userId: "u", scenario: "s", factors: [{ name: "f", weight: 1e308, mean: 1e308, stddev: 1 }] }), "factors"],
        ["run NaN factor", sims.runSimulation({ userId: "u", scenario: "s", factors: [{ name: "f", weight: Number.NaN }] }), "factors"],
        ["run infinite threshold", sims.runSimulation({ userId: "u", scenario: "s", threshold: Number.POSITIVE_INFINITY }), "threshold"],
        ["send recipient", comms.sendCommunication({ executiveId, recipient: NUL, message: "m" }), "recipient"],
        ["send message", comms.sendCommunication({ executiveId, recipient: "r", message: NUL }), "message"],
      ];
      // All calls are in flight at once: handle each rejection now, or one that
      // settles while an earlier one is awaited is reported as unhandled.
      for (const [, call] of cases) call.catch(() => undefined);
      for (const [what, call, field] of cases) {
        const { code, message } = await rpcCode(call);
        expect(code, `${transport} ${what}: ${message}`).toBe(Code.InvalidArgument);
        expect(message, `${transport} ${what}`).toContain(field);
      }
    }
  });

  it.skipIf(skip)("Connect JSON: lone surrogates in string fields → INVALID_ARGUMENT naming the field", async () => {
    // The rpcClient's transports all send protobuf binary, whose UTF-8 encoder
    // turns a lone surrogate into U+FFFD before it leaves the client; Connect's
    // JSON codec carries it as "\ud800", so send that by hand.
    const cases: [string, Record<string, unknown>, string][] = [
      ["ExecutiveService/CommissionExecutive", { role: "R", name: LONE }, "name"],
      ["ExecutiveService/CommissionExecutive", { role: "R", name: "N", skills: [LONE] }, "skills"],
      ["ExecutiveService/ListExecutives", { role: LONE }, "role"],
      ["SimulationService/RunSimulation", { userId: "u", scenario: LONE }, "scenario"],
      ["SimulationService/RunSimulation", { userId: "u", scenario: "s", factors: [{ name: LONE }] }, "name"],
      ["CommunicationService/SendCommunication", { executiveId, recipient: "r", message: LONE }, "message"],
    ];
    for (const [method, body, field] of cases) {
      const res = await fetch(`${server.url}/sovren.v1.${method}`, {
        method: "POST",
        headers: { "content-type": "application/json", "connect-protocol-version": "1", authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
      const err = (await res.json()) as { code: string; message: string };
      expect(res.status, `${method} ${field}`).toBe(400);
      expect(err.code).toBe("invalid_argument");
      expect(err.message, `${method}`).toContain(field);
    }
  });

  it.skipIf(skip)("Connect binary: invalid UTF-8 in a string field (an encoded surrogate) → INVALID_ARGUMENT, nothing stored", async () => {
    // Build the message with a 3-byte placeholder, then overwrite it with ED A0 80 (U+D800 as if UTF-8).
    const bytes = toBinary(CommissionExecutiveRequestSchema, create(CommissionExecutiveRequestSchema, { role: "R", name: "aQQQb" }));
    const at = Buffer.from(bytes).indexOf(Buffer.from("QQQ"));
    bytes.set([0xed, 0xa0, 0x80], at);
    const res = await fetch(`${server.url}/sovren.v1.ExecutiveService/CommissionExecutive`, {
      method: "POST",
      headers: { "content-type": "application/proto", "connect-protocol-version": "1", authorization: `Bearer ${token}` },
      body: bytes,
    });
    expect(res.status).toBe(400);
    const err = (await res.json()) as { code: string; message: string };
    expect(err.code).toBe("invalid_argument");
    // Refused while decoding, before any handler; connect-node's message does not name the
    // field (that would take the Connect transport's own decoding, outside this suite).
    expect(err.message).toMatch(/utf-8/i);
    const list = (await (await rest(server, token, "/v1/executives?pageSize=100")).json()) as { executives: { name: string }[] };
    expect(list.executives.map((e) => e.name)).toEqual(["Aurora"]);
  });

  it.skipIf(skip)("stores nothing with U+FFFD or NUL, and the server stays healthy", async () => {
    const list = (await (await rest(server, token, "/v1/executives?pageSize=100")).json()) as { executives: Record<string, unknown>[] };
    const comms = (await (await rest(server, token, "/v1/communications?pageSize=100")).json()) as { communications: Record<string, unknown>[] };
    const ops = (await (await rest(server, token, "/v1/operations?pageSize=100")).json()) as { operations: Record<string, unknown>[] };
    const text = JSON.stringify([list, comms, ops]);
    expect(text).not.toContain("\ufffd");
    expect(text).not.toContain("\\u0000");
    expect(list.executives.map((e) => e.name)).toEqual(["Aurora"]);
    expect(comms.communications).toHaveLength(1);
    expect((await rest(server, undefined, "/v1/health/ready")).status).toBe(200);
  });
});
