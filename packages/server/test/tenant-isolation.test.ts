// Tenant isolation: every resource of tenant A, read, listed, updated,
// cancelled and watched by tenant B over every transport, must find nothing.
// The count of cross-tenant attempts is printed for the report.
import { Code, ConnectError } from "@connectrpc/connect";
import { CommunicationService, ExecutiveService, OperationService } from "@sovren/contracts/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, postgresReachable, rest, rpcClient, startTestServer, type TestServer, type Transport } from "./harness.js";

const pgOk = await postgresReachable();

async function rpcCode(p: Promise<unknown>): Promise<Code | "ok"> {
  try {
    await p;
    return "ok";
  } catch (err) {
    return ConnectError.from(err).code;
  }
}

describe.each(BACKENDS)("tenant isolation over %s", (backend) => {
  let server: TestServer;
  let a: string;
  let b: string;
  let ids: { executive: string; operation: string; message: string };
  beforeAll(async () => {
    if (backend === "postgres" && !pgOk) return;
    server = (await startTestServer(backend))!;
    a = await server.token("tenant-a");
    b = await server.token("tenant-b");
    const exec = (await (await rest(server, a, "/v1/executives", { method: "POST", json: { role: "CEO", name: "Secret" } })).json()) as { executiveId: string };
    const op = (await (await rest(server, a, "/v1/simulations:run", { method: "POST", json: { userId: "u", scenario: "s", trials: 1_000_000, executiveId: exec.executiveId } })).json()) as { operationId: string };
    const msg = (await (await rest(server, a, "/v1/communications", { method: "POST", json: { executiveId: exec.executiveId, recipient: "x@y.example", message: "private" } })).json()) as { messageId: string };
    ids = { executive: exec.executiveId, operation: op.operationId, message: msg.messageId };
  });
  afterAll(async () => server?.close());

  it.skipIf(backend === "postgres" && !pgOk)("finds nothing of another tenant over REST, Connect, gRPC and gRPC-Web", async () => {
    let attempts = 0;
    const restNotFound = async (path: string, init: Parameters<typeof rest>[3] = {}) => {
      attempts++;
      const res = await rest(server, b, path, init);
      expect(res.status, path).toBe(404);
    };
    await restNotFound(`/v1/executives/${ids.executive}`);
    await restNotFound(`/v1/executives/${ids.executive}`, { method: "PATCH", json: { role: "pwned" } });
    await restNotFound(`/v1/executives/${ids.executive}:retire`, { method: "POST" });
    await restNotFound(`/v1/operations/${ids.operation}`);
    await restNotFound(`/v1/operations/${ids.operation}:cancel`, { method: "POST" });
    await restNotFound(`/v1/operations/${ids.operation}:wait`, { method: "POST", json: { timeout: "0s" } });
    await restNotFound(`/v1/operations/${ids.operation}:watch`);
    await restNotFound(`/v1/communications/${ids.message}`);
    // Acting through another tenant's executive.
    await restNotFound("/v1/simulations:run", { method: "POST", json: { userId: "u", scenario: "s", executiveId: ids.executive } });
    await restNotFound("/v1/communications", { method: "POST", json: { executiveId: ids.executive, recipient: "r@x.example", message: "m" } });
    for (const [path, key] of [["/v1/executives", "executives"], ["/v1/operations", "operations"], ["/v1/communications", "communications"]] as const) {
      attempts++;
      const body = (await (await rest(server, b, path)).json()) as Record<string, unknown[]>;
      expect(body[key], path).toEqual([]);
    }
    for (const [path, key] of [[`/v1/operations?executiveId=${ids.executive}`, "operations"], [`/v1/communications?executiveId=${ids.executive}`, "communications"]] as const) {
      attempts++;
      expect(((await (await rest(server, b, path)).json()) as Record<string, unknown[]>)[key]).toEqual([]);
    }
    // X-Tenant-ID cannot switch tenant.
    attempts++;
    expect((await rest(server, b, `/v1/executives/${ids.executive}`, { headers: { "x-tenant-id": "tenant-a" } })).status).toBe(403);

    for (const transport of ["connect", "grpc", "grpc-web"] as Transport[]) {
      const execs = rpcClient(server, ExecutiveService, b, transport);
      const ops = rpcClient(server, OperationService, b, transport);
      const comms = rpcClient(server, CommunicationService, b, transport);
      const notFound: (() => Promise<unknown>)[] = [
        () => execs.getExecutive({ id: ids.executive }),
        () => execs.updateExecutive({ id: ids.executive, role: "pwned" }),
        () => execs.retireExecutive({ id: ids.executive }),
        () => ops.getOperation({ operationId: ids.operation }),
        () => ops.cancelOperation({ operationId: ids.operation }),
        () => ops.waitOperation({ operationId: ids.operation }),
        () => comms.getCommunication({ messageId: ids.message }),
        () => comms.sendCommunication({ executiveId: ids.executive, recipient: "r@x.example", message: "m" }),
        async () => {
          for await (const _ of ops.watchOperation({ operationId: ids.operation })) throw new Error("got an event");
        },
      ];
      for (const attempt of notFound) {
        attempts++;
        expect(await rpcCode(attempt())).toBe(Code.NotFound);
      }
      attempts += 3;
      expect((await execs.listExecutives({})).executives).toEqual([]);
      expect((await ops.listOperations({})).operations).toEqual([]);
      expect((await comms.listCommunications({})).communications).toEqual([]);
    }

    // Tenant A still sees everything, unchanged.
    const mine = (await (await rest(server, a, `/v1/executives/${ids.executive}`)).json()) as { role: string; state: string };
    expect(mine).toMatchObject({ role: "CEO", state: "EXECUTIVE_STATE_ACTIVE" });
    const op = (await (await rest(server, a, `/v1/operations/${ids.operation}`)).json()) as { state: string };
    expect(op.state).not.toBe("OPERATION_STATE_CANCELLED");
    await rest(server, a, `/v1/operations/${ids.operation}:cancel`, { method: "POST" });
    console.log(`[tenant isolation/${backend}] ${attempts} cross-tenant attempts over REST, Connect, gRPC, gRPC-Web: all found nothing`);
    expect(attempts).toBe(52);
  });

  it.skipIf(backend === "postgres" && !pgOk)("enforces isolation in the database itself (row-level security as a non-superuser role)", async () => {
    const db = server.db;
    const count = (tenant: string) =>
      db.transaction(tenant, async (tx) => {
        const r = await tx.query<{ n: number; who: string; su: boolean }>(
          "SELECT (SELECT count(*) FROM executives)::int AS n, current_user AS who, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS su",
        );
        return r.rows[0]!;
      });
    const asA = await count("tenant-a");
    expect(asA).toMatchObject({ n: 1, who: "sovren_app", su: false });
    expect((await count("tenant-b")).n).toBe(0);
    expect((await count("")).n).toBe(0); // no tenant set: nothing
    // A query that forgets its tenant filter, or tries another tenant's rows, still sees or writes nothing.
    const updated = await db.transaction("tenant-b", (tx) => tx.query("UPDATE executives SET role = 'x' RETURNING id"));
    expect(updated.rows).toEqual([]);
    await expect(
      db.transaction("tenant-b", (tx) => tx.query("INSERT INTO executives (id, tenant_id, name, role) VALUES (gen_random_uuid(), 'tenant-a', 'Sneaky', 'r')")),
    ).rejects.toThrow(/row-level security/);
  });
});
