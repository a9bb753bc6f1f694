// Shared test setup: a real server on an ephemeral port over embedded PGlite
// and, when reachable, over a fresh database on the local PostgreSQL.
import { randomBytes } from "node:crypto";
import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import type { DescService } from "@bufbuild/protobuf";
import pg from "pg";
import { DEV_JWT_SECRET, mintToken, startServer, type RunningServer, type StartServerOptions } from "../src/index.js";
import type { Role } from "../src/domain/principal.js";
import { createLogger } from "../src/observability/logger.js";

export const ADMIN_URL = process.env.SOVREN_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

let reachable: Promise<boolean> | undefined;

/** Whether the local PostgreSQL answers; CI (SOVREN_REQUIRE_POSTGRES=1) fails instead of skipping. */
export function postgresReachable(): Promise<boolean> {
  reachable ??= (async () => {
    const c = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 });
    try {
      await c.connect();
      await c.end();
      return true;
    } catch (err) {
      if (process.env.SOVREN_REQUIRE_POSTGRES === "1") {
        throw new Error(`SOVREN_REQUIRE_POSTGRES=1 but PostgreSQL at ${ADMIN_URL} is unreachable: ${String(err)}`);
      }
      console.warn(`[server tests] PostgreSQL at ${ADMIN_URL} unreachable: skipping the real-PostgreSQL runs`);
      return false;
    }
  })();
  return reachable;
}

/** Creates `sovren_test_<random>`; `drop()` removes it. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `sovren_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const a = new pg.Client({ connectionString: ADMIN_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

export type Backend = "pglite" | "postgres";
export const BACKENDS: Backend[] = ["pglite", "postgres"];

export interface TestServer extends RunningServer {
  token(tenant: string, roles?: Role[], ttlSeconds?: number): Promise<string>;
}

/** Starts a server; for "postgres" on a fresh database, dropped on close. Undefined when PG is unreachable. */
export async function startTestServer(backend: Backend, options: StartServerOptions = {}): Promise<TestServer | undefined> {
  let database: { url: string; drop: () => Promise<void> } | undefined;
  if (backend === "postgres") {
    if (!(await postgresReachable())) return undefined;
    database = await createTestDatabase();
  }
  const server = await startServer({
    env: {},
    port: 0,
    host: "127.0.0.1",
    logger: createLogger("silent"),
    rateLimitRps: 100_000,
    rateLimitBurst: 100_000,
    deliveryDelayMs: 50,
    ...(database ? { databaseUrl: database.url } : {}),
    ...options,
  });
  return {
    ...server,
    token: (tenant, roles = ["admin"], ttlSeconds = 600) =>
      mintToken({ secret: DEV_JWT_SECRET, audience: "sovren", tenantId: tenant, roles, ttlSeconds, subject: `user-${tenant}` }),
    close: async () => {
      await server.close();
      await database?.drop();
    },
  };
}

export function rest(server: RunningServer, token: string | undefined, path: string, init: RequestInit & { json?: unknown } = {}) {
  const headers = new Headers(init.headers);
  if (token) headers.set("authorization", `Bearer ${token}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  return fetch(`${server.url}${path}`, { ...init, headers, body });
}

export type Transport = "connect" | "grpc" | "grpc-web";

export function rpcClient<S extends DescService>(server: RunningServer, service: S, token: string | undefined, transport: Transport = "connect"): Client<S> {
  const interceptors = [
    (next: any) => async (req: any) => {
      if (token) req.header.set("authorization", `Bearer ${token}`);
      return next(req);
    },
  ];
  const t =
    transport === "grpc"
      ? createGrpcTransport({ baseUrl: server.url, interceptors })
      : transport === "grpc-web"
        ? createGrpcWebTransport({ baseUrl: server.url, httpVersion: "1.1", interceptors })
        : createConnectTransport({ baseUrl: server.url, httpVersion: "1.1", interceptors });
  return createClient(service, t);
}

export const seedExecutive = { role: "Chief Strategy Officer", name: "Aurora", skills: ["forecasting", "negotiation"] };
