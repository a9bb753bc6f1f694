// PostgreSQL stops (pg_ctl -m fast: every connection terminated, 57P01) or
// freezes (SIGSTOP: connections open, nothing answers) for 5 s under 48
// concurrent clients. The server — a child process on the tests' own cluster —
// must stay up, answer 503 + Retry-After while the database is away (never
// another 5xx), recover by itself, lose no acknowledged write, and keep a
// communications watch opened before the fault working.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminToken, call, openSse, sleep, type Answer } from "../support/api.js";
import { pgClusterAvailability, requirePostgres, startPgCluster, type PgCluster } from "../support/pg-cluster.js";
import { spawnServer, type ServerProcess } from "../support/server-process.js";

const avail = pgClusterAvailability();
if (!avail.available) {
  if (requirePostgres) {
    describe("database outage", () => {
      it("needs PostgreSQL binaries (SOVREN_REQUIRE_POSTGRES=1)", () => {
        throw new Error(avail.reason);
      });
    });
  } else {
    console.warn(`[faults] skipping database outage tests: ${avail.reason}`);
  }
}

const CLIENTS = 48;
/** Extra clients that retry like the SDK (Idempotency-Key, Retry-After). */
const RETRYING_CLIENTS = 8;
const OUTAGE_MS = 5_000;

interface Tally {
  requests: number;
  byStatus: Map<number, number>;
  retryAfterMissing: number;
  networkErrors: string[];
  other5xx: Answer[];
  acked: { kind: "executive" | "communication"; id: string }[];
  /** performance.now() of each successful DB-backed answer. */
  okTimes: number[];
  /** Final outcome of each retried, idempotent commission. */
  logical: { status: number; name: string; id?: string; body?: unknown }[];
}

function newTally(): Tally {
  return { requests: 0, byStatus: new Map(), retryAfterMissing: 0, networkErrors: [], other5xx: [], acked: [], okTimes: [], logical: [] };
}

/** 48 workers issue commission / send / get (REST) / get (Connect) in turn until `stop.done`. */
async function load(base: string, token: string, senderId: string, tally: Tally, stop: { done: boolean }) {
  const worker = async (w: number) => {
    for (let i = 0; !stop.done; i++) {
      let a: Answer;
      const kind = (w + i) % 4;
      if (kind === 0) {
        a = await call(base, token, "POST", "/v1/executives", { role: "Chief Resilience Officer", name: `w${w}-${i}-${randomUUID().slice(0, 8)}`, skills: ["recovery"] });
        if (a.status === 201) tally.acked.push({ kind: "executive", id: a.body.executiveId });
      } else if (kind === 1) {
        a = await call(base, token, "POST", "/v1/communications", { executiveId: senderId, recipient: `board+${w}@acme.example`, message: `update ${w}/${i}` });
        if (a.status === 201) tally.acked.push({ kind: "communication", id: a.body.messageId });
      } else if (kind === 2) {
        a = await call(base, token, "GET", `/v1/executives/${senderId}`);
      } else {
        // The same read over the Connect protocol: `unavailable` is HTTP 503 there too, with retry-after.
        a = await call(base, token, "POST", "/sovren.v1.ExecutiveService/GetExecutive", { id: senderId });
        if (a.status === 503 && a.body?.code !== "unavailable") tally.other5xx.push(a);
      }
      tally.requests++;
      tally.byStatus.set(a.status, (tally.byStatus.get(a.status) ?? 0) + 1);
      if (a.networkError) tally.networkErrors.push(`${["commission", "send", "get", "connect-get"][kind]}: ${a.networkError}`);
      if (a.status === 503 && !a.retryAfter) tally.retryAfterMissing++;
      if (a.status >= 500 && a.status !== 503) tally.other5xx.push(a);
      if (a.status >= 200 && a.status < 300) tally.okTimes.push(performance.now());
      // A client honouring Retry-After would wait; these keep the pressure on.
      if (a.status === 503) await sleep(50);
    }
  };
  // Like the SDK: POSTs carry an Idempotency-Key, and 503s are retried after Retry-After
  // with the same key. Every logical request must end in success, exactly once.
  const retrying = async (w: number) => {
    for (let i = 0; !stop.done; i++) {
      const key = randomUUID();
      const name = `r${w}-${i}-${key.slice(0, 8)}`;
      let a: Answer;
      for (let attempt = 0; ; attempt++) {
        a = await callWithKey(base, token, key, { role: "Chief Retry Officer", name, skills: ["patience"] });
        if (a.status !== 503 && a.status !== 0) break;
        if (attempt > 60) break;
        await sleep(Number(a.retryAfter ?? "1") * 1000);
      }
      tally.logical.push({ status: a.status, name, id: a.body?.executiveId, body: a.body });
    }
  };
  await Promise.all([
    ...Array.from({ length: CLIENTS }, (_, w) => worker(w)),
    ...Array.from({ length: RETRYING_CLIENTS }, (_, w) => retrying(w)),
  ]);
}

