// Quick simulations in one round trip against the real server (embedded
// PGlite): `simulations.run(req, { wait })` and `runAndWait` get the done
// operation from RunSimulation itself, on REST and Connect.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sovren } from "../src/index.js";

let api: { url: string; close(): Promise<void> };
let token: string;
beforeAll(async () => {
  const { startServer, mintToken, DEV_JWT_SECRET } = await import("@sovren/server");
  api = await startServer({ port: 0, host: "127.0.0.1", env: { SOVREN_LOG_LEVEL: "silent" } });
  token = await mintToken({ secret: DEV_JWT_SECRET, audience: "sovren", tenantId: "sdk-wait", roles: ["admin"], ttlSeconds: 600 });
}, 60_000);
afterAll(async () => api?.close());

const quick = { userId: "u-1", scenario: "Enter APAC in Q3", trials: 1000, seed: 7, mode: "SIMULATION_MODE_QUICK" as const };

describe.each(["rest", "connect"] as const)("simulations with a wait (%s)", (transport) => {
  const client = () => {
    const calls: string[] = [];
    const counting: typeof fetch = (input, init) => {
      calls.push(String(input instanceof Request ? input.url : input));
      return fetch(input, init);
    };
    return { calls, sovren: new Sovren({ baseUrl: api.url, token, transport, fetch: counting }) };
  };

  it("run(req, { wait }) answers with the done operation in one request", async () => {
    const { calls, sovren } = client();
    const op = await sovren.simulations.run(quick, { wait: 30 });
    expect(op.done).toBe(true);
    expect(op.state).toBe("OPERATION_STATE_SUCCEEDED");
    expect(calls).toHaveLength(1);
  });

  it("runAndWait resolves with the done operation, RunSimulation's wait first", async () => {
    const { calls, sovren } = client();
    const progress: string[] = [];
    const op = await sovren.simulations.runAndWait(quick, { onProgress: (o) => progress.push(o.state) });
    expect(op.done).toBe(true);
    expect(progress.at(-1)).toBe("OPERATION_STATE_SUCCEEDED");
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(calls[0]).toMatch(/simulations:run|RunSimulation/);
  });

  it("a wait past the contract's 60 s is refused before sending", async () => {
    const { calls, sovren } = client();
    await expect(sovren.simulations.run(quick, { wait: 61 })).rejects.toThrow(/waitSeconds/);
    expect(calls).toHaveLength(0);
  });
});
