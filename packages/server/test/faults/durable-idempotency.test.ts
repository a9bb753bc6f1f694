// Issue 10: an Idempotency-Key claim left `running` by a crashed instance
// does not block retries. The instance is killed after its work committed but
// before it recorded the response (the claim is put back to `running` to
// stand for that moment); a retry on another instance takes the claim over as
// soon as the dead instance's lease expires, finds what the crashed attempt
// created (the resource id belongs to the key) and completes exactly once.
// A claim whose instance crashed before creating anything runs afresh.
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { createTestDatabase, postgresReachable } from "../harness.js";
import { api, instanceOf, longSimulation, withAdmin } from "../support/durable.js";
import { adminToken } from "../support/api.js";
import { spawnServer, type ServerProcess } from "../support/server-process.js";
import { requestHash } from "../../src/domain/idempotency.js";

const JOB_ENV = { SOVREN_JOB_LEASE_MS: "2000", SOVREN_JOB_HEARTBEAT_MS: "500", SOVREN_JOB_SWEEP_MS: "500", SOVREN_LOG_LEVEL: "info", SOVREN_DELIVERY_DELAY_MS: "3000" };

const servers = new Set<ServerProcess>();
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const s of servers) s.kill("SIGKILL");
  for (const c of cleanups.reverse()) await c();
});

describe("Idempotency-Key claims of a crashed instance", () => {
  it("a retry after a crash completes exactly once", async (ctx) => {
    if (!(await postgresReachable())) return ctx.skip();
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const spawn = async () => {
      const s = await spawnServer({ env: { ...JOB_ENV, DATABASE_URL: db.url }, readyTimeoutMs: 60_000 });
      servers.add(s);
      void s.exited.then(() => servers.delete(s));
      return s;
    };
    const a = await spawn();
    const b = await spawn();
    const tenant = "durable-idem";
    const token = await adminToken(tenant);
    const exec = await api(a.url, token, "POST", "/v1/executives", { role: "Chief Strategy Officer", name: "Aurora" });
    const executiveId = exec.body.executiveId as string;

    // 1. Work committed on A, response not yet recorded: then A dies.
    const runKey = `run-${randomUUID()}`;
    const sendKey = `send-${randomUUID()}`;
    const runBody = { ...longSimulation(1, 300_000), executiveId };
    const sendBody = { executiveId, recipient: "cfo@acme.example", message: "memo" };
    const first = await api(a.url, token, "POST", "/v1/simulations:run", runBody, { "idempotency-key": runKey });
    const sent = await api(a.url, token, "POST", "/v1/communications", sendBody, { "idempotency-key": sendKey });
    expect([first.status, sent.status]).toEqual([202, 201]);
    // 2. A claim made by A for a request it never got to run.
    const freshKey = `fresh-${randomUUID()}`;
    const freshBody = { ...longSimulation(2, 10_000), executiveId };
    const instanceA = instanceOf(a.lines);
    await withAdmin(db.url, async (c) => {
      await c.query(
        "UPDATE idempotency_keys SET state = 'running', status = NULL, response = NULL WHERE key = ANY($1::text[])",
        [[runKey, sendKey]],
      );
      await c.query(
        `INSERT INTO idempotency_keys (tenant_id, key, method, request_hash, state, expire_time, owner)
         VALUES ($1, $2, 'sovren.v1.SimulationService.RunSimulation', $3, 'running', now() + interval '1 day', $4)`,
        [tenant, freshKey, requestHash("sovren.v1.SimulationService.RunSimulation", freshBody), instanceA],
      );
    });
    a.kill("SIGKILL");
    const killedAt = Date.now();

    // Retries on B: each waits (at most until A's lease expires), then completes.
    const retryRun = await api(b.url, token, "POST", "/v1/simulations:run", runBody, { "idempotency-key": runKey });
    const retrySend = await api(b.url, token, "POST", "/v1/communications", sendBody, { "idempotency-key": sendKey });
    const retryFresh = await api(b.url, token, "POST", "/v1/simulations:run", freshBody, { "idempotency-key": freshKey });
    const retriedAfterMs = Date.now() - killedAt;
    console.log(`[durable] idempotency: three retries after the crash answered within ${retriedAfterMs} ms`);
    expect(retryRun.status).toBe(202);
    expect(retryRun.body.operationId).toBe(first.body.operationId);
    expect(retrySend.status).toBe(201);
    expect(retrySend.body.messageId).toBe(sent.body.messageId);
    expect(retryFresh.status).toBe(202);
    expect(retriedAfterMs).toBeLessThan(15_000);

    // Further retries replay; the work finishes once.
    const again = await api(b.url, token, "POST", "/v1/simulations:run", runBody, { "idempotency-key": runKey });
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body.operationId).toBe(first.body.operationId);
    const done = await api(b.url, token, "POST", `/v1/operations/${first.body.operationId}:wait`, { timeout: "60s" });
    expect(done.body.state).toBe("OPERATION_STATE_SUCCEEDED");
    const freshDone = await api(b.url, token, "POST", `/v1/operations/${retryFresh.body.operationId}:wait`, { timeout: "60s" });
    expect(freshDone.body.state).toBe("OPERATION_STATE_SUCCEEDED");
    const deadline = Date.now() + 30_000;
    let message = await api(b.url, token, "GET", `/v1/communications/${sent.body.messageId}`);
    while (message.body.status === "COMMUNICATION_STATUS_SENT" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      message = await api(b.url, token, "GET", `/v1/communications/${sent.body.messageId}`);
    }
    expect(message.body.status).toBe("COMMUNICATION_STATUS_DELIVERED");
    await withAdmin(db.url, async (c) => {
      const n = async (sql: string) => Number((await c.query(sql, [tenant])).rows[0].n);
      expect(await n("SELECT count(*) AS n FROM operations WHERE tenant_id = $1")).toBe(2);
      expect(await n("SELECT count(*) AS n FROM communications WHERE tenant_id = $1")).toBe(1);
      expect(await n("SELECT count(*) AS n FROM idempotency_keys WHERE tenant_id = $1 AND state = 'done'")).toBe(3);
      expect(await n("SELECT count(*) AS n FROM jobs WHERE tenant_id = $1")).toBe(0);
    });
    b.kill("SIGTERM");
    expect((await b.exited).code).toBe(0);
  });
});
