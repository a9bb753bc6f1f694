// The four sections of issue 6. Each returns plain data; report.mjs renders it.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { spawn } from "node:child_process";
import {
  BENCH_DIR, ROOT, devToken, freshDatabase, pgAvailable, runNodeJson, spawnNode, startServer, summary, waitHttp, sleep,
} from "./lib.mjs";

const LOAD_WORKER = path.join(BENCH_DIR, "load-worker.mjs");

// ---------------------------------------------------------------- 1. SDK overhead
export async function sdkOverhead(cfg) {
  const endpoint = spawnNode(path.join(BENCH_DIR, "fixtures/trivial-endpoint.mjs"));
  try {
    const ports = await firstLineJson(endpoint);
    const r = await runNodeJson(path.join(BENCH_DIR, "sdk-overhead-client.mjs"), [
      JSON.stringify({ ...ports, calls: cfg.sdkCalls, warmup: cfg.sdkWarmup, rounds: cfg.rounds }),
    ], { nodeArgs: ["--expose-gc"] });
    const rows = r.variants.map((v) => {
      const rounds = r.rounds[v.key];
      const base = v.baseline ? r.rounds[v.baseline] : undefined;
      const ratio = (k) => (base ? summary(rounds.map((x, i) => x[k] / base[i][k])) : undefined);
      return {
        ...v,
        p50: summary(rounds.map((x) => x.p50)),
        p99: summary(rounds.map((x) => x.p99)),
        cpuUs: summary(rounds.map((x) => x.cpuUs)),
        ratioP50: ratio("p50"),
        ratioP99: ratio("p99"),
        ratioCpu: ratio("cpuUs"),
      };
    });
    return { rows, calls: cfg.sdkCalls, rounds: cfg.rounds };
  } finally {
    endpoint.child.kill("SIGTERM");
    await endpoint.done;
  }
}

function firstLineJson(p) {
  return new Promise((resolve, reject) => {
    const t = setInterval(() => {
      const line = p.stdout.split("\n")[0];
      if (p.stdout.includes("\n")) {
        clearInterval(t);
        resolve(JSON.parse(line));
      }
    }, 10);
    p.done.then((code) => {
      clearInterval(t);
      reject(new Error(`exited ${code}: ${p.stderr}`));
    });
  });
}

// ---------------------------------------------------------------- 2. Server throughput
const ENDPOINTS = [
  // name, transport, worker spec (seeded id filled in)
  ["get executive", "REST", (id) => ({ scenario: "fixed", method: "GET", path: `/v1/executives/${id}` })],
  ["get executive", "Connect", (id) => ({ scenario: "fixed", method: "POST", path: "/sovren.v1.ExecutiveService/GetExecutive", body: { id } })],
  ["list executives (50)", "REST", () => ({ scenario: "fixed", method: "GET", path: "/v1/executives?pageSize=50" })],
  ["list executives (50)", "Connect", () => ({ scenario: "fixed", method: "POST", path: "/sovren.v1.ExecutiveService/ListExecutives", body: { pageSize: 50 } })],
  ["commission executive", "REST", () => ({ scenario: "commission-rest" })],
  ["commission executive", "Connect", () => ({ scenario: "commission-connect" })],
  ["run quick simulation", "REST", () => ({ scenario: "simulate-rest" })],
  ["run quick simulation", "Connect", () => ({ scenario: "simulate-connect" })],
];

function cellResult(connections, rounds) {
  return {
    connections,
    rps: summary(rounds.map((r) => r.rps)),
    p50: summary(rounds.map((r) => r.p50)),
    p95: summary(rounds.map((r) => r.p95)),
    p99: summary(rounds.map((r) => r.p99)),
    non2xx: rounds.reduce((a, r) => a + r.non2xx, 0),
    errors: rounds.reduce((a, r) => a + r.errors, 0),
  };
}

