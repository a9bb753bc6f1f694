// Socket syscalls per request, counted with strace -c on the server process
// (GET executive, REST, sequential, on a fresh PostgreSQL database). Unlike
// req/s on a shared 2-core machine, these counts do not depend on load: they
// show the round trips and writes each request costs.
// Usage: node bench/syscalls.mjs [requests]   (BENCH_SERVER_CLI=… to count another build)
import { spawn } from "node:child_process";
import { devToken, freshDatabase, sleep, startServer } from "./lib.mjs";

const N = Number(process.argv[2] ?? 1000);
const db = await freshDatabase();
const server = await startServer({ databaseUrl: db.url });
try {
  const token = await devToken();
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const created = await fetch(`${server.url}/v1/executives`, { method: "POST", headers, body: JSON.stringify({ role: "CSO", name: "Counted" }) });
  const { executiveId } = await created.json();
  const get = async () => (await fetch(`${server.url}/v1/executives/${executiveId}`, { headers })).arrayBuffer();
  for (let i = 0; i < 200; i++) await get(); // pool connections open, statements prepared
  const trace = spawn("strace", ["-f", "-c", "-e", "trace=write,writev,sendto,sendmsg,read,recvfrom", "-p", String(server.pid)], { stdio: ["ignore", "ignore", "pipe"] });
  let out = "";
  trace.stderr.on("data", (d) => (out += d));
  await sleep(1500); // attached
  for (let i = 0; i < N; i++) await get();
  trace.kill("SIGINT");
  await new Promise((r) => trace.once("exit", r));
  const rows = out.split("\n").map((l) => l.trim().split(/\s+/)).filter((m) => m.length >= 5 && /^\d/.test(m[0]) && m.at(-1) !== "total");
  if (!rows.length) throw new Error(`strace printed nothing (is it installed, and may it attach?):\n${out}`);
  for (const m of rows) console.log(`${m.at(-1)}: ${(Number(m[3]) / N).toFixed(2)} per request`);
} finally {
  await server.stop();
  await db.drop();
}
