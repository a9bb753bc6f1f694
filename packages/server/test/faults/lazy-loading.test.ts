// Issue 14: with neither REDIS_URL nor an OTLP endpoint set, the built
// server never loads ioredis or any @opentelemetry package (start-up and the
// request path stay as they were); with them set, it does. A module-resolve
// hook (node --import) reports every module the process loads.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { spawnServer } from "../support/server-process.js";

const dir = mkdtempSync(path.join(tmpdir(), "sovren-lazy-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(
  path.join(dir, "hooks.mjs"),
  `export async function resolve(s, c, next) { const r = await next(s, c); if (/opentelemetry|ioredis/.test(r.url)) process.stderr.write("LOADED " + r.url + "\\n"); return r; }\n`,
);
writeFileSync(path.join(dir, "register.mjs"), `import { register } from "node:module"; register(${JSON.stringify(pathToFileURL(path.join(dir, "hooks.mjs")).href)});\n`);

async function loaded(env: Record<string, string>): Promise<string[]> {
  const s = await spawnServer({ env: { NODE_OPTIONS: `--import ${pathToFileURL(path.join(dir, "register.mjs")).href}`, SOVREN_LOG_LEVEL: "warn", ...env }, readyTimeoutMs: 60_000 });
  try {
    // A request through the whole pipeline, so lazily imported code would show.
    await fetch(`${s.url}/v1/health/ready`);
    return s.lines.filter((l) => l.startsWith("LOADED ")).map((l) => l.replace(/^LOADED .*node_modules\//, ""));
  } finally {
    s.kill("SIGKILL");
    await s.exited;
  }
}

describe("optional dependencies load only when configured", () => {
  it("loads neither ioredis nor OpenTelemetry by default, and each when configured", async () => {
    expect(await loaded({})).toEqual([]);
    const otel = await loaded({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9" });
    expect(otel.some((m) => m.includes("@opentelemetry/sdk-trace-base"))).toBe(true);
    expect(otel.some((m) => m.includes("ioredis"))).toBe(false);
    // An unreachable Redis is fine here: only what loads is checked.
    const redis = await loaded({ REDIS_URL: "redis://127.0.0.1:9", SOVREN_REDIS_PREFIX: "lazy-check:" });
    expect(redis.some((m) => m.includes("ioredis"))).toBe(true);
    expect(redis.some((m) => m.includes("opentelemetry"))).toBe(false);
  });
});