/** Runs every cell in one load-generator process (no process start-up between cells). */
async function loadCells(url, token, cells, cfg, log) {
  const specs = cells.map((c) => ({ url, token, duration: cfg.duration, warmup: cfg.warmup, rounds: cfg.rounds, ...c }));
  const p = spawnNode(LOAD_WORKER, [JSON.stringify(specs)]);
  let seen = 0;
  const t = setInterval(() => {
    const lines = p.stderr.split("\n");
    for (; seen < lines.length - 1; seen++) log(`  ${lines[seen]}`);
  }, 200);
  const code = await p.done;
  clearInterval(t);
  const rest = p.stderr.split("\n");
  for (; seen < rest.length; seen++) if (rest[seen]) log(`  ${rest[seen]}`);
  if (code !== 0) throw new Error(`load worker exited ${code}: ${p.stderr.slice(-2000)}`);
  const lines = p.stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]).map((rounds, i) => cellResult(cells[i].connections, rounds));
}

async function seed(url, token, count) {
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  let id;
  for (let i = 0; i < count; i++) {
    const r = await fetch(`${url}/v1/executives`, {
      method: "POST",
      headers,
      body: JSON.stringify({ role: "Chief Strategy Officer", name: `Seed ${i}`, skills: ["forecasting", "negotiation"] }),
    });
    const body = await r.json();
    if (r.status !== 201) throw new Error(`seeding failed: ${r.status} ${JSON.stringify(body)}`);
    id ??= body.executiveId;
  }
  return id;
}

export async function ceiling(cfg, log = () => {}) {
  const p = spawnNode(path.join(BENCH_DIR, "fixtures/ceiling-server.mjs"));
  try {
    const port = await new Promise((resolve) => {
      const t = setInterval(() => {
        if (p.stdout.includes("\n")) {
          clearInterval(t);
          resolve(Number(p.stdout.trim()));
        }
      }, 10);
    });
    return await loadCells(`http://127.0.0.1:${port}`, undefined, cfg.concurrency.map((connections) => ({ connections, scenario: "fixed", method: "GET", path: "/v1/executives/x", label: `ceiling c=${connections}` })), cfg, log);
  } finally {
    p.child.kill("SIGTERM");
    await p.done;
  }
}

export async function serverThroughput(cfg, dbKind, { serverEnv = {}, endpoints = ENDPOINTS, log = () => {} } = {}) {
  if (dbKind === "postgres" && !(await pgAvailable())) return { skipped: "no PostgreSQL at 127.0.0.1:5432" };
  const db = dbKind === "postgres" ? await freshDatabase() : undefined;
  const server = await startServer({ databaseUrl: db?.url, env: serverEnv });
  try {
    const token = await devToken();
    const id = await seed(server.url, token, 60);
    const cells = [];
    for (const [name, transport, spec] of endpoints) {
      for (const connections of cfg.concurrency) {
        cells.push({
          name, transport, connections, ...spec(id),
          label: `${dbKind} ${name} ${transport} c=${connections}`,
          // Let background work (simulation runs) drain before the next cell.
          pauseMs: name.startsWith("run") ? cfg.drainMs : 0,
        });
      }
    }
    const results = await loadCells(server.url, token, cells, cfg, log);
    return { rows: results.map((r, i) => ({ name: cells[i].name, transport: cells[i].transport, ...r })) };
  } finally {
    await server.stop();
    await db?.drop();
  }
}

// ---------------------------------------------------------------- 3. Inference pass-through
const SIM = { userId: "bench", scenario: "Acquire a competitor", seed: 7, trials: 5000, threshold: 0.5, factors: [] };
const TRITON_HTTP = process.env.SOVREN_TRITON_URL ?? "http://127.0.0.1:8100";
const TRITON_GRPC = process.env.SOVREN_TRITON_GRPC_URL ?? "http://127.0.0.1:8101";
const RAY_SERVE = process.env.SOVREN_RAY_SERVE_URL ?? "http://127.0.0.1:8200";

async function reachable(url) {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await r.arrayBuffer();
    return r.ok;
  } catch {
    return false;
  }
}

