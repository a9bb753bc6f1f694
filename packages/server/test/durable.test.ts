// Issue 10, in process: a server that stops (close(), what SIGTERM calls)
// hands its running simulations and pending deliveries back instead of
// failing them, and another instance on the same PostgreSQL finishes them
// with a clean run's results. (Crashes: test/faults/durable-*.test.ts.)
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, describe, expect, it } from "vitest";
import * as m001 from "../src/store/migrations/001-init.js";
import { startServer, type RunningServer } from "../src/index.js";
import { createLogger } from "../src/observability/logger.js";
import { createTestDatabase, postgresReachable } from "./harness.js";
import { adminToken } from "./support/api.js";
import { api, cleanResult, dbCounts, expectOutcomes, longSimulation, startWorkload, waitForProgress, waitTerminal, withAdmin } from "./support/durable.js";

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function start(databaseUrl: string, sweepMs = 200): Promise<RunningServer> {
  const s = await startServer({
    env: {},
    port: 0,
    host: "127.0.0.1",
    logger: createLogger("silent"),
    rateLimitRps: 100_000,
    rateLimitBurst: 100_000,
    deliveryDelayMs: 3000,
    databaseUrl,
    jobs: { leaseMs: 1500, heartbeatMs: 300, sweepMs, maxAttempts: 3 },
  });
  cleanups.push(() => s.close());
  return s;
}

describe("durable work across a clean stop", () => {
  it("a stopped instance's running simulations and pending deliveries are finished by another", async (ctx) => {
    if (!(await postgresReachable())) return ctx.skip();
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const a = await start(db.url);
    const b = await start(db.url);
    const w = await startWorkload(a.url, "durable-stop", 3, 3, 500_000);
    await waitForProgress(a.url, w);
    await a.close();
    // Handed back, not failed: the other instance claims them at its next sweep.
    const t = await waitTerminal(() => [b.url], w, 90_000);
    expectOutcomes(w, t, expect);
    expect(await dbCounts(db.url, "durable-stop")).toEqual({ jobs: 0, operations: 3, communications: 3 });
  }, 120_000);

  it("an outcome the database refused to record is retried, not lost (the job is handed back and resumed)", async (ctx) => {
    if (!(await postgresReachable())) return ctx.skip();
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    // A slow sweep: the grant is back before the handed-back job is claimed again.
    const a = await start(db.url, 3000);
    // Long enough (1,000,000 × 32) that the refusal below lands before the run ends.
    const w = await startWorkload(a.url, "durable-dbfault", 1, 0, 1_000_000);
    await waitForProgress(a.url, w);
    const op = w.operations[0]!;
    // The database refuses every operation write (as an outage would) until the job has been handed back.
    await withAdmin(db.url, (c) => c.query("REVOKE UPDATE ON operations FROM sovren_app"));
    let released = false;
    const deadline = Date.now() + 60_000;
    while (!released && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      released = await withAdmin(db.url, async (c) =>
        (await c.query("SELECT 1 FROM jobs WHERE id = $1 AND lease_owner IS NULL", [op.id])).rows.length === 1);
    }
    await withAdmin(db.url, (c) => c.query("GRANT UPDATE ON operations TO sovren_app"));
    expect(released).toBe(true);
    const done = await api(a.url, w.token, "POST", `/v1/operations/${op.id}:wait`, { timeout: "60s" });
    expect(done.body.state).toBe("OPERATION_STATE_SUCCEEDED");
    expect(done.body.result).toEqual(cleanResult(op.request));
    expect(await dbCounts(db.url, "durable-dbfault")).toEqual({ jobs: 0, operations: 1, communications: 0 });
  }, 120_000);
});

describe("upgrading a database with work stuck before durable jobs existed", () => {
  it("migration 002 turns RUNNING operations and SENT messages into jobs, and the server finishes them", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sovren-upgrade-"));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    // A database at migration 001 with what a crashed old server left: 3 operations RUNNING, 2 messages SENT.
    const old = new PGlite(dir);
    await old.exec(m001.sql);
    await old.exec("CREATE TABLE schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now()); INSERT INTO schema_migrations (version) VALUES ('001_init')");
    const tenant = "durable-upgrade";
    const executiveId = randomUUID();
    await old.query("INSERT INTO executives (id, tenant_id, name, role) VALUES ($1, $2, 'Aurora', 'CSO')", [executiveId, tenant]);
    const ops = [0, 1, 2].map((i) => ({ id: randomUUID(), request: longSimulation(i, 20_000) }));
    for (const o of ops) {
      await old.query(
        "INSERT INTO operations (operation_id, tenant_id, user_id, state, progress, parameters, backend) VALUES ($1, $2, 'u', 'running', 0.4, $3, 'embedded')",
        [o.id, tenant, JSON.stringify(o.request)],
      );
    }
    const messages = [{ id: randomUUID(), recipient: "cfo@acme.example" }, { id: randomUUID(), recipient: "cfo@acme.invalid" }];
    for (const m of messages) {
      await old.query("INSERT INTO communications (message_id, tenant_id, executive_id, recipient, message, status) VALUES ($1, $2, $3, $4, 'memo', 'sent')", [m.id, tenant, executiveId, m.recipient]);
    }
    await old.close();
    const s = await startServer({ env: {}, port: 0, host: "127.0.0.1", logger: createLogger("silent"), dataDir: dir, deliveryDelayMs: 50 });
    cleanups.push(() => s.close());
    const w = { token: await adminToken(tenant), executiveId, operations: ops, messages };
    const t = await waitTerminal(() => [s.url], w, 60_000);
    expectOutcomes(w, t, expect);
  }, 90_000);
});
