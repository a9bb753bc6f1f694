// Helpers for the durable-work fault tests (issue 10): a tenant's workload of
// long simulations and delayed deliveries over REST, polled until every item
// is terminal, and the results a clean run gives.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { adminToken } from "./api.js";
import { simulationInput } from "../../src/inference/embedded-backend.js";
import { simulate } from "../../src/inference/simulation.js";

export { ADMIN_URL } from "../harness.js";

export async function api<T = any>(
  base: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** A long simulation: `trials` trials over 32 factors (1,000,000 × 32 is the largest the contract allows). */
export function longSimulation(i: number, trials = 1_000_000) {
  return {
    userId: `u-${i}`,
    scenario: `durable scenario ${i}: enter market ${i} in Q${(i % 4) + 1}`,
    trials,
    threshold: 0.05,
    factors: Array.from({ length: 32 }, (_, f) => ({
      name: `factor-${f}`,
      weight: ((f % 5) + 1) / 10,
      mean: ((f % 7) - 3) / 50,
      stddev: 0.5 + (f % 3) / 4,
    })),
  };
}

/** What a clean run of the request returns (the embedded backend runs the same algorithm). */
export function cleanResult(request: ReturnType<typeof longSimulation>) {
  return simulate(simulationInput(request as never));
}

export interface Workload {
  token: string;
  executiveId: string;
  operations: { id: string; request: ReturnType<typeof longSimulation> }[];
  messages: { id: string; recipient: string }[];
}

/** Commissions an executive, starts `sims` long simulations and sends `msgs` messages (every third to a .invalid domain). */
export async function startWorkload(
  base: string,
  tenant: string,
  sims: number,
  msgs: number,
  trials = 1_000_000,
): Promise<Workload> {
  const token = await adminToken(tenant);
  const exec = await api(base, token, "POST", "/v1/executives", { role: "Chief Strategy Officer", name: `Aurora ${randomUUID().slice(0, 8)}` });
  if (exec.status >= 300) throw new Error(`commission: ${exec.status} ${JSON.stringify(exec.body)}`);
  const executiveId = exec.body.executiveId as string;
  const operations: Workload["operations"] = [];
  for (let i = 0; i < sims; i++) {
    const request = longSimulation(i, trials);
    const r = await api(base, token, "POST", "/v1/simulations:run", { ...request, executiveId });
    if (r.status >= 300) throw new Error(`run: ${r.status} ${JSON.stringify(r.body)}`);
    operations.push({ id: (r.body.operationId ?? r.body.operation?.operationId) as string, request });
  }
  const messages: Workload["messages"] = [];
  for (let i = 0; i < msgs; i++) {
    const recipient = i % 3 === 2 ? `cfo-${i}@acme.invalid` : `cfo-${i}@acme.example`;
    const r = await api(base, token, "POST", "/v1/communications", { executiveId, recipient, message: `board memo ${i}` });
    if (r.status >= 300) throw new Error(`send: ${r.status} ${JSON.stringify(r.body)}`);
    messages.push({ id: (r.body.messageId ?? r.body.communication?.messageId) as string, recipient });
  }
  return { token, executiveId, operations, messages };
}

/** Waits until an operation is RUNNING with progress > 0 written after `since` (so a kill lands mid-run). */
export async function waitForProgress(base: string, w: Workload, timeoutMs = 60_000, since = 0): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const op of w.operations) {
      const r = await api(base, w.token, "GET", `/v1/operations/${op.id}`);
      if (r.body?.state === "OPERATION_STATE_RUNNING" && r.body.progress > 0 && Date.parse(r.body.updateTime) > since) return;
    }
    if (Date.now() > deadline) throw new Error("no operation made progress");
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Terminal {
  operations: Record<string, any>;
  messages: Record<string, any>;
  /** ms from the call until the last item was terminal. */
  elapsedMs: number;
}

const DONE_OP = new Set(["OPERATION_STATE_SUCCEEDED", "OPERATION_STATE_FAILED", "OPERATION_STATE_CANCELLED"]);
const DONE_MSG = new Set(["COMMUNICATION_STATUS_DELIVERED", "COMMUNICATION_STATUS_FAILED"]);