function runScript(script) {
  return new Promise((resolve) => {
    const p = spawn("bash", [path.join(ROOT, "scripts/inference", script)], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    p.once("exit", (code) => resolve({ code, out }));
  });
}

async function timeCalls(fn, cfg) {
  for (let i = 0; i < cfg.inferWarmup; i++) await fn();
  const rounds = [];
  for (let r = 0; r < cfg.rounds; r++) {
    const lat = [];
    for (let i = 0; i < cfg.inferCalls; i++) {
      const t = performance.now();
      await fn();
      lat.push(performance.now() - t);
    }
    lat.sort((a, b) => a - b);
    rounds.push({ p50: lat[Math.ceil(lat.length / 2) - 1], p99: lat[Math.ceil(lat.length * 0.99) - 1] });
  }
  return { p50: summary(rounds.map((r) => r.p50)), p99: summary(rounds.map((r) => r.p99)) };
}

export async function inference(cfg, log = () => {}) {
  const out = { direct: {}, server: {}, started: [], notes: [] };
  const { TritonGrpcClient, simulationInputs, SIMULATION_MODEL, SIMULATION_OUTPUTS } = await import("@sovren/inference");
  let tritonUp = await reachable(`${TRITON_HTTP}/v2/models/sovren_simulation/ready`);
  let rayUp = await reachable(`${RAY_SERVE}/-/healthz`);
  const venv = existsSync(path.join(ROOT, ".venv/inference/bin/python"));
  if (cfg.startInference && venv) {
    if (!tritonUp) {
      log("  starting Triton (scripts/inference/start-triton.sh)");
      const r = await runScript("start-triton.sh");
      tritonUp = r.code === 0;
      if (tritonUp) out.started.push("triton");
      else out.notes.push(`start-triton.sh failed: ${r.out.trim().split("\n").slice(-3).join(" / ")}`);
    }
    if (!rayUp) {
      log("  starting Ray (scripts/inference/start-ray.sh)");
      const r = await runScript("start-ray.sh");
      rayUp = r.code === 0;
      if (rayUp) out.started.push("ray");
      else out.notes.push(`start-ray.sh failed: ${r.out.trim().split("\n").slice(-3).join(" / ")}`);
    }
  } else if (!venv) {
    out.notes.push("no .venv/inference (run scripts/inference/setup-python.sh) and no Triton/Ray already running");
  } else if (!cfg.startInference) {
    out.notes.push("smoke run: Triton/Ray are not started (only measured when already running)");
  }
  try {
    const why = (up, what) => (up ? undefined : `${what} not running`);
    const tensors = simulationInputs(SIM);
    const httpBody = JSON.stringify({ inputs: tensors.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape, data: t.data })) });
    const grpc = tritonUp ? new TritonGrpcClient({ baseUrl: TRITON_GRPC }) : undefined;
    const direct = {
      "triton-http": tritonUp && (async () => {
        const r = await fetch(`${TRITON_HTTP}/v2/models/${SIMULATION_MODEL}/infer`, { method: "POST", headers: { "content-type": "application/json" }, body: httpBody });
        if (!r.ok) throw new Error(`triton http ${r.status}`);
        await r.json();
      }),
      "triton-grpc": tritonUp && (() => grpc.infer({ model: SIMULATION_MODEL, inputs: tensors, outputs: SIMULATION_OUTPUTS })),
      "ray-serve": rayUp && (async () => {
        const r = await fetch(`${RAY_SERVE}/simulate`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(SIM) });
        if (!r.ok) throw new Error(`ray serve ${r.status}`);
        await r.json();
      }),
    };
    // The embedded backend (always there): the same algorithm called in this
    // process, against the server running it — the server's own cost per simulation.
    const { simulate } = await import("@sovren/server");
    out.direct.embedded = await timeCalls(async () => simulate(SIM), cfg);
    Object.assign(out.server, { embedded: await throughServer("embedded", cfg) });
    for (const [name, fn] of Object.entries(direct)) {
      out.direct[name] = fn ? await timeCalls(fn, cfg) : { skipped: why(false, name.startsWith("triton") ? "Triton" : "Ray Serve") };
      // Through the server: only when its configuration accepts this backend.
      out.server[name] = fn ? await throughServer(name, cfg) : { skipped: `${name.startsWith("triton") ? "Triton" : "Ray Serve"} not running` };
    }
    if (grpc) await grpc.close?.();
  } finally {
    for (const s of out.started) await runScript(s === "triton" ? "stop-triton.sh" : "stop-ray.sh");
  }
  return out;
}

