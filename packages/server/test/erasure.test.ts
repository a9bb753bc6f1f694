// Erasure of a data subject (issue 13): after POST /v1/subjects:erase no API
// call on any transport returns their data, a scan of every table finds
// neither their user id nor their addresses, the data of others is intact,
// and the audit chains still verify. An erasure whose instance died is
// resumed by the sweep (durable work).
import { randomBytes, randomUUID } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { AuditService, CommunicationService, OperationService, SimulationService } from "@sovren/contracts/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAudit } from "../src/trust/audit-verify.js";
import { BACKENDS, postgresReachable, rest, rpcClient, startTestServer, type TestServer, type Transport } from "./harness.js";

const pgOk = await postgresReachable();
const TRANSPORTS: Transport[] = ["connect", "grpc", "grpc-web"];
const text = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === "bigint" ? String(x) : x));

async function waitDone(server: TestServer, token: string, operationId: string) {
  for (let i = 0; i < 60; i++) {
    const res = await rest(server, token, `/v1/operations/${operationId}:wait`, { method: "POST", json: { timeout: "5s" } });
    const op = (await res.json()) as { done: boolean; state: string; erasureResult?: Record<string, number> };
    if (op.done) return op;
  }
  throw new Error(`operation ${operationId} did not finish`);
}

/** Every row of every table in the schema, as text, read by the superuser. */
async function scanAllTables(server: TestServer): Promise<{ table: string; row: string }[]> {
  return server.db.ownerTransaction(async (tx) => {
    const { rows: tables } = await tx.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
    expect(tables.map((t) => t.tablename)).toEqual(expect.arrayContaining(["operations", "communications", "idempotency_keys", "jobs", "audit_log"]));
    const out: { table: string; row: string }[] = [];
    for (const { tablename } of tables) {
      const { rows } = await tx.query<{ row: string }>(`SELECT t::text AS row FROM "${tablename}" t`);
      for (const r of rows) out.push({ table: tablename, row: r.row });
    }
    return out;
  });
}

