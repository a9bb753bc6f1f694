// The guards around every call: authentication, RBAC, idempotency, rate
// limits, input validation, and the observability headers.
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ExecutiveService, HealthService } from "@sovren/contracts/proto";
import { Problem } from "@sovren/contracts/zod";
import { SignJWT, UnsecuredJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_JWT_SECRET, createApiKey } from "../src/index.js";
import { BACKENDS, postgresReachable, rest, rpcClient, startTestServer, type TestServer } from "./harness.js";

const pgOk = await postgresReachable();
const secret = new TextEncoder().encode(DEV_JWT_SECRET);
const claims = { tenant_id: "acme", roles: ["admin"] };

async function problemOf(res: Response) {
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const p = Problem.parse(await res.json());
  expect(p.requestId).toBe(res.headers.get("x-request-id"));
  return p;
}

describe("authentication and authorisation", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = (await startTestServer("pglite"))!;
  });
  afterAll(async () => server?.close());

  it("answers 401 for missing, expired, badly signed, alg-none and wrong-audience tokens", async () => {
    const sign = (aud: string, exp: number, key = secret) =>
      new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setSubject("u").setAudience(aud).setExpirationTime(exp).sign(key);
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, string | undefined][] = [
      ["missing", undefined],
      ["expired", await sign("sovren", now - 60)],
      ["bad signature", await sign("sovren", now + 600, new TextEncoder().encode("another-secret-of-at-least-32-bytes!!"))],
      ["alg none", new UnsecuredJWT(claims).setSubject("u").setAudience("sovren").setExpirationTime(now + 600).encode()],
      ["wrong audience", await sign("someone-else", now + 600)],
      ["garbage", "not.a.jwt"],
    ];
    for (const [name, token] of cases) {
      const res = await rest(server, token, "/v1/executives");
      expect(res.status, name).toBe(401);
      expect((await problemOf(res)).code, name).toBe("unauthenticated");
      if (name === "expired") {
        expect(res.headers.get("www-authenticate")).toBe('Bearer error="invalid_token", error_description="token expired"');
      }
      const code = await rpcClient(server, ExecutiveService, token, "grpc").listExecutives({}).then(() => "ok", (e) => ConnectError.from(e).code);
      expect(code, name).toBe(Code.Unauthenticated);
    }
    expect((await rest(server, "x", "/v1/executives", { headers: { authorization: "Basic abc" } })).status).toBe(401);
  });

  it("lets only health and readiness through without credentials", async () => {
    expect((await rest(server, undefined, "/v1/health")).status).toBe(200);
    expect((await rest(server, undefined, "/v1/health/ready")).status).toBe(200);
    expect((await rest(server, undefined, "/metrics")).status).toBe(401);
    expect((await rpcClient(server, HealthService, undefined).checkHealth({})).status).toBe(1);
  });

  it("answers 403 when a viewer writes, or a member retires, over both transports", async () => {
    const viewer = await server.token("acme", ["viewer"]);
    const member = await server.token("acme", ["member"]);
    expect((await rest(server, viewer, "/v1/executives")).status).toBe(200);
    const denied = await rest(server, viewer, "/v1/executives", { method: "POST", json: { role: "r", name: "Viewer's" } });
    expect(denied.status).toBe(403);
    expect((await problemOf(denied)).code).toBe("permission_denied");
    const code = await rpcClient(server, ExecutiveService, viewer).commissionExecutive({ role: "r", name: "n" }).then(() => "ok", (e) => ConnectError.from(e).code);
    expect(code).toBe(Code.PermissionDenied);
    const made = (await (await rest(server, member, "/v1/executives", { method: "POST", json: { role: "r", name: "Member's" } })).json()) as { executiveId: string };
    expect((await rest(server, member, `/v1/executives/${made.executiveId}:retire`, { method: "POST" })).status).toBe(403);
    expect((await rest(server, member, "/metrics")).status).toBe(403);
    const metrics = await rest(server, await server.token("acme"), "/metrics");
    expect(await metrics.text()).toMatch(/sovren_requests_total\{transport="rest",method="commissionExecutive",code="201"\}/);
  });

  it("accepts an API key (stored hashed) bound to its tenant", async () => {
    const { key } = await createApiKey(server.db, { tenantId: "acme", roles: ["member"] });
    const stored = await server.db.ownerTransaction((tx) => tx.query<{ key_hash: string }>("SELECT key_hash FROM api_keys"));
    expect(stored.rows[0]!.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored.rows)).not.toContain(key);
    expect((await rest(server, undefined, "/v1/executives", { headers: { "x-api-key": key } })).status).toBe(200);
    expect((await rest(server, undefined, "/v1/executives", { headers: { "x-api-key": `${key}x` } })).status).toBe(401);
    expect((await rest(server, undefined, "/v1/executives", { headers: { "x-api-key": key, "x-tenant-id": "globex" } })).status).toBe(403);
  });
});