async function throughServer(backend, cfg) {
  // The server fronting only this backend (see docs/inference-core.md for the variables).
  const env = {
    "triton-grpc": { SOVREN_TRITON_GRPC_URL: TRITON_GRPC, SOVREN_TRITON_PROTOCOL: "grpc" },
    "triton-http": { SOVREN_TRITON_URL: TRITON_HTTP, SOVREN_TRITON_PROTOCOL: "http" },
    "ray-serve": { SOVREN_RAY_SERVE_URL: RAY_SERVE },
    embedded: {},
  }[backend];
  let server;
  try {
    server = await startServer({ env: backend === "embedded" ? {} : { SOVREN_INFERENCE_BACKEND: "core", ...env } });
  } catch (err) {
    return { skipped: `the server did not start with ${backend}: ${String(err.message).split("\n")[0]}` };
  }
  try {
    const token = await devToken();
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const once = async () => {
      const r = await fetch(`${server.url}/v1/simulations:run`, { method: "POST", headers, body: JSON.stringify({ ...SIM, mode: "SIMULATION_MODE_QUICK" }) });
      const op = await r.json();
      if (r.status !== 202) throw new Error(`run ${r.status} ${JSON.stringify(op)}`);
      for (;;) {
        const w = await fetch(`${server.url}/v1/operations/${op.operationId}:wait`, { method: "POST", headers, body: JSON.stringify({ timeout: "30s" }) });
        const done = await w.json();
        if (done.done) {
          if (done.state !== "OPERATION_STATE_SUCCEEDED") throw new Error(`simulation ${done.state}`);
          return;
        }
      }
    };
    // One round trip: RunSimulation waits for the outcome (Prefer: wait, RFC 7240).
    const waited = async () => {
      const r = await fetch(`${server.url}/v1/simulations:run`, { method: "POST", headers: { ...headers, prefer: "wait=30" }, body: JSON.stringify({ ...SIM, mode: "SIMULATION_MODE_QUICK" }) });
      const op = await r.json();
      if (r.status !== 202 || !op.done || op.state !== "OPERATION_STATE_SUCCEEDED") throw new Error(`run with wait ${r.status} ${JSON.stringify(op)}`);
    };
    const twoTrips = await timeCalls(once, cfg);
    return { ...twoTrips, preferWait: await timeCalls(waited, cfg) };
  } finally {
    await server.stop();
  }
}

