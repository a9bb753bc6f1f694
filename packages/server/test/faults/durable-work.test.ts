// Issue 10: work survives a crash. A server process is killed (SIGKILL) while
// long simulations run and deliveries wait; another instance on the same
// PostgreSQL, or the same one restarted, resumes every job once its lease
// expires. Every operation and message ends terminal within the bound
// (lease + sweep + the re-run itself), results equal a clean run's, and
// nothing is duplicated. Also: a clean SIGTERM hands work back instead of
// failing it, and a job interrupted SOVREN_JOB_MAX_ATTEMPTS times
// ends FAILED.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, describe, expect, it } from "vitest";
import { createTestDatabase, postgresReachable } from "../harness.js";
import {
  api,
  dbCounts,
  expectOutcomes,
  startWorkload,
  waitForProgress,
  waitTerminal,
  watchCommunications,
  type Workload,
} from "../support/durable.js";
import { adminToken } from "../support/api.js";
import { spawnServer, type ServerProcess } from "../support/server-process.js";

const LEASE_MS = 2000;
const SWEEP_MS = 500;
const JOB_ENV = {
  SOVREN_JOB_LEASE_MS: String(LEASE_MS),
  SOVREN_JOB_HEARTBEAT_MS: "500",
  SOVREN_JOB_SWEEP_MS: String(SWEEP_MS),
  SOVREN_LOG_LEVEL: "warn",
};
/** Generous: lease + sweep, then re-running six 1,000,000 × 32 simulations on a shared 2-core box. */
const RECOVERY_TIMEOUT_MS = 150_000;

const servers = new Set<ServerProcess>();
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const s of servers) s.kill("SIGKILL");
  for (const c of cleanups.reverse()) await c();
});

async function spawn(env: Record<string, string>): Promise<ServerProcess> {
  const s = await spawnServer({ env: { ...JOB_ENV, ...env }, readyTimeoutMs: 60_000 });
  servers.add(s);
  void s.exited.then(() => servers.delete(s));
  return s;
}

/** States at the moment of the kill: how much work the kill interrupted. */
async function pendingNow(base: string, w: Workload) {
  let ops = 0;
  let msgs = 0;
  for (const o of w.operations) {
    const r = await api(base, w.token, "GET", `/v1/operations/${o.id}`);
    if (!r.body.done) ops++;
  }
  for (const m of w.messages) {
    const r = await api(base, w.token, "GET", `/v1/communications/${m.id}`);
    if (r.body.status === "COMMUNICATION_STATUS_SENT") msgs++;
  }
  return { ops, msgs };
}

async function listCounts(base: string, w: Workload) {
  const ops = await api(base, w.token, "GET", "/v1/operations?pageSize=100");
  const msgs = await api(base, w.token, "GET", "/v1/communications?pageSize=100");
  return { operations: ops.body.operations.length as number, communications: msgs.body.communications.length as number };
}

function report(label: string, r: Record<string, unknown>) {
  console.log(`[durable] ${label}: ${JSON.stringify(r)}`);
}

const SIMS = 6;
const MSGS = 6;
const DELIVERY_DELAY_MS = "4000";

/** Starts the workload on one process, kills it (-9) mid-work, restarts on the same store, and waits for everything to end. */
async function killAndRestart(env: Record<string, string>, tenant: string) {
  const a = await spawn(env);
  const w = await startWorkload(a.url, tenant, SIMS, MSGS);
  await waitForProgress(a.url, w);
  const interrupted = await pendingNow(a.url, w);
  a.kill("SIGKILL");
  const killedAt = Date.now();
  await a.exited;
  const b = await spawn(env);
  await waitForProgress(b.url, w, 60_000, killedAt);
  const resumedAfterKillMs = Date.now() - killedAt;
  const t = await waitTerminal(() => [b.url], w, RECOVERY_TIMEOUT_MS);
  return { b, w, t, interrupted, killedAt, resumedAfterKillMs };
}

