// The audit ledger (issue 13): one record per state-changing call on REST,
// Connect and gRPC, in chain order; the API lists it (admins) and its head;
// the application role cannot UPDATE or DELETE it; and a superuser who
// disables the trigger and changes, deletes or swaps records is caught by
// `audit verify`, which names the record. The CLI is run on PostgreSQL.
import { spawn } from "node:child_process";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { CommunicationService, ExecutiveService, SimulationService } from "@sovren/contracts/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAudit } from "../src/trust/audit-verify.js";
import { BACKENDS, postgresReachable, rest, rpcClient, startTestServer, type TestServer } from "./harness.js";

const pgOk = await postgresReachable();
const TENANT = "audit-t";
const USER = "subject-7f3a@example.com";

interface Rec { recordId: string; seq: string; action: string; resource: string; actor: string; hash: string; prevHash: string }

async function listAll(server: TestServer, token: string): Promise<Rec[]> {
  const out: Rec[] = [];
  let pageToken = "";
  for (let i = 0; i < 100; i++) {
    const res = await rest(server, token, `/v1/audit?pageSize=3${pageToken ? `&pageToken=${pageToken}` : ""}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { records: Rec[]; nextPageToken: string };
    out.push(...body.records);
    if (!body.nextPageToken) break;
    pageToken = body.nextPageToken;
  }
  return out;
}

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const cli = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", cli, ...args], {
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      env: { PATH: process.env.PATH, SOVREN_LOG_LEVEL: "silent", ...env },
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, out }));
  });
}

describe.each(BACKENDS)("audit ledger over %s", (backend) => {
  let server: TestServer;
  let admin: string;
  let expected: string[];
  const skip = backend === "postgres" && !pgOk;
  // A quick backend that accepts and never answers, so that a run is still
  // RUNNING when it is cancelled (a real cancel, whatever the machine's load).
  const held = new Set<net.Socket>();
  const silent = net.createServer((socket) => void held.add(socket));
  beforeAll(async () => {
    if (skip) return;
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const { port } = silent.address() as net.AddressInfo;
    server = (await startTestServer(backend, {
      inference: { mode: "core", rayServe: { url: `http://127.0.0.1:${port}`, route: "/simulate" }, quickTrialsMax: 100_000, timeoutMs: 60_000, breaker: { failureThreshold: 3, cooldownMs: 5000 } },
    }))!;
    admin = await server.token(TENANT);
    expected = [];
    const post = async (path: string, json: unknown, method = "POST") => {
      const res = await rest(server, admin, path, { method, json });
      expect(res.status, path).toBeLessThan(300);
      return (await res.json()) as any;
    };
    // REST: every mutating call.
    const exec = await post("/v1/executives", { role: "CFO", name: "Ledger" });
    expected.push("executive.commission");
    await post(`/v1/executives/${exec.executiveId}`, { role: "CRO" }, "PATCH");
    expected.push("executive.update");
    const op = await post("/v1/simulations:run", { userId: USER, scenario: "s", trials: 100 });
    expected.push("simulation.run");
    const cancelled = await post(`/v1/operations/${op.operationId}:cancel`, {});
    expect(cancelled.state).toBe("OPERATION_STATE_CANCELLED");
    expected.push("operation.cancel");
    await post("/v1/communications", { executiveId: exec.executiveId, recipient: USER, message: "hello" });
    expected.push("communication.send");
    // Connect and gRPC.
    const viaConnect = await rpcClient(server, ExecutiveService, admin, "connect").commissionExecutive({ role: "COO", name: "Connected" });
    expected.push("executive.commission");
    await rpcClient(server, CommunicationService, admin, "grpc").sendCommunication({ executiveId: viaConnect.executiveId, recipient: USER, message: "via grpc" });
    expected.push("communication.send");
    await rpcClient(server, SimulationService, admin, "grpc").runSimulation({ userId: USER, scenario: "g", trials: 100 });
    expected.push("simulation.run");
    await rpcClient(server, ExecutiveService, admin, "grpc").retireExecutive({ id: viaConnect.executiveId, reason: "done" });
    expected.push("executive.retire");
    // Reads leave no record.
    await rest(server, admin, "/v1/executives");
  }, 180_000); // PGlite starts slowly on a loaded machine
  afterAll(async () => {
    await server?.close();
    for (const socket of held) socket.destroy();
    silent.close();
  });

  it.skipIf(skip)("records every mutating call in order, without personal data, and verifies", async () => {
    const records = await listAll(server, admin);
    expect(records.map((r) => r.action)).toEqual(expected);
    expect(records.map((r) => r.seq)).toEqual(expected.map((_, i) => String(i + 1)));
    const text = JSON.stringify(records);
    expect(text).not.toContain(USER);
    expect(text).not.toContain(`user-${TENANT}`);
    const head = (await (await rest(server, admin, "/v1/audit/head")).json()) as { seq: string; hash: string; recordId: string };
    expect(head).toEqual({ seq: String(records.length), hash: records.at(-1)!.hash, recordId: records.at(-1)!.recordId });
    const viewer = await server.token(TENANT, ["viewer"]);
    expect((await rest(server, viewer, "/v1/audit")).status).toBe(403);
    expect((await rest(server, viewer, "/v1/audit/head")).status).toBe(200);
    const other = await server.token("audit-other");
    expect(((await (await rest(server, other, "/v1/audit")).json()) as { records: unknown[] }).records).toEqual([]);
    const result = await verifyAudit(server.db);
    expect(result.ok).toBe(true);
    expect(result.chains.find((c) => c.tenantId === TENANT)).toMatchObject({ records: records.length, head: { seq: head.seq, hash: head.hash } });
  });

  it.skipIf(skip)("refuses UPDATE and DELETE by the application role, and by anyone while the trigger is on", async () => {
    for (const sql of ["UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"]) {
      await expect(server.db.transaction(TENANT, (tx) => tx.query(sql)), sql).rejects.toThrow(/permission denied|append-only/);
      await expect(server.db.ownerTransaction((tx) => tx.query(sql)), sql).rejects.toThrow(/append-only/);
    }
    await expect(server.db.ownerTransaction((tx) => tx.query("TRUNCATE audit_log"))).rejects.toThrow(/append-only/);
    expect((await verifyAudit(server.db, { tenantId: TENANT })).ok).toBe(true);
  });

  it.skipIf(skip)("detects a changed, a deleted and two swapped records, naming each", async () => {
    const records = await listAll(server, admin);
    const tamper = (sql: string, params: unknown[] = []) =>
      server.db.ownerTransaction(async (tx) => {
        await tx.exec("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only");
        await tx.query(sql, params);
        await tx.exec("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only");
      });
    const expectBroken = async (recordId: string, problem: RegExp) => {
      const result = await verifyAudit(server.db);
      expect(result.ok).toBe(false);
      expect(result.broken).toMatchObject({ tenantId: TENANT, recordId });
      expect(result.broken!.problem).toMatch(problem);
    };
    // Changed.
    const changed = records[2]!;
    await tamper("UPDATE audit_log SET resource = 'operations/00000000-0000-0000-0000-000000000000' WHERE id = $1", [changed.recordId]);
    await expectBroken(changed.recordId, /does not match its hash/);
    await tamper("UPDATE audit_log SET resource = $2 WHERE id = $1", [changed.recordId, changed.resource]);
    expect((await verifyAudit(server.db)).ok).toBe(true);
    // Deleted: the next record is named, with the missing seq.
    const { rows } = await server.db.ownerTransaction((tx) => tx.query("SELECT * FROM audit_log WHERE id = $1", [records[3]!.recordId]));
    await tamper("DELETE FROM audit_log WHERE id = $1", [records[3]!.recordId]);
    await expectBroken(records[4]!.recordId, /seq is 5 where 4 was expected/);
    const row = rows[0]!;
    const cols = Object.keys(row);
    await tamper(`INSERT INTO audit_log (${cols.join(", ")}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(", ")})`, cols.map((c) => row[c]));
    expect((await verifyAudit(server.db)).ok).toBe(true);
    // Swapped (records 2 and 3 exchange places in the chain).
    const [a, b] = [records[1]!, records[2]!];
    await tamper("UPDATE audit_log SET seq = -1 WHERE id = $1", [a.recordId]);
    await tamper("UPDATE audit_log SET seq = 2 WHERE id = $1", [b.recordId]);
    await tamper("UPDATE audit_log SET seq = 3 WHERE id = $1", [a.recordId]);
    await expectBroken(b.recordId, /prev_hash .* differs/);
    await tamper("UPDATE audit_log SET seq = -1 WHERE id = $1", [b.recordId]);
    await tamper("UPDATE audit_log SET seq = 2 WHERE id = $1", [a.recordId]);
    await tamper("UPDATE audit_log SET seq = 3 WHERE id = $1", [b.recordId]);
    expect((await verifyAudit(server.db)).ok).toBe(true);
    // Truncated at the tail: caught only against a head kept outside.
    const last = records.at(-1)!;
    await tamper("DELETE FROM audit_log WHERE id = $1", [last.recordId]);
    expect((await verifyAudit(server.db)).ok).toBe(true);
    const truncated = await verifyAudit(server.db, { tenantId: TENANT, expectedHead: { seq: last.seq, hash: last.hash } });
    expect(truncated.broken?.problem).toMatch(/truncated/);
  });

  it.skipIf(backend !== "postgres" || !pgOk)("`sovren-server audit verify` exits 0, and 1 naming the record after tampering", { timeout: 180_000 }, async () => {
    const env = { DATABASE_URL: server.config.databaseUrl! };
    const good = await runCli(["audit", "verify"], env);
    expect(good.out).toMatch(new RegExp(`ok   tenant ${TENANT}: \\d+ records`));
    expect(good.code).toBe(0);
    const victim = (await listAll(server, admin))[1]!;
    await server.db.ownerTransaction(async (tx) => {
      await tx.exec("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only");
      await tx.query("UPDATE audit_log SET action = 'executive.retire' WHERE id = $1", [victim.recordId]);
      await tx.exec("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only");
    });
    const bad = await runCli(["audit", "verify", "--tenant", TENANT], env);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain(`FAIL tenant ${TENANT}: record ${victim.recordId} (seq ${victim.seq}): content does not match its hash`);
  });
});
