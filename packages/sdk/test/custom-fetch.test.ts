import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APIConnectionTimeoutError, APIUserAbortError, Sovren } from "../src/index.js";

// A server that answers 503 to every other request: the first attempt fails, the retry succeeds.
let server: Server;
let url: string;
let requests: { method: string; body: string }[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      requests.push({ method: req.method!, body });
      res.setHeader("content-type", "application/json");
      if (requests.length % 2 === 1) {
        res.statusCode = 503;
        res.end(JSON.stringify({ type: "about:blank", title: "Service Unavailable", status: 503, code: "unavailable" }));
      } else {
        res.statusCode = 201;
        res.end(JSON.stringify({ executiveId: "0b8e4a1c-2f4d-4c5e-9a6b-7c8d9e0f1a2b", status: "active", message: "ok" }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const quick = { logLevel: "off", maxRetries: 2 } as const;

describe("a custom fetch", () => {
  it("is called as fetch(url, init) with a string body, once per attempt, so wrappers can build a Request or read the body", async () => {
    requests = [];
    const calls: { url: unknown; body: unknown }[] = [];
    const wrapped: typeof fetch = async (input, init) => {
      calls.push({ url: input, body: init?.body });
      const request = new Request(input, init); // consumes nothing the SDK reuses
      return globalThis.fetch(request);
    };
    const sovren = new Sovren({ baseUrl: url, fetch: wrapped, ...quick });
    const created = await sovren.executives.commission({ name: "Aurora", role: "CSO" });
    expect(created.status).toBe("active");
    expect(calls).toHaveLength(2);
    expect(calls.map((c) => c.url)).toEqual([`${url}/v1/executives`, `${url}/v1/executives`]);
    expect(calls.map((c) => c.body)).toEqual([JSON.stringify({ name: "Aurora", role: "CSO" }), JSON.stringify({ name: "Aurora", role: "CSO" })]);
    expect(requests.map((r) => r.body)).toEqual(calls.map((c) => c.body));
  });

  it("may call the inner fetch twice with the same init (its own retry)", async () => {
    requests = [];
    const retrying: typeof fetch = async (input, init) => {
      const first = await globalThis.fetch(input, init);
      return first.status === 503 ? globalThis.fetch(input, init) : first;
    };
    const created = await new Sovren({ baseUrl: url, fetch: retrying, ...quick, maxRetries: 0 }).executives.commission({ name: "Nova", role: "CFO" });
    expect(created.status).toBe("active");
    expect(requests.map((r) => r.body)).toEqual([JSON.stringify({ name: "Nova", role: "CFO" }), JSON.stringify({ name: "Nova", role: "CFO" })]);
  });

  // A fetch that never looks at init.signal and answers after 3 s.
  const ignoresSignal: typeof fetch = () => new Promise((resolve) => setTimeout(() => resolve(Response.json({ status: "SERVING" })), 3_000));

  it.each(["rest", "connect"] as const)("cannot hold the call after an abort (%s)", async (transport) => {
    const sovren = new Sovren({ baseUrl: url, fetch: ignoresSignal, transport, ...quick });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    const err = await sovren.health.check({ signal: controller.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIUserAbortError);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it("cannot hold a stream's opening after an abort", async () => {
    const sovren = new Sovren({ baseUrl: url, fetch: ignoresSignal, ...quick });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    const err = await (async () => {
      for await (const _ of sovren.operations.watch("0b8e4a1c-2f4d-4c5e-9a6b-7c8d9e0f1a2b", { signal: controller.signal })) void _;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIUserAbortError);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it("cannot hold an attempt past its timeout", async () => {
    const sovren = new Sovren({ baseUrl: url, fetch: ignoresSignal, ...quick, maxRetries: 0, timeout: 100 });
    const started = Date.now();
    const err = await sovren.health.check().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIConnectionTimeoutError);
    expect(Date.now() - started).toBeLessThan(600);
  });
});
