// Several instances, one database (issue 14): three server processes (the
// built CLI) on one fresh PostgreSQL database and one Redis (a key prefix of
// this test's own), driven round-robin. A tenant's rate limit holds across
// the three (within the bucket's burst); a watch opened on one instance sees
// events caused on the others; an idempotency key used on one is honoured on
// the others; and kill -9 of one loses no operation and no message (durable
// job leases, issue 10, shortened here by SOVREN_JOB_* so recovery is quick).
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createTestDatabase, postgresReachable } from "../harness.js";
import { adminToken } from "../support/api.js";
import { cleanResult, dbCounts, longSimulation, watchCommunications } from "../support/durable.js";
import { dropPrefix, redisReachable, TEST_REDIS_URL, uniquePrefix } from "../support/redis.js";
import { spawnServer, type ServerProcess } from "../support/server-process.js";

const RPS = 5;
const BURST = 30;
const LEASE_MS = 2000;
const SWEEP_MS = 500;

const servers = new Set<ServerProcess>();
const cleanups: (() => Promise<unknown> | void)[] = [];
afterAll(async () => {
  for (const s of servers) s.kill("SIGKILL");
  for (const c of cleanups.reverse()) await c();
});

function report(label: string, r: Record<string, unknown>) {
  console.log(`[scale-out] ${label}: ${JSON.stringify(r)}`);
}

interface Answer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** One request; a 429 is waited out (Retry-After) unless `raw`, as a well-behaved client does. */
async function api<T = any>(base: string, token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}, raw = false): Promise<Answer<T>> {
  for (;;) {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (res.status === 429 && !raw) {
      await new Promise((r) => setTimeout(r, Number(res.headers.get("retry-after") ?? 1) * 1000));
      continue;
    }
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  }
}

const available = (await postgresReachable()) && (await redisReachable());

