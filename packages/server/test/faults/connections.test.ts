// Idle and slow connections are closed after the configured timeouts while
// other clients are served; the protocol sniffer waits for enough bytes (a
// first packet of just "P" is not HTTP/2); errors Node's HTTP/1.1 parser
// answers itself come back as problem+json.
import http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminToken, parseRawResponse, rawConnection, sleep } from "../support/api.js";
import { spawnServer, type ServerProcess } from "../support/server-process.js";

const FIRST_BYTE_MS = 1_000;
const HEADERS_MS = 1_000;
const IDLE_MS = 1_500;

describe("idle and slow connections", () => {
  let server: ServerProcess;
  let token: string;

  beforeAll(async () => {
    server = await spawnServer({
      env: {
        SOVREN_FIRST_BYTE_TIMEOUT_MS: String(FIRST_BYTE_MS),
        SOVREN_HEADERS_TIMEOUT_MS: String(HEADERS_MS),
        SOVREN_IDLE_TIMEOUT_MS: String(IDLE_MS),
      },
    });
    token = await adminToken();
  });

  afterAll(async () => {
    server.kill("SIGTERM");
    expect((await server.exited).code).toBe(0);
    // Nothing the clients did here is a server error.
    expect(server.errorLines()).toEqual([]);
  });

  it("closes 200 connections that send nothing after the first-byte timeout, while serving others", async () => {
    const idle = Array.from({ length: 200 }, () => rawConnection(server.port));
    await Promise.all(idle.map((c) => c.connected));
    let served = 0;
    let failed = 0;
    const stopAt = performance.now() + FIRST_BYTE_MS + 1_000;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (performance.now() < stopAt) {
          const res = await fetch(`${server.url}/v1/executives?pageSize=1`, { headers: { authorization: `Bearer ${token}` } }).catch(() => undefined);
          if (res?.status === 200) served++;
          else failed++;
          await res?.arrayBuffer();
        }
      }),
    );
    const closed = await Promise.all(idle.map((c) => Promise.race([c.closed, sleep(10_000).then(() => ({ ms: Infinity, text: "" }))])));
    const ms = closed.map((c) => c.ms);
    console.log(`[faults] idle connections: ${JSON.stringify({ idle: 200, closed: ms.filter(Number.isFinite).length, minMs: Math.round(Math.min(...ms)), maxMs: Math.round(Math.max(...ms)), served, failed })}`);
    expect(ms.every(Number.isFinite)).toBe(true);
    expect(Math.min(...ms)).toBeGreaterThanOrEqual(FIRST_BYTE_MS - 50);
    expect(Math.max(...ms)).toBeLessThan(FIRST_BYTE_MS + 3_000);
    expect(closed.every((c) => c.text === "")).toBe(true);
    expect(served).toBeGreaterThan(0);
    expect(failed).toBe(0);
  });

  it("a first packet of just 'P' is not routed to HTTP/2: the rest decides", async () => {
    const c = rawConnection(server.port);
    await c.connected;
    c.socket.write("P");
    await sleep(300);
    c.socket.write("UT /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    const res = parseRawResponse((await c.closed).text);
    expect(res.status).toBe(405);
    expect(res.headers["content-type"]).toBe("application/problem+json");
  });

  it("a connection stuck in the middle of the HTTP/2 preface is closed after the first-byte timeout", async () => {
    const c = rawConnection(server.port);
    await c.connected;
    c.socket.write("PRI * HTTP/2.0\r\n");
    const { ms, text } = await c.closed;
    expect(text).toBe("");
    expect(ms).toBeGreaterThanOrEqual(FIRST_BYTE_MS - 50);
    expect(ms).toBeLessThan(FIRST_BYTE_MS + 3_000);
  });

  it("HTTP/2 still works, and an idle HTTP/2 session is closed (GOAWAY) after the idle timeout", async () => {
    const session = http2.connect(server.url);
    session.on("error", () => {});
    const closed = new Promise<number>((resolve) => session.once("close", () => resolve(performance.now())));
    const status = await new Promise<number>((resolve, reject) => {
      const req = session.request({ ":path": "/v1/health" });
      req.on("response", (h) => resolve(Number(h[":status"])));
      req.on("error", reject);
      req.resume();
      req.end();
    });
    const idleFrom = performance.now();
    expect(status).toBe(200);
    const ms = (await closed) - idleFrom;
    console.log(`[faults] idle HTTP/2 session closed after ${Math.round(ms)} ms`);
    expect(ms).toBeGreaterThanOrEqual(IDLE_MS - 100);
    expect(ms).toBeLessThan(IDLE_MS + 3_000);
  });

  it("an idle HTTP/1.1 keep-alive connection is closed after the idle timeout", async () => {
    const c = rawConnection(server.port);
    await c.connected;
    c.socket.write("GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    const { ms, text } = await c.closed;
    expect(parseRawResponse(text).status).toBe(200);
    expect(ms).toBeGreaterThanOrEqual(IDLE_MS - 100);
    expect(ms).toBeLessThan(IDLE_MS + 3_000);
  });

  it("headers that never finish: 408 problem+json after the headers timeout", async () => {
    const c = rawConnection(server.port);
    await c.connected;
    c.socket.write("GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    const { ms, text } = await c.closed;
    const res = parseRawResponse(text);
    expect(res.status).toBe(408);
    expect(res.headers["content-type"]).toBe("application/problem+json");
    expect(JSON.parse(res.body)).toMatchObject({ status: 408, code: "deadline_exceeded" });
    expect(ms).toBeLessThan(HEADERS_MS + 3_000);
  });
});

describe("errors of Node's HTTP/1.1 parser are problem+json", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await spawnServer();
  });
  afterAll(async () => {
    server.kill("SIGTERM");
    expect((await server.exited).code).toBe(0);
    expect(server.errorLines()).toEqual([]);
  });

  const send = async (bytes: string) => {
    const c = rawConnection(server.port);
    await c.connected;
    c.socket.write(bytes);
    return parseRawResponse((await c.closed).text);
  };

  it("headers over 16 KiB: 431", async () => {
    const res = await send(`GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${"a".repeat(20 * 1024)}\r\n\r\n`);
    expect(res.status).toBe(431);
    expect(res.headers["content-type"]).toBe("application/problem+json");
    expect(JSON.parse(res.body)).toMatchObject({ type: "about:blank", status: 431, title: "Request Header Fields Too Large", code: "resource_exhausted" });
    expect(JSON.parse(res.body).requestId).toBe(res.headers["x-request-id"]);
  });

  it("a malformed request line: 400", async () => {
    const res = await send("GARBAGE\r\n\r\n");
    expect(res.status).toBe(400);
    expect(res.headers["content-type"]).toBe("application/problem+json");
    expect(JSON.parse(res.body)).toMatchObject({ status: 400, code: "invalid_argument" });
  });

  it("a malformed header: 400", async () => {
    const res = await send("GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n");
    expect(res.status).toBe(400);
    expect(res.headers["content-type"]).toBe("application/problem+json");
  });
});