describe("rate limiting", () => {
  it("answers 429 with Retry-After over REST and resource_exhausted over Connect", async () => {
    const server = (await startTestServer("pglite", { rateLimitRps: 1, rateLimitBurst: 3 }))!;
    try {
      const token = await server.token("acme");
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await rest(server, token, "/v1/executives")).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const limited = await rest(server, token, "/v1/executives");
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect((await problemOf(limited)).code).toBe("resource_exhausted");
      const err = await rpcClient(server, ExecutiveService, token).listExecutives({}).catch((e) => ConnectError.from(e));
      expect((err as ConnectError).code).toBe(Code.ResourceExhausted);
      expect((err as ConnectError).metadata.get("retry-after")).toBeTruthy();
      // Another tenant has its own bucket; health is never limited.
      expect((await rest(server, await server.token("globex"), "/v1/executives")).status).toBe(200);
      expect((await rest(server, undefined, "/v1/health")).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe.each(BACKENDS)("idempotency over %s", (backend) => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    if (backend === "postgres" && !pgOk) return;
    server = (await startTestServer(backend))!;
    token = await server.token("acme");
  });
  afterAll(async () => server?.close());

  it.skipIf(backend === "postgres" && !pgOk)("replays, refuses another body with 422, and executes concurrent duplicates once", async () => {
    const post = (key: string, json: unknown) =>
      rest(server, token, "/v1/executives", { method: "POST", json, headers: { "idempotency-key": key } });
    const first = await post("k-1", { role: "r", name: "Idem" });
    const replay = await post("k-1", { name: "Idem", role: "r" }); // key order does not matter
    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await replay.json()).toEqual(await first.json());
    const other = await post("k-1", { role: "r", name: "Other" });
    expect(other.status).toBe(422);
    expect((await problemOf(other)).code).toBe("invalid_argument");
    // The same key over Connect with the same request replays the REST response.
    const viaConnect = await rpcClient(server, ExecutiveService, token).commissionExecutive(
      { role: "r", name: "Idem" },
      { headers: { "idempotency-key": "k-1" } },
    );
    expect(viaConnect.executiveId).toBe(((await (await post("k-1", { role: "r", name: "Idem" })).json()) as { executiveId: string }).executiveId);

    const runs = await Promise.all(
      Array.from({ length: 8 }, () =>
        rest(server, token, "/v1/simulations:run", { method: "POST", json: { userId: "u", scenario: "once" }, headers: { "idempotency-key": "k-sim" } }),
      ),
    );
    const ids = new Set(await Promise.all(runs.map(async (r) => ((await r.json()) as { operationId: string }).operationId)));
    expect(runs.map((r) => r.status)).toEqual(Array(8).fill(202));
    expect(ids.size).toBe(1);
    const ops = (await (await rest(server, token, "/v1/operations")).json()) as { operations: { parameters: { scenario: string } }[] };
    expect(ops.operations.filter((o) => o.parameters.scenario === "once")).toHaveLength(1);
    // A failed request releases its key: the retry executes afresh.
    expect((await post("k-2", { role: "r", name: "Idem" })).status).toBe(409);
    expect((await post("k-2", { role: "r", name: "Idem" })).status).toBe(409);
    expect((await post("x".repeat(256), { role: "r", name: "Long key" })).status).toBe(400);
  });
});

describe("bad input answers 4xx, never 5xx", () => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = (await startTestServer("pglite"))!;
    token = await server.token("acme");
  });
  afterAll(async () => server?.close());

  it("over REST", async () => {
    const cases: [string, string, RequestInit & { json?: unknown }, number][] = [
      ["malformed JSON", "/v1/executives", { method: "POST", body: "{nope", headers: { "content-type": "application/json" } }, 400],
      ["array body", "/v1/executives", { method: "POST", json: [] }, 400],
      ["missing field", "/v1/executives", { method: "POST", json: { name: "No role" } }, 400],
      ["unknown field", "/v1/executives", { method: "POST", json: { name: "n", role: "r", rank: 1 } }, 400],
      ["wrong type", "/v1/executives", { method: "POST", json: { name: "n", role: 7 } }, 400],
      ["unknown enum", "/v1/executives?state=EXECUTIVE_STATE_BORED", {}, 400],
      ["bad page size", "/v1/executives?pageSize=1000", {}, 400],
      ["bad uuid", "/v1/executives/not-a-uuid", {}, 400],
      ["bad factor", "/v1/simulations:run", { method: "POST", json: { userId: "u", scenario: "s", factors: [{ name: "f", stddev: -1 }] } }, 400],
      ["too many trials", "/v1/simulations:run", { method: "POST", json: { userId: "u", scenario: "s", trials: 2_000_000 } }, 400],
      ["bad wait timeout", "/v1/operations/00000000-0000-4000-8000-000000000000:wait", { method: "POST", json: { timeout: "soon" } }, 400],
      ["oversized body", "/v1/executives", { method: "POST", json: { name: "n", role: "x".repeat(1_100_000) } }, 413],
      ["wrong content type", "/v1/executives", { method: "POST", body: "name=n", headers: { "content-type": "application/x-www-form-urlencoded" } }, 415],
      ["unknown path", "/v1/nothing-here", {}, 404],
      ["wrong method", "/v1/executives", { method: "DELETE" }, 405],
      ["unknown operation", "/v1/operations/00000000-0000-4000-8000-000000000000", {}, 404],
    ];
    for (const [name, path, init, status] of cases) {
      const res = await rest(server, token, path, init);
      expect(res.status, name).toBe(status);
      const p = await problemOf(res);
      expect(p.status, name).toBe(status);
    }
    const missing = await rest(server, token, "/v1/executives", { method: "POST", json: { name: "No role" } });
    expect((await problemOf(missing)).errors?.[0]?.field).toBe("role");
  });

  it("over Connect and gRPC", async () => {
    const call = (body: string | Uint8Array, contentType: string) =>
      fetch(`${server.url}/sovren.v1.ExecutiveService/CommissionExecutive`, {
        method: "POST",
        headers: { "content-type": contentType, authorization: `Bearer ${token}` },
        body,
      });
    const cases: [string, Response][] = [
      ["malformed JSON", await call("{nope", "application/json")],
      ["unknown enum", await fetch(`${server.url}/sovren.v1.ExecutiveService/ListExecutives`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ state: "EXECUTIVE_STATE_BORED" }) })],
      ["missing field", await call(JSON.stringify({ name: "No role" }), "application/json")],
      ["bad protobuf", await call(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), "application/proto")],
      ["oversized", await call(JSON.stringify({ name: "n", role: "x".repeat(1_100_000) }), "application/json")],
    ];
    for (const [name, res] of cases) {
      expect(res.status, name).toBeGreaterThanOrEqual(400);
      expect(res.status, name).toBeLessThan(500);
      const body = (await res.json()) as { code: string };
      expect(["invalid_argument", "resource_exhausted"], name).toContain(body.code);
    }
    const grpc = rpcClient(server, ExecutiveService, token, "grpc");
    const err = await grpc.commissionExecutive({ role: "", name: "n" }).catch((e) => ConnectError.from(e));
    expect((err as ConnectError).code).toBe(Code.InvalidArgument);
    const unknownEnum = toBinary(ExecutiveService.method.listExecutives.input, create(ExecutiveService.method.listExecutives.input, { state: 42 as never }));
    const res = await fetch(`${server.url}/sovren.v1.ExecutiveService/ListExecutives`, { method: "POST", headers: { "content-type": "application/proto", authorization: `Bearer ${token}` }, body: unknownEnum });
    expect(res.status).toBe(400);
  });

  it("reads a body that arrives in a later packet than its headers (HTTP/1.1 through the port sniffer)", async () => {
    const { connect } = await import("node:net");
    const body = JSON.stringify({ role: "r", name: "Split packets" });
    const socket = connect(new URL(server.url).port as unknown as number, "127.0.0.1");
    const response = new Promise<string>((resolve) => {
      let text = "";
      socket.on("data", (d) => {
        text += d.toString();
        if (text.includes("\r\n\r\n")) resolve(text);
      });
    });
    socket.write(`POST /v1/executives HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    await new Promise((r) => setTimeout(r, 50));
    socket.write(body);
    expect(await response).toMatch(/^HTTP\/1.1 201/);
    socket.destroy();
  });

  it("echoes request ids and trace context, and answers CORS preflights", async () => {
    const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const res = await rest(server, token, "/v1/executives", { headers: { traceparent: parent, "x-request-id": "req-123" } });
    expect(res.headers.get("x-request-id")).toBe("req-123");
    expect(res.headers.get("traceparent")).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect((await rest(server, token, "/v1/executives")).headers.get("traceparent")).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const pre = await fetch(`${server.url}/v1/executives`, { method: "OPTIONS", headers: { origin: "https://app.example", "access-control-request-method": "POST" } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("*");
    const get = await rest(server, token, "/v1/executives", { headers: { origin: "https://app.example" } });
    expect(get.headers.get("access-control-expose-headers")).toMatch(/X-Request-Id.*Retry-After/);
  });
});