describe.each(BACKENDS)("erasure over %s", (backend) => {
  const skip = backend === "postgres" && !pgOk;
  const tag = randomBytes(4).toString("hex");
  const USER = `subject-${tag}`;
  const EMAIL = `erase.${tag}@example.com`;
  const OTHER = `keeper-${tag}`;
  let server: TestServer;
  let admin: string;
  let ids: { ops: string[]; msgs: string[]; otherOp: string; otherMsg: string; exec: string };
  beforeAll(async () => {
    if (skip) return;
    server = (await startTestServer(backend, { jobs: { leaseMs: 2000, heartbeatMs: 500, sweepMs: 250, maxAttempts: 3 } }))!;
    admin = await server.token("erasure-t");
    const post = async (path: string, json: unknown, key?: string) => {
      const res = await rest(server, admin, path, { method: "POST", json, ...(key ? { headers: { "idempotency-key": key } } : {}) });
      expect(res.status, path).toBeLessThan(300);
      return (await res.json()) as any;
    };
    const exec = await post("/v1/executives", { role: "CMO", name: `Eraser ${tag}` });
    const op1 = await post("/v1/simulations:run", { userId: USER, scenario: `private plan of ${USER}`, trials: 200 }, randomUUID());
    const op2 = await rpcClient(server, SimulationService, admin, "grpc").runSimulation({ userId: USER, scenario: "second", trials: 100 });
    const otherOp = await post("/v1/simulations:run", { userId: OTHER, scenario: "kept", trials: 200 }, randomUUID());
    const m1 = await post("/v1/communications", { executiveId: exec.executiveId, recipient: EMAIL, message: `Dear ${USER}` }, randomUUID());
    const m2 = await rpcClient(server, CommunicationService, admin, "connect").sendCommunication({ executiveId: exec.executiveId, recipient: USER, message: "hi" });
    const otherMsg = await post("/v1/communications", { executiveId: exec.executiveId, recipient: `${OTHER}@example.com`, message: "kept" });
    ids = { ops: [op1.operationId, op2.operation!.operationId], msgs: [m1.messageId, m2.communication!.messageId], otherOp: otherOp.operationId, otherMsg: otherMsg.messageId, exec: exec.executiveId };
    await waitDone(server, admin, op1.operationId);
  }, 180_000); // PGlite starts slowly on a loaded machine
  afterAll(async () => server?.close());

  it.skipIf(skip)("refuses non-admins and bad input with a typed 4xx naming the field", async () => {
    const member = await server.token("erasure-t", ["member"]);
    expect((await rest(server, member, "/v1/subjects:erase", { method: "POST", json: { userId: USER } })).status).toBe(403);
    const bad = await rest(server, admin, "/v1/subjects:erase", { method: "POST", json: { userId: "" } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain("userId");
  });

  it.skipIf(skip)("erases the subject: nothing on any transport, nothing in any table, others intact, chains verify", async () => {
    const before = (await scanAllTables(server)).filter((r) => r.row.includes(USER) || r.row.includes(EMAIL));
    expect(before.length).toBeGreaterThan(0);
    const res = await rest(server, admin, "/v1/subjects:erase", { method: "POST", json: { userId: USER, recipients: [EMAIL] }, headers: { "idempotency-key": randomUUID() } });
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as { operationId: string; kind: string; userId: string; parameters: unknown };
    expect(accepted).toMatchObject({ kind: "OPERATION_KIND_ERASURE", userId: "" });
    expect(JSON.stringify(accepted)).not.toContain(USER);
    const done = await waitDone(server, admin, accepted.operationId);
    expect(done).toMatchObject({ state: "OPERATION_STATE_SUCCEEDED", erasureResult: { operationsErased: 2, communicationsErased: 2 } });
    expect(done.erasureResult!.cachedResponsesErased).toBeGreaterThanOrEqual(2);

    // No API on any transport returns their data.
    for (const id of ids.ops) expect((await rest(server, admin, `/v1/operations/${id}`)).status).toBe(404);
    for (const id of ids.msgs) expect((await rest(server, admin, `/v1/communications/${id}`)).status).toBe(404);
    const lists = [
      await (await rest(server, admin, "/v1/operations?pageSize=100")).text(),
      await (await rest(server, admin, "/v1/communications?pageSize=100")).text(),
      await (await rest(server, admin, "/v1/audit?pageSize=100")).text(),
    ];
    for (const t of TRANSPORTS) {
      for (const id of ids.ops) {
        const err = await rpcClient(server, OperationService, admin, t).getOperation({ operationId: id }).then(() => undefined, (e) => ConnectError.from(e));
        expect(err?.code, `${t} ${id}`).toBe(Code.NotFound);
      }
      for (const id of ids.msgs) {
        const err = await rpcClient(server, CommunicationService, admin, t).getCommunication({ messageId: id }).then(() => undefined, (e) => ConnectError.from(e));
        expect(err?.code, `${t} ${id}`).toBe(Code.NotFound);
      }
      lists.push(text(await rpcClient(server, OperationService, admin, t).listOperations({ pageSize: 100 })));
      lists.push(text(await rpcClient(server, CommunicationService, admin, t).listCommunications({ pageSize: 100 })));
      lists.push(text(await rpcClient(server, AuditService, admin, t).listAuditRecords({ pageSize: 100 })));
    }
    for (const body of lists) {
      expect(body).not.toContain(USER);
      expect(body).not.toContain(EMAIL);
    }
    // A scan of every table finds nothing of theirs; the other subject's data is intact.
    const rows = await scanAllTables(server);
    expect(rows.filter((r) => r.row.includes(USER) || r.row.includes(EMAIL))).toEqual([]);
    expect(rows.some((r) => r.table === "operations" && r.row.includes(ids.otherOp))).toBe(true);
    expect(rows.some((r) => r.table === "communications" && r.row.includes(ids.otherMsg))).toBe(true);
    expect((await rest(server, admin, `/v1/operations/${ids.otherOp}`)).status).toBe(200);
    // The ledger has the erasure, and every chain still verifies.
    const audit = (await (await rest(server, admin, "/v1/audit?pageSize=100")).json()) as { records: { action: string; resource: string }[] };
    expect(audit.records.at(-1)).toMatchObject({ action: "subject.erase", resource: `operations/${accepted.operationId}` });
    expect(await verifyAudit(server.db)).toMatchObject({ ok: true });
  });

  it.skipIf(skip)("resumes an erasure whose instance died before running it", async () => {
    const tenant = "erasure-t";
    const opId = randomUUID();
    const victim = `late-${tag}`;
    await rest(server, admin, "/v1/simulations:run", { method: "POST", json: { userId: victim, scenario: "x", trials: 100 } });
    // The state a crash leaves: the erasure's operation and its job, leased by an instance that is gone.
    await server.db.transaction(tenant, async (tx) => {
      await tx.query("INSERT INTO operations (operation_id, tenant_id, user_id, kind, state, parameters, backend) VALUES ($1, $2, '', 'erasure', 'pending', '{}', 'server')", [opId, tenant]);
      await tx.query("INSERT INTO jobs (kind, id, tenant_id, lease_owner, attempts, payload) VALUES ('erasure', $1, $2, $3, 1, $4)", [opId, tenant, randomUUID(), JSON.stringify({ userId: victim, recipients: [] })]);
    });
    const done = await waitDone(server, admin, opId);
    expect(done).toMatchObject({ state: "OPERATION_STATE_SUCCEEDED", erasureResult: { operationsErased: 1 } });
    expect((await scanAllTables(server)).filter((r) => r.row.includes(victim))).toEqual([]);
  });
});