// ---------------------------------------------------------------- 4. Size and start-up
export async function sizeAndStartup(cfg, log = () => {}) {
  const esbuild = createRequire(path.join(ROOT, "packages/sdk/package.json"))("esbuild");
  const dir = path.join(BENCH_DIR, ".cache/size");
  mkdirSync(dir, { recursive: true });
  const entries = [
    ["@sovren/sdk/rest (REST-only entry)", `import { Sovren } from "@sovren/sdk/rest"; export const c = new Sovren({});`],
    ["@sovren/sdk (main entry: REST, Connect-Web, gRPC-Web)", `import { Sovren } from "@sovren/sdk"; export const c = new Sovren({ transport: "connect" });`],
    ["@sovren/sdk/testing (msw external)", `export * from "@sovren/sdk/testing";`, ["msw", "msw/*"]],
    ["openapi-fetch alone", `import createClient from "openapi-fetch"; export const c = createClient({ baseUrl: "/" });`],
    ["@connectrpc/connect alone", `import { createClient } from "@connectrpc/connect"; export { createClient };`],
    ["@connectrpc/connect + connect-web transport", `import { createClient } from "@connectrpc/connect"; import { createConnectTransport } from "@connectrpc/connect-web"; export { createClient, createConnectTransport };`],
  ];
  const sizes = [];
  for (const [name, code, external = []] of entries) {
    const file = path.join(dir, `${sizes.length}.mjs`);
    writeFileSync(file, `${code}\n`);
    const r = await esbuild.build({ entryPoints: [file], bundle: true, minify: true, platform: "browser", format: "esm", write: false, external, logLevel: "silent" });
    const bytes = r.outputFiles[0].contents;
    sizes.push({ name, min: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length });
  }
  const importTimes = [];
  for (const spec of ["@sovren/sdk", "@sovren/sdk/node", "openapi-fetch", "@connectrpc/connect-web"]) {
    const times = [];
    for (let i = 0; i < cfg.startRounds; i++) {
      const r = await runNodeJson(path.join(BENCH_DIR, "import-time.mjs"), [spec]);
      times.push(r);
    }
    importTimes.push({ spec, ms: summary(times) });
  }
  const coldStart = [];
  for (const kind of ["pglite", "postgres"]) {
    if (kind === "postgres" && !(await pgAvailable())) {
      coldStart.push({ kind, skipped: "no PostgreSQL" });
      continue;
    }
    const times = [];
    for (let i = 0; i < cfg.startRounds; i++) {
      const db = kind === "postgres" ? await freshDatabase() : undefined;
      const s = await startServer({ databaseUrl: db?.url });
      times.push(s.readyMs);
      await s.stop();
      await db?.drop();
    }
    log(`  cold start ${kind}: ${summary(times).median.toFixed(0)} ms`);
    coldStart.push({ kind, ms: summary(times) });
  }
  return { sizes, importTimes, coldStart };
}

// ---------------------------------------------------------------- 2b. Against the lean peer (issue 12)
// One fresh PostgreSQL database; the server, the lean peer (fastify + postgres.js
// + jose, bench/fixtures/lean-peer.mjs) and the bare node:http ceiling all up at
// once; per connection count and round, every target is driven in turn by the
// same load generator, so each ratio is taken within one round of one run.
import { ensureWrk, wrkOnce } from "./wrk.mjs";

async function portOf(p) {
  for (let i = 0; i < 3000 && !p.stdout.includes("\n"); i++) await sleep(10);
  const port = Number(p.stdout.trim().split("\n")[0]);
  if (!port) throw new Error(`no port from fixture: ${p.stderr.slice(-1500)}`);
  return port;
}

async function autocannonOnce(url, spec, seconds) {
  const s = spec.commission ? { scenario: "commission-rest" } : { scenario: "fixed", method: spec.method, path: spec.path, body: spec.body };
  const [r] = await runNodeJson(LOAD_WORKER, [JSON.stringify({ url, token: spec.token, connections: spec.connections, duration: seconds, warmup: 0, rounds: 1, ...s })]);
  return r;
}

