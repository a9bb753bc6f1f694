// Every example, typechecked and run against a real reference server (embedded
// PostgreSQL, embedded inference), exactly as a tenant would run it; and the
// seed's curl example as written.
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { DEV_JWT_SECRET, mintToken, startServer, type RunningServer } from "@sovren/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const here = import.meta.dirname;
const root = join(here, "..");
const tsx = join(root, "node_modules/tsx/dist/cli.mjs");

let server: RunningServer;
let token: string;

beforeAll(async () => {
  server = await startServer({ port: 0, env: { SOVREN_LOG_LEVEL: "error" } });
  token = await mintToken({ secret: DEV_JWT_SECRET, audience: "sovren", tenantId: `examples-${Date.now()}`, roles: ["admin"], ttlSeconds: 1800 });
});

afterAll(async () => {
  await server?.close();
});

async function example(file: string): Promise<string> {
  const { stdout } = await run(process.execPath, [tsx, join(here, file)], {
    env: { ...process.env, SOVREN_BASE_URL: server.url, SOVREN_TOKEN: token },
    timeout: 90_000,
  });
  return stdout;
}

describe("examples", () => {
  it("every example typechecks", async () => {
    await run(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "--noEmit", "-p", here]);
  });

  it("lists every example here, so none is left untested", () => {
    const files = readdirSync(here).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && f !== "env.ts" && f !== "vitest.config.ts");
    expect(files.sort()).toEqual(["commission-executive.ts", "grpc-server-to-server.ts", "wait-with-progress.ts", "watch-communications.ts"]);
  });

  it("commission-executive: commissions, lists the board, simulates and sends", async () => {
    const out = await example("commission-executive.ts");
    expect(out).toMatch(/Executive Aurora created successfully \(id [0-9a-f-]{36}, status active\)/);
    expect(out).toMatch(/- Aurora\s+Chief Strategy Officer/);
    expect(out).toMatch(/outcome (favorable|uncertain|unfavorable), confidence \d+\.\d% over 20000 trials \(seed 42, backend embedded\)/);
    expect(out).toMatch(/message [0-9a-f-]{36} COMMUNICATION_STATUS_SENT/);
    // A second run finds Aurora already on the board instead of failing.
    expect(await example("commission-executive.ts")).toMatch(/Aurora already sits on the board/);
  });

  it("grpc-server-to-server: calls over gRPC and through the generated client", async () => {
    const out = await example("grpc-server-to-server.ts");
    expect(out).toMatch(/gRPC CommissionExecutive -> [0-9a-f-]{36} \(active\)/);
    expect(out).toMatch(/gRPC GetExecutive -> Ledger-\w+, Chief Financial Officer, EXECUTIVE_STATE_ACTIVE/);
    expect(out).toContain("generated ExecutiveService client -> Ledger-");
  });

  it("wait-with-progress: follows a batch simulation to its end", async () => {
    const out = await example("wait-with-progress.ts");
    expect(out).toMatch(/progress 100%\s+OPERATION_STATE_SUCCEEDED/);
    expect(out).toMatch(/done: OPERATION_STATE_SUCCEEDED; outcome \w+, confidence 0\.\d+/);
  });

  it("watch-communications: sees both messages reach their final status", async () => {
    const out = await example("watch-communications.ts");
    expect(out).toMatch(/board@example\.com\s+COMMUNICATION_STATUS_DELIVERED/);
    expect(out).toMatch(/nobody@unreachable\.invalid COMMUNICATION_STATUS_FAILED/);
    expect(out).toContain("watched 2 communications to their final status");
  });

  it("the seed's curl example works as written (host and token aside)", async () => {
    const { stdout } = await run("curl", [
      "-sS", "-X", "POST", `${server.url}/v1/executives`,
      "-H", `Authorization: Bearer ${token}`,
      "-H", "Content-Type: application/json",
      "-d", '{"role": "Chief Strategy Officer", "name": "Aurora-curl", "skills": ["forecasting", "negotiation"]}',
    ]);
    const body = JSON.parse(stdout);
    expect(body).toMatchObject({ status: "active", message: "Executive Aurora-curl created successfully" });
    expect(body.executiveId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
