// Multi-process mode (SOVREN_WORKERS, node:cluster) on PostgreSQL: the built
// CLI forks two workers on one port, both serve, and SIGTERM drains every
// worker as one process drains (a long poll in flight is answered, the
// process exits 0). The embedded database refuses the mode with a clear error.
import { afterAll, describe, expect, it } from "vitest";
import { createTestDatabase, postgresReachable } from "../harness.js";
import { adminToken, call, sleep } from "../support/api.js";
import { CLI, spawnServer, type ServerProcess } from "../support/server-process.js";
import { spawnSync } from "node:child_process";

const json = (lines: string[]) =>
  lines.flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return [];
    }
  });

async function until<T>(what: string, fn: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe("SOVREN_WORKERS (node:cluster), PostgreSQL", () => {
  let server: ServerProcess | undefined;
  let db: { url: string; drop: () => Promise<void> } | undefined;
  afterAll(async () => {
    server?.kill("SIGKILL");
    await server?.exited;
    await db?.drop();
  });

  it("two workers serve one port, and SIGTERM drains both: the long poll in flight is answered, exit 0", async () => {
    if (!(await postgresReachable())) return;
    db = await createTestDatabase();
    server = await spawnServer({
      env: { DATABASE_URL: db.url, SOVREN_WORKERS: "2", SOVREN_DRAIN_TIMEOUT_MS: "15000" },
      readyTimeoutMs: 90_000,
    });
    const s = server;
    const listening = await until("two workers listening", () => {
      const instances = new Set(json(s.lines).filter((l) => l.msg === "listening").map((l) => l.instance));
      return instances.size >= 2 ? instances : undefined;
    });
    expect(listening.size).toBe(2);

    const token = await adminToken("workers");
    const exec = await call(s.url, token, "POST", "/v1/executives", { role: "Chief Strategy Officer", name: "Cluster" });
    expect(exec.status).toBe(201);
    const id = exec.body.executiveId as string;
    // New connections are dealt round-robin: every one finds the executive, whichever worker answers.
    for (let i = 0; i < 10; i++) {
      const got = await fetch(`${s.url}/v1/executives/${id}`, { headers: { authorization: `Bearer ${token}`, connection: "close" } });
      expect(got.status).toBe(200);
      expect(((await got.json()) as { id: string }).id).toBe(id);
    }

    // A batch simulation, and a long poll on it that the drain must answer.
    const sim = await call(s.url, token, "POST", "/v1/simulations:run", {
      userId: "u1", scenario: "cluster drain", executiveId: id, trials: 1_000_000, mode: "SIMULATION_MODE_BATCH",
      factors: Array.from({ length: 16 }, (_, i) => ({ name: `f${i}`, weight: 1, mean: 0, stddev: 1 })),
    });
    expect(sim.status).toBe(202);
    const poll = call(s.url, token, "POST", `/v1/operations/${sim.body.operationId}:wait`, { timeout: "60s" });
    await sleep(500);
    s.kill("SIGTERM");
    const answered = await poll;
    expect(answered.status).toBe(200);
    const { code } = await s.exited;
    expect(code).toBe(0);
    const drained = json(s.lines).filter((l) => l.msg === "drained");
    expect(drained).toHaveLength(2);
    expect(s.errorLines()).toEqual([]);
    await expect(fetch(`${s.url}/v1/health`)).rejects.toThrow();
  }, 180_000);

  it("refuses several workers on the embedded database, naming the variable", () => {
    const r = spawnSync(process.execPath, [CLI, "serve", "--workers", "2"], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: "0", HOST: "127.0.0.1" },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(r.status).toBe(78);
    expect(r.stderr).toMatch(/SOVREN_WORKERS: several workers need DATABASE_URL/);
    const bad = spawnSync(process.execPath, [CLI, "serve"], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, SOVREN_WORKERS: "0" },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(bad.status).toBe(78);
    expect(bad.stderr).toMatch(/SOVREN_WORKERS \(or --workers\): must be an integer/);
  });
});
