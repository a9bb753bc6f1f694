#!/usr/bin/env node
// `pnpm demo`: starts the reference server on its embedded defaults (PGlite in
// memory, the embedded inference backend) on a free port, prints a
// development token for tenant "demo", runs examples/commission-executive.ts
// with the SDK against it, and stops the server. Exits with the example's code.
import { execFileSync, spawn } from "node:child_process";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const cli = join(root, "packages/server/dist/cli.js");
const example = process.argv[2] ?? "examples/commission-executive.ts";

const port = await new Promise((ok, fail) => {
  const probe = createServer().once("error", fail);
  probe.listen(0, "127.0.0.1", () => {
    const { port } = probe.address();
    probe.close(() => ok(port));
  });
});
const baseUrl = `http://127.0.0.1:${port}`;
const env = { ...process.env, PORT: String(port), HOST: "127.0.0.1", SOVREN_LOG_LEVEL: process.env.SOVREN_LOG_LEVEL ?? "warn" };

console.log(`Starting the reference server on ${baseUrl} (embedded PostgreSQL, embedded inference) ...`);
const server = spawn(process.execPath, [cli, "serve"], { env, stdio: ["ignore", "pipe", "pipe"] });
let serverLog = "";
server.stdout.on("data", (d) => (serverLog += d));
server.stderr.on("data", (d) => (serverLog += d));
const exited = new Promise((done) => server.once("exit", (code) => done(code)));

const stop = async () => {
  if (server.exitCode === null) server.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (server.exitCode === null) server.kill("SIGKILL");
};

try {
  const started = Date.now();
  for (;;) {
    if (server.exitCode !== null) throw new Error(`the server exited with code ${server.exitCode}`);
    const ok = await fetch(`${baseUrl}/v1/health`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() - started > 60_000) throw new Error("the server did not become healthy within 60 s");
    await new Promise((r) => setTimeout(r, 200));
  }
  console.log(`Server ready in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
  const token = execFileSync(process.execPath, [cli, "token", "--tenant", "demo", "--ttl", "30m"], { env }).toString().trim();
  const code = await new Promise((done) => {
    const child = spawn(process.execPath, [join(root, "node_modules/tsx/dist/cli.mjs"), join(root, example)], {
      env: { ...process.env, SOVREN_BASE_URL: baseUrl, SOVREN_TOKEN: token },
      stdio: "inherit",
    });
    child.once("exit", (c) => done(c ?? 1));
  });
  await stop();
  process.exit(code);
} catch (err) {
  console.error(`demo failed: ${err.message}\n--- server output ---\n${serverLog}`);
  await stop();
  process.exit(1);
}