/** Polls (through any live instance in `bases`) until every operation and message is terminal, or the timeout. */
export async function waitTerminal(bases: () => string[], w: Workload, timeoutMs: number): Promise<Terminal> {
  const start = Date.now();
  const operations: Record<string, any> = {};
  const messages: Record<string, any> = {};
  for (;;) {
    const base = bases()[0]!;
    try {
      for (const op of w.operations) {
        if (operations[op.id]) continue;
        const r = await api(base, w.token, "GET", `/v1/operations/${op.id}`);
        if (DONE_OP.has(r.body?.state)) operations[op.id] = r.body;
      }
      for (const m of w.messages) {
        if (messages[m.id]) continue;
        const r = await api(base, w.token, "GET", `/v1/communications/${m.id}`);
        if (DONE_MSG.has(r.body?.status)) messages[m.id] = r.body;
      }
    } catch {
      // that instance just went away; the next poll uses another
    }
    if (Object.keys(operations).length === w.operations.length && Object.keys(messages).length === w.messages.length) {
      return { operations, messages, elapsedMs: Date.now() - start };
    }
    if (Date.now() - start > timeoutMs) {
      const stuck = [
        ...w.operations.filter((o) => !operations[o.id]).map((o) => `operation ${o.id}`),
        ...w.messages.filter((m) => !messages[m.id]).map((m) => `message ${m.id}`),
      ];
      throw new Error(`not terminal after ${timeoutMs} ms: ${stuck.join(", ")}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Checks every outcome: operations SUCCEEDED with a clean run's result, messages settled by their recipient. */
export function expectOutcomes(w: Workload, t: Terminal, expect: (v: unknown) => any): void {
  for (const op of w.operations) {
    const got = t.operations[op.id];
    expect({ id: op.id, state: got.state, error: got.error }).toEqual({ id: op.id, state: "OPERATION_STATE_SUCCEEDED", error: undefined });
    expect(got.result).toEqual(cleanResult(op.request));
  }
  for (const m of w.messages) {
    const got = t.messages[m.id];
    const failed = m.recipient.endsWith(".invalid");
    expect(got.status).toBe(failed ? "COMMUNICATION_STATUS_FAILED" : "COMMUNICATION_STATUS_DELIVERED");
  }
}

/** Direct SQL on a test database as the superuser (to inspect jobs, counts). */
export async function withAdmin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Jobs left and row counts of the tenant (no duplicates: exactly what was submitted). */
export async function dbCounts(url: string, tenant: string) {
  return withAdmin(url, async (c) => {
    const one = async (sql: string) => Number((await c.query(sql, [tenant])).rows[0].n);
    return {
      jobs: await one("SELECT count(*) AS n FROM jobs WHERE tenant_id = $1"),
      operations: await one("SELECT count(*) AS n FROM operations WHERE tenant_id = $1"),
      communications: await one("SELECT count(*) AS n FROM communications WHERE tenant_id = $1"),
    };
  });
}

/** The instance id a server logged at start-up (its job-lease owner). */
export function instanceOf(lines: string[]): string {
  for (const l of lines) {
    try {
      const o = JSON.parse(l) as { msg?: string; instance?: string };
      if (o.instance) return o.instance;
    } catch {
      // not JSON
    }
  }
  throw new Error("no instance id logged");
}

/** Follows `/v1/communications:watch` (SSE) and records every event, to count settlements. */
export function watchCommunications(base: string, token: string) {
  const events: { messageId: string; status: string }[] = [];
  const controller = new AbortController();
  const ready = (async () => {
    const res = await fetch(`${base}/v1/communications:watch`, {
      headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" },
      signal: controller.signal,
    });
    if (!res.ok || !res.body) throw new Error(`watch: ${res.status}`);
    return res.body;
  })();
  const done = (async () => {
    const body = await ready;
    const decoder = new TextDecoder();
    let buf = "";
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let i: number;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = block.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("");
          if (!data) continue;
          const msg = JSON.parse(data) as { communication?: { messageId: string; status: string } };
          const c = msg.communication ?? (msg as unknown as { messageId: string; status: string });
          events.push({ messageId: c.messageId, status: c.status });
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    events,
    ready: ready.then(() => {}),
    /** How many times each message was seen reaching a final status. */
    settlements(): Map<string, number> {
      const m = new Map<string, number>();
      for (const e of events) {
        if (e.status === "COMMUNICATION_STATUS_DELIVERED" || e.status === "COMMUNICATION_STATUS_FAILED") m.set(e.messageId, (m.get(e.messageId) ?? 0) + 1);
      }
      return m;
    },
    async stop() {
      controller.abort();
      await done;
    },
  };
}
