import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError, NotFoundError, SovrenError, ValidationError } from "../src/index.js";
import { Sovren } from "../src/index.js";
import { Sovren as NodeSovren } from "../src/node.js";

describe("errors", () => {
  it("have stable names and is() checks that work without instanceof", () => {
    const err = new NotFoundError("gone", { status: 404, code: "not_found" });
    expect(err.name).toBe("NotFoundError");
    // A copy of the error from another instance of the package: same marker, other prototype.
    const foreign = Object.assign(Object.create(Error.prototype), err);
    for (const sym of Object.getOwnPropertySymbols(err)) Object.defineProperty(foreign, sym, { value: (err as never)[sym] });
    expect(foreign instanceof NotFoundError).toBe(false);
    expect(NotFoundError.is(foreign)).toBe(true);
    expect(APIError.is(foreign)).toBe(true);
    expect(SovrenError.is(foreign)).toBe(true);
    expect(APIConnectionError.is(foreign)).toBe(false);
    expect(APIConnectionError.is(new APIConnectionTimeoutError())).toBe(true);
  });

  it("reports an unreachable server as APIConnectionError on REST and Connect", async () => {
    for (const transport of ["rest", "connect"] as const) {
      const client = new Sovren({ baseUrl: "http://127.0.0.1:9", transport, maxRetries: 0, logLevel: "off" });
      const err = await client.health.check().catch((e: unknown) => e);
      expect(err, transport).toBeInstanceOf(APIConnectionError);
    }
  });

  it("names the origin and the system error code of a connection error, never the path, query or credentials", async () => {
    // A port nothing listens on (fetch refuses "bad ports" such as 9 before connecting).
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    for (const transport of ["rest", "connect", "grpc (node)"] as const) {
      const options = { baseUrl: `http://127.0.0.1:${port}/base`, maxRetries: 0, logLevel: "off" } as const;
      const client = transport === "grpc (node)" ? new NodeSovren({ ...options, transport: "grpc" }) : new Sovren({ ...options, transport });
      const err = (await client.executives.list({ pageSize: 1 }).catch((e: unknown) => e)) as APIConnectionError;
      expect(err, transport).toBeInstanceOf(APIConnectionError);
      expect(err.message, transport).toMatch(new RegExp(`^Connection error: cannot reach http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\): .*ECONNREFUSED`));
      expect(err.message, transport).not.toContain("/base");
      expect(err.message, transport).not.toContain("pageSize");
      expect(err, transport).toMatchObject({ systemCode: "ECONNREFUSED", origin: `http://127.0.0.1:${port}`, code: "unavailable" });
    }
    const dns = (await new Sovren({ baseUrl: "http://sovren-does-not-exist.invalid", maxRetries: 0, logLevel: "off" })
      .health.check()
      .catch((e: unknown) => e)) as APIConnectionError;
    expect(dns.systemCode).toMatch(/^E(NOTFOUND|AI_AGAIN)$/);
    expect(dns.message).toContain("cannot reach http://sovren-does-not-exist.invalid (E");
    const creds = (await new Sovren({ baseUrl: "http://user:secret@127.0.0.1:9", maxRetries: 0, logLevel: "off" })
      .health.check()
      .catch((e: unknown) => e)) as APIConnectionError;
    expect(creds.message).toContain("http://127.0.0.1:9");
    expect(creds.message).not.toContain("secret");
  });

  it("gives client-side validation errors status 400, code invalid_argument and clientSide", async () => {
    const err = (await new Sovren({ baseUrl: "http://127.0.0.1:9", logLevel: "off" })
      .executives.commission({ name: "x".repeat(101), role: "CSO" })
      .catch((e: unknown) => e)) as ValidationError;
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ status: 400, code: "invalid_argument", clientSide: true, source: "request" });
  });

  it("gives timeouts and aborts their Connect codes", () => {
    expect(new APIConnectionTimeoutError().code).toBe("deadline_exceeded");
    expect(new APIUserAbortError().code).toBe("canceled");
  });

  it("asks for @sovren/sdk/node for gRPC in the main entry", () => {
    expect(() => new Sovren({ transport: "grpc" })).toThrow(/@sovren\/sdk\/node/);
  });
});