async function callWithKey(base: string, token: string, key: string, body: unknown): Promise<Answer> {
  const started = performance.now();
  try {
    const res = await fetch(`${base}/v1/executives`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "idempotency-key": key },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: JSON.parse(text), retryAfter: res.headers.get("retry-after"), contentType: res.headers.get("content-type"), ms: performance.now() - started };
  } catch (err) {
    return { status: 0, body: undefined, retryAfter: null, contentType: null, networkError: String(err), ms: performance.now() - started };
  }
}

/** Warn-level log lines, counted by message. */
function warnsByMessage(lines: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const l of lines) {
    try {
      const o = JSON.parse(l) as { level?: string; msg?: string };
      if (o.level === "warn") counts[o.msg ?? ""] = (counts[o.msg ?? ""] ?? 0) + 1;
    } catch {
      // not a log line
    }
  }
  return counts;
}

describe.skipIf(!avail.available)("database outage under load", () => {
  let cluster: PgCluster;
  let server: ServerProcess;
  let token: string;
  let senderId: string;

  beforeAll(async () => {
    cluster = await startPgCluster();
    server = await spawnServer({
      env: {
        DATABASE_URL: cluster.url,
        SOVREN_DB_CONNECT_TIMEOUT_MS: "2000",
        SOVREN_DB_QUERY_TIMEOUT_MS: "3000",
        // No delivery step during the test: its notifications would hide a missed "sent" one.
        SOVREN_DELIVERY_DELAY_MS: "600000",
      },
    });
    token = await adminToken();
    const a = await call(server.url, token, "POST", "/v1/executives", { role: "Chief Communications Officer", name: "Sender", skills: ["writing"] });
    expect(a.status).toBe(201);
    senderId = a.body.executiveId;
  });

  afterAll(async () => {
    server?.kill("SIGKILL");
    await cluster?.cleanup();
  });

  const TITLES = {
    stop: "pg_ctl -m fast stop for 5 s: 503 + Retry-After (no other 5xx), recovers, loses no acknowledged write, watch continues",
    freeze: "SIGSTOP for 5 s: 503 + Retry-After (no other 5xx), recovers, loses no acknowledged write, watch continues",
    listen: "only the LISTEN connection is terminated: the watch re-reads what it missed until it is back",
  };
  for (const fault of ["stop", "freeze", "listen"] as const) {
    it(TITLES[fault], async () => {
      const watch = await openSse(`${server.url}/v1/communications:watch`, token);
      const tally = newTally();
      const stop = { done: false };
      const running = load(server.url, token, senderId, tally, stop);
      await sleep(1_500);
      const before = tally.requests;

      const faultAt = performance.now();
      let ready503 = 0;
      if (fault === "listen") {
        // Notifications sent while it reconnects are lost: only the resync finds those sends.
        const admin = new pg.Client({ connectionString: cluster.url });
        await admin.connect();
        const { rowCount } = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query ILIKE 'LISTEN %'");
        await admin.end();
        expect(rowCount).toBe(1);
      } else {
        if (fault === "stop") await cluster.stop("fast");
        else await cluster.freeze();
        await sleep(OUTAGE_MS);
        ready503 = await fetch(`${server.url}/v1/health/ready`).then((r) => r.status);
        if (fault === "stop") await cluster.start();
        else await cluster.thaw();
      }
      const backAt = performance.now();

      // Recovery: the first successful answer to a request sent after the database came back.
      let recoveredAt: number | undefined;
      while (performance.now() - backAt < 30_000) {
        const a = await call(server.url, token, "GET", `/v1/executives/${senderId}`);
        if (a.status === 200) {
          recoveredAt = performance.now();
          break;
        }
        await sleep(100);
      }
      await sleep(2_000);
      stop.done = true;
      await running;

      // The watch opened before the fault sees a message sent after it.
      const after = await call(server.url, token, "POST", "/v1/communications", { executiveId: senderId, recipient: "after@acme.example", message: "after the outage" });
      expect(after.status).toBe(201);
      await watch.waitFor((e) => e.communication?.messageId === after.body.messageId, 15_000);
      // It saw every acknowledged communication, including those sent before its LISTEN
      // connection was back (the resync re-read them).
      const sentIds = tally.acked.filter((a) => a.kind === "communication").map((a) => a.id);
      const deadline = performance.now() + 15_000;
      let unseen = sentIds;
      while (performance.now() < deadline) {
        const seen = new Set(watch.events.map((e) => e.communication?.messageId));
        unseen = sentIds.filter((id) => !seen.has(id));
        if (unseen.length === 0) break;
        await sleep(200);
      }
      watch.close();

      // Every acknowledged write is there.
      let lost = 0;
      for (const ack of tally.acked) {
        const path = ack.kind === "executive" ? `/v1/executives/${ack.id}` : `/v1/communications/${ack.id}`;
        const a = await call(server.url, token, "GET", path);
        if (a.status !== 200) lost++;
      }

      // Retried idempotent commissions: all succeeded, each created exactly one executive.
      // Known limit (reported, not hidden): when the database freezes after receiving the COMMIT
      // of a key's claim, the outcome is unknown to the server; the claim may land after the
      // request gave up, and retries then see "still in progress" (409 aborted) until the claim
      // counts as abandoned (2 minutes). Only the freeze can cause it.
      const ambiguous = (l: Tally["logical"][number]) =>
        fault === "freeze" && l.status === 409 && (l.body as { code?: string })?.code === "aborted";
      const failedLogical = tally.logical.filter((l) => l.status !== 201 && !ambiguous(l));
      const ambiguousLogical = tally.logical.filter(ambiguous).length;
      const names = new Map<string, number>();
      for (let pageToken = ""; ; ) {
        const page = await call(server.url, token, "GET", `/v1/executives?pageSize=100${pageToken ? `&pageToken=${pageToken}` : ""}`);
        for (const e of page.body.executives) if (e.name.startsWith("r")) names.set(e.name, (names.get(e.name) ?? 0) + 1);
        pageToken = page.body.nextPageToken;
        if (!pageToken) break;
      }
      const missingLogical = tally.logical.filter((l) => l.status === 201 && names.get(l.name) !== 1);

      const count503 = tally.byStatus.get(503) ?? 0;
      const figures = {
        fault,
        clients: CLIENTS,
        requests: tally.requests,
        requestsBeforeFault: before,
        statuses: Object.fromEntries([...tally.byStatus].sort((a, b) => a[0] - b[0])),
        count503,
        other5xx: tally.other5xx.length,
        retryAfterMissing: tally.retryAfterMissing,
        networkErrors: tally.networkErrors.length,
        readinessDuringOutage: ready503,
        outageMs: Math.round(backAt - faultAt),
        recoveryMsAfterDatabaseBack: recoveredAt ? Math.round(recoveredAt - backAt) : undefined,
        acknowledgedWrites: tally.acked.length,
        lostWrites: lost,
        retriedCommissions: tally.logical.length,
        retriedCommissionsFailed: failedLogical.length,
        retriedCommissionsStuckAfterAmbiguousClaim: ambiguousLogical,
        retriedCommissionsNotExactlyOnce: missingLogical.length,
        watchEvents: watch.events.length,
        watchMissedAcknowledgedSends: unseen.length,
        warnLinesSoFar: warnsByMessage(server.lines),
      };
      console.log(`[faults] database ${fault}: ${JSON.stringify(figures)}`);

      expect(server.child.exitCode).toBeNull();
      expect(tally.networkErrors).toEqual([]);
      expect(tally.other5xx.map((a) => `${a.status} ${JSON.stringify(a.body)}`)).toEqual([]);
      expect(tally.retryAfterMissing).toBe(0);
      if (fault !== "listen") {
        expect(count503).toBeGreaterThan(0);
        expect(ready503).toBe(503);
      }
      expect(recoveredAt).toBeDefined();
      expect(lost).toBe(0);
      expect(failedLogical.map((l) => `${l.name}: ${l.status} ${JSON.stringify(l.body)}`)).toEqual([]);
      expect(missingLogical.map((l) => l.name)).toEqual([]);
      expect(unseen).toEqual([]);
      expect(server.errorLines()).toEqual([]);
    });
  }
});