describe.skipIf(!available)("three instances on one PostgreSQL and one Redis", () => {
  it("share one rate limit, one event stream, one idempotency record, and lose no work to kill -9", async () => {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const prefix = uniquePrefix("scale-out");
    cleanups.push(() => dropPrefix(prefix));
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      SOVREN_REDIS_PREFIX: prefix,
      // A loaded machine can exceed the production 250 ms; a timed-out take falls back to the instance's own bucket.
      SOVREN_REDIS_TIMEOUT_MS: "5000",
      SOVREN_RATE_LIMIT_RPS: String(RPS),
      SOVREN_RATE_LIMIT_BURST: String(BURST),
      SOVREN_JOB_LEASE_MS: String(LEASE_MS),
      SOVREN_JOB_HEARTBEAT_MS: "500",
      SOVREN_JOB_SWEEP_MS: String(SWEEP_MS),
      SOVREN_DELIVERY_DELAY_MS: "3000",
      SOVREN_LOG_LEVEL: "warn",
    };
    // One at a time: the first runs the migrations.
    const instances: ServerProcess[] = [];
    for (let i = 0; i < 3; i++) {
      const s = await spawnServer({ env, readyTimeoutMs: 60_000 });
      servers.add(s);
      instances.push(s);
    }
    const urls = instances.map((s) => s.url);
    for (const u of urls) {
      const ready = (await (await fetch(`${u}/v1/health/ready`)).json()) as { dependencies: { name: string; status: string }[] };
      expect(ready.dependencies.find((d: { name: string }) => d.name === "redis")?.status).toBe("SERVING_STATUS_SERVING");
    }

    // --- 1. one rate limit: 3 × burst requests round-robin, in waves of 9 at once ---
    const limitToken = await adminToken("scale-limit");
    const started = performance.now();
    const statuses: number[] = [];
    const total = 3 * BURST;
    for (let wave = 0; wave < total / 9; wave++) {
      const answers = await Promise.all(
        Array.from({ length: 9 }, (_, j) => api(urls[(wave * 9 + j) % 3]!, limitToken, "GET", "/v1/executives?pageSize=1", undefined, {}, true)),
      );
      statuses.push(...answers.map((a) => a.status));
    }
    const elapsedS = (performance.now() - started) / 1000;
    const allowed = statuses.filter((s) => s === 200).length;
    const bound = BURST + Math.ceil(RPS * elapsedS) + 1;
    report("rate limit", { requests: total, instances: 3, burst: BURST, rps: RPS, elapsedS: Number(elapsedS.toFixed(2)), allowed, refused: statuses.filter((s) => s === 429).length, bound, perInstanceLimitersWouldAllow: Math.min(total, 3 * BURST + Math.ceil(3 * RPS * elapsedS)) });
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    expect(allowed).toBeGreaterThanOrEqual(BURST);
    expect(allowed).toBeLessThanOrEqual(bound);
    const r = new Redis(TEST_REDIS_URL);
    r.on("error", () => {});
    expect(await r.exists(`${prefix}ratelimit:scale-limit`)).toBe(1);
    r.disconnect();

    // --- 2. idempotency across instances ---
    const tenant = "scale-work";
    const token = await adminToken(tenant);
    const key = randomUUID();
    const body = { role: "Chief Strategy Officer", name: `Aurora ${key.slice(0, 8)}` };
    const first = await api(urls[0]!, token, "POST", "/v1/executives", body, { "idempotency-key": key });
    const second = await api(urls[1]!, token, "POST", "/v1/executives", body, { "idempotency-key": key });
    const third = await api(urls[2]!, token, "POST", "/v1/executives", body, { "idempotency-key": key });
    const conflict = await api(urls[2]!, token, "POST", "/v1/executives", { ...body, name: "Someone Else" }, { "idempotency-key": key });
    report("idempotency", { first: first.status, second: second.status, third: third.status, replayed: [second.headers.get("idempotent-replayed"), third.headers.get("idempotent-replayed")], reusedWithOtherBody: conflict.status });
    expect(first.status).toBe(201);
    expect([second.status, third.status]).toEqual([201, 201]);
    expect(second.body.executiveId).toBe(first.body.executiveId);
    expect(third.body.executiveId).toBe(first.body.executiveId);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(third.headers.get("idempotent-replayed")).toBe("true");
    expect(conflict.status).toBe(422);
    const executiveId = first.body.executiveId as string;

    // --- 3. a watch on instance 0 sees what instances 1 and 2 cause ---
    const watch = watchCommunications(urls[0]!, token);
    await watch.ready;
    const m1 = await api(urls[1]!, token, "POST", "/v1/communications", { executiveId, recipient: "cfo-1@acme.example", message: "from instance 1" });
    expect(m1.status).toBe(201);

    // --- 4. work accepted by instance 2, which is killed mid-way ---
    const SIMS = 3;
    const operations: { id: string; request: ReturnType<typeof longSimulation> }[] = [];
    for (let i = 0; i < SIMS; i++) {
      const request = longSimulation(i, 400_000);
      const run = await api(urls[2]!, token, "POST", "/v1/simulations:run", { ...request, executiveId });
      expect(run.status).toBe(202);
      operations.push({ id: run.body.operationId, request });
    }
    const messages = [m1.body.messageId as string];
    for (let i = 0; i < 3; i++) {
      const m = await api(urls[2]!, token, "POST", "/v1/communications", { executiveId, recipient: `cfo-${i}@acme.${i === 2 ? "invalid" : "example"}`, message: `memo ${i}` });
      expect(m.status).toBe(201);
      messages.push(m.body.messageId);
    }
    // Kill instance 2 once a run made progress (so the kill lands mid-run).
    const progressDeadline = Date.now() + 60_000;
    for (;;) {
      const list = await api(urls[0]!, token, "GET", "/v1/operations?pageSize=100");
      if (list.body.operations.some((o: any) => o.state === "OPERATION_STATE_RUNNING" && o.progress > 0)) break;
      if (Date.now() > progressDeadline) throw new Error("no run made progress on instance 2");
      await new Promise((r) => setTimeout(r, 300));
    }
    const before = await api(urls[0]!, token, "GET", "/v1/operations?pageSize=100");
    const unfinishedAtKill = before.body.operations.filter((o: any) => !o.done).length;
    instances[2]!.kill("SIGKILL");
    const killedAt = Date.now();
    await instances[2]!.exited;
    const survivors = urls.slice(0, 2);

    // Every operation and message terminal, polled round-robin over the survivors (list calls: few requests).
    let polls = 0;
    let ops: Record<string, any> = {};
    let msgs: Record<string, any> = {};
    for (;;) {
      const base = survivors[polls++ % 2]!;
      ops = Object.fromEntries((await api(base, token, "GET", "/v1/operations?pageSize=100")).body.operations.map((o: any) => [o.operationId, o]));
      msgs = Object.fromEntries((await api(base, token, "GET", "/v1/communications?pageSize=100")).body.communications.map((c: any) => [c.messageId, c]));
      const opsDone = operations.every((o) => ops[o.id]?.done);
      const msgsDone = messages.every((id) => ["COMMUNICATION_STATUS_DELIVERED", "COMMUNICATION_STATUS_FAILED"].includes(msgs[id]?.status));
      if (opsDone && msgsDone) break;
      if (Date.now() - killedAt > 150_000) throw new Error(`not terminal 150 s after the kill: ${JSON.stringify({ ops, msgs })}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const terminalAfterKillMs = Date.now() - killedAt;
    for (const o of operations) {
      expect({ id: o.id, state: ops[o.id].state, error: ops[o.id].error }).toEqual({ id: o.id, state: "OPERATION_STATE_SUCCEEDED", error: undefined });
      expect(ops[o.id].result).toEqual(cleanResult(o.request));
    }
    expect(messages.map((id) => msgs[id].status)).toEqual([
      "COMMUNICATION_STATUS_DELIVERED",
      "COMMUNICATION_STATUS_DELIVERED",
      "COMMUNICATION_STATUS_DELIVERED",
      "COMMUNICATION_STATUS_FAILED",
    ]);
    expect(await dbCounts(db.url, tenant)).toEqual({ jobs: 0, operations: SIMS, communications: messages.length });
    // The watch on instance 0 saw every settlement, each once, though instances 1, 2 and the survivors caused them.
    const seenDeadline = Date.now() + 20_000;
    while (watch.settlements().size < messages.length && Date.now() < seenDeadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500));
    await watch.stop();
    const settlements = Object.fromEntries(watch.settlements());
    report("events and kill -9", {
      operations: SIMS,
      unfinishedAtKill,
      operationsSucceededAfterKill: operations.filter((o) => ops[o.id].state === "OPERATION_STATE_SUCCEEDED").length,
      messages: messages.length,
      settlementsSeenOnInstance0: Object.values(settlements).reduce((a: number, b) => a + (b as number), 0),
      watchEvents: watch.events.length,
      terminalAfterKillMs,
    });
    expect(unfinishedAtKill).toBeGreaterThan(0);
    expect(settlements).toEqual(Object.fromEntries(messages.map((id) => [id, 1])));
    for (const s of instances.slice(0, 2)) {
      expect(s.errorLines()).toEqual([]);
      s.kill("SIGTERM");
      expect((await s.exited).code).toBe(0);
    }
  }, 300_000);
});
