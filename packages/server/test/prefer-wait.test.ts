// Quick simulations in one round trip (issue 12): RunSimulation waits for the
// outcome when asked (REST `Prefer: wait=N`, RFC 7240, or `waitSeconds` on
// every transport), the operation is recorded either way, and a bad wait is a
// 400 naming where it came from.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimulationService } from "@sovren/contracts/proto";
import { BACKENDS, postgresReachable, rest, rpcClient, startTestServer, type TestServer } from "./harness.js";

const pgOk = await postgresReachable();
const quick = { userId: "u-1", scenario: "Enter APAC in Q3", trials: 1000, seed: 7, mode: "SIMULATION_MODE_QUICK" };

describe.each(BACKENDS)("RunSimulation with a wait, over %s", (backend) => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    if (backend === "postgres" && !pgOk) return;
    server = (await startTestServer(backend))!;
    token = await server.token("waiting");
  });
  afterAll(async () => server?.close());
  const skip = backend === "postgres" && !pgOk;

  it.skipIf(skip)("REST Prefer: wait=30 answers 202 with the done operation and Preference-Applied; the operation is recorded", async () => {
    const res = await rest(server, token, "/v1/simulations:run", { method: "POST", json: quick, headers: { prefer: "respond-async, wait=30" } });
    expect(res.status).toBe(202);
    expect(res.headers.get("preference-applied")).toBe("wait=30");
    const op = (await res.json()) as { operationId: string; done: boolean; state: string; result?: { confidence: number } };
    expect(op.done).toBe(true);
    expect(op.state).toBe("OPERATION_STATE_SUCCEEDED");
    expect(op.result?.confidence).toBeGreaterThanOrEqual(0);
    const stored = (await (await rest(server, token, `/v1/operations/${op.operationId}`)).json()) as typeof op;
    expect(stored).toEqual(op);
  });

  it.skipIf(skip)("without a wait the answer is the pending operation, as before", async () => {
    const res = await rest(server, token, "/v1/simulations:run", { method: "POST", json: quick });
    expect(res.status).toBe(202);
    expect(res.headers.get("preference-applied")).toBeNull();
    expect(((await res.json()) as { done: boolean }).done).toBe(false);
  });

  it.skipIf(skip)("waitSeconds over Connect returns the done operation", async () => {
    const client = rpcClient(server, SimulationService, token);
    const { operation } = await client.runSimulation({ ...quick, mode: 1, waitSeconds: 30 });
    expect(operation?.done).toBe(true);
  });

  it.skipIf(skip)("a wait past 60 s or not a number is a 400 naming Prefer or waitSeconds", async () => {
    // The last one is past the contract's maxLength (200), as schemathesis sent it.
    for (const prefer of ["wait=61", "wait=soon", "wait=-1", "wait=", `x=${"y".repeat(200)}`]) {
      const res = await rest(server, token, "/v1/simulations:run", { method: "POST", json: quick, headers: { prefer } });
      expect(res.status, prefer).toBe(400);
      const problem = (await res.json()) as { errors?: { field: string }[] };
      expect(problem.errors?.[0]?.field).toBe("Prefer");
    }
    const res = await rest(server, token, "/v1/simulations:run", { method: "POST", json: { ...quick, waitSeconds: 61 } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain("waitSeconds");
    // Other preferences are ignored (RFC 7240).
    const other = await rest(server, token, "/v1/simulations:run", { method: "POST", json: quick, headers: { prefer: "return=minimal" } });
    expect(other.status).toBe(202);
    expect(other.headers.get("preference-applied")).toBeNull();
  });
});