export async function peerComparison(cfg, log = () => {}) {
  if (!(await pgAvailable())) return { skipped: "no PostgreSQL at 127.0.0.1:5432" };
  const wrk = process.env.BENCH_LOADGEN === "autocannon" ? undefined : ensureWrk();
  if (!wrk && process.env.BENCH_REQUIRE_WRK === "1") throw new Error("BENCH_REQUIRE_WRK=1 but wrk is missing (bench/install-wrk.sh)");
  const generator = wrk ? "wrk" : "autocannon";
  const drive = (url, spec, secs) => (wrk ? wrkOnce(wrk, url, spec, secs) : autocannonOnce(url, spec, secs));
  const db = await freshDatabase();
  const procs = [];
  const servers = [];
  try {
    const server = await startServer({ databaseUrl: db.url });
    servers.push(server);
    const token = await devToken();
    const id = await seed(server.url, token, 60);
    const fixtureEnv = { DATABASE_URL: db.url, SOVREN_JWT_SECRET: (await import("./lib.mjs")).JWT_SECRET };
    const peer = spawnNode(path.join(BENCH_DIR, "fixtures/lean-peer.mjs"), [], { env: fixtureEnv });
    procs.push(peer);
    const ceil = spawnNode(path.join(BENCH_DIR, "fixtures/ceiling-server.mjs"));
    procs.push(ceil);
    const peerUrl = `http://127.0.0.1:${await portOf(peer)}`;
    const ceilUrl = `http://127.0.0.1:${await portOf(ceil)}`;
    const get = { method: "GET", path: `/v1/executives/${id}`, token };
    const targets = [
      { key: "ceiling", label: "ceiling: bare node:http, fixed JSON", url: ceilUrl, spec: { method: "GET", path: "/v1/executives/x" } },
      { key: "peer", label: "lean peer: fastify + postgres.js + jose, REST", url: peerUrl, spec: get },
      { key: "server-rest", label: "server, REST", url: server.url, spec: get },
      { key: "server-connect", label: "server, Connect (JSON)", url: server.url, spec: { method: "POST", path: "/sovren.v1.ExecutiveService/GetExecutive", body: { id }, token } },
    ];
    const workers = cfg.peerWorkers ?? 0;
    if (workers > 1) {
      try {
        const multi = await startServer({ databaseUrl: db.url, env: { SOVREN_WORKERS: String(workers) } });
        servers.push(multi);
        targets.push({ key: "server-workers", label: `server, REST, SOVREN_WORKERS=${workers}`, url: multi.url, spec: get });
      } catch (err) {
        log(`  multi-process server did not start: ${String(err.message).split("\n")[0]}`);
      }
    }
    const rows = [];
    for (const connections of cfg.peerConcurrency) {
      const rounds = Object.fromEntries(targets.map((t) => [t.key, []]));
      for (const t of targets) await drive(t.url, { ...t.spec, connections }, cfg.peerWarmup);
      for (let r = 0; r < cfg.rounds; r++) {
        for (const t of targets) {
          const x = await drive(t.url, { ...t.spec, connections }, cfg.peerDuration);
          rounds[t.key].push(x);
          log(`  ${generator} c=${connections} ${t.key}: ${x.rps.toFixed(0)} req/s p50 ${x.p50.toFixed(2)} p99 ${x.p99.toFixed(2)} ms${x.non2xx ? ` non-2xx ${x.non2xx}` : ""}`);
        }
      }
      for (const t of targets) {
        const rs = rounds[t.key];
        const ratio = (base) => summary(rs.map((x, i) => x.rps / rounds[base][i].rps));
        rows.push({
          ...cellResult(connections, rs),
          key: t.key,
          label: t.label,
          vsPeer: t.key === "ceiling" || t.key === "peer" ? undefined : ratio("peer"),
          vsCeiling: t.key === "ceiling" ? undefined : ratio("ceiling"),
        });
      }
    }
    // POST commission, a fresh Idempotency-Key and name per request (the idempotent path).
    const commission = [];
    for (const connections of cfg.commissionConcurrency) {
      await drive(server.url, { commission: true, token, connections }, cfg.peerWarmup);
      const rs = [];
      for (let r = 0; r < cfg.rounds; r++) rs.push(await drive(server.url, { commission: true, token, connections }, cfg.peerDuration));
      commission.push(cellResult(connections, rs));
      log(`  ${generator} commission c=${connections}: ${rs.map((x) => x.rps.toFixed(0)).join(", ")} req/s`);
    }
    return { generator, rows, commission, workers };
  } finally {
    for (const p of procs) {
      p.child.kill("SIGTERM");
      await Promise.race([p.done, sleep(5000)]);
      p.child.kill("SIGKILL");
    }
    for (const s of servers) await s.stop();
    await db.drop();
  }
}
