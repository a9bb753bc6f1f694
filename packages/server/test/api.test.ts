// End-to-end behaviour over REST and Connect/gRPC against a real server, on
// embedded PGlite and on PostgreSQL.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  CommunicationService,
  ExecutiveService,
  HealthService,
  OperationService,
  SimulationService,
} from "@sovren/contracts/proto";
import { CommissionExecutiveResponse, Executive, Operation, Problem } from "@sovren/contracts/zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simulate } from "../src/index.js";
import { BACKENDS, postgresReachable, rest, rpcClient, seedExecutive, startTestServer, type TestServer } from "./harness.js";

const pgOk = await postgresReachable();

async function readSse(res: Response, until: (event: any) => boolean, limit = 50): Promise<any[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: any[] = [];
  let buffer = "";
  while (events.length < limit) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let i: number;
    while ((i = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, i);
      buffer = buffer.slice(i + 2);
      const data = block.split("\n").find((l) => l.startsWith("data: "));
      if (!data) continue;
      const event = JSON.parse(data.slice(6));
      events.push(event);
      if (until(event)) {
        await reader.cancel();
        return events;
      }
    }
  }
  return events;
}

describe.each(BACKENDS)("API over %s", (backend) => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    if (backend === "postgres" && !pgOk) return;
    server = (await startTestServer(backend))!;
    token = await server.token("acme");
  });
  afterAll(async () => server?.close());

  describe.skipIf(backend === "postgres" && !pgOk)("behaviour", () => {
    it("answers the seed's curl example with 201 and the seed's response", async () => {
      const res = await rest(server, token, "/v1/executives", { method: "POST", json: seedExecutive });
      expect(res.status).toBe(201);
      expect(res.headers.get("x-request-id")).toBeTruthy();
      const body = CommissionExecutiveResponse.parse(await res.json());
      expect(body).toMatchObject({ status: "active", message: "Executive Aurora created successfully" });
      expect(body.executive).toMatchObject({ name: "Aurora", skills: seedExecutive.skills, voiceProfile: "", state: "EXECUTIVE_STATE_ACTIVE" });
      // Names are unique per tenant (case-insensitively), shared across tenants.
      const dup = await rest(server, token, "/v1/executives", { method: "POST", json: { ...seedExecutive, name: "aurora" } });
      expect(dup.status).toBe(409);
      expect(Problem.parse(await dup.json()).code).toBe("already_exists");
      const other = await rest(server, await server.token("globex"), "/v1/executives", { method: "POST", json: seedExecutive });
      expect(other.status).toBe(201);
    });

    it("gets, lists page by page, updates (mask and no mask) and retires", async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await rest(server, token, "/v1/executives", { method: "POST", json: { role: "CFO", name: `Pager ${i}` } });
        ids.push(((await r.json()) as { executiveId: string }).executiveId);
      }
      const got = await rest(server, token, `/v1/executives/${ids[0]}`);
      expect(Executive.parse(await got.json()).name).toBe("Pager 0");
      const seen: string[] = [];
      let pageToken = "";
      do {
        const r = await rest(server, token, `/v1/executives?role=CFO&pageSize=2${pageToken ? `&pageToken=${pageToken}` : ""}`);
        const body = (await r.json()) as { executives: { id: string }[]; nextPageToken: string };
        seen.push(...body.executives.map((e) => e.id));
        pageToken = body.nextPageToken;
      } while (pageToken);
      expect(seen).toEqual([...ids].reverse());
      expect((await rest(server, token, "/v1/executives?pageToken=garbage")).status).toBe(400);

      const patched = await rest(server, token, `/v1/executives/${ids[1]}`, { method: "PATCH", json: { role: "COO", skills: ["ops"] } });
      expect(await patched.json()).toMatchObject({ role: "COO", skills: ["ops"], name: "Pager 1" });
      const masked = await rest(server, token, `/v1/executives/${ids[1]}`, { method: "PATCH", json: { updateMask: "skills,voiceProfile" } });
      expect(await masked.json()).toMatchObject({ skills: [], voiceProfile: "", role: "COO" });
      const clash = await rest(server, token, `/v1/executives/${ids[1]}`, { method: "PATCH", json: { name: "Pager 2" } });
      expect(clash.status).toBe(409);

      const retired = await rest(server, token, `/v1/executives/${ids[2]}:retire`, { method: "POST", json: { reason: "done" } });
      const r = Executive.parse(await retired.json());
      expect(r.state).toBe("EXECUTIVE_STATE_RETIRED");
      expect(r.retireTime).toBeTruthy();
      const again = await rest(server, token, `/v1/executives/${ids[2]}:retire`, { method: "POST" });
      expect(again.status).toBe(200);
      expect((await rest(server, token, `/v1/executives/${ids[2]}`, { method: "PATCH", json: { role: "x" } })).status).toBe(409);
      const send = await rest(server, token, "/v1/communications", { method: "POST", json: { executiveId: ids[2], recipient: "a@b.c", message: "hi" } });
      expect(send.status).toBe(409);
      const retiredList = await rest(server, token, "/v1/executives?state=EXECUTIVE_STATE_RETIRED");
      expect(((await retiredList.json()) as { executives: unknown[] }).executives).toHaveLength(1);
    });

    it("serves the same resources over Connect JSON, gRPC and gRPC-Web with implicit fields emitted", async () => {
      const raw = await fetch(`${server.url}/sovren.v1.ExecutiveService/CommissionExecutive`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ role: "CTO", name: "Connect JSON" }),
      });
      expect(raw.status).toBe(200);
      const json = (await raw.json()) as { executive: Record<string, unknown> };
      expect(json.executive).toMatchObject({ skills: [], voiceProfile: "", state: "EXECUTIVE_STATE_ACTIVE" });
      for (const transport of ["connect", "grpc", "grpc-web"] as const) {
        const client = rpcClient(server, ExecutiveService, token, transport);
        const made = await client.commissionExecutive({ role: "CTO", name: `Via ${transport}` });
        expect(made.status).toBe("active");
        const got = await client.getExecutive({ id: made.executiveId });
        expect(got.executive?.name).toBe(`Via ${transport}`);
        const list = await client.listExecutives({ pageSize: 1 });
        expect(list.executives).toHaveLength(1);
        expect(list.nextPageToken).not.toBe("");
      }
      const health = await rpcClient(server, HealthService, undefined, "grpc").checkReadiness({});
      expect(health.dependencies.map((d) => d.name)).toEqual(["database", "embedded"]);
    });

    it("runs a simulation as an operation whose result is the shared algorithm's", async () => {
      const req = { userId: "u-1", scenario: "Enter the EU market", trials: 2000, threshold: 0.1, factors: [{ name: "demand", weight: 2, mean: 0.3, stddev: 1 }] };
      const res = await rest(server, token, "/v1/simulations:run", { method: "POST", json: req });
      expect(res.status).toBe(202);
      const op = Operation.parse(await res.json());
      expect(res.headers.get("location")).toBe(`/v1/operations/${op.operationId}`);
      expect(["OPERATION_STATE_PENDING", "OPERATION_STATE_RUNNING", "OPERATION_STATE_SUCCEEDED"]).toContain(op.state);
      const waited = await rest(server, token, `/v1/operations/${op.operationId}:wait`, { method: "POST", json: { timeout: "10s" } });
      const done = Operation.parse(await waited.json());
      expect(done).toMatchObject({ state: "OPERATION_STATE_SUCCEEDED", done: true, progress: 1, backend: "embedded", parameters: req });
      const expected = simulate(req);
      expect(done.result).toEqual(expected);
      expect(done.confidence).toBeCloseTo(expected.confidence, 6);
      expect(done.executedAt).toBeTruthy();
      const listed = await rest(server, token, "/v1/operations?state=OPERATION_STATE_SUCCEEDED");
      expect(((await listed.json()) as { operations: { operationId: string }[] }).operations.map((o) => o.operationId)).toContain(op.operationId);
    });

    it("cancels a long run, and watches it over SSE and a gRPC server stream until done", async () => {
      // The largest run the contract allows (1e6 trials × 32 factors), so that it is still running when cancelled.
      const long = { userId: "u-2", scenario: "long", trials: 1_000_000, factors: Array.from({ length: 32 }, (_, i) => ({ name: `f${i}`, weight: 1, stddev: 1 })) };
      const op = Operation.parse(await (await rest(server, token, "/v1/simulations:run", { method: "POST", json: long })).json());
      const sse = await rest(server, token, `/v1/operations/${op.operationId}:watch`);
      expect(sse.headers.get("content-type")).toBe("text/event-stream");
      const stream = rpcClient(server, OperationService, token, "grpc").watchOperation({ operationId: op.operationId });
      const streamed: string[] = [];
      const streamDone = (async () => {
        for await (const e of stream) streamed.push(String(e.operation?.state));
      })();
      const sseEvents = readSse(sse, (e) => e.operation.done);
      // Wait until it runs with some progress, then cancel.
      for (let i = 0; i < 100; i++) {
        const cur = Operation.parse(await (await rest(server, token, `/v1/operations/${op.operationId}`)).json());
        if (cur.progress > 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const cancelled = await rest(server, token, `/v1/operations/${op.operationId}:cancel`, { method: "POST" });
      expect(Operation.parse(await cancelled.json())).toMatchObject({ state: "OPERATION_STATE_CANCELLED", done: true });
      const events = await sseEvents;
      expect(events.at(-1).operation.state).toBe("OPERATION_STATE_CANCELLED");
      expect(events.some((e) => e.operation.state === "OPERATION_STATE_RUNNING")).toBe(true);
      await streamDone;
      expect(Number(streamed.at(-1))).toBe(5); // OPERATION_STATE_CANCELLED
      // Cancelling a finished operation returns it unchanged.
      const again = await rest(server, token, `/v1/operations/${op.operationId}:cancel`, { method: "POST" });
      expect(Operation.parse(await again.json()).state).toBe("OPERATION_STATE_CANCELLED");
      // A waiter on a short timeout gets the current state back.
      const op2 = Operation.parse(await (await rest(server, token, "/v1/simulations:run", { method: "POST", json: long })).json());
      const waited = await rpcClient(server, OperationService, token).waitOperation({ operationId: op2.operationId, timeout: { seconds: 0n, nanos: 200_000_000 } });
      expect(waited.operation?.done).toBe(false);
      await rest(server, token, `/v1/operations/${op2.operationId}:cancel`, { method: "POST" });
    });

    it("sends communications that are delivered, or fail for .invalid recipients, and streams them live", async () => {
      const exec = (await (await rest(server, token, "/v1/executives", { method: "POST", json: { role: "CMO", name: "Sender" } })).json()) as { executiveId: string };
      const watch = await rest(server, token, `/v1/communications:watch?executiveId=${exec.executiveId}`);
      expect(watch.status).toBe(200);
      const events = readSse(watch, (e) => e.communication.recipient.endsWith(".invalid") && e.communication.status === "COMMUNICATION_STATUS_FAILED");
      const client = rpcClient(server, CommunicationService, token);
      const ok = await client.sendCommunication({ executiveId: exec.executiveId, recipient: "board@acme.example", message: "Q3 plan" });
      const bad = await rest(server, token, "/v1/communications", { method: "POST", json: { executiveId: exec.executiveId, recipient: "ceo@nowhere.invalid", message: "hello" } });
      expect(bad.status).toBe(201);
      const seen = await events;
      const statuses = seen.map((e) => `${e.communication.recipient}:${e.communication.status}`);
      expect(statuses).toContain("board@acme.example:COMMUNICATION_STATUS_SENT");
      expect(statuses).toContain("ceo@nowhere.invalid:COMMUNICATION_STATUS_FAILED");
      await new Promise((r) => setTimeout(r, 150));
      const got = await client.getCommunication({ messageId: ok.communication!.messageId });
      expect(got.communication?.status).toBe(2); // DELIVERED
      const failed = (await (await rest(server, token, "/v1/communications?status=COMMUNICATION_STATUS_FAILED")).json()) as { communications: { failureReason: string }[] };
      expect(failed.communications[0]!.failureReason).toMatch(/does not exist/);
      const missing = await rest(server, token, "/v1/communications", { method: "POST", json: { executiveId: "00000000-0000-4000-8000-000000000000", recipient: "x@y.z", message: "m" } });
      expect(missing.status).toBe(404);
    });
  });
});
