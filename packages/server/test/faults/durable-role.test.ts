// Issue 10: recovery needs neither a superuser nor BYPASSRLS. The servers
// connect as a LOGIN role that is NOSUPERUSER NOBYPASSRLS, prepared the way a
// DBA would (packages/server/README.md): the NOLOGIN roles sovren_app and
// sovren_worker exist and are granted to it, and it owns the database. One
// instance is killed mid-work; the other claims the jobs through the
// SECURITY DEFINER sweep function and finishes them in tenant transactions.
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { postgresReachable } from "../harness.js";
import { ADMIN_URL, api, expectOutcomes, startWorkload, waitForProgress, waitTerminal, withAdmin } from "../support/durable.js";
import { spawnServer, type ServerProcess } from "../support/server-process.js";

const JOB_ENV = { SOVREN_JOB_LEASE_MS: "2000", SOVREN_JOB_HEARTBEAT_MS: "500", SOVREN_JOB_SWEEP_MS: "500", SOVREN_LOG_LEVEL: "warn", SOVREN_DELIVERY_DELAY_MS: "4000" };

const servers = new Set<ServerProcess>();
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const s of servers) s.kill("SIGKILL");
  for (const s of servers) await s.exited;
  for (const c of cleanups.reverse()) await c().catch((err) => console.warn(`[durable-role] cleanup: ${String(err)}`));
});

/** What a DBA runs once (roles are cluster-wide): see packages/server/README.md. */
async function prepareRole(): Promise<{ url: string; role: string }> {
  const suffix = randomBytes(5).toString("hex");
  const role = `sovren_t_${suffix}`;
  const database = `sovren_test_role_${suffix}`;
  await withAdmin(ADMIN_URL, async (c) => {
    await c.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE`);
    for (const r of ["sovren_app", "sovren_worker"]) {
      await c.query(`DO $$ BEGIN CREATE ROLE ${r} NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`);
    }
    await c.query(`GRANT sovren_app, sovren_worker TO ${role}`);
    await c.query(`CREATE DATABASE ${database} OWNER ${role}`);
  });
  cleanups.push(async () => {
    await withAdmin(ADMIN_URL, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await c.query(`DROP ROLE IF EXISTS ${role}`);
    });
  });
  const url = new URL(ADMIN_URL);
  url.username = role;
  url.pathname = `/${database}`;
  return { url: url.toString(), role };
}

describe("recovery with a non-superuser connecting role", () => {
  it("a NOSUPERUSER NOBYPASSRLS role migrates, and the surviving instance resumes a killed one's work", async (ctx) => {
    if (!(await postgresReachable())) return ctx.skip();
    const { url, role } = await prepareRole();
    const spawn = async () => {
      const s = await spawnServer({ env: { ...JOB_ENV, DATABASE_URL: url }, readyTimeoutMs: 60_000 });
      servers.add(s);
      void s.exited.then(() => servers.delete(s));
      return s;
    };
    const a = await spawn();
    const b = await spawn();
    // The connecting role is what it claims to be, and sees no tenant's jobs by itself.
    await withAdmin(url, async (c) => {
      const me = await c.query("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user");
      expect(me.rows[0]).toEqual({ rolsuper: false, rolbypassrls: false });
      const owner = await c.query("SELECT pg_get_userbyid(proowner) AS owner, prosecdef FROM pg_proc WHERE proname = 'sovren_claim_jobs'");
      expect(owner.rows[0]).toEqual({ owner: "sovren_worker", prosecdef: true });
    });
    const w = await startWorkload(a.url, "durable-role", 3, 3);
    await withAdmin(url, async (c) => {
      expect((await c.query("SELECT count(*)::int AS n FROM jobs")).rows[0].n).toBe(0); // FORCE'd RLS, no tenant set
      // The sweep claims nothing for an id that is not a live instance.
      expect((await c.query("SELECT * FROM sovren_claim_jobs('not-an-instance', 10)")).rows).toEqual([]);
    });
    await waitForProgress(a.url, w);
    a.kill("SIGKILL");
    const killedAt = Date.now();
    const t = await waitTerminal(() => [b.url], w, 120_000);
    console.log(`[durable] non-superuser role ${role}: terminal ${Date.now() - killedAt} ms after the kill`);
    expectOutcomes(w, t, expect);
    const list = await api(b.url, w.token, "GET", "/v1/operations?pageSize=100");
    expect(list.body.operations).toHaveLength(3);
    expect(b.errorLines()).toEqual([]);
    b.kill("SIGTERM");
    expect((await b.exited).code).toBe(0);
  });
});