describe("kill -9 mid-simulation and mid-delivery", () => {
  it("PGlite on disk, one instance: the restarted process resumes everything", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sovren-durable-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const env = { SOVREN_DATA_DIR: dir, SOVREN_DELIVERY_DELAY_MS: DELIVERY_DELAY_MS };
    const { b, w, t, interrupted, killedAt, resumedAfterKillMs } = await killAndRestart(env, "durable-pglite");
    const sinceKill = Date.now() - killedAt;
    report("pglite restart", { interrupted, resumedAfterKillMs, terminalAfterRestartMs: t.elapsedMs, terminalAfterKillMs: sinceKill });
    expect(interrupted.ops).toBeGreaterThan(0);
    expect(interrupted.msgs).toBeGreaterThan(0);
    expectOutcomes(w, t, expect);
    expect(await listCounts(b.url, w)).toEqual({ operations: SIMS, communications: MSGS });
    b.kill("SIGTERM");
    expect((await b.exited).code).toBe(0);
    const pgl = new PGlite(dir);
    const jobs = await pgl.query<{ n: number }>("SELECT count(*)::int AS n FROM jobs");
    await pgl.close();
    expect(jobs.rows[0]!.n).toBe(0);
  });

  it("PostgreSQL, two instances: the survivor resumes the killed one's work", async (ctx) => {
    if (!(await postgresReachable())) return ctx.skip();
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const env = { DATABASE_URL: db.url, SOVREN_DELIVERY_DELAY_MS: DELIVERY_DELAY_MS };
    const a = await spawn(env);
    const b = await spawn(env);
    // Every settlement of every message, as the survivor's watchers see them (NOTIFY from any instance).
    const watch = watchCommunications(b.url, await adminToken("durable-pg2"));
    await watch.ready;
    const w = await startWorkload(a.url, "durable-pg2", SIMS, MSGS);
    await waitForProgress(a.url, w);
    const interrupted = await pendingNow(a.url, w);
    a.kill("SIGKILL");
    const killedAt = Date.now();
    // Resumed (a progress write by the survivor) within the bound: lease + sweep, plus slack for a loaded box.
    await waitForProgress(b.url, w, 60_000, killedAt);
    const resumedAfterKillMs = Date.now() - killedAt;
    const t = await waitTerminal(() => [b.url], w, RECOVERY_TIMEOUT_MS);
    report("postgres two instances", { interrupted, resumedAfterKillMs, terminalAfterKillMs: Date.now() - killedAt });
    expect(resumedAfterKillMs).toBeLessThan(LEASE_MS + SWEEP_MS + 10_000);
    expect(interrupted.ops).toBeGreaterThan(0);
    expect(interrupted.msgs).toBeGreaterThan(0);
    expectOutcomes(w, t, expect);
    expect(await dbCounts(db.url, "durable-pg2")).toEqual({ jobs: 0, operations: SIMS, communications: MSGS });
    await new Promise((r) => setTimeout(r, 1000)); // any late duplicate would show by now
    await watch.stop();
    expect(Object.fromEntries(watch.settlements())).toEqual(Object.fromEntries(w.messages.map((m) => [m.id, 1])));
    b.kill("SIGTERM");
    expect((await b.exited).code).toBe(0);
  });

  it("PostgreSQL, one instance: the restarted process resumes once the lease expires", async (ctx) => {
    if (!(await postgresReachable())) return ctx.skip();
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const env = { DATABASE_URL: db.url, SOVREN_DELIVERY_DELAY_MS: DELIVERY_DELAY_MS };
    const { b, w, t, interrupted, killedAt, resumedAfterKillMs } = await killAndRestart(env, "durable-pg1");
    report("postgres restart", { interrupted, resumedAfterKillMs, terminalAfterKillMs: Date.now() - killedAt });
    expect(resumedAfterKillMs).toBeLessThan(LEASE_MS + SWEEP_MS + 15_000);
    expect(interrupted.ops).toBeGreaterThan(0);
    expectOutcomes(w, t, expect);
    expect(await dbCounts(db.url, "durable-pg1")).toEqual({ jobs: 0, operations: SIMS, communications: MSGS });
    b.kill("SIGTERM");
    expect((await b.exited).code).toBe(0);
  });
});

describe("clean stop", () => {
  it("SIGTERM hands running work back: nothing FAILED, the next start finishes it", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sovren-durable-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const env = { SOVREN_DATA_DIR: dir, SOVREN_DELIVERY_DELAY_MS: DELIVERY_DELAY_MS };
    const a = await spawn(env);
    const w = await startWorkload(a.url, "durable-term", 3, 3);
    await waitForProgress(a.url, w);
    const interrupted = await pendingNow(a.url, w);
    a.kill("SIGTERM");
    expect((await a.exited).code).toBe(0);
    const b = await spawn(env);
    // Right after the restart nothing is FAILED by the shutdown.
    for (const o of w.operations) {
      const r = await api(b.url, w.token, "GET", `/v1/operations/${o.id}`);
      expect(r.body.state).not.toBe("OPERATION_STATE_FAILED");
    }
    const t = await waitTerminal(() => [b.url], w, RECOVERY_TIMEOUT_MS);
    report("sigterm then restart", { interrupted, terminalAfterRestartMs: t.elapsedMs });
    expect(interrupted.ops).toBeGreaterThan(0);
    expectOutcomes(w, t, expect);
    b.kill("SIGTERM");
    await b.exited;
  });
});

describe("bounded attempts", () => {
  it("a run interrupted by a crash SOVREN_JOB_MAX_ATTEMPTS (3) times ends FAILED with a clear error", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sovren-durable-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const env = { SOVREN_DATA_DIR: dir, SOVREN_JOB_MAX_ATTEMPTS: "3" };
    let s = await spawn(env);
    // Several runs keep the box busy, so that each restart's resumed run is still going when it is killed.
    const w = await startWorkload(s.url, "durable-attempts", 4, 0);
    let since = 0;
    for (let crash = 1; crash <= 3; crash++) {
      // progress written by this process's run (after its sweep claimed the jobs)
      await waitForProgress(s.url, w, 60_000, since);
      s.kill("SIGKILL");
      await s.exited;
      since = Date.now();
      s = await spawn(env);
    }
    const t = await waitTerminal(() => [s.url], w, 60_000);
    for (const o of w.operations) {
      const op = t.operations[o.id];
      expect(op.state).toBe("OPERATION_STATE_FAILED");
      expect(op.error).toEqual({
        code: "aborted",
        message: "the run was interrupted 3 times (the server running it crashed or could not record it); giving up",
      });
    }
    report("bounded attempts", { crashes: 3, failedAfterLastStartMs: t.elapsedMs });
    s.kill("SIGTERM");
    await s.exited;
  });
});
